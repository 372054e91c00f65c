package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"okienko/bot"
)

// errNotPosted: the case card is not in Slack yet; a relay or note for it
// waits in the outbox.
var errNotPosted = errors.New("case card not posted yet")

// Run delivers the outbox to Slack and checks unclaimed cases every
// CheckEvery, until ctx is cancelled. Several replicas may run it: each
// reads the outbox as its own consumer. An entry is acknowledged only
// after Slack accepted it; on 429 the desk waits RetryAfter, on other
// errors it leaves the entry pending, to be handed out again after
// MinIdle.
func (d *Desk) Run(ctx context.Context) error {
	d.log.Info("slack desk running", "consumer", d.cfg.Consumer)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.checkLoop(ctx)
	}()
	d.deliverLoop(ctx)
	wg.Wait()
	return nil
}

func (d *Desk) deliverLoop(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		entries, err := d.outbox.Read(ctx, d.cfg.Consumer, 10, d.cfg.ReadBlock, d.cfg.MinIdle)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			d.log.Warn("slack outbox read failed", "attempt", failures, "err", err)
			sleep(ctx, d.backoff(failures))
			continue
		}
		failed := false
		for _, e := range entries {
			if ctx.Err() != nil {
				return
			}
			if err := d.process(ctx, e); err != nil {
				failed = true
				if ctx.Err() == nil {
					d.log.Warn("slack delivery failed: left in the outbox", "entry", e.ID, "kind", e.Kind, "case", e.CaseID, "err", err)
				}
			}
		}
		if failed {
			failures++
			sleep(ctx, d.backoff(failures))
		} else {
			failures = 0
		}
	}
}

// backoff spaces attempts after failures: retryBase doubling, up to 30 s.
func (d *Desk) backoff(failures int) time.Duration {
	base := d.retryBase
	if base <= 0 {
		base = time.Second
	}
	return min(base<<min(failures-1, 10), 30*time.Second)
}

// process delivers one entry, waiting out rate limits, and acknowledges it.
func (d *Desk) process(ctx context.Context, e OutboxEntry) error {
	for {
		err := d.deliver(ctx, e)
		var rl *slackapi.RateLimitedError
		if errors.As(err, &rl) {
			wait := min(max(rl.RetryAfter, time.Second), d.cfg.MaxRetryAfter)
			d.log.Warn("slack rate limit: waiting", "entry", e.ID, "retry_after", wait)
			if sleep(ctx, wait) != nil {
				return ctx.Err()
			}
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	var err error
	for attempt := range 3 {
		if err = d.outbox.Ack(ctx, e.ID); err == nil {
			return nil
		}
		if sleep(ctx, time.Duration(attempt+1)*100*time.Millisecond) != nil {
			break
		}
	}
	// Delivered but not acknowledged: a redelivery finds it posted.
	return fmt.Errorf("ack: %w", err)
}

// deliver makes the Slack calls of one entry. It is idempotent: a card
// already recorded in the case book, or a relay or note this process
// already posted, is not posted again.
func (d *Desk) deliver(ctx context.Context, e OutboxEntry) error {
	switch e.Kind {
	case kindCase:
		var c bot.Case
		if err := json.Unmarshal(e.Payload, &c); err != nil || c.ID == "" {
			d.log.Error("slack outbox: malformed case dropped", "entry", e.ID, "case", e.CaseID)
			return nil
		}
		return d.postCard(ctx, c)
	case kindRelay:
		var p relayPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			d.log.Error("slack outbox: malformed relay dropped", "entry", e.ID, "case", e.CaseID)
			return nil
		}
		where, err := d.where(ctx, e.CaseID, "", "")
		if err != nil {
			return err
		}
		return d.postInThread(ctx, e.ID, where, fmt.Sprintf(textResident, escape(clip(p.Text, maxMessageText))))
	case kindNote:
		var p notePayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			d.log.Error("slack outbox: malformed note dropped", "entry", e.ID, "case", e.CaseID)
			return nil
		}
		caseID := e.CaseID
		if caseID == "" {
			caseID = p.CaseID
		}
		where, err := d.where(ctx, caseID, p.Channel, p.ThreadTS)
		if err != nil {
			return err
		}
		if err := d.postInThread(ctx, e.ID, where, clip(p.Text, maxMessageText)); err != nil {
			return err
		}
		if p.Erased {
			return d.eraseCard(ctx, e.ID, where)
		}
		return nil
	default:
		d.log.Error("slack outbox: unknown entry kind dropped", "entry", e.ID, "kind", e.Kind)
		return nil
	}
}

