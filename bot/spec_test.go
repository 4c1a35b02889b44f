package bot

import (
	"context"
	"strings"
	"testing"
)

func TestSpecsDescribeEveryInvocableCommand(t *testing.T) {
	b := newTestBot(t, Options{})
	specs := b.Specs("test", "r")
	byPath := map[string]Spec{}
	for _, s := range specs {
		byPath[strings.Join(s.Path, " ")] = s
		for _, lang := range Languages() {
			if s.Descriptions[lang] == "" || strings.HasPrefix(s.Descriptions[lang], "[") {
				t.Errorf("%v has no %s description", s.Path, lang)
			}
			if len(s.Names[lang]) != len(s.Path) {
				t.Errorf("%v: %s names %v", s.Path, lang, s.Names[lang])
			}
		}
	}
	for _, want := range []string{"give", "balance", "history", "undo", "reverse", "commons balance", "commons give", "commons history", "export", "help"} {
		if _, ok := byPath[want]; !ok {
			t.Errorf("no spec for %q", want)
		}
	}
	if _, ok := byPath["commons"]; ok {
		t.Error("a command group is listed as a command")
	}
	give := byPath["give"]
	if got := strings.Join(give.Names["fr"], " "); got != "donner" {
		t.Errorf("French name of give = %q", got)
	}
	if len(give.Options) != 4 || give.Options[3].Kind != OptionCategory || len(give.Options[3].Choices) != 6 {
		t.Fatalf("give options = %+v", give.Options)
	}
	if give.Options[3].Choices[3].Names["fr"] != "soutien" {
		t.Errorf("category choice names = %v", give.Options[3].Choices[3].Names)
	}
	if !byPath["reverse"].Moderator || byPath["give"].Moderator {
		t.Error("moderator flags are wrong")
	}

	// The text form is what the core parses: a native invocation and a
	// typed one record the same gift.
	text := give.Text(map[string]string{"amount": "2h", "members": "@bob", "note": "the garden", "category": "production"})
	if text != "/give 2h @bob for the garden #production" {
		t.Fatalf("text = %q", text)
	}
	r := only(t, b.Handle(context.Background(), msg("e1", "ana", text, "bob")))
	if !strings.Contains(r.Text, "gave 2h to @bob for “the garden” · #production") {
		t.Errorf("reply = %q", r.Text)
	}
	if got := byPath["history"].Text(map[string]string{"page": "x2"}); got != "/history" {
		t.Errorf("a non-number page rendered as %q", got)
	}
	if got := byPath["commons balance"].Text(nil); got != "/commons balance" {
		t.Errorf("commons balance = %q", got)
	}
	r = only(t, b.Handle(context.Background(), msg("e2", "ana", "/commons balance")))
	if !strings.Contains(r.Text, "commons' balance") {
		t.Errorf("/commons balance reply = %q", r.Text)
	}
}
