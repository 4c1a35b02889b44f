package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/entraide/entraide/ledger"
	"github.com/entraide/entraide/schedules"
)

// Reminders: "/remind garden every monday 18:00 Garden meeting". The
// natural forms are read here and stored as the cron line they mean; the
// cron form is read by robfig/cron. Occurrences are computed in the
// group's zone (the community's unless the group has its own), so 18:00
// stays 18:00 across daylight-saving changes.
//
// Delivery is at most once per occurrence: the tick records the
// occurrence in the ledger (advancing the reminder) before it posts it,
// and marks it posted afterwards. A crash after posting leaves the record,
// and the occurrence is not posted again. The edge: a crash after the
// record but before the post loses that one occurrence; at start-up such
// occurrences are marked "unconfirmed" and logged for the operator, never
// posted again. A post the platform refused (an error, not a crash) is
// retried every tick within the grace period, then abandoned and logged.

// lateAfter is how late a post must be to carry a note saying so: ticks
// run every minute, so a minute late is on time.
const lateAfter = 2 * time.Minute

// maxCatchUp bounds the missed occurrences counted one by one after a
// long downtime (a reminder every minute, down for a week).
const maxCatchUp = 10000

// maxReminderAhead is how far ahead a one-time reminder may be.
const maxReminderAhead = 366 * 24 * time.Hour

// when is a schedule as /remind reads it.
type when struct {
	kind  ledger.ReminderKind
	spec  string    // for a recurring reminder
	at    time.Time // for a one-time reminder
	input string    // as typed
}

var (
	clockTime = regexp.MustCompile(`^(\d{1,2})(?:(?::|h|H|\.)(\d{2})?)?\s*(am|pm)?$`)
	isoTime   = regexp.MustCompile(`^(\d{4}-\d{1,2}-\d{1,2})[t ](\d{1,2}:\d{2})$`)
)

// norm is a word as the schedule parser compares it.
func norm(s string) string {
	s = strings.ToLower(strings.ReplaceAll(s, "’", "'"))
	return strings.TrimRight(s, ",;")
}

// parseClock reads "18:00", "18h", "18h30", "9:30", "6pm", "6:30pm", noon
// and midnight, in either language. A bare number is not a time.
func parseClock(s string) (hour, minute int, ok bool) {
	switch norm(s) {
	case "noon", "midi":
		return 12, 0, true
	case "midnight", "minuit":
		return 0, 0, true
	}
	m := clockTime.FindStringSubmatch(norm(s))
	if m == nil || (m[2] == "" && m[3] == "" && !strings.ContainsAny(s, "hH:")) {
		return 0, 0, false
	}
	hour, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		minute, _ = strconv.Atoi(m[2])
	}
	switch m[3] {
	case "am", "pm":
		if hour < 1 || hour > 12 {
			return 0, 0, false
		}
		hour %= 12
		if m[3] == "pm" {
			hour += 12
		}
	}
	return hour, minute, hour < 24 && minute < 60
}

func isAtWord(s string) bool {
	switch norm(s) {
	case "at", "à", "a", "vers":
		return true
	}
	return false
}

func isAndWord(s string) bool {
	switch norm(s) {
	case "and", "et", "&", ",":
		return true
	}
	return false
}

// weekday reads a day's name in either language, long or short, singular
// or plural ("monday", "mon", "lundis", "lun.").
func (c *Catalog) weekday(s string) (time.Weekday, bool) {
	s = strings.TrimSuffix(norm(s), ".")
	if s == "" {
		return 0, false
	}
	for _, lang := range Languages() {
		tr := c.In(lang)
		for _, list := range []string{msgDateWeekdays, msgDateWeekdaysShort} {
			for i, name := range strings.Fields(tr.S(list, nil)) {
				name = strings.ToLower(strings.TrimSuffix(name, "."))
				if s == name || s == name+"s" {
					return time.Weekday(i), true
				}
			}
		}
	}
	return 0, false
}

