package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"

	"github.com/entraide/entraide/bot"
)

// cmdNewsletter prints the issue a community's newsletter would send now:
// the period since the last issue, composed from the ledger. Nothing is
// sent or recorded.
func cmdNewsletter(ctx context.Context, args []string, io stdio) error {
	fs, c := newFlags("newsletter", io)
	community := fs.String("community", "", "community id (default: the only one configured)")
	format := fs.String("format", "markdown", "markdown or html")
	chart := fs.String("chart", "", "also write the chart (PNG) to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	f, ok := bot.ParseNewsletterFormat(*format)
	if !ok {
		fmt.Fprintf(io.err, "entraide newsletter: --format: want markdown or html, got %q\n", *format)
		return errUsage
	}
	e, err := c.openExisting(ctx, io)
	if err != nil {
		return err
	}
	defer e.db.Close()
	slug := *community
	if slug == "" {
		if len(e.communities) != 1 {
			fmt.Fprintf(io.err, "entraide newsletter: --community is required: %d communities are configured\n", len(e.communities))
			return errUsage
		}
		slug = e.communities[0].Slug
	}
	b, err := e.newBot(ctx)
	if err != nil {
		return err
	}
	n, err := b.ComposeNewsletter(ctx, slug, f)
	if err != nil {
		return err
	}
	text := n.Text(f)
	if f == bot.NewsletterHTML {
		// The page shows the chart by the name it is written to, or
		// carries it when it is not written.
		src := *chart
		if src == "" {
			src = "data:image/png;base64," + base64.StdEncoding.EncodeToString(n.PNG)
		}
		text = n.HTMLWithChart(src)
	}
	if _, err := fmt.Fprintln(io.out, text); err != nil {
		return err
	}
	if *chart != "" {
		if err := makeDir(*chart); err != nil {
			return err
		}
		if err := os.WriteFile(*chart, n.PNG, 0o600); err != nil {
			return err
		}
		if err := os.Chmod(*chart, 0o600); err != nil {
			return err
		}
	}
	return nil
}
