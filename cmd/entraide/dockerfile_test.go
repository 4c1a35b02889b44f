package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The Docker image's config is the shipped one with its paths made
// absolute in the /data volume and /healthz served on loopback, by sed
// expressions in the Dockerfile. No Docker engine runs in CI: this checks
// that each expression still finds its line in config.yaml and that the
// result is what the image documents.
func TestDockerImageConfig(t *testing.T) {
	dockerfile, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	exprs := regexp.MustCompile(`-e 's#\^([^#]*)#([^#]*)#'`).FindAllStringSubmatch(string(dockerfile), -1)
	if len(exprs) != 3 {
		t.Fatalf("found %d sed expressions in the Dockerfile, want 3", len(exprs))
	}
	text := string(raw)
	for _, e := range exprs {
		line := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(e[1]))
		if !line.MatchString(text) {
			t.Errorf("config.yaml has no line starting %q for the Dockerfile to rewrite", e[1])
		}
		text = line.ReplaceAllLiteralString(text, e[2])
	}
	cfg, err := ParseConfig([]byte(text), noEnv)
	if err != nil {
		t.Fatalf("the image's config does not parse: %v", err)
	}
	if cfg.Database != "/data/entraide.db" || cfg.Backups.Folder != "/data/backups" || cfg.HTTP.Listen != "127.0.0.1:9464" {
		t.Errorf("image config: database %q, backups %q, listen %q", cfg.Database, cfg.Backups.Folder, cfg.HTTP.Listen)
	}
	for _, want := range []string{"ENV ENTRAIDE_CONFIG=/etc/entraide/config.yaml", `HEALTHCHECK`, `CMD ["entraide", "health"]`,
		"org.opencontainers.image.revision", "VOLUME /data"} {
		if !strings.Contains(string(dockerfile), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	ignore, err := os.ReadFile(filepath.Join("..", "..", ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".git", "data/"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want) + `$`).Match(ignore) {
			t.Errorf(".dockerignore does not leave out %s", want)
		}
	}
}
