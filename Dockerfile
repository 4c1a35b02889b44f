# Build: docker build -t entraide .
# Run:   docker run -it -v entraide-data:/data entraide
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# go-sqlite3 needs cgo; the binary links glibc dynamically, like the runtime
# image. goolm is mautrix's pure-Go end-to-end encryption for Matrix.
RUN CGO_ENABLED=1 go build -tags goolm -trimpath -ldflags="-s -w" -o /out/entraide ./cmd/entraide

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin entraide \
 && mkdir -p /data /etc/entraide \
 && chown entraide:entraide /data
COPY --from=build /out/entraide /usr/local/bin/entraide
COPY config.yaml /etc/entraide/config.yaml
USER entraide
WORKDIR /data
VOLUME /data
ENTRYPOINT ["entraide"]
CMD ["run", "--config", "/etc/entraide/config.yaml", "--db", "/data/entraide.db"]