// parseWhen reads the schedule at the start of fields, in loc, and says
// how many fields it took. Forms (either language):
//
//	every monday 18:00, every monday and thursday at 6pm, every day 9:00,
//	every weekday 8h30, chaque lundi 18h, tous les jours à 9h,
//	tous les lundis et jeudis 18h30, chaque jour ouvré 8h;
//	on 2026-12-05 09:30, le 05/12 9h30, 05/12/2026 à 9h30, tomorrow 9:00,
//	demain 9h, friday 18:00 (the next one), today 17:00;
//	cron "0 18 * * MON".
func (c *Catalog) parseWhen(fields []string, now time.Time, loc *time.Location) (when, int, error) {
	bad := func() (when, int, error) {
		input := strings.Join(fields[:min(len(fields), 4)], " ")
		return when{}, 0, refuse(msgRemindBadWhen, map[string]any{"Input": input})
	}
	if len(fields) == 0 {
		return bad()
	}
	at := func(i int) string {
		if i < len(fields) {
			return norm(fields[i])
		}
		return ""
	}
	// clock reads "[at] 18:00" from field i.
	clock := func(i int) (int, int, int, bool) {
		if isAtWord(at(i)) {
			i++
		}
		h, m, ok := parseClock(at(i))
		return h, m, i + 1, ok
	}

	switch w := at(0); {
	case w == "cron":
		return c.parseCron(fields)

	case w == "every" || w == "each" || w == "chaque" || w == "daily" || w == "quotidien" ||
		((w == "tous" || w == "toutes") && at(1) == "les"):
		i := 1
		if w == "tous" || w == "toutes" {
			i = 2
		}
		dow := "*"
		if w != "daily" && w != "quotidien" {
			var ok bool
			if dow, i, ok = c.parseDays(fields, i); !ok {
				return bad()
			}
		}
		h, m, n, ok := clock(i)
		if !ok {
			return bad()
		}
		spec := fmt.Sprintf("%d %d * * %s", m, h, dow)
		if _, err := schedules.Next(spec, now, loc); err != nil {
			return bad()
		}
		return when{kind: ledger.ReminderCron, spec: spec, input: strings.Join(fields[:n], " ")}, n, nil
	}

	// One time, after a while: "dans 2h", "in 2 hours", "in 45 min".
	if w := at(0); (w == "in" || w == "dans") && len(fields) > 1 {
		for n := 2; n <= min(3, len(fields)); n++ {
			d, err := ParseDuration(strings.Join(fields[1:n], " "))
			if err != nil {
				continue
			}
			t := now.Add(time.Duration(d) * time.Minute).Truncate(time.Minute)
			input := strings.Join(fields[:n], " ")
			if t.Sub(now) > maxReminderAhead {
				return when{}, 0, refuse(msgRemindTooFar, map[string]any{"Input": input})
			}
			return when{kind: ledger.ReminderOnce, at: t.UTC(), input: input}, n, nil
		}
		return bad()
	}

	// One time: [on|le] <date|tomorrow|today|weekday> [at] <time>, or an
	// ISO date and time in one word.
	i := 0
	if w := at(0); w == "on" || w == "le" || w == "the" {
		i = 1
	}
	today := now.In(loc)
	var y, d int
	var mo time.Month
	var yearless bool
	word := at(i)
	split := 0 // 1 when "2026-12-05T09:30" was one word
	if m := isoTime.FindStringSubmatch(word); m != nil {
		fields = append(append(append([]string(nil), fields[:i]...), m[1], m[2]), fields[i+1:]...)
		word, split = m[1], 1
	}
	if day, mon, ok := c.dayAndMonth(word, at(i+1)); ok {
		// "5 décembre", "1er décembre", "December 5": two words.
		fields = append(append(append([]string(nil), fields[:i]...), fields[i]+" "+fields[i+1]), fields[i+2:]...)
		y, mo, d, yearless = today.Year(), mon, day, true
		split = -1
	} else if wd, ok := c.weekday(word); ok {
		ahead := (int(wd) - int(today.Weekday()) + 7) % 7
		y, mo, d = today.Year(), today.Month(), today.Day()+ahead
	} else if m := isoDate.FindStringSubmatch(word); m != nil {
		y, _ = strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		mo = time.Month(n)
		d, _ = strconv.Atoi(m[3])
	} else if m := shortDate.FindStringSubmatch(word); m != nil {
		d, _ = strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		mo = time.Month(n)
		y, yearless = today.Year(), m[3] == ""
		if !yearless {
			y, _ = strconv.Atoi(m[3])
			if y < 100 {
				y += 2000
			}
		}
	} else {
		switch word {
		case "today", "aujourd'hui":
			y, mo, d = today.Year(), today.Month(), today.Day()
		case "tomorrow", "demain":
			y, mo, d = today.Year(), today.Month(), today.Day()+1
		default:
			return bad()
		}
	}
	h, m, n, ok := clock(i + 1)
	if !ok {
		return bad()
	}
	t := time.Date(y, mo, d, h, m, 0, 0, loc)
	if word != "today" && word != "tomorrow" && word != "demain" && word != "aujourd'hui" {
		if _, isDay := c.weekday(word); !isDay && (t.Day() != d || t.Month() != mo) {
			return bad() // 31/02
		}
	}
	if _, isDay := c.weekday(word); isDay && !t.After(now) {
		t = time.Date(y, mo, d+7, h, m, 0, 0, loc) // the same day next week
	}
	if yearless && time.Date(y, mo, d, 0, 0, 0, 0, loc).Before(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)) {
		t = time.Date(y+1, mo, d, h, m, 0, 0, loc) // a day already past this year: next year's
	}
	input := strings.Join(fields[:n], " ")
	switch {
	case !t.After(now):
		return when{}, 0, refuse(msgRemindPast, map[string]any{"Input": input})
	case t.Sub(now) > maxReminderAhead:
		return when{}, 0, refuse(msgRemindTooFar, map[string]any{"Input": input})
	}
	return when{kind: ledger.ReminderOnce, at: t.UTC(), input: input}, n - split, nil
}

