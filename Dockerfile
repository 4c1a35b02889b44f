# Build: docker build --build-arg VCS_REF=$(git rev-parse HEAD) -t entraide .
# Run:   docker run -it -v entraide-data:/data entraide             (the console chat)
#        docker compose -f deploy/compose.yaml up -d                 (a platform, see README)
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# go-sqlite3 needs cgo; the binary links glibc dynamically, like the runtime
# image. goolm is mautrix's pure-Go end-to-end encryption for Matrix. The
# build context has no .git (.dockerignore), so the revision comes in as
# an argument for `entraide version`.
ARG VCS_REF=""
RUN CGO_ENABLED=1 go build -tags goolm -trimpath \
      -ldflags="-s -w -X main.buildRevision=${VCS_REF}" -o /out/entraide ./cmd/entraide
# The image's config keeps its files in the /data volume: paths in a config
# are relative to the config's folder, so the shipped ./data/entraide.db
# would land in /etc/entraide.
# It also serves /healthz on loopback, for the HEALTHCHECK.
RUN sed -e 's#^database: ./data/entraide.db#database: /data/entraide.db#' \
        -e 's#^  folder: ./data/backups#  folder: /data/backups#' \
        -e 's#^  listen: ""#  listen: "127.0.0.1:9464"#' \
      config.yaml > /out/config.yaml \
 && grep -q '^database: /data/entraide.db$' /out/config.yaml \
 && grep -q '^  folder: /data/backups$' /out/config.yaml \
 && grep -q '^  listen: "127.0.0.1:9464"' /out/config.yaml

FROM debian:bookworm-slim
ARG VCS_REF=""
LABEL org.opencontainers.image.title="Entraide" \
      org.opencontainers.image.description="A time bank, decisions by consent and mediation for cooperatives, on Matrix, Discord and a console" \
      org.opencontainers.image.source="https://github.com/entraide/entraide" \
      org.opencontainers.image.revision="${VCS_REF}"
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin entraide \
 && mkdir -p /data /etc/entraide \
 && chown entraide:entraide /data
COPY --from=build /out/entraide /usr/local/bin/entraide
COPY --from=build /out/config.yaml /etc/entraide/config.yaml
# Every entraide command in the container reads this config, so that
# `docker exec <container> entraide backup /data/backups/x.db` (or verify,
# restore, health) needs no flag.
ENV ENTRAIDE_CONFIG=/etc/entraide/config.yaml
USER entraide
WORKDIR /data
VOLUME /data
# Asks /healthz: a config mounted over the image's must set http.listen
# too (see deploy/compose.yaml).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["entraide", "health"]
ENTRYPOINT ["entraide"]
CMD ["run"]
