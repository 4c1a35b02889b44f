package bot

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/entraide/entraide/ledger"
)

// DecisionCSV writes the decision log as CSV: one row per version of each
// proposal, with its tally at the end of that version's round, the
// concerns, and every objection raised in it with what became of it.
type DecisionCSV struct {
	w *CSVWriter
}

// DecisionCSVHeader names the columns of DecisionCSV.
func DecisionCSVHeader() []string {
	return []string{"community", "number", "version", "text", "proposer", "opened_utc", "deadline_utc", "closed_utc", "outcome",
		"consents", "concerns", "stand_asides", "standing_objections", "withdrawn", "concern_texts", "objections",
		"closed_early_by", "close_reason"}
}

// NewDecisionCSV writes the header to w.
func NewDecisionCSV(w io.Writer) (*DecisionCSV, error) {
	c := &DecisionCSV{w: NewCSVWriter(w)}
	return c, c.w.Write(DecisionCSVHeader())
}

// DecisionRow is one version of a proposal in the decision log.
type DecisionRow struct {
	Number     int
	Version    int
	Text       string
	Proposer   string
	Opened     time.Time // when this version opened
	Deadline   time.Time
	Closed     time.Time // when this version's round ended: amended or closed; zero while open
	Outcome    string    // adopted, not_adopted, amended (a later version replaced it) or open
	Tally      ledger.Tally
	Concerns   []string // "name: text"
	Objections []string // "name: reason [what became of it]"
	// ClosedBy closed the proposal before its deadline (the last
	// version's row only), with CloseReason when a moderator gave one.
	ClosedBy    string
	CloseReason string
}

// DecisionRows is the decision log of one proposal, oldest version first.
func DecisionRows(p ledger.Proposal) []DecisionRow {
	var rows []DecisionRow
	for i, v := range p.Versions {
		row := DecisionRow{Number: p.Number, Version: v.Number, Text: v.Text, Proposer: p.Proposer.Name,
			Opened: v.CreatedAt, Deadline: p.Deadline, Tally: p.TallyOf(v.Number)}
		switch {
		case i+1 < len(p.Versions):
			row.Closed, row.Outcome = p.Versions[i+1].CreatedAt, "amended"
		case p.Open():
			row.Outcome = "open"
		default:
			row.Closed, row.Outcome = p.ClosedAt, string(p.Outcome)
			if p.ClosedBy != nil {
				row.ClosedBy, row.CloseReason = p.ClosedBy.Name, p.CloseReason
			}
		}
		for _, c := range row.Tally.Concern {
			row.Concerns = append(row.Concerns, c.Voter.Name+": "+c.Text)
		}
		for _, o := range p.Objections() {
			if o.Version != v.Number {
				continue
			}
			state, next := p.ObjectionState(o)
			what := string(state)
			switch {
			case state == ledger.ObjectionResolved:
				what = fmt.Sprintf("%s by %s: %s", o.Resolution.Kind, o.Resolution.Actor.Name, o.Resolution.Reason)
			case state == ledger.ObjectionChanged:
				what = "changed to " + string(next.Kind)
			case state == ledger.ObjectionStanding && !p.Open():
				what = "stood"
			}
			row.Objections = append(row.Objections, fmt.Sprintf("%s: %s [%s]", o.Voter.Name, o.Text, what))
		}
		rows = append(rows, row)
	}
	return rows
}

// Write adds the rows of one proposal.
func (c *DecisionCSV) Write(community string, p ledger.Proposal) error {
	for _, r := range DecisionRows(p) {
		if err := c.w.Write([]string{
			community,
			strconv.Itoa(r.Number),
			strconv.Itoa(r.Version),
			r.Text,
			r.Proposer,
			utcOrEmpty(r.Opened),
			utcOrEmpty(r.Deadline),
			utcOrEmpty(r.Closed),
			r.Outcome,
			strconv.Itoa(len(r.Tally.Consent)),
			strconv.Itoa(len(r.Tally.Concern)),
			strconv.Itoa(len(r.Tally.StandAside)),
			strconv.Itoa(len(r.Tally.Standing)),
			strconv.Itoa(len(r.Tally.Withdrawn)),
			strings.Join(r.Concerns, "; "),
			strings.Join(r.Objections, "; "),
			r.ClosedBy,
			r.CloseReason,
		}); err != nil {
			return err
		}
	}
	return nil
}

// Flush writes what is buffered and reports any write error.
func (c *DecisionCSV) Flush() error {
	return c.w.Flush()
}

func utcOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