// dayAndMonth reads a date written with its month's name, in either
// language: "5 décembre", "1er décembre", "5 December", "December 5".
func (c *Catalog) dayAndMonth(a, b string) (int, time.Month, bool) {
	month := func(s string) (time.Month, bool) {
		s = strings.TrimSuffix(norm(s), ".")
		for _, lang := range Languages() {
			for _, list := range []string{msgDateMonths, msgDateMonthsShort} {
				for i, name := range strings.Fields(c.In(lang).S(list, nil)) {
					if s != "" && s == strings.ToLower(strings.TrimSuffix(name, ".")) {
						return time.Month(i + 1), true
					}
				}
			}
		}
		return 0, false
	}
	day := func(s string) (int, bool) {
		s = strings.TrimSuffix(strings.TrimSuffix(norm(s), "er"), "st")
		d, err := strconv.Atoi(s)
		return d, err == nil && d >= 1 && d <= 31
	}
	if d, ok := day(a); ok {
		if m, ok := month(b); ok {
			return d, m, true
		}
	}
	if m, ok := month(a); ok {
		if d, ok := day(b); ok {
			return d, m, true
		}
	}
	return 0, 0, false
}

// parseDays reads the days of "every …" from field i: day, weekday, or a
// list of day names; it returns the cron day-of-week field.
func (c *Catalog) parseDays(fields []string, i int) (string, int, bool) {
	at := func(i int) string {
		if i < len(fields) {
			return norm(fields[i])
		}
		return ""
	}
	switch w := at(i); w {
	case "day", "days", "jour", "jours":
		if n := at(i + 1); n == "ouvré" || n == "ouvrés" || n == "ouvre" || n == "ouvres" {
			return "1-5", i + 2, true
		}
		return "*", i + 1, true
	case "weekday", "weekdays":
		return "1-5", i + 1, true
	}
	var days []string
	seen := map[time.Weekday]bool{}
	for i < len(fields) {
		raw := strings.ToLower(fields[i])
		parts := strings.Split(strings.Trim(raw, ","), ",")
		matched := false
		for _, p := range parts {
			if p == "" {
				continue
			}
			d, ok := c.weekday(p)
			if !ok {
				matched = false
				break
			}
			matched = true
			if !seen[d] {
				seen[d] = true
				days = append(days, strconv.Itoa(int(d)))
			}
		}
		if !matched {
			break
		}
		i++
		if isAndWord(at(i)) {
			if _, ok := c.weekday(at(i + 1)); ok {
				i++
			}
		}
	}
	if len(days) == 0 {
		return "", i, false
	}
	return strings.Join(days, ","), i, true
}

// parseCron reads `cron "0 18 * * MON"`: the line between quotes
// (straight, curly or French), checked by robfig/cron.
func (c *Catalog) parseCron(fields []string) (when, int, error) {
	open := map[string]string{`"`: `"`, "“": "”", "«": "»", "'": "'", "”": "”"}
	usage := func() (when, int, error) {
		return when{}, 0, refuse(msgRemindBadCron, map[string]any{"Input": strings.Join(fields[1:min(len(fields), 7)], " ")})
	}
	if len(fields) < 2 {
		return usage()
	}
	first := fields[1]
	var closeQ string
	for o, cl := range open {
		if strings.HasPrefix(first, o) {
			closeQ = cl
			first = strings.TrimPrefix(first, o)
			break
		}
	}
	if closeQ == "" {
		return usage()
	}
	var parts []string
	end := -1
	for j := 1; j < len(fields); j++ {
		w := fields[j]
		if j == 1 {
			w = first
		}
		if strings.HasSuffix(w, closeQ) && (j > 1 || w != "") {
			parts = append(parts, strings.TrimSuffix(w, closeQ))
			end = j
			break
		}
		parts = append(parts, w)
	}
	if end < 0 {
		return usage()
	}
	spec := strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
	if _, err := schedules.ParseSpec(spec); err != nil {
		return when{}, 0, refuse(msgRemindBadCron, map[string]any{"Input": spec})
	}
	return when{kind: ledger.ReminderCron, spec: spec, input: `cron "` + spec + `"`}, end + 1, nil
}

