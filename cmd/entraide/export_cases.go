package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/entraide/entraide/adapters/console"
	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/ledger"
)

// caseCSVHeader is the columns of `entraide export --cases --csv`.
var caseCSVHeader = []string{"community", "case", "entry", "time_utc", "action", "actor", "member", "role", "from_state", "to_state", "text", "key", "chain_hash"}

// councilCSVHeader is the columns of `entraide export --council --csv`.
var councilCSVHeader = []string{"community", "draw", "time_utc", "actor", "algorithm", "seed", "seats", "eligible_account_ids",
	"drawn_account_ids", "drawn", "excluded_account_ids", "active_since_utc", "reproduces", "chain_hash"}

// exportCases prints every entry of every case's log, by community, case
// and time: what a community shows to prove mediation was tried. It holds
// the mediators' notes: it is for moderators.
func exportCases(ctx context.Context, e *env, io stdio, asCSV bool) error {
	slugs, err := e.db.Communities(ctx)
	if err != nil {
		return err
	}
	actor := func(v ledger.Voter) string {
		if v.Account == 0 {
			return "(bot)"
		}
		return v.Name
	}
	if asCSV {
		w := bot.NewCSVWriter(io.out)
		w.Write(caseCSVHeader)
		err := e.db.EachCaseLog(ctx, func(x ledger.CaseLogEntry) error {
			return w.Write([]string{slugs[x.Community], strconv.Itoa(x.Number), strconv.FormatInt(x.ID, 10),
				x.CreatedAt.Format("2006-01-02 15:04:05"), string(x.Kind), actor(x.Actor), x.Subject.Name, string(x.Role),
				string(x.From), string(x.To), x.Text, x.Key, hex.EncodeToString(x.Hash)})
		})
		if err != nil {
			return err
		}
		return w.Flush()
	}
	return writeTable(io, "community\tcase\ttime (UTC)\taction\tby\tmember\tstate\ttext\t", func(tw *tabwriter.Writer) error {
		return e.db.EachCaseLog(ctx, func(x ledger.CaseLogEntry) error {
			member := x.Subject.Name
			if x.Role != "" {
				member += " (" + string(x.Role) + ")"
			}
			state := string(x.To)
			if x.From != "" {
				state = string(x.From) + " → " + state
			}
			_, err := fmt.Fprintf(tw, "%s\t#%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", slugs[x.Community], x.Number, x.CreatedAt.Format("2006-01-02 15:04"),
				x.Kind, termSafe(actor(x.Actor)), termSafe(member), state, termSafe(oneLine(x.Text, 60)))
			return err
		})
	})
}

// exportCouncil prints every draw by lot with what re-runs it (the seed and
// the eligible account IDs), and whether re-running it gives its result.
func exportCouncil(ctx context.Context, e *env, io stdio, asCSV bool) error {
	slugs, err := e.db.Communities(ctx)
	if err != nil {
		return err
	}
	draws, err := e.db.CouncilDraws(ctx, 0)
	if err != nil {
		return err
	}
	ids := func(vs []ledger.Voter) string {
		s := make([]string, len(vs))
		for i, v := range vs {
			s[i] = strconv.FormatInt(int64(v.Account), 10)
		}
		return strings.Join(s, " ")
	}
	names := func(vs []ledger.Voter) string {
		s := make([]string, len(vs))
		for i, v := range vs {
			s[i] = v.Name
		}
		return strings.Join(s, ", ")
	}
	if asCSV {
		w := bot.NewCSVWriter(io.out)
		w.Write(councilCSVHeader)
		for _, d := range draws {
			since := ""
			if !d.ActiveSince.IsZero() {
				since = d.ActiveSince.Format("2006-01-02 15:04:05")
			}
			w.Write([]string{slugs[d.Community], strconv.Itoa(d.Number), d.CreatedAt.Format("2006-01-02 15:04:05"), d.Actor.Name,
				d.Algorithm, d.SeedHex(), strconv.Itoa(d.Seats), ids(d.Eligible), ids(d.Drawn), names(d.Drawn), ids(d.Excluded), since,
				strconv.FormatBool(d.Reproduces()), hex.EncodeToString(d.Hash)})
		}
		return w.Flush()
	}
	return writeTable(io, "community\tdraw\ttime (UTC)\tby\tseed\tseats\teligible (account IDs)\tdrawn\treproduces\t", func(tw *tabwriter.Writer) error {
		for _, d := range draws {
			_, err := fmt.Fprintf(tw, "%s\t#%d\t%s\t%s\t%s\t%d\t%s\t%s\t%v\t\n", slugs[d.Community], d.Number, d.CreatedAt.Format("2006-01-02 15:04"),
				termSafe(d.Actor.Name), d.SeedHex(), d.Seats, ids(d.Eligible), termSafe(names(d.Drawn)), d.Reproduces())
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// consoleSpaces gives the console the private spaces of the cases opened
// there, with their members, so that they survive a restart.
func consoleSpaces(db *ledger.DB) func(ctx context.Context) (map[string][]string, error) {
	return func(ctx context.Context) (map[string][]string, error) {
		return db.CaseRooms(ctx, console.Platform)
	}
}
