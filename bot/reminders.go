package bot

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

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
		if _, werr := schedules.ParseWhen(fields, r.bot.catalog.words, now, r.bot.zone(r.com, rg.Timezone)); !ok || werr != nil {
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
	w, err := schedules.ParseWhen(fields[skip:], r.bot.catalog.words, now, loc)
	if err != nil {
		return whenRefusal(err)
	}
	text := r.restAfter(skip + w.Words)
	if text == "" {
		return refuse(msgRemindNoText, map[string]any{"Usage": r.tr.S(msgUsageRemind, nil)})
	}
	kind, next := ledger.ReminderOnce, w.At
	if w.Spec != "" {
		kind = ledger.ReminderCron
		if next, err = schedules.Next(w.Spec, now, loc); err != nil {
			return refuse(msgRemindBadWhen, map[string]any{"Input": w.Input})
		}
	}
	rec, err := r.bot.ledger.AddReminder(r.ctx, ledger.ReminderRequest{
		Header: r.header(), Moderator: r.moderator(),
		Group: g.ID, Kind: kind, Spec: w.Spec, Input: w.Input, Text: text, NextDue: next,
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
	if rm.Kind == ledger.ReminderOnce && w.StartsWithDay {
		// "lundi 18h" is the next Monday only: say how to make it weekly.
		every := r.tr.S(msgRemindEveryWord, nil) + " " + w.Input
		if skip == 1 {
			every = g.Name + " " + every
		}
		reply += "\n" + r.tr.S(msgRemindWeeklyHint, map[string]any{"Day": weekdayName(r.tr, w.Weekday),
			"Command": r.cmd.path(r.tr.Lang()) + " " + every + " " + text})
	}
	r.reply(Reply{Text: reply})
	return nil
}

// whenRefusal words a schedule that schedules.ParseWhen refused.
func whenRefusal(err error) error {
	var we *schedules.WhenError
	if !errors.As(err, &we) {
		return err
	}
	id := map[schedules.WhenErrorCode]string{schedules.WhenUnreadable: msgRemindBadWhen, schedules.WhenBadCron: msgRemindBadCron,
		schedules.WhenPast: msgRemindPast, schedules.WhenTooFar: msgRemindTooFar}[we.Code]
	return refuse(id, map[string]any{"Input": we.Input})
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
	empty := r.tr.S(msgRemindListEmpty, map[string]any{"Usage": r.tr.S(msgUsageRemind, nil)})
	replyList(r, true, rs, empty, msgRemindListHeader, func(rm ledger.Reminder) string {
		return reminderLine(r.tr, r.bot.zone(r.com, rm.Timezone), rm, true)
	})
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
		Header: r.header(), Moderator: r.moderator(),
		ID: id, Action: action, Next: r.bot.nextFunc(r.com),
	})
	data := map[string]any{"ID": id, "Command": r.cmdPath("remind") + " " + r.subName("remind", "cancel") + " " + strconv.FormatInt(int64(id), 10)}
	switch ledger.ErrorCode(err) {
	case ledger.ENOTFOUND:
		return refuse(msgRemindNotFound, map[string]any{"ID": id, "Command": r.cmdPath("remind") + " " + r.subName("remind", "list")})
	case ledger.EFORBIDDEN:
		var forbidden *ledger.GroupForbiddenError
		if errors.As(err, &forbidden) {
			return r.groupRefusal(err, forbidden.Group)
		}
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