func cmdRemindAdd(r *request) error {
	fields := strings.Fields(r.rest())
	if len(fields) < 2 {
		return r.usage()
	}
	now := r.bot.now()
	g, err := r.bot.ledger.Group(r.ctx, r.com.id, fields[0])
	skip := 1
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		// "/remind every monday 18:00 …" in a group's own room.
		rg, ok, rerr := r.roomGroup()
		if rerr != nil {
			return rerr
		}
		if _, _, werr := r.bot.catalog.parseWhen(fields, now, r.bot.zone(r.com, rg.Timezone)); !ok || werr != nil {
			return refuse(msgGroupNotFound, map[string]any{"Name": fields[0], "List": r.groupNames()})
		}
		g, skip, err = rg, 0, nil
	}
	if err != nil {
		return err
	}
	if !g.Bound() {
		return refuse(msgRemindNoRoom, map[string]any{"Name": g.Name,
			"Command": r.cmdPath("group") + " " + r.subName("group", "create") + " " + g.Name})
	}
	loc := r.bot.zone(r.com, g.Timezone)
	w, n, err := r.bot.catalog.parseWhen(fields[skip:], now, loc)
	if err != nil {
		return err
	}
	text := r.restAfter(skip + n)
	if text == "" {
		return refuse(msgRemindNoText, map[string]any{"Usage": r.tr.S(msgUsageRemind, nil)})
	}
	if l := utf8.RuneCountInString(text); l > ledger.MaxReminderLength {
		return refuse(msgDecisionTooLong, map[string]any{"Length": l, "Max": ledger.MaxReminderLength})
	}
	next := w.at
	if w.kind == ledger.ReminderCron {
		if next, err = schedules.Next(w.spec, now, loc); err != nil {
			return refuse(msgRemindBadWhen, map[string]any{"Input": w.input})
		}
	}
	rec, err := r.bot.ledger.AddReminder(r.ctx, ledger.ReminderRequest{
		Community: r.com.id, Key: r.key(), Source: r.msg.Platform, Actor: r.sender(), Moderator: r.moderator(),
		Group: g.ID, Kind: w.kind, Spec: w.spec, Input: w.input, Text: text, NextDue: next,
	})
	switch ledger.ErrorCode(err) {
	case ledger.EFORBIDDEN:
		return r.groupRefusal(err, g.Name)
	case ledger.ETOOMANY:
		return refuse(msgRemindTooMany, map[string]any{"Name": g.Name, "Max": ledger.MaxRemindersPerGroup})
	}
	if err != nil {
		return err
	}
	rm := rec.Reminder
	if rec.Replayed {
		r.reply(Reply{Private: true, Text: r.tr.S(msgRemindReplayed, map[string]any{"ID": rm.ID})})
		return nil
	}
	r.log.Info("reminder added", "reminder", rm.ID, "group", g.Name, "kind", rm.Kind, "spec", rm.Spec, "next", rm.NextDue)
	data := reminderData(r.tr, loc, rm)
	id := msgRemindAdded
	if rm.Kind == ledger.ReminderOnce {
		id = msgRemindAddedOnce
	}
	reply := r.tr.S(id, data)
	if first := fields[skip]; rm.Kind == ledger.ReminderOnce {
		// "lundi 18h" is the next Monday only: say how to make it weekly.
		if day, isDay := r.bot.catalog.weekday(first); isDay {
			every := r.tr.S(msgRemindEveryWord, nil) + " " + w.input
			if skip == 1 {
				every = g.Name + " " + every
			}
			reply += "\n" + r.tr.S(msgRemindWeeklyHint, map[string]any{"Day": weekdayName(r.tr, day),
				"Command": r.cmd.path(r.tr.Lang()) + " " + every + " " + text})
		}
	}
	r.reply(Reply{Text: reply})
	return nil
}

// reminderData is what reminder messages show: its ID, group, text,
// schedule, zone and next occurrence in that zone.
func reminderData(tr Tr, loc *time.Location, rm ledger.Reminder) map[string]any {
	data := map[string]any{"ID": rm.ID, "Group": rm.GroupName, "Text": rm.Text, "When": describeWhen(tr, rm), "Zone": loc.String(), "Next": ""}
	if !rm.NextDue.IsZero() {
		data["Next"] = dayTime(tr, rm.NextDue, loc)
	}
	return data
}

// naturalSpec is a cron line the natural forms write: "0 18 * * 1,4".
var naturalSpec = regexp.MustCompile(`^(\d{1,2}) (\d{1,2}) \* \* (\*|1-5|[0-6](?:,[0-6])*)$`)

