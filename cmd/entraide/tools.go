package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/ledger"
)

// cmdBalances prints every account of every community.
func cmdBalances(ctx context.Context, args []string, io stdio) error {
	fs, c := newFlags("balances", io)
	asCSV := fs.Bool("csv", false, "write CSV (community, account, kind, minutes)")
	e, err := c.parseAndOpen(ctx, fs, args, io)
	if err != nil {
		return err
	}
	defer e.db.Close()
	slugs, err := e.db.Communities(ctx)
	if err != nil {
		return err
	}
	accounts, err := e.db.Accounts(ctx, 0)
	if err != nil {
		return err
	}
	if *asCSV {
		w := bot.NewCSVWriter(io.out)
		w.Write([]string{"community", "account", "kind", "minutes"})
		for _, a := range accounts {
			w.Write([]string{slugs[a.Community], a.Name, string(a.Kind), strconv.FormatInt(a.Balance, 10)})
		}
		return w.Flush()
	}
	tw := tabwriter.NewWriter(io.out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "community\taccount\tbalance\t")
	for _, a := range accounts {
		name := a.Name
		if a.Kind == ledger.KindCommons {
			name = "(commons)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", termSafe(slugs[a.Community]), termSafe(name), bot.FormatMinutes(a.Balance))
	}
	return tw.Flush()
}

// cmdExport prints every entry of the journal, oldest first, or with
// --decisions the decision log.
func cmdExport(ctx context.Context, args []string, io stdio) error {
	fs, c := newFlags("export", io)
	asCSV := fs.Bool("csv", false, "write CSV: "+fmt.Sprint(bot.ExchangeCSVHeader())+
		", or with --decisions: "+fmt.Sprint(bot.DecisionCSVHeader()))
	decisions := fs.Bool("decisions", false, "print the decision log instead: one row per version of each proposal")
	cases := fs.Bool("cases", false, "print the log of the mediation cases instead (for moderators: it holds their notes): "+
		fmt.Sprint(caseCSVHeader))
	council := fs.Bool("council", false, "print the council's draws by lot instead, with what re-runs each: "+fmt.Sprint(councilCSVHeader))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cases && *council || (*cases || *council) && *decisions {
		fmt.Fprintln(io.err, "entraide export: choose one of --decisions, --cases and --council")
		return errUsage
	}
	e, err := c.openExisting(ctx, io)
	if err != nil {
		return err
	}
	defer e.db.Close()
	if *decisions {
		return exportDecisions(ctx, e, io, *asCSV)
	}
	if *cases {
		return exportCases(ctx, e, io, *asCSV)
	}
	if *council {
		return exportCouncil(ctx, e, io, *asCSV)
	}
	if *asCSV {
		w, err := bot.NewExchangeCSV(io.out)
		if err != nil {
			return err
		}
		if err := e.db.EachExchange(ctx, w.Write); err != nil {
			return err
		}
		return w.Flush()
	}
	return writeTable(io, "id\ttime (UTC)\tfrom\tto\tamount\tcategory\tnote\treverses\t", func(tw *tabwriter.Writer) error {
		return e.db.EachExchange(ctx, func(x ledger.Exchange) error {
			rev := ""
			if x.Reverses != 0 {
				rev = "#" + strconv.FormatInt(int64(x.Reverses), 10) + " " + x.Reason
			}
			_, err := fmt.Fprintf(tw, "#%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", x.ID, x.CreatedAt.Format("2006-01-02 15:04"),
				termSafe(label(x.FromName, x.FromKind)), termSafe(label(x.ToName, x.ToKind)), bot.FormatMinutes(x.Minutes),
				termSafe(x.Category), termSafe(x.Note), termSafe(rev))
			return err
		})
	})
}

