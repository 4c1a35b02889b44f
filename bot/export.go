package bot

import (
	"bytes"
	"encoding/hex"
	"io"
	"strconv"
	"time"

	"github.com/entraide/entraide/ledger"
)

// ExchangeCSV writes journal entries as CSV, one row each, with the columns
// an auditor needs: nothing is summarised away.
type ExchangeCSV struct {
	w *CSVWriter
}

// ExchangeCSVHeader names the columns of ExchangeCSV.
func ExchangeCSVHeader() []string {
	return []string{"id", "time_utc", "from", "to", "minutes", "category", "note", "reverses", "reversed_by", "reason", "actor", "source", "chain_hash"}
}

// NewExchangeCSV writes the header to w.
func NewExchangeCSV(w io.Writer) (*ExchangeCSV, error) {
	c := &ExchangeCSV{w: NewCSVWriter(w)}
	return c, c.w.Write(ExchangeCSVHeader())
}

// Write adds one entry.
func (c *ExchangeCSV) Write(e ledger.Exchange) error {
	return c.w.Write([]string{
		strconv.FormatInt(int64(e.ID), 10),
		e.CreatedAt.UTC().Format(time.RFC3339),
		accountLabel(e.FromName, e.FromKind),
		accountLabel(e.ToName, e.ToKind),
		strconv.FormatInt(e.Minutes, 10),
		e.Category,
		e.Note,
		idOrEmpty(int64(e.Reverses)),
		idOrEmpty(int64(e.ReversedBy)),
		e.Reason,
		e.ActorName,
		e.Source,
		hex.EncodeToString(e.Hash),
	})
}

// Flush writes what is buffered and reports any write error.
func (c *ExchangeCSV) Flush() error {
	return c.w.Flush()
}

func accountLabel(name string, kind ledger.AccountKind) string {
	if kind == ledger.KindCommons {
		return "(commons)"
	}
	return name
}

func idOrEmpty(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func cmdExport(r *request) error {
	if len(r.args) > 0 {
		return refuse(msgUsage, map[string]any{"Usage": r.tr.S(msgUsageExport, nil)})
	}
	acct, entries, err := r.bot.ledger.Statement(r.ctx, r.com.id, r.sender())
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		r.reply(Reply{Text: r.tr.S(msgExportEmpty, nil), Private: true})
		return nil
	}
	var buf bytes.Buffer
	out, err := NewExchangeCSV(&buf)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := out.Write(e); err != nil {
			return err
		}
	}
	if err := out.Flush(); err != nil {
		return err
	}
	name := "entraide-" + r.com.Slug + "-" + safeFileName(r.msg.Sender.ID) + "-" + r.bot.now().In(r.com.Location).Format("2006-01-02") + ".csv"
	r.reply(Reply{
		Text:    r.tr.N(msgExportOK, len(entries), map[string]any{"Balance": r.tr.Signed(acct.Balance)}),
		Private: true,
		File:    &File{Name: name, MIME: "text/csv", Data: buf.Bytes()},
	})
	return nil
}

// safeFileName keeps letters, digits, dots, dashes and underscores.
func safeFileName(s string) string {
	out := []rune{}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
			out = append(out, c)
		default:
			out = append(out, '_')
		}
	}
	return string(out)
}