// describeWhen says a recurring reminder's schedule in the community's
// language ("chaque lundi et jeudi à 18:00"), whatever language it was
// typed in; a cron line the natural forms could not write is shown as typed.
func describeWhen(tr Tr, rm ledger.Reminder) string {
	m := naturalSpec.FindStringSubmatch(rm.Spec)
	if rm.Kind != ledger.ReminderCron || m == nil {
		return rm.Input
	}
	minute, _ := strconv.Atoi(m[1])
	hour, _ := strconv.Atoi(m[2])
	data := map[string]any{"Time": fmt.Sprintf("%02d:%02d", hour, minute)}
	switch m[3] {
	case "*":
		return tr.S(msgRemindEveryDay, data)
	case "1-5":
		return tr.S(msgRemindEveryWeekday, data)
	}
	var days []string
	for _, d := range strings.Split(m[3], ",") {
		n, _ := strconv.Atoi(d)
		days = append(days, weekdayName(tr, time.Weekday(n)))
	}
	data["Days"] = tr.List(days)
	return tr.S(msgRemindEveryDays, data)
}

// weekdayName is a day's name in the language: "lundi", "Monday".
func weekdayName(tr Tr, d time.Weekday) string {
	if names := strings.Fields(tr.S(msgDateWeekdays, nil)); len(names) == 7 {
		return names[d]
	}
	return d.String()
}

// reminderLine is one reminder in a list.
func reminderLine(tr Tr, loc *time.Location, rm ledger.Reminder, withGroup bool) string {
	data := reminderData(tr, loc, rm)
	id := msgRemindLine
	switch {
	case rm.Paused():
		id = msgRemindLinePaused
	case rm.Kind == ledger.ReminderOnce:
		id = msgRemindLineOnce
	}
	s := tr.S(id, data)
	if withGroup {
		s = rm.GroupName + " " + s
	}
	return s
}

func cmdRemindList(r *request) error {
	var group ledger.GroupID
	switch len(r.args) {
	case 0:
	case 1:
		g, err := r.findGroup(r.args[0])
		if err != nil {
			return err
		}
		group = g.ID
	default:
		return r.usage()
	}
	rs, err := r.bot.ledger.Reminders(r.ctx, r.com.id, group)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		r.reply(Reply{Private: true, Text: r.tr.S(msgRemindListEmpty, map[string]any{"Usage": r.tr.S(msgUsageRemind, nil)})})
		return nil
	}
	lines := []string{r.tr.N(msgRemindListHeader, len(rs), nil)}
	for _, rm := range rs {
		lines = append(lines, "• "+reminderLine(r.tr, r.bot.zone(r.com, rm.Timezone), rm, true))
	}
	r.reply(Reply{Private: true, Text: strings.Join(lines, "\n")})
	return nil
}

func cmdRemindCancel(r *request) error { return remindAction(r, ledger.RemindCancel) }
func cmdRemindPause(r *request) error  { return remindAction(r, ledger.RemindPause) }
func cmdRemindResume(r *request) error { return remindAction(r, ledger.RemindResume) }
func cmdRemindSkip(r *request) error   { return remindAction(r, ledger.RemindSkip) }

// reminderNumber reads "3" or "#3".
func (r *request) reminderNumber() (ledger.ReminderID, error) {
	if len(r.args) != 1 {
		return 0, r.usage()
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(r.args[0], "#"), 10, 64)
	if err != nil || n < 1 {
		return 0, refuse(msgRemindBadID, map[string]any{"Input": r.args[0], "Usage": r.tr.S(r.cmd.Usage, nil)})
	}
	return ledger.ReminderID(n), nil
}