// writeTable prints the table of an export: its header (cells ended by
// tabs), then the rows fill writes, aligned.
func writeTable(io stdio, header string, fill func(tw *tabwriter.Writer) error) error {
	tw := tabwriter.NewWriter(io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	if err := fill(tw); err != nil {
		return err
	}
	return tw.Flush()
}

// exportDecisions prints every proposal of every community, oldest first,
// one row per version.
func exportDecisions(ctx context.Context, e *env, io stdio, asCSV bool) error {
	slugs, err := e.db.Communities(ctx)
	if err != nil {
		return err
	}
	proposals, err := e.db.Proposals(ctx, 0, ledger.ProposalsAll)
	if err != nil {
		return err
	}
	sort.SliceStable(proposals, func(i, j int) bool {
		a, b := proposals[i], proposals[j]
		if slugs[a.Community] != slugs[b.Community] {
			return slugs[a.Community] < slugs[b.Community]
		}
		return a.Number < b.Number
	})
	if asCSV {
		w, err := bot.NewDecisionCSV(io.out)
		if err != nil {
			return err
		}
		for _, p := range proposals {
			if err := w.Write(slugs[p.Community], p); err != nil {
				return err
			}
		}
		return w.Flush()
	}
	return writeTable(io, "community\tproposal\topened (UTC)\tdeadline (UTC)\toutcome\tconsent/concern/aside/objection\ttext\t", func(tw *tabwriter.Writer) error {
		for _, p := range proposals {
			for _, r := range bot.DecisionRows(p) {
				_, err := fmt.Fprintf(tw, "%s\t#%d v%d\t%s\t%s\t%s\t%d/%d/%d/%d\t%s\t\n", slugs[p.Community], r.Number, r.Version,
					r.Opened.Format("2006-01-02 15:04"), r.Deadline.Format("2006-01-02 15:04"), r.Outcome,
					len(r.Tally.Consent), len(r.Tally.Concern), len(r.Tally.StandAside), len(r.Tally.Standing), termSafe(oneLine(r.Text, 60)))
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// oneLine keeps a table cell on one line and at most n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func label(name string, kind ledger.AccountKind) string {
	if kind == ledger.KindCommons {
		return "(commons)"
	}
	return name
}

// cmdVerify recomputes every invariant and the hash chain from the file,
// opened read-only: exit status 0 when the ledger is sound, 1 when it is
// broken (each problem printed), 2 when the file is not a ledger or
// cannot be read.
func cmdVerify(ctx context.Context, args []string, io stdio) error {
	fs, c := newFlags("verify", io)
	var witnesses []ledger.Witness
	fs.Func("head", "a chain head kept from a newsletter or an earlier verify, position:hash or community:position:hash; "+
		"the chain must still hold it (repeat for several)", func(s string) error {
		w, err := ledger.ParseWitness(s)
		witnesses = append(witnesses, w)
		return err
	})
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, _, _, err := c.load(io)
	if err != nil {
		fmt.Fprintf(io.err, "entraide verify: %s\n", termSafe(err.Error()))
		return errNotLedger
	}
	if _, err := os.Stat(cfg.Database); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(io.err, "entraide verify: no ledger at %s (use --db or config.yaml's database)\n", termSafe(cfg.Database))
		return errNotLedger
	}
	rep, err := ledger.VerifyFile(ctx, cfg.Database, witnesses...)
	var nl *ledger.NotLedgerError
	var se *ledger.SchemaError
	var we *ledger.WitnessError
	switch {
	case errors.As(err, &nl) || errors.As(err, &se):
		fmt.Fprintf(io.err, "entraide verify: %s\n", termSafe(err.Error()))
		return errNotLedger
	case errors.As(err, &we):
		fmt.Fprintf(io.err, "entraide verify: %s\n", termSafe(err.Error()))
		return errUsage
	}
	if err != nil {
		return err
	}
	db := termSafe(cfg.Database)
	for _, p := range rep.Problems {
		fmt.Fprintln(io.out, "PROBLEM:", termSafe(string(p)))
	}
	if !rep.OK() {
		fmt.Fprintf(io.out, "%s: %d problems in %d accounts, %d entries and %d chained records\n",
			db, len(rep.Problems), rep.Accounts, rep.Exchanges, rep.Records)
		return errFailed
	}
	fmt.Fprintf(io.out, "%s: ok — %d accounts, %d entries; every balance equals its entries and every community sums to zero; "+
		"%d records chained, every hash recomputed\n", db, rep.Accounts, rep.Exchanges, rep.Records)
	for _, h := range rep.Heads {
		fmt.Fprintf(io.out, "chain head of %s: %s\n", termSafe(h.Slug), h.Short())
	}
	for _, w := range rep.Witnessed {
		fmt.Fprintf(io.out, "chain head %s: held — the history up to it is the one it witnessed\n", termSafe(w.String()))
	}
	return nil
}

// termSafe escapes what a terminal would act on rather than show:
// control characters, bidirectional overrides and invalid UTF-8 become
// \u escapes (tabs and newlines included: one record, one line).
func termSafe(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case ledger.UnsafeRune(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cmdBackup writes a consistent copy of the live database.
func cmdBackup(ctx context.Context, args []string, io stdio) error {
	fs, c := newFlags("backup", io)
	file, err := parseFileArg(fs, args, "Usage: entraide backup [flags] FILE")
	if err != nil {
		return err
	}
	e, err := c.openExisting(ctx, io)
	if err != nil {
		return err
	}
	defer e.db.Close()
	if err := makeDir(file); err != nil {
		return err
	}
	if err := e.db.Backup(ctx, file); err != nil {
		return err
	}
	fmt.Fprintf(io.out, "backup written to %s\n", file)
	return nil
}
