package slack

import (
	"context"
	"fmt"
	"strings"

	slackapi "github.com/slack-go/slack"

	"okienko/bot"
	"okienko/bot/desk"
)

// deliverEntry posts an entry in its case's thread, each kind as staff
// should read it: the resident's words, the bot's note, or a crisis alert
// that nobody can miss — shown in the channel too, mentioning the on-duty
// group, with the card marked urgent.
func (d *Desk) deliverEntry(ctx context.Context, entryID string, rec desk.CaseRecord, p relayPayload) error {
	// Escaped before it is clipped: a text full of & or < grows up to
	// five-fold when escaped, and the cut must not split an entity.
	text := clip(escape(p.Text), maxMessageText)
	switch p.Kind {
	case bot.EntryFile:
		return d.postFile(ctx, entryID, rec, p)
	case bot.EntryNote:
		return d.postInThread(ctx, entryID, rec, fmt.Sprintf(textBotNote, text), false)
	case bot.EntryCrisis:
		alert := fmt.Sprintf(textCrisisAlert, reasonText(p.Reason))
		if d.cfg.OnDutyGroup != "" {
			alert = "<!subteam^" + d.cfg.OnDutyGroup + "> " + alert
		}
		if text != "" {
			// Every line quoted: a resident's second line must not read as
			// the bot's own words.
			alert += "\n>" + strings.ReplaceAll(text, "\n", "\n>")
		}
		if err := d.postInThread(ctx, entryID, rec, alert, true); err != nil {
			return err
		}
		d.markUrgent(ctx, rec)
		return nil
	default:
		return d.postInThread(ctx, entryID, rec, fmt.Sprintf(textResident, text), false)
	}
}

// markUrgent records a case as urgent (a waiting one is due now: its
// reminder comes at once, mentioning the on-duty group) and marks its card:
// a red header and an urgent section, kept by later status updates.
// Failures are logged: the alert itself is posted.
func (d *Desk) markUrgent(ctx context.Context, rec desk.CaseRecord) {
	if cur, found, err := d.cases.Get(ctx, rec.ID); err == nil && found && cur.Urgency != bot.UrgencyUrgent {
		cur.Urgency = bot.UrgencyUrgent
		if cur.Status == desk.StatusWaiting {
			cur.Due, cur.Reminded = d.cfg.Clock(), false
		}
		if err := d.cases.Put(ctx, cur); err != nil {
			d.log.Warn("slack crisis: case not recorded urgent", "case", rec.ID, "err", err)
		}
	}
	hist, err := d.api.GetConversationHistoryContext(ctx, &slackapi.GetConversationHistoryParameters{
		ChannelID: rec.Channel, Latest: rec.ThreadTS, Oldest: rec.ThreadTS, Inclusive: true, Limit: 1})
	if err != nil || len(hist.Messages) == 0 {
		d.log.Warn("slack crisis: card not found to mark urgent", "case", rec.ID, "err", err)
		return
	}
	blocks := urgentBlocks(hist.Messages[0].Blocks.BlockSet, d.cfg.OnDutyGroup)
	if blocks == nil {
		return // marked before
	}
	if _, _, _, err := d.api.UpdateMessageContext(ctx, rec.Channel, rec.ThreadTS,
		slackapi.MsgOptionText("🔴 PILNE: sprawa "+caseLabel(rec), false), slackapi.MsgOptionBlocks(blocks...)); err != nil {
		d.log.Warn("slack crisis: card not marked urgent", "case", rec.ID, "err", err)
	}
}

// urgentBlocks is a card with the urgent section after its header, or nil
// when it has it already.
func urgentBlocks(card []slackapi.Block, onDuty string) []slackapi.Block {
	out := make([]slackapi.Block, 0, len(card)+1)
	t := textCrisisCard
	if onDuty != "" {
		t = "<!subteam^" + onDuty + "> " + t
	}
	urgent := slackapi.NewSectionBlock(mrkdwn(t), nil, nil, slackapi.SectionBlockOptionBlockID(blockUrgent))
	inserted := false
	for _, b := range card {
		if b.ID() == blockUrgent {
			return nil
		}
		out = append(out, b)
		if !inserted && b.BlockType() == slackapi.MBTHeader {
			out = append(out, urgent)
			inserted = true
		}
	}
	if !inserted {
		out = append([]slackapi.Block{urgent}, out...)
	}
	return out
}

// caseLabel is how staff name a case: its short number, else its id.
func caseLabel(r desk.CaseRecord) string {
	if r.Number != "" {
		return r.Number
	}
	return r.ID
}