func remindAction(r *request, action ledger.ReminderAction) error {
	id, err := r.reminderNumber()
	if err != nil {
		return err
	}
	rec, err := r.bot.ledger.ActOnReminder(r.ctx, ledger.ReminderActionRequest{
		Community: r.com.id, Key: r.key(), Source: r.msg.Platform, Actor: r.sender(), Moderator: r.moderator(),
		ID: id, Action: action, Next: r.bot.nextFunc(r.com),
	})
	data := map[string]any{"ID": id, "Command": r.cmdPath("remind") + " " + r.subName("remind", "cancel") + " " + strconv.FormatInt(int64(id), 10)}
	switch ledger.ErrorCode(err) {
	case ledger.ENOTFOUND:
		return refuse(msgRemindNotFound, map[string]any{"ID": id, "Command": r.cmdPath("remind") + " " + r.subName("remind", "list")})
	case ledger.EFORBIDDEN:
		rm, rerr := r.bot.ledger.Reminder(r.ctx, r.com.id, id)
		if rerr != nil {
			return rerr
		}
		return r.groupRefusal(err, rm.GroupName)
	case ledger.ECLOSED:
		return refuse(msgRemindClosed, data)
	case ledger.EPAUSED:
		data["Command"] = r.cmdPath("remind") + " " + r.subName("remind", "resume") + " " + strconv.FormatInt(int64(id), 10)
		return refuse(msgRemindSkipPaused, data)
	case ledger.ENOTREPEAT:
		return refuse(msgRemindSkipOnce, data)
	}
	if err != nil {
		return err
	}
	rm := rec.Reminder
	loc := r.bot.zone(r.com, rm.Timezone)
	data = reminderData(r.tr, loc, rm)
	data["Command"] = r.cmdPath("remind") + " " + r.subName("remind", "resume") + " " + strconv.FormatInt(int64(id), 10)
	if rec.Replayed {
		r.reply(Reply{Private: true, Text: r.tr.S(msgRemindReplayed, data)})
		return nil
	}
	var text string
	switch action {
	case ledger.RemindCancel:
		text = r.tr.S(msgRemindCancelled, data)
	case ledger.RemindPause:
		text = r.tr.S(msgRemindPaused, data)
		if !rec.Changed {
			text = r.tr.S(msgRemindAlreadyPaused, data)
		}
	case ledger.RemindResume:
		switch {
		case !rec.Changed:
			text = r.tr.S(msgRemindNotPaused, data)
		case rec.Expired || rm.NextDue.IsZero():
			text = r.tr.S(msgRemindResumedExpired, data)
		default:
			text = r.tr.S(msgRemindResumed, data)
		}
	case ledger.RemindSkip:
		data["Skipped"] = dayTime(r.tr, rec.Skipped, loc)
		text = r.tr.S(msgRemindSkipped, data)
	}
	r.log.Info("reminder "+string(action), "reminder", id, "changed", rec.Changed)
	r.reply(Reply{Text: text, Private: !rec.Changed})
	return nil
}

// tickGroups does the timed work of groups on the bot's clock: reminders
// that fell due (those that fell due while the bot was down too), posts
// to retry, and the scheduled newsletter. Its ticks never overlap.
func (b *Bot) tickGroups(ctx context.Context) error {
	b.groups.mu.Lock()
	defer b.groups.mu.Unlock()
	now := b.now()
	var errs []error
	if !b.groups.swept {
		ds, err := b.ledger.ConfirmUnknown(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("unconfirmed reminders: %w", err))
		} else {
			b.groups.swept = true
		}
		for _, d := range ds {
			b.log.Warn("the bot stopped between recording a reminder and confirming its post: it may not have been posted, and it is not posted again",
				"reminder", d.Reminder.ID, "group", d.Reminder.GroupName, "due", d.Due, "kind", d.Kind)
		}
	}
	for _, com := range b.communities {
		if err := b.retryReminders(ctx, com, now); err != nil {
			errs = append(errs, fmt.Errorf("%s: retry reminders: %w", com.Slug, err))
		}
		if err := b.remindDue(ctx, com, now); err != nil {
			errs = append(errs, fmt.Errorf("%s: reminders: %w", com.Slug, err))
		}
		if err := b.tickNewsletter(ctx, com, now); err != nil {
			errs = append(errs, fmt.Errorf("%s: newsletter: %w", com.Slug, err))
		}
	}
	return errors.Join(errs...)
}

// groupAdapter is the adapter that posts in a platform's rooms, logging
// once when there is none: what is due waits for it.
func (b *Bot) groupAdapter(ctx context.Context, platform string) Adapter {
	a := b.adapterFor(ctx, platform)
	if a == nil {
		if b.groups.waiting == nil {
			b.groups.waiting = map[string]bool{}
		}
		if !b.groups.waiting[platform] {
			b.groups.waiting[platform] = true
			b.log.Warn("no adapter for a group's platform: its reminders wait until one is attached", "platform", platform)
		}
	}
	return a
}

// missed is the missed occurrences of one reminder, for a summary.
type missed struct {
	delivery    ledger.DeliveryID
	reminder    ledger.Reminder
	first, last time.Time
	count       int
	more        bool
}

// pendingPost is an occurrence claimed and to be posted.
type pendingPost struct {
	delivery ledger.DeliveryID
	reminder ledger.Reminder
	due      time.Time
}

