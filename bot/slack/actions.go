package slack

import (
	"context"
	"fmt"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"okienko/bot"
	"okienko/bot/desk"
)

// relayHold is how long a staff message stays reserved by the attempt
// delivering it: longer than an attempt takes (the engine's store timeout,
// a send to Telegram), shorter than Slack's next retry (a minute), so that
// a retry finds it free. Slack retries only an event it saw no answer to;
// events are acknowledged before they are processed, so a replica that
// crashes mid-delivery after acknowledging loses that staff message (the
// organizer sees no failure notice either).
const relayHold = 45 * time.Second

// dispatchEvent takes an acknowledged Events API callback, drops
// redeliveries of an event id this process has seen, and processes the
// rest in the background, in order per case thread.
func (d *Desk) dispatchEvent(ev slackevents.EventsAPIEvent) {
	cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok {
		return
	}
	if cb.EventID != "" && !d.seen.add("event:"+cb.EventID) {
		d.log.Debug("slack event redelivered: skipped", "event", cb.EventID)
		return
	}
	m, ok := ev.InnerEvent.Data.(*slackevents.MessageEvent)
	if !ok {
		return
	}
	thread := m.ThreadTimeStamp
	if thread == "" {
		thread = m.TimeStamp
	}
	d.async(m.Channel+":"+thread, func(ctx context.Context) { d.onMessage(ctx, m) })
}

// dispatchInteraction takes an acknowledged interaction and processes the
// card's button presses in the background, in order per case.
func (d *Desk) dispatchInteraction(cb *slackapi.InteractionCallback) {
	if cb.Type != slackapi.InteractionTypeBlockActions {
		return
	}
	for _, a := range cb.ActionCallback.BlockActions {
		switch a.ActionID {
		case actionClaim, actionClose, actionReturn, actionTransfer, actionRelease, actionTakeOver:
		default:
			continue
		}
		if !d.seen.add("action:" + cb.User.ID + ":" + a.ActionID + ":" + a.ActionTs) {
			continue
		}
		a := a
		d.async(cb.Channel.ID+":"+cb.Container.MessageTs, func(ctx context.Context) { d.onAction(ctx, cb, a) })
	}
}

// onMessage handles a message in the staff channel: a thread reply by
// the case holder that starts with ReplyPrefix goes to the resident; any
// other reply is an internal note and stays in Slack.
func (d *Desk) onMessage(ctx context.Context, m *slackevents.MessageEvent) {
	if m.BotID != "" || m.SubType == "bot_message" {
		return // the desk's own posts, and other bots'
	}
	if m.SubType != "" && m.SubType != "thread_broadcast" && m.SubType != "file_share" {
		return // edits, deletions, joins: an edit does not reach the resident again
	}
	if m.Channel != d.cfg.Channel || m.User == "" || m.ThreadTimeStamp == "" || m.ThreadTimeStamp == m.TimeStamp {
		return
	}
	// Decoded before the prefix is looked for: Slack delivers a typed ">>"
	// as "&gt;&gt;". Mentions are named (users.info) only in replies for
	// the resident, not in internal notes.
	if _, forResident := strings.CutPrefix(strings.TrimSpace(decodeMrkdwn(m.Text, nil)), d.cfg.ReplyPrefix); !forResident {
		return // an internal note
	}
	// Bold and italic are kept as spans, for a channel that can show them
	// (Telegram); when the prefix itself is formatted, the reply goes plain.
	marked := strings.TrimSpace(decodeMarked(m.Text, func(user string) string { return d.displayName(ctx, user) }))
	var body string
	var spans []bot.Span
	if rest, ok := strings.CutPrefix(marked, d.cfg.ReplyPrefix); ok {
		body, spans = takeSpans(rest)
	} else {
		body, _ = strings.CutPrefix(strings.TrimSpace(dropMarks.Replace(marked)), d.cfg.ReplyPrefix)
	}
	rec, found, err := d.cases.ByThread(ctx, m.Channel, m.ThreadTimeStamp)
	if err != nil {
		d.log.Warn("slack reply: case book failed", "err", err)
		d.ephemeral(ctx, m.Channel, m.User, m.ThreadTimeStamp, textSendFailed)
		return
	}
	if !found {
		return // a thread that is not a case
	}
	if !d.allowed(ctx, m.Channel, m.User, m.ThreadTimeStamp) {
		return
	}
	switch {
	case rec.Status.Over():
		d.ephemeral(ctx, m.Channel, m.User, m.ThreadTimeStamp, textCaseOver)
		return
	case rec.Holder == "":
		d.ephemeral(ctx, m.Channel, m.User, m.ThreadTimeStamp, textNoteUnclaimed)
		return
	case rec.Holder != m.User:
		d.ephemeral(ctx, m.Channel, m.User, m.ThreadTimeStamp, fmt.Sprintf(textNoteOnly, rec.Holder))
		return
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return
	}
	// Once per message, whatever event delivers it (a retry, the same
	// message under another event id, another replica, after a restart):
	// the message's channel and ts are reserved in the shared store while
	// it is delivered, and marked once the resident has it.
	token, err := d.marks.BeginRelay(ctx, m.Channel, m.TimeStamp, relayHold)
	if err != nil {
		d.log.Warn("slack reply: relay mark failed", "case", rec.ID, "err", err)
		d.ephemeral(ctx, m.Channel, m.User, m.ThreadTimeStamp, textSendFailed)
		return
	}
	if token == "" {
		d.log.Info("slack staff message delivered before: skipped", "case", rec.ID)
		return
	}
	ev := bot.StaffEvent{
		Kind:    bot.StaffMessage,
		Case:    bot.CaseRef{ID: rec.ID, Key: rec.Key},
		Name:    d.staffName(ctx, m.User),
		Text:    body,
		Spans:   spans,
		EventID: "slack:msg:" + m.Channel + ":" + m.TimeStamp,
	}
	err = d.tellEngine(ctx, ev)
	if endErr := d.marks.EndRelay(context.WithoutCancel(ctx), m.Channel, m.TimeStamp, token, err == nil); endErr != nil {
		d.log.Warn("slack reply: relay mark not ended", "case", rec.ID, "err", endErr)
	}
	if err != nil {
		d.ephemeral(ctx, m.Channel, m.User, m.ThreadTimeStamp, textSendFailed)
		return
	}
	if _, _, err := d.api.PostMessageContext(ctx, m.Channel, slackapi.MsgOptionTS(m.ThreadTimeStamp),
		slackapi.MsgOptionText(textSent, false)); err != nil {
		d.log.Warn("slack relay confirmation failed", "case", rec.ID, "err", err)
	}
	d.touch(ctx, rec.ID)
	d.log.Info("slack staff message relayed", "case", rec.ID)
}

