package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// buildRevision is the VCS revision given at link time (-ldflags "-X
// main.buildRevision=…") where the build has no VCS information, as in
// the Docker image, whose context leaves .git out.
var buildRevision string

// version is what the binary says of itself.
type version struct {
	Module   string // the module version, "(devel)" for a build from a checkout
	Revision string // the VCS revision, "" when unknown
	Time     string // the revision's time
	Modified bool   // built from a tree with uncommitted changes
	Go       string
}

func currentVersion() version {
	v := version{Module: "(unknown)", Revision: buildRevision}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Module, v.Go = info.Main.Version, info.GoVersion
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// String is the one line `entraide version` prints and the logs carry.
func (v version) String() string {
	rev := v.Revision
	if rev == "" {
		rev = "unknown"
	}
	s := fmt.Sprintf("entraide %s (revision %s", v.Module, rev)
	if v.Time != "" {
		s += ", " + v.Time
	}
	if v.Modified {
		s += ", modified"
	}
	return s + ", " + v.Go + ")"
}

// short is the version for the start-up line and the metrics.
func (v version) short() string {
	if v.Revision == "" {
		return v.Module
	}
	rev := v.Revision
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if v.Modified {
		rev += "+modified"
	}
	return v.Module + "@" + rev
}

// cmdVersion prints the version.
func cmdVersion(_ context.Context, args []string, io stdio) error {
	fs, _ := newFlags("version", io)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	_, err := fmt.Fprintln(io.out, currentVersion())
	return err
}
