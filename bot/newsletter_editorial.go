package bot

import (
	"context"

	"github.com/entraide/entraide/ledger"
)

// An editorial: a moderator's few words that open the next issue of the
// newsletter. The latest one written before the issue is the one printed.

// EditorialLedger is what editorials need from the ledger.
type EditorialLedger interface {
	WriteEditorial(ctx context.Context, req ledger.NewsRequest) (*ledger.EditorialReceipt, error)
	NextEditorial(ctx context.Context, c ledger.CommunityID) (ledger.Editorial, bool, error)
}

func cmdNewsletterEditorial(r *request) error {
	text := r.textAfter(1)
	if text == "" {
		return r.usage()
	}
	rec, err := r.bot.ledger.WriteEditorial(r.ctx, ledger.NewsRequest{Header: r.header(), Text: text})
	if err != nil {
		return err
	}
	r.replyWritten(rec.Replayed, msgEditorialReplayed, msgEditorialSaved, map[string]any{"Command": r.cmdPath("newsletter")},
		"editorial written", "editorial", rec.Editorial.ID)
	return nil
}

// editorialSection opens the issue with its editorial, if there is one.
func editorialSection(tr Tr, n *Newsletter, add func(kind, text string, items ...string)) {
	if n.Editorial == nil {
		return
	}
	add("h2", tr.S(msgNewsletterEditorialTitle, nil))
	add("p", tr.S(msgNewsletterEditorialText, map[string]any{"Text": n.Editorial.Text, "Name": n.Editorial.Author.Name}))
}