// onAction handles a press of a card button.
func (d *Desk) onAction(ctx context.Context, cb *slackapi.InteractionCallback, a *slackapi.BlockAction) {
	user, channel, caseID := cb.User.ID, cb.Channel.ID, a.Value
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	if !d.allowed(ctx, channel, user, "") {
		return
	}
	if caseID == "" && a.ActionID == actionTransfer {
		// A select has no value: the case is the card's.
		if r, found, err := d.cases.ByThread(ctx, channel, cb.Container.MessageTs); err == nil && found {
			caseID = r.ID
		}
	}
	if caseID == "" {
		d.ephemeral(ctx, channel, user, "", textCaseGone)
		return
	}
	rec, found, err := d.cases.Get(ctx, caseID)
	switch {
	case err != nil:
		d.log.Warn("slack action: case book failed", "case", caseID, "err", err)
		d.ephemeral(ctx, channel, user, "", textTryAgain)
		return
	case !found:
		// Erased by the resident (/usun) or expired: nothing to try again.
		d.log.Info("slack action: case gone", "case", caseID)
		d.ephemeral(ctx, channel, user, "", textCaseGone)
		return
	}
	if rec.Status.Over() {
		d.ephemeral(ctx, channel, user, "", textCaseOver)
		return
	}
	var card []slackapi.Block
	if cb.Message.Timestamp == rec.ThreadTS || cb.Container.MessageTs == rec.ThreadTS {
		card = cb.Message.Blocks.BlockSet
	}

	switch a.ActionID {
	case actionClaim:
		holder, won, err := d.cases.Claim(ctx, caseID, user)
		if err != nil {
			d.log.Warn("slack claim: case book failed", "case", caseID, "err", err)
			d.ephemeral(ctx, channel, user, "", textTryAgain)
			return
		}
		if !won && holder != user {
			d.ephemeral(ctx, channel, user, "", fmt.Sprintf(textHeldBy, holder))
			return
		}
		rec.Holder, rec.Status = user, desk.StatusClaimed
		d.updateCard(ctx, rec, card)
		d.log.Info("slack case claimed", "case", caseID)
		if won {
			d.queueNote(ctx, caseID, fmt.Sprintf(textAuditClaimed, user), false)
			d.touch(ctx, caseID)
		}
		_ = d.tellEngine(ctx, bot.StaffEvent{Kind: bot.StaffClaimed, Case: bot.CaseRef{ID: rec.ID, Key: rec.Key},
			Name: d.staffName(ctx, user), EventID: "slack:claim:" + caseID})

	case actionClose, actionReturn:
		switch {
		case rec.Holder == "":
			d.ephemeral(ctx, channel, user, "", textClaimFirst)
			return
		case rec.Holder != user:
			d.ephemeral(ctx, channel, user, "", fmt.Sprintf(textNotHolder, rec.Holder))
			return
		}
		status, kind := desk.StatusClosed, bot.StaffClosed
		if a.ActionID == actionReturn {
			status, kind = desk.StatusReturned, bot.StaffReturned
		}
		if err := d.cases.SetStatus(ctx, caseID, status); err != nil {
			d.log.Warn("slack close: case book failed", "case", caseID, "err", err)
			d.ephemeral(ctx, channel, user, "", textTryAgain)
			return
		}
		rec.Status = status
		d.updateCard(ctx, rec, card)
		d.log.Info("slack case ended", "case", caseID, "status", string(status))
		audit := textAuditClosed
		if status == desk.StatusReturned {
			audit = textAuditReturned
		}
		d.queueNote(ctx, caseID, fmt.Sprintf(audit, user), false)
		_ = d.tellEngine(ctx, bot.StaffEvent{Kind: kind, Case: bot.CaseRef{ID: rec.ID, Key: rec.Key},
			Name: d.staffName(ctx, user), EventID: "slack:" + string(status) + ":" + caseID})

	case actionTransfer, actionRelease, actionTakeOver:
		d.onHandOver(ctx, cb, a, rec, card)
	}
}

