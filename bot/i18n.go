package bot

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"github.com/entraide/entraide/schedules"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

//go:embed locales/*.yaml
var localeFiles embed.FS

// Languages lists the languages the catalogues cover; every message exists
// in each, French first.
func Languages() []string { return []string{"fr", "en"} }

// SupportedLanguage reports whether replies can be written in lang.
func SupportedLanguage(lang string) bool { return lang == "fr" || lang == "en" }

// Catalog holds every message the bot can say, in every language.
type Catalog struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	keywords   map[string]map[string]bool // keywords.go
	words      *schedules.Words           // keywords.go
}

// NewCatalog loads the embedded French and English catalogues.
func NewCatalog() (*Catalog, error) {
	bundle := i18n.NewBundle(language.French)
	names, err := fs.Glob(localeFiles, "locales/*.yaml")
	if err != nil {
		return nil, err
	}
	unmarshal := map[string]i18n.UnmarshalFunc{"yaml": yaml.Unmarshal}
	for _, name := range names {
		raw, err := fs.ReadFile(localeFiles, name)
		if err != nil {
			return nil, err
		}
		file, err := i18n.ParseMessageFileBytes(raw, name, unmarshal)
		if err != nil {
			return nil, fmt.Errorf("bot: load %s: %w", name, err)
		}
		if base, _ := file.Tag.Base(); base.String() == "fr" {
			for _, m := range file.Messages {
				for _, form := range []*string{&m.Zero, &m.One, &m.Two, &m.Few, &m.Many, &m.Other} {
					*form = frenchTypography(*form)
				}
			}
		}
		if err := bundle.AddMessages(file.Tag, file.Messages...); err != nil {
			return nil, fmt.Errorf("bot: load %s: %w", name, err)
		}
	}
	c := &Catalog{bundle: bundle, localizers: map[string]*i18n.Localizer{}}
	for _, l := range Languages() {
		c.localizers[l] = i18n.NewLocalizer(bundle, l)
	}
	c.loadKeywords()
	return c, nil
}

// Tr is a Catalog bound to one language.
type Tr struct {
	c    *Catalog
	lang string
}

// In binds the catalogue to lang (French when lang is not supported).
func (c *Catalog) In(lang string) Tr {
	if _, ok := c.localizers[lang]; !ok {
		lang = "fr"
	}
	return Tr{c: c, lang: lang}
}

// Lang is the bound language.
func (t Tr) Lang() string { return t.lang }

// S renders message id with data (a map or struct for the template).
// A missing message is a bug; its ID is shown rather than nothing.
func (t Tr) S(id string, data any) string {
	s, err := t.c.localizers[t.lang].Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return "[" + id + "]"
	}
	return s
}

// N renders a message with plural forms chosen by count.
func (t Tr) N(id string, count int, data map[string]any) string {
	if data == nil {
		data = map[string]any{}
	}
	data["Count"] = count
	s, err := t.c.localizers[t.lang].Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil {
		return "[" + id + "]"
	}
	return s
}

// List joins items as a person would: "a, b and c" / "a, b et c".
func (t Tr) List(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + t.S(msgListAnd, nil) + " " + items[len(items)-1]
}