// postCard posts a case card once and records it (status waiting) before
// the entry is acknowledged.
func (d *Desk) postCard(ctx context.Context, c bot.Case) error {
	rec, found, err := d.book.Get(ctx, c.ID)
	if err != nil {
		return fmt.Errorf("case book: %w", err)
	}
	if found && rec.ThreadTS != "" {
		return nil // posted before the previous attempt was acknowledged
	}
	channel, ts, err := d.api.PostMessageContext(ctx, d.cfg.Channel,
		slackapi.MsgOptionText(d.cardText(c), false),
		slackapi.MsgOptionBlocks(d.caseBlocks(c)...),
		slackapi.MsgOptionDisableLinkUnfurl(), slackapi.MsgOptionDisableMediaUnfurl())
	if err != nil {
		return fmt.Errorf("chat.postMessage: %w", err)
	}
	if !found {
		rec = CaseRecord{ID: c.ID, Key: c.Key, Urgency: c.Urgency, Status: StatusWaiting}
	}
	// The reminders count from when a person is expected: the case's
	// creation, or the next opening of the office for a case made outside
	// office hours.
	rec.Created = c.Created
	if c.OpenNext.After(rec.Created) {
		rec.Created = c.OpenNext
	}
	if rec.Created.IsZero() {
		rec.Created = d.cfg.Clock()
	}
	rec.Channel, rec.ThreadTS = channel, ts
	for attempt := range 5 {
		if err = d.book.Put(ctx, rec); err == nil {
			d.log.Info("slack case card posted", "case", c.ID, "urgency", string(c.Urgency))
			return nil
		}
		if sleep(ctx, time.Duration(attempt+1)*200*time.Millisecond) != nil {
			break
		}
	}
	// The card is in Slack but not recorded: a redelivery would post it
	// again. Nothing better can be done without the case book.
	d.log.Error("slack case card posted but not recorded", "case", c.ID, "err", err)
	return fmt.Errorf("case book put: %w", err)
}

// where finds a case's record, or makes one from the card's channel and
// ts when the record may be gone (an erasure note). errNotPosted: the card
// is not in Slack yet.
func (d *Desk) where(ctx context.Context, caseID, channel, ts string) (CaseRecord, error) {
	rec, found, err := CaseRecord{}, false, error(nil)
	if caseID != "" {
		rec, found, err = d.book.Get(ctx, caseID)
		if err != nil {
			return rec, fmt.Errorf("case book: %w", err)
		}
	}
	if !found || rec.ThreadTS == "" {
		if channel == "" || ts == "" {
			return rec, errNotPosted
		}
		rec = CaseRecord{ID: caseID, Channel: channel, ThreadTS: ts, Status: StatusClosed}
	}
	rec.ID = caseID
	return rec, nil
}

// postInThread posts text in a case's thread, once per entry in this
// process.
func (d *Desk) postInThread(ctx context.Context, entryID string, rec CaseRecord, text string) error {
	if d.posted.has(entryID + ":post") {
		return nil
	}
	if _, _, err := d.api.PostMessageContext(ctx, rec.Channel,
		slackapi.MsgOptionTS(rec.ThreadTS), slackapi.MsgOptionText(text, false),
		slackapi.MsgOptionDisableLinkUnfurl(), slackapi.MsgOptionDisableMediaUnfurl()); err != nil {
		return fmt.Errorf("chat.postMessage: %w", err)
	}
	d.posted.add(entryID + ":post")
	return nil
}

