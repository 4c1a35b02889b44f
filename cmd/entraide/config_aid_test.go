package main

import (
	"testing"
	"time"
)

func TestConfigAid(t *testing.T) {
	com := parseCommunity(t, "aid:", `  room: "matrix:!aid:example.org"`, "  need_expiry: 2w")
	if s := com.Aid; s.Room != "matrix:!aid:example.org" || s.NeedExpiry != 14*24*time.Hour {
		t.Errorf("settings %+v", s)
	}
	def, _ := ParseConfig([]byte(oneCommunity()), noEnv)
	dc, _ := def.BotCommunities()
	if d := dc[0].Aid; d.Room != "" || d.NeedExpiry != 0 {
		t.Errorf("defaults %+v", d)
	}
}

func TestConfigAidErrors(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		want       []string
	}{
		{"room", "aid: {room: offers}", []string{"communities[0]", "aid.room"}},
		{"expiry", "aid: {need_expiry: monthly}", []string{"aid.need_expiry", `"monthly"`}},
		{"zero expiry", "aid: {need_expiry: 0d}", []string{"aid.need_expiry"}},
		{"unknown field", "aid: {rooms: \"console:x\"}", []string{"rooms"}},
	} {
		t.Run(tc.name, func(t *testing.T) { wantRefused(t, tc.line, tc.want) })
	}
}
