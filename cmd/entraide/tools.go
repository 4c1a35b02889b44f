package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

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
		w := csv.NewWriter(io.out)
		w.Write([]string{"community", "account", "kind", "minutes"})
		for _, a := range accounts {
			w.Write([]string{slugs[a.Community], a.Name, string(a.Kind), strconv.FormatInt(a.Balance, 10)})
		}
		w.Flush()
		return w.Error()
	}
	tw := tabwriter.NewWriter(io.out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "community\taccount\tbalance\t")
	for _, a := range accounts {
		name := a.Name
		if a.Kind == ledger.KindCommons {
			name = "(commons)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", slugs[a.Community], name, bot.FormatMinutes(a.Balance))
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
	tw := tabwriter.NewWriter(io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "id\ttime (UTC)\tfrom\tto\tamount\tcategory\tnote\treverses\t")
	err = e.db.EachExchange(ctx, func(x ledger.Exchange) error {
		rev := ""
		if x.Reverses != 0 {
			rev = "#" + strconv.FormatInt(int64(x.Reverses), 10) + " " + x.Reason
		}
		_, err := fmt.Fprintf(tw, "#%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", x.ID, x.CreatedAt.Format("2006-01-02 15:04"),
			label(x.FromName, x.FromKind), label(x.ToName, x.ToKind), bot.FormatMinutes(x.Minutes), x.Category, x.Note, rev)
		return err
	})
	if err != nil {
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
	tw := tabwriter.NewWriter(io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "community\tproposal\topened (UTC)\tdeadline (UTC)\toutcome\tconsent/concern/aside/objection\ttext\t")
	for _, p := range proposals {
		for _, r := range bot.DecisionRows(p) {
			_, err := fmt.Fprintf(tw, "%s\t#%d v%d\t%s\t%s\t%s\t%d/%d/%d/%d\t%s\t\n", slugs[p.Community], r.Number, r.Version,
				r.Opened.Format("2006-01-02 15:04"), r.Deadline.Format("2006-01-02 15:04"), r.Outcome,
				len(r.Tally.Consent), len(r.Tally.Concern), len(r.Tally.StandAside), len(r.Tally.Standing), oneLine(r.Text, 60))
			if err != nil {
				return err
			}
		}
	}
	return tw.Flush()
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

// cmdVerify recomputes every invariant and exits 1 when one is broken.
func cmdVerify(ctx context.Context, args []string, io stdio) error {
	fs, c := newFlags("verify", io)
	e, err := c.parseAndOpen(ctx, fs, args, io)
	if err != nil {
		return err
	}
	defer e.db.Close()
	rep, err := e.db.Verify(ctx)
	if err != nil {
		return err
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(io.out, "PROBLEM:", p)
	}
	if !rep.OK() {
		fmt.Fprintf(io.out, "%s: %d problem(s) in %d accounts and %d entries\n", e.cfg.Database, len(rep.Problems), rep.Accounts, rep.Exchanges)
		return errFailed
	}
	fmt.Fprintf(io.out, "%s: ok — %d accounts, %d entries; every balance equals its entries and every community sums to zero\n",
		e.cfg.Database, rep.Accounts, rep.Exchanges)
	return nil
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