// allowed tells whether user is a member of the staff channel, refusing
// others with an ephemeral message.
func (d *Desk) allowed(ctx context.Context, channel, user, threadTS string) bool {
	ok, err := d.members.isMember(ctx, d.api, d.cfg.Channel, user)
	if err != nil {
		d.log.Warn("slack membership check failed", "err", err)
		d.ephemeral(ctx, channel, user, threadTS, textTryAgain)
		return false
	}
	if !ok {
		d.log.Info("slack action refused: not a staff member")
		d.ephemeral(ctx, channel, user, threadTS, textNotMember)
	}
	return ok
}

// updateCard shows the case's status and buttons on its card.
func (d *Desk) updateCard(ctx context.Context, rec desk.CaseRecord, card []slackapi.Block) {
	if rec.Channel == "" || rec.ThreadTS == "" {
		return
	}
	if _, _, _, err := d.api.UpdateMessageContext(ctx, rec.Channel, rec.ThreadTS,
		slackapi.MsgOptionText("Sprawa "+rec.ID, false),
		slackapi.MsgOptionBlocks(withStatus(card, rec)...)); err != nil {
		d.log.Warn("slack card update failed", "case", rec.ID, "err", err)
	}
}

// ephemeral shows text to one user only, in a thread if threadTS is set.
func (d *Desk) ephemeral(ctx context.Context, channel, user, threadTS, text string) {
	opts := []slackapi.MsgOption{slackapi.MsgOptionText(text, false)}
	if threadTS != "" {
		opts = append(opts, slackapi.MsgOptionTS(threadTS))
	}
	if _, err := d.api.PostEphemeralContext(ctx, channel, user, opts...); err != nil {
		d.log.Warn("slack ephemeral message failed", "err", err)
	}
}

// staffName is what the resident is told about the organizer: the first
// name, or nothing when ShowStaffName is off or Slack does not answer.
func (d *Desk) staffName(ctx context.Context, user string) string {
	if !*d.cfg.ShowStaffName {
		return ""
	}
	name, err := d.names.firstName(ctx, d.api, user)
	if err != nil {
		d.log.Warn("slack users.info failed", "err", err)
	}
	return name
}

// tellEngine delivers a staff event, trying a few times: the event id
// makes a repeat harmless.
func (d *Desk) tellEngine(ctx context.Context, ev bot.StaffEvent) error {
	var err error
	for attempt := range 3 {
		if err = d.staff.Staff(ctx, ev); err == nil {
			return nil
		}
		if sleep(ctx, time.Duration(attempt+1)*200*time.Millisecond) != nil {
			break
		}
	}
	d.log.Error("slack staff event not delivered to the engine", "kind", string(ev.Kind), "case", ev.Case.ID, "err", err)
	return err
}

// displayName is how a mentioned colleague is named to the resident: the
// first name (cached users.info), whatever ShowStaffName says, since the
// organizer chose to name them; "" when Slack does not know them.
func (d *Desk) displayName(ctx context.Context, user string) string {
	name, err := d.names.firstName(ctx, d.api, user)
	if err != nil {
		d.log.Warn("slack users.info failed", "err", err)
	}
	return name
}