// remindDue claims what fell due of each reminder, then posts: first one
// summary per group of the occurrences missed beyond the grace period,
// then each occurrence within it, late or on time.
func (b *Bot) remindDue(ctx context.Context, com *Community, now time.Time) error {
	due, err := b.ledger.RemindersDue(ctx, com.id, now)
	if err != nil {
		return err
	}
	grace := com.Groups.grace()
	var errs []error
	var posts []pendingPost
	summaries := map[ledger.GroupID][]missed{}
	var order []ledger.GroupID
	for _, rm := range due {
		if b.groupAdapter(ctx, rm.Platform) == nil {
			continue
		}
		loc := b.zone(com, rm.Timezone)
		occ := []time.Time{rm.NextDue}
		var next time.Time
		more := false
		if rm.Kind == ledger.ReminderCron {
			later, m, err := schedules.Occurrences(rm.Spec, rm.NextDue, now, loc, maxCatchUp)
			if err != nil {
				errs = append(errs, fmt.Errorf("reminder %d: %w", rm.ID, err))
				continue
			}
			occ, more = append(occ, later...), m
			if next, err = schedules.Next(rm.Spec, now, loc); err != nil && !errors.Is(err, schedules.ErrNever) {
				errs = append(errs, fmt.Errorf("reminder %d: %w", rm.ID, err))
				continue
			}
		}
		claim := ledger.ReminderClaim{Reminder: rm.ID, Due: rm.NextDue, Next: next}
		latest := occ[len(occ)-1]
		if more {
			// Past the occurrences counted one by one: the latest one
			// within the grace period, if any, is still posted.
			if t, ok, _ := schedules.Latest(rm.Spec, now.Add(-grace), now, loc, maxCatchUp); ok {
				latest = t
				occ = append(occ, t)
			}
		}
		missedOcc := occ
		if now.Sub(latest) < grace {
			claim.Post = latest
			missedOcc = occ[:len(occ)-1]
		}
		if len(missedOcc) > 0 {
			claim.MissedFirst, claim.MissedLast, claim.MissedCount = missedOcc[0], missedOcc[len(missedOcc)-1], len(missedOcc)
		}
		res, err := b.ledger.ClaimReminder(ctx, claim)
		if err != nil {
			errs = append(errs, fmt.Errorf("reminder %d: claim: %w", rm.ID, err))
			continue
		}
		if !res.Claimed {
			continue // changed meanwhile (cancelled, paused): the next tick sees it as it is
		}
		if res.Missed != 0 {
			if _, seen := summaries[rm.Group]; !seen {
				order = append(order, rm.Group)
			}
			summaries[rm.Group] = append(summaries[rm.Group], missed{delivery: res.Missed, reminder: rm,
				first: claim.MissedFirst, last: claim.MissedLast, count: claim.MissedCount, more: more})
		}
		if res.Post != 0 {
			posts = append(posts, pendingPost{delivery: res.Post, reminder: rm, due: claim.Post})
		}
	}
	for _, g := range order {
		if err := b.postMissed(ctx, com, summaries[g], now); err != nil {
			errs = append(errs, err)
		}
	}
	for _, p := range posts {
		if err := b.postReminder(ctx, com, p, now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// retryReminders posts again what the platform refused, within the grace
// period after it was claimed; past it, the post is abandoned and logged.
func (b *Bot) retryReminders(ctx context.Context, com *Community, now time.Time) error {
	failed, err := b.ledger.FailedDeliveries(ctx, com.id)
	if err != nil || len(failed) == 0 {
		return err
	}
	grace := com.Groups.grace()
	var errs []error
	summaries := map[ledger.GroupID][]missed{}
	var order []ledger.GroupID
	for _, d := range failed {
		if now.Sub(d.ClaimedAt) > grace {
			b.log.Error("a reminder could not be posted within the grace period: abandoned",
				"reminder", d.Reminder.ID, "group", d.Reminder.GroupName, "due", d.Due, "attempts", d.Attempts)
			if err := b.ledger.MarkDeliveries(ctx, []ledger.DeliveryID{d.ID}, ledger.DeliveryAbandoned); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if b.groupAdapter(ctx, d.Reminder.Platform) == nil {
			continue
		}
		switch d.Kind {
		case "post":
			if err := b.postReminder(ctx, com, pendingPost{delivery: d.ID, reminder: d.Reminder, due: d.Due}, now); err != nil {
				errs = append(errs, err)
			}
		case "missed":
			g := d.Reminder.Group
			if _, seen := summaries[g]; !seen {
				order = append(order, g)
			}
			summaries[g] = append(summaries[g], missed{delivery: d.ID, reminder: d.Reminder, first: d.Due, last: d.LastDue, count: d.Occurrences})
		}
	}
	for _, g := range order {
		if err := b.postMissed(ctx, com, summaries[g], now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// postReminder posts one occurrence in its group's room and marks it.
func (b *Bot) postReminder(ctx context.Context, com *Community, p pendingPost, now time.Time) error {
	rm := p.reminder
	a := b.groupAdapter(ctx, rm.Platform)
	if a == nil {
		return b.ledger.MarkDeliveries(ctx, []ledger.DeliveryID{p.delivery}, ledger.DeliveryFailed)
	}
	reply, err := b.reminderReply(ctx, com, rm, p.due, now)
	if err != nil {
		return err
	}
	reply.Kind = KindAnnouncement
	if _, err := b.Deliver(ctx, a, Target{Room: rm.Room}, reply); err != nil {
		b.log.Error("reminder not posted; retried next minute", "reminder", rm.ID, "group", rm.GroupName, "err", err)
		return b.ledger.MarkDeliveries(ctx, []ledger.DeliveryID{p.delivery}, ledger.DeliveryFailed)
	}
	b.log.Info("reminder posted", "reminder", rm.ID, "group", rm.GroupName, "due", p.due, "late", now.Sub(p.due).Round(time.Second))
	return b.ledger.MarkDeliveries(ctx, []ledger.DeliveryID{p.delivery}, ledger.DeliveryPosted)
}

// reminderReply is a reminder as posted: its text, when it comes back,
// a note when it is late, the group's open proposals, and its members when
// the group asked to be mentioned.
func (b *Bot) reminderReply(ctx context.Context, com *Community, rm ledger.Reminder, due, now time.Time) (Reply, error) {
	tr := b.catalog.In(com.Language)
	loc := b.zone(com, rm.Timezone)
	// The reminder as it is now: when it comes back next.
	cur, err := b.ledger.Reminder(ctx, com.id, rm.ID)
	if err != nil {
		return Reply{}, err
	}
	data := reminderData(tr, loc, cur)
	lines := []string{tr.S(msgRemindPost, data)}
	if late := now.Sub(due); late >= lateAfter {
		lines = append(lines, tr.S(msgRemindLate, map[string]any{"Late": tr.Minutes(int64(late / time.Minute)), "Due": dayTime(tr, due, loc)}))
	}
	meta := msgRemindPostMeta
	if cur.NextDue.IsZero() || cur.Paused() || !cur.Cancelled.IsZero() {
		meta = msgRemindPostMetaLast
	}
	lines = append(lines, tr.S(meta, data))
	ps, err := b.ledger.Proposals(ctx, com.id, ledger.ProposalsOpen)
	if err != nil {
		return Reply{}, err
	}
	if gp := groupProposals(ps, rm.Group); len(gp) > 0 {
		lines = append(lines, tr.S(msgRemindProposals, map[string]any{"Group": rm.GroupName}))
		for _, p := range gp {
			lines = append(lines, "• "+openProposalLine(tr, com, p))
		}
	}
	reply := Reply{}
	if rm.Pings {
		g, err := b.ledger.Group(ctx, com.id, rm.GroupName)
		if err != nil {
			return Reply{}, err
		}
		var toks []string
		for _, m := range g.Members {
			tok, mention := mentionOf(m)
			if mention == nil {
				continue // no identity on the group's platform
			}
			toks = append(toks, tok)
			reply.Mentions = append(reply.Mentions, *mention)
		}
		if len(toks) > 0 {
			lines = append(lines, "👥 "+strings.Join(toks, " "))
		}
	}
	reply.Text = strings.Join(lines, "\n")
	return reply, nil
}

// postMissed posts one group's "missed while offline" summary and marks
// its deliveries.
func (b *Bot) postMissed(ctx context.Context, com *Community, ms []missed, now time.Time) error {
	if len(ms) == 0 {
		return nil
	}
	rm := ms[0].reminder
	ids := make([]ledger.DeliveryID, len(ms))
	for i, m := range ms {
		ids[i] = m.delivery
	}
	a := b.groupAdapter(ctx, rm.Platform)
	if a == nil {
		return b.ledger.MarkDeliveries(ctx, ids, ledger.DeliveryFailed)
	}
	tr := b.catalog.In(com.Language)
	loc := b.zone(com, rm.Timezone)
	lines := []string{tr.S(msgRemindMissedHeader, map[string]any{"Group": rm.GroupName})}
	for _, m := range ms {
		data := map[string]any{"ID": m.reminder.ID, "Text": truncate(m.reminder.Text, 80),
			"First": dayTime(tr, m.first, loc), "Last": dayTime(tr, m.last, loc)}
		id := msgRemindMissedItem
		if m.more {
			id = msgRemindMissedItemMore
		}
		lines = append(lines, "• "+tr.N(id, m.count, data))
	}
	if _, err := b.Deliver(ctx, a, Target{Room: rm.Room}, Reply{Text: strings.Join(lines, "\n"), Kind: KindAnnouncement}); err != nil {
		b.log.Error("missed reminders summary not posted; retried next minute", "group", rm.GroupName, "err", err)
		return b.ledger.MarkDeliveries(ctx, ids, ledger.DeliveryFailed)
	}
	b.log.Info("missed reminders summarised", "group", rm.GroupName, "reminders", len(ms))
	return b.ledger.MarkDeliveries(ctx, ids, ledger.DeliveryPosted)
}
