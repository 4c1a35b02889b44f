package main

import (
	"os"
	"path/filepath"
)

// resolvePaths makes the file paths of a configuration read from a file
// relative to that file's folder, not to the working directory: the
// Docker image's WORKDIR and a systemd unit's are not the config's, and a
// tool run beside the bot must open the same files.
func (cfg *Config) resolvePaths(dir string) {
	for _, p := range []*string{&cfg.Database, &cfg.Console.Files, &cfg.Matrix.CryptoDB, &cfg.Backups.Folder} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}

// makeDir creates the folder a file is written to ("" names no file).
func makeDir(file string) error {
	if file == "" {
		return nil
	}
	return os.MkdirAll(filepath.Dir(file), 0o700)
}
