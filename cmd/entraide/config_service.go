package main

import (
	"fmt"
	"net"

	"github.com/robfig/cron/v3"
)

// checkService checks the settings of the service around the bot: its
// HTTP listener and its scheduled backups.
func (cfg Config) checkService() error {
	if l := cfg.HTTP.Listen; l != "" {
		if _, _, err := net.SplitHostPort(l); err != nil {
			return fmt.Errorf("config: http.listen: %q is not an address like 127.0.0.1:9464: %v", l, err)
		}
	}
	if s := cfg.Backups.Schedule; s != "" {
		if _, err := cron.ParseStandard(s); err != nil {
			return fmt.Errorf("config: backups.schedule: %q is not a cron line like \"0 3 * * *\" (every night at 03:00): %v", s, err)
		}
	}
	if cfg.Backups.Keep < 1 {
		return fmt.Errorf("config: backups.keep: %d: keep at least 1", cfg.Backups.Keep)
	}
	return nil
}
