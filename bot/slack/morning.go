package slack

import (
	"context"
	"fmt"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"okienko/bot/desk"
)

// morningRound lists, once a day at the first check within office hours,
// the cases still waiting unclaimed from before the opening (left at the
// end of the day, or raised in the evening), in one message in the
// channel, mentioning the on-duty group. Of several replicas only one
// posts: the day's round is marked like a posted entry.
func (d *Desk) morningRound(ctx context.Context, now time.Time, recs []desk.CaseRecord) {
	if d.cfg.OpenAt == nil || !d.cfg.OpenAt(now) {
		return
	}
	day := now.In(warsaw).Format("2006-01-02")
	if d.posted.has("morning:" + day) {
		return
	}
	var left []desk.CaseRecord
	for _, r := range recs {
		if r.ThreadTS != "" && r.Holder == "" && now.Sub(r.Created) >= d.cfg.ClaimReminder && r.Created.In(warsaw).Format("2006-01-02") != day {
			left = append(left, r)
		}
	}
	if _, posted, err := d.marks.Posted(ctx, "morning:"+day); err != nil || posted {
		if err == nil {
			d.posted.add("morning:" + day)
		}
		return
	}
	if len(left) == 0 {
		return // nothing left over: checked again at the next check, cheaply
	}
	if first, err := d.marks.MarkPosted(ctx, "morning:"+day, "round"); err != nil || !first {
		d.posted.add("morning:" + day)
		return
	}
	d.posted.add("morning:" + day)
	var b strings.Builder
	if d.cfg.OnDutyGroup != "" {
		b.WriteString("<!subteam^" + d.cfg.OnDutyGroup + "> ")
	}
	fmt.Fprintf(&b, textMorning, len(left))
	for _, r := range left {
		link := r.ThreadTS
		if permalink, err := d.api.GetPermalinkContext(ctx, &slackapi.PermalinkParameters{Channel: r.Channel, Ts: r.ThreadTS}); err == nil {
			link = "<" + permalink + "|" + caseLabel(r) + ">"
		} else {
			link = caseLabel(r)
		}
		urgent := ""
		if r.Urgency == "urgent" {
			urgent = " 🔴"
		}
		fmt.Fprintf(&b, "\n• %s%s — czeka od %s", link, urgent, r.Created.In(warsaw).Format("02.01 15:04"))
	}
	if _, _, err := d.api.PostMessageContext(ctx, d.cfg.Channel, slackapi.MsgOptionText(b.String(), false),
		slackapi.MsgOptionDisableLinkUnfurl()); err != nil {
		d.log.Warn("slack morning round not posted", "cases", len(left), "err", err)
		return
	}
	d.log.Info("slack morning round posted", "cases", len(left))
}