// eraseCard strips the resident's details from a case card and ends the
// case if it was still open.
func (d *Desk) eraseCard(ctx context.Context, entryID string, rec CaseRecord) error {
	if d.posted.has(entryID + ":erase") {
		return nil
	}
	if rec.Status == StatusWaiting || rec.Status == StatusClaimed || rec.Status == "" {
		if err := d.book.SetStatus(ctx, rec.ID, StatusClosed); err != nil && !isNoCase(err) {
			return fmt.Errorf("case book: %w", err)
		}
		rec.Status = StatusClosed
	}
	if _, _, _, err := d.api.UpdateMessageContext(ctx, rec.Channel, rec.ThreadTS,
		slackapi.MsgOptionText("Sprawa "+rec.ID, false), slackapi.MsgOptionBlocks(erasedBlocks(rec)...)); err != nil {
		return fmt.Errorf("chat.update: %w", err)
	}
	d.posted.add(entryID + ":erase")
	return nil
}

// isNoCase tells a case book error about a record that is gone. The case
// book's error type is not part of the port, so its text is matched.
func isNoCase(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no such case")
}

func (d *Desk) checkLoop(ctx context.Context) {
	t := time.NewTicker(d.cfg.CheckEvery)
	defer t.Stop()
	for {
		d.checkWaiting(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// checkWaiting posts one reminder for each case unclaimed longer than
// ClaimReminder and tells the engine once about each case unclaimed longer
// than OfferPhoneAfter.
func (d *Desk) checkWaiting(ctx context.Context) {
	recs, err := d.book.Waiting(ctx)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("slack waiting cases: case book failed", "err", err)
		}
		return
	}
	now := d.cfg.Clock()
	for _, r := range recs {
		if ctx.Err() != nil {
			return
		}
		if r.ThreadTS == "" || r.Holder != "" || (r.Status != StatusWaiting && r.Status != "") {
			continue
		}
		age := now.Sub(r.Created)
		if age >= d.cfg.ClaimReminder && !r.Reminded {
			text := fmt.Sprintf(textReminder, r.ID, int(age/time.Minute))
			if r.Urgency == bot.UrgencyUrgent && d.cfg.OnDutyGroup != "" {
				text = "<!subteam^" + d.cfg.OnDutyGroup + "> " + text
			}
			_, _, err := d.api.PostMessageContext(ctx, r.Channel, slackapi.MsgOptionTS(r.ThreadTS),
				slackapi.MsgOptionBroadcast(), slackapi.MsgOptionText(text, false))
			if err != nil {
				d.log.Warn("slack reminder failed", "case", r.ID, "err", err)
			} else {
				d.markWaiting(ctx, r.ID, func(r *CaseRecord) { r.Reminded = true })
				d.log.Info("slack reminder posted", "case", r.ID)
			}
		}
		if age >= d.cfg.OfferPhoneAfter && !r.TimedOut {
			ev := bot.StaffEvent{Kind: bot.StaffUnclaimed, Case: bot.CaseRef{ID: r.ID, Key: r.Key},
				EventID: "slack:unclaimed:" + r.ID}
			if err := d.engine.Staff(ctx, ev); err != nil {
				d.log.Warn("slack unclaimed case: engine failed", "case", r.ID, "err", err)
				continue
			}
			d.markWaiting(ctx, r.ID, func(r *CaseRecord) { r.TimedOut = true })
			d.log.Info("slack case unclaimed: resident offered the phone", "case", r.ID)
			if _, _, err := d.api.PostMessageContext(ctx, r.Channel, slackapi.MsgOptionTS(r.ThreadTS),
				slackapi.MsgOptionText(fmt.Sprintf(textOfferedPhone, int(d.cfg.OfferPhoneAfter/time.Minute)), false)); err != nil {
				d.log.Warn("slack unclaimed note failed", "case", r.ID, "err", err)
			}
		}
	}
}

// markWaiting sets a flag on a case still waiting. The case book has no
// compare-and-set, so the record is read again right before it is put
// back, to keep the window in which a claim could be overwritten small.
func (d *Desk) markWaiting(ctx context.Context, caseID string, set func(*CaseRecord)) {
	r, found, err := d.book.Get(ctx, caseID)
	if err != nil || !found || r.Holder != "" || (r.Status != StatusWaiting && r.Status != "") {
		return
	}
	set(&r)
	if err := d.book.Put(ctx, r); err != nil {
		d.log.Warn("slack case book: flag not saved", "case", caseID, "err", err)
	}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
