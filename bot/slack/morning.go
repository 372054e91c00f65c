package slack

import (
	"context"
	"fmt"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"okienko/bot"
	"okienko/bot/desk"
)

// morningHold is how long one replica holds the day's morning round while
// it posts it; a replica that crashed meanwhile leaves it to the others
// after that.
const morningHold = 2 * time.Minute

// morningRound lists, once a day at the first check within office hours,
// the cases still waiting unclaimed from before the opening (left at the
// end of the day, or raised in the evening), and the claimed cases nobody
// wrote in for QuietAfter (the case book's Quiet: no resident message, no
// staff reply relayed, no claim or transfer), with their holders, in one
// message in the channel, mentioning the on-duty group. Of several
// replicas only one posts: the day's round is reserved while it is posted
// and marked like a posted entry once Slack has it (a failed post is tried
// again at the next check).
// A case still waiting or quiet the next day is listed again then.
func (d *Desk) morningRound(ctx context.Context, now time.Time, recs []desk.CaseRecord) {
	if d.cfg.OpenAt == nil || !d.cfg.OpenAt(now) {
		return
	}
	day := now.In(warsaw).Format("2006-01-02")
	if d.posted.has("morning:" + day) {
		return
	}
	// Everything waiting at the opening: left from an earlier day, or
	// raised while the Centre was closed (in the evening, at night, or
	// this morning before the opening). A case raised today while staff
	// were at work gets the usual claim reminder instead.
	var left []desk.CaseRecord
	for _, r := range recs {
		if r.ThreadTS == "" || r.Holder != "" || now.Sub(r.Created) < d.cfg.ClaimReminder {
			continue
		}
		if r.Created.In(warsaw).Format("2006-01-02") != day || !d.cfg.OpenAt(r.Created) {
			left = append(left, r)
		}
	}
	if _, posted, err := d.marks.Posted(ctx, "morning:"+day); err != nil || posted {
		if err == nil {
			d.posted.add("morning:" + day)
		}
		return
	}
	var quiet []desk.QuietCase
	if d.cfg.QuietAfter > 0 {
		all, err := d.queue.Quiet(ctx, now.Add(-d.cfg.QuietAfter))
		if err != nil {
			d.log.Warn("slack morning round: quiet cases not read", "err", err)
			return // tried again at the next check
		}
		for _, q := range all {
			if q.ThreadTS != "" {
				quiet = append(quiet, q)
			}
		}
	}
	if len(left) == 0 && len(quiet) == 0 {
		return // nothing left over: checked again at the next check, cheaply
	}
	// Reserved while it is posted (one replica posts), marked once Slack
	// has it; a failed post frees the reservation, so that the next check
	// (of this replica or another) posts the day's round after all.
	token, err := d.marks.BeginRelay(ctx, d.cfg.Channel, "morning:"+day, morningHold)
	if err != nil || token == "" {
		if err != nil {
			d.log.Warn("slack morning round: not reserved", "err", err)
		}
		return // another replica posts it, or it was posted: checked again next time
	}
	var b strings.Builder
	if d.cfg.OnDutyGroup != "" {
		b.WriteString("<!subteam^" + d.cfg.OnDutyGroup + "> ")
	}
	if len(left) > 0 {
		fmt.Fprintf(&b, textMorning, len(left))
	} else {
		b.WriteString(textMorningHello)
	}
	for _, r := range left {
		urgent := ""
		if r.Urgency == bot.UrgencyUrgent {
			urgent = " 🔴"
		}
		fmt.Fprintf(&b, "\n• %s%s — czeka od %s", d.caseLink(ctx, r), urgent, r.Created.In(warsaw).Format("02.01 15:04"))
	}
	if len(quiet) > 0 {
		b.WriteString("\n")
		fmt.Fprintf(&b, textMorningQuiet, int(d.cfg.QuietAfter/time.Hour), len(quiet))
	}
	for _, q := range quiet {
		urgent := ""
		if q.Urgency == bot.UrgencyUrgent {
			urgent = " 🔴"
		}
		fmt.Fprintf(&b, "\n• %s%s — <@%s>, cisza od %s", d.caseLink(ctx, q.CaseRecord), urgent, q.Holder, q.Since.In(warsaw).Format("02.01 15:04"))
	}
	_, ts, err := d.api.PostMessageContext(ctx, d.cfg.Channel, slackapi.MsgOptionText(b.String(), false),
		slackapi.MsgOptionDisableLinkUnfurl())
	if err != nil {
		d.log.Warn("slack morning round not posted", "cases", len(left), "quiet", len(quiet), "err", err)
		if err := d.marks.EndRelay(context.WithoutCancel(ctx), d.cfg.Channel, "morning:"+day, token, false); err != nil {
			d.log.Warn("slack morning round: reservation not freed", "err", err)
		}
		return // tried again at the next check
	}
	d.posted.add("morning:" + day)
	if _, err := d.marks.MarkPosted(context.WithoutCancel(ctx), "morning:"+day, ts); err != nil {
		d.log.Warn("slack morning round: not marked posted", "err", err)
	}
	if err := d.marks.EndRelay(context.WithoutCancel(ctx), d.cfg.Channel, "morning:"+day, token, true); err != nil {
		d.log.Warn("slack morning round: reservation not ended", "err", err)
	}
	d.log.Info("slack morning round posted", "cases", len(left), "quiet", len(quiet))
}

// caseLink is a link to a case's card (chat.getPermalink), or its label.
func (d *Desk) caseLink(ctx context.Context, r desk.CaseRecord) string {
	if permalink, err := d.api.GetPermalinkContext(ctx, &slackapi.PermalinkParameters{Channel: r.Channel, Ts: r.ThreadTS}); err == nil {
		return "<" + permalink + "|" + caseLabel(r) + ">"
	}
	return caseLabel(r)
}

// touch records activity on a case in the case book (Cases.Touch), for the
// morning round's quiet cases. A failure is logged: at worst a busy case is
// listed as quiet once.
func (d *Desk) touch(ctx context.Context, caseID string) {
	if err := d.cases.Touch(ctx, caseID, d.cfg.Clock()); err != nil {
		d.log.Warn("slack case activity not recorded", "case", caseID, "err", err)
	}
}
