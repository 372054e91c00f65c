package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"okienko/bot"
	"okienko/bot/desk"
)

// errNotPosted: the case card is not in Slack yet; a relay or note for it
// waits in the outbox.
var errNotPosted = errors.New("case card not posted yet")

// errTaken reports an entry that another replica took while this one
// waited (its idle time passed MinIdle): it is that replica's to deliver.
var errTaken = errors.New("outbox entry taken by another replica")

// Run delivers the outbox to Slack and checks unclaimed cases every
// CheckEvery, until ctx is cancelled. Several replicas may run it: each
// reads the outbox as its own consumer. An entry is acknowledged only
// after Slack accepted it; on 429 the desk waits RetryAfter, on other
// errors it leaves the entry pending, to be handed out again after
// MinIdle.
//
// Delivery is at least once. An entry posted but not acknowledged (the
// replica crashed, or Redis failed the ack) is handed out again, possibly
// to another replica; the case book makes that repeat harmless: a card is
// recorded with its thread, and every posted entry is marked (MarkPosted)
// right after the Slack call, so a redelivery finds it posted and only
// acknowledges it. What remains is the window between Slack accepting a
// post and the mark being written: a crash there (or the case book failing
// then, or an entry handed to a second replica while the first is still
// in the Slack call, which needs a call longer than MinIdle) posts it
// twice. Slack offers no idempotency key for chat.postMessage, so the
// window cannot be closed, only kept this short.
//
// When ctx ends, Run stops taking new work but, for up to DrainTimeout,
// finishes the entries in hand and delivers what the outbox still holds
// (graceful shutdown: stop the channels first, so that nothing is added
// meanwhile). An embedded Redis dies with the process, so this is what
// keeps its last cases from being lost.
func (d *Desk) Run(ctx context.Context) error {
	d.log.Info("slack desk running", "consumer", d.cfg.Consumer)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.checkLoop(ctx)
	}()
	drain, stop := d.drainContext(ctx)
	defer stop()
	d.deliverLoop(ctx, drain)
	d.flush(drain)
	wg.Wait()
	return nil
}

// drainContext is a context that ends DrainTimeout after ctx does: the
// work in hand at shutdown runs under it.
func (d *Desk) drainContext(ctx context.Context) (context.Context, context.CancelFunc) {
	drain, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(d.cfg.DrainTimeout, cancel)
		context.AfterFunc(drain, func() { t.Stop() })
	})
	return drain, func() { stop(); cancel() }
}

// flush delivers the entries the outbox still holds, until it is empty or
// ctx ends; what remains is left for another replica or the next start.
func (d *Desk) flush(ctx context.Context) {
	delivered := 0
	for ctx.Err() == nil {
		entries, err := d.outbox.Read(ctx, d.cfg.Consumer, 10, 0, d.cfg.MinIdle)
		if err != nil || len(entries) == 0 {
			if err != nil && ctx.Err() == nil {
				d.log.Warn("slack outbox not flushed at shutdown", "err", err)
			}
			break
		}
		for _, e := range entries {
			if err := d.process(ctx, e, false); err != nil {
				d.log.Warn("slack outbox not flushed at shutdown: left in the outbox", "entry", e.ID, "kind", e.Kind, "err", err)
				return
			}
			delivered++
		}
	}
	if delivered > 0 {
		d.log.Info("slack outbox flushed at shutdown", "entries", delivered)
	}
}

// deliverLoop reads and delivers entries until ctx ends; the entries in
// hand then are finished under drain. Entries that failed (Slack down, a
// card not posted yet) are tried again from memory, with backoff, before
// new ones are read — up to retryInHand times, after which they are left
// pending for the outbox to hand out again after MinIdle — so that a Slack
// outage delays cases by the backoff, not by MinIdle. New entries are
// read meanwhile, so one failing entry does not hold up the others.
func (d *Desk) deliverLoop(ctx, drain context.Context) {
	const retryInHand = 8
	failures := 0
	var again []desk.OutboxEntry
	tries := map[string]int{} // by entry id, for the entries in again
	for ctx.Err() == nil {
		block := d.cfg.ReadBlock
		if len(again) > 0 {
			block = 0 // entries in hand: take what is new without waiting
		}
		fresh, err := d.outbox.Read(ctx, d.cfg.Consumer, 10, block, d.cfg.MinIdle)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			d.log.Warn("slack outbox read failed", "attempt", failures, "err", err)
			sleep(ctx, d.backoff(failures))
			continue
		}
		// The entries in hand first (a case's card before its relays),
		// then the fresh ones not already in hand. Those in hand are
		// renewed first: one another replica took meanwhile (its idle time
		// passed MinIdle during the backoff) is that replica's now, and
		// trying it here too would post it twice.
		again = d.keep(ctx, again, tries)
		entries := again
		for _, e := range fresh {
			if _, inHand := tries[e.ID]; !inHand {
				entries = append(entries, e)
			}
		}
		again = nil
		stuck := map[string]bool{} // cases whose entries failed in this batch
		for _, e := range entries {
			if drain.Err() != nil {
				return
			}
			if err := d.process(drain, e, !stuck[e.CaseID]); err != nil {
				if errors.Is(err, errTaken) {
					delete(tries, e.ID)
					continue
				}
				stuck[e.CaseID] = true
				if tries[e.ID]++; tries[e.ID] < retryInHand {
					again = append(again, e)
				} else {
					delete(tries, e.ID)
				}
				if drain.Err() == nil {
					d.log.Warn("slack delivery failed: left in the outbox", "entry", e.ID, "kind", e.Kind, "case", e.CaseID, "attempt", tries[e.ID], "err", err)
				}
				continue
			}
			delete(tries, e.ID)
		}
		if len(again) > 0 {
			failures++
			sleep(ctx, d.backoff(failures))
		} else {
			failures = 0
			clear(tries)
		}
	}
}

// stillHeld renews the hold on an entry this replica waits on (for its
// card, or out a rate limit) and tells whether it is still this replica's.
func (d *Desk) stillHeld(ctx context.Context, e desk.OutboxEntry) bool {
	return len(d.keep(ctx, []desk.OutboxEntry{e}, nil)) == 1
}

// keep renews this replica's hold on the entries in hand and drops those
// it no longer holds. When the outbox cannot say, the entries stay in hand:
// a double post is the lesser harm than a case never posted.
func (d *Desk) keep(ctx context.Context, inHand []desk.OutboxEntry, tries map[string]int) []desk.OutboxEntry {
	if len(inHand) == 0 {
		return nil
	}
	ids := make([]string, len(inHand))
	for i, e := range inHand {
		ids[i] = e.ID
	}
	kept, err := d.outbox.Keep(ctx, d.cfg.Consumer, ids)
	if err != nil {
		d.log.Warn("slack outbox: entries in hand not renewed", "entries", len(ids), "err", err)
		return inHand
	}
	out := inHand[:0]
	for _, e := range inHand {
		if slices.Contains(kept, e.ID) {
			out = append(out, e)
		} else {
			delete(tries, e.ID)
		}
	}
	return out
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
//
// A relay or note whose card is not posted yet waits a little, with
// waitForCard (another replica is usually posting that card at this
// moment), before it is left pending, to be taken up again after MinIdle.
// The loops pass false for a case that already failed in the batch in
// hand: its card is not coming soon.
func (d *Desk) process(ctx context.Context, e desk.OutboxEntry, waitForCard bool) error {
	notPostedWait := 50 * time.Millisecond
	for {
		err := d.deliver(ctx, e)
		if errors.Is(err, errNotPosted) && waitForCard && notPostedWait < 2*time.Second {
			if sleep(ctx, notPostedWait) != nil {
				return ctx.Err()
			}
			notPostedWait *= 2 // 50 ms … 1.6 s: about 3 s in all
			if !d.stillHeld(ctx, e) {
				return errTaken
			}
			continue
		}
		var rl *slackapi.RateLimitedError
		if errors.As(err, &rl) {
			wait := min(max(rl.RetryAfter, time.Second), d.cfg.MaxRetryAfter)
			d.log.Warn("slack rate limit: waiting", "entry", e.ID, "retry_after", wait)
			if sleep(ctx, wait) != nil {
				return ctx.Err()
			}
			if !d.stillHeld(ctx, e) {
				return errTaken
			}
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	var err error
	for wait := range d.bookRetries() {
		if err = d.outbox.Ack(ctx, e.ID); err == nil {
			return nil
		}
		if sleep(ctx, wait) != nil {
			break
		}
	}
	// Delivered but not acknowledged: a redelivery finds it posted.
	return fmt.Errorf("ack: %w", err)
}

// deliver makes the Slack calls of one entry. It is idempotent across
// replicas: a card already recorded in the case book, or an entry the case
// book marks as posted, is not posted again.
func (d *Desk) deliver(ctx context.Context, e desk.OutboxEntry) error {
	switch e.Kind {
	case kindCase:
		var c bot.Case
		if err := json.Unmarshal(e.Payload, &c); err != nil || c.ID == "" {
			d.log.Error("slack outbox: malformed case dropped", "entry", e.ID, "case", e.CaseID)
			return nil
		}
		return d.postCard(ctx, e.ID, c)
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
		if err := d.deliverEntry(ctx, e.ID, where, p); err != nil {
			return err
		}
		if p.Kind != bot.EntryNote {
			d.touch(ctx, where.ID) // the resident wrote: the case is not quiet
		}
		return nil
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
		if err := d.postInThread(ctx, e.ID, where, clip(p.Text, maxMessageText), p.Broadcast); err != nil {
			return err
		}
		if p.Erased {
			d.deleteFiles(ctx, p.Files)
			return d.eraseCard(ctx, e.ID, where)
		}
		return nil
	default:
		d.log.Error("slack outbox: unknown entry kind dropped", "entry", e.ID, "kind", e.Kind)
		return nil
	}
}

// postCard posts a case card once and records it (status waiting) before
// the entry is acknowledged. A card posted by an earlier attempt whose
// record was not saved is found by its posted mark and recorded, not
// posted again.
func (d *Desk) postCard(ctx context.Context, entryID string, c bot.Case) error {
	rec, found, err := d.cases.Get(ctx, c.ID)
	if err != nil {
		return fmt.Errorf("case book: %w", err)
	}
	if found && rec.ThreadTS != "" {
		return nil // posted before the previous attempt was acknowledged
	}
	channel, ts, posted, err := d.cfg.Channel, "", false, error(nil)
	if ts, posted, err = d.marks.Posted(ctx, entryID); err != nil {
		return fmt.Errorf("case book: %w", err)
	}
	if posted {
		d.log.Info("slack case card posted before but not recorded: recording it", "case", c.ID, "entry", entryID)
	} else {
		channel, ts, err = d.api.PostMessageContext(ctx, d.cfg.Channel,
			slackapi.MsgOptionText(d.cardText(c), false),
			slackapi.MsgOptionBlocks(d.caseBlocks(c)...),
			slackapi.MsgOptionDisableLinkUnfurl(), slackapi.MsgOptionDisableMediaUnfurl())
		if err != nil {
			return fmt.Errorf("chat.postMessage: %w", err)
		}
		d.markPosted(ctx, entryID, ts, c.ID)
	}
	if !found {
		rec = desk.CaseRecord{ID: c.ID, Key: c.Key, Urgency: c.Urgency, Status: desk.StatusWaiting}
	}
	rec.Created = c.Created
	if rec.Created.IsZero() {
		rec.Created = d.cfg.Clock()
	}
	// The reminders count from when a person is expected: the case's
	// creation, or the next opening of the office for a case made outside
	// office hours.
	rec.Due = rec.Created
	if c.OpenNext.After(rec.Due) {
		rec.Due = c.OpenNext
	}
	rec.Channel, rec.ThreadTS = channel, ts
	for attempt := range 5 {
		if err = d.cases.Put(ctx, rec); err == nil {
			d.log.Info("slack case card posted", "case", c.ID, "urgency", string(c.Urgency))
			return nil
		}
		if sleep(ctx, time.Duration(attempt+1)*200*time.Millisecond) != nil {
			break
		}
	}
	// The card is in Slack but not recorded: a redelivery finds its posted
	// mark (unless that failed too) and records it then.
	d.log.Error("slack case card posted but not recorded", "case", c.ID, "err", err)
	return fmt.Errorf("case book put: %w", err)
}

// where finds a case's record, or makes one from the card's channel and
// ts when the record may be gone (an erasure note). errNotPosted: the card
// is not in Slack yet.
func (d *Desk) where(ctx context.Context, caseID, channel, ts string) (desk.CaseRecord, error) {
	rec, found, err := desk.CaseRecord{}, false, error(nil)
	if caseID != "" {
		rec, found, err = d.cases.Get(ctx, caseID)
		if err != nil {
			return rec, fmt.Errorf("case book: %w", err)
		}
	}
	if !found || rec.ThreadTS == "" {
		if channel == "" || ts == "" {
			return rec, errNotPosted
		}
		rec = desk.CaseRecord{ID: caseID, Channel: channel, ThreadTS: ts, Status: desk.StatusClosed}
	}
	rec.ID = caseID
	return rec, nil
}

// postInThread posts text in a case's thread once per entry: not when
// this process or, by the case book's posted mark, any replica posted the
// entry before. broadcast also shows the reply in the channel.
func (d *Desk) postInThread(ctx context.Context, entryID string, rec desk.CaseRecord, text string, broadcast bool) error {
	if d.posted.has(entryID + ":post") {
		return nil
	}
	if _, posted, err := d.marks.Posted(ctx, entryID); err != nil {
		// Unknown: post later rather than maybe twice.
		return fmt.Errorf("case book: %w", err)
	} else if posted {
		d.log.Info("slack entry posted before: not posted again", "entry", entryID, "case", rec.ID)
		d.posted.add(entryID + ":post")
		return nil
	}
	opts := []slackapi.MsgOption{slackapi.MsgOptionTS(rec.ThreadTS), slackapi.MsgOptionText(text, false),
		slackapi.MsgOptionDisableLinkUnfurl(), slackapi.MsgOptionDisableMediaUnfurl()}
	if broadcast {
		opts = append(opts, slackapi.MsgOptionBroadcast())
	}
	_, ts, err := d.api.PostMessageContext(ctx, rec.Channel, opts...)
	if err != nil {
		return fmt.Errorf("chat.postMessage: %w", err)
	}
	d.posted.add(entryID + ":post")
	d.markPosted(ctx, entryID, ts, rec.ID)
	return nil
}

// bookRetries are the waits between attempts to record a delivery in Redis
// (a posted mark, an acknowledgement): 100 ms doubling to 1 s, for
// RecordRetry in all — as long as Redis takes to restart, so that a blip
// does not leave a posted entry unmarked for another replica to post again.
func (d *Desk) bookRetries() func(yield func(time.Duration) bool) {
	return func(yield func(time.Duration) bool) {
		total := time.Duration(0)
		for wait := 100 * time.Millisecond; total < d.cfg.RecordRetry; wait = min(2*wait, time.Second) {
			if !yield(wait) {
				return
			}
			total += wait
		}
	}
}

// markPosted records in the case book that an entry was posted, trying
// for a few seconds (bookRetries). A failure is logged, not returned: the post is done, and the
// entry is acknowledged; only a redelivery to another replica (the ack
// failing too) would post it again.
func (d *Desk) markPosted(ctx context.Context, entryID, ts, caseID string) {
	var err error
	for wait := range d.bookRetries() {
		var first bool
		if first, err = d.marks.MarkPosted(ctx, entryID, ts); err == nil {
			if !first {
				d.log.Warn("slack entry was posted twice (another attempt posted it too)", "entry", entryID, "case", caseID)
			}
			return
		}
		if sleep(ctx, wait) != nil {
			break
		}
	}
	d.log.Warn("slack posted entry not marked in the case book", "entry", entryID, "case", caseID, "err", err)
}

// eraseCard strips the resident's details from a case card and ends the
// case if it was still open.
func (d *Desk) eraseCard(ctx context.Context, entryID string, rec desk.CaseRecord) error {
	if d.posted.has(entryID + ":erase") {
		return nil
	}
	if rec.Status == desk.StatusWaiting || rec.Status == desk.StatusClaimed || rec.Status == "" {
		if err := d.cases.SetStatus(ctx, rec.ID, desk.StatusClosed); err != nil && !errors.Is(err, desk.ErrNoCase) {
			return fmt.Errorf("case book: %w", err)
		}
		rec.Status = desk.StatusClosed
	}
	if _, _, _, err := d.api.UpdateMessageContext(ctx, rec.Channel, rec.ThreadTS,
		slackapi.MsgOptionText("Sprawa "+rec.ID, false), slackapi.MsgOptionBlocks(erasedBlocks(rec)...)); err != nil {
		return fmt.Errorf("chat.update: %w", err)
	}
	d.posted.add(entryID + ":erase")
	return nil
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
// ClaimReminder and tells the engine about each case unclaimed longer than
// OfferPhoneAfter, both counted from the case's Due time. Every replica
// checks; the case book's Flag lets exactly one of them act on each case.
func (d *Desk) checkWaiting(ctx context.Context) {
	recs, err := d.queue.Waiting(ctx)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("slack waiting cases: case book failed", "err", err)
		}
		return
	}
	now := d.cfg.Clock()
	d.morningRound(ctx, now, recs) // morning.go
	for _, r := range recs {
		if ctx.Err() != nil {
			return
		}
		if r.ThreadTS == "" || r.Holder != "" || (r.Status != desk.StatusWaiting && r.Status != "") {
			continue
		}
		due := r.Due
		if due.IsZero() {
			due = r.Created
		}
		age := now.Sub(due)
		if age >= d.cfg.ClaimReminder && !r.Reminded {
			d.remind(ctx, r, age)
		}
		if age >= d.cfg.OfferPhoneAfter && !r.TimedOut {
			d.offerPhone(ctx, r)
		}
	}
}

// remind queues the reminder of an unclaimed case (shown in the channel,
// mentioning the on-duty group on an urgent case), once: the flag is set
// first, so a reminder whose queueing fails is not retried.
func (d *Desk) remind(ctx context.Context, r desk.CaseRecord, age time.Duration) {
	first, err := d.queue.Flag(ctx, r.ID, desk.FlagReminded)
	switch {
	case errors.Is(err, desk.ErrNoCase):
		return
	case err != nil:
		d.log.Warn("slack reminder: case book failed", "case", r.ID, "err", err)
		return
	case !first:
		return // another replica reminded, or the case was claimed meanwhile
	}
	text := fmt.Sprintf(textReminder, r.ID, int(age/time.Minute))
	if r.Urgency == bot.UrgencyUrgent && d.cfg.OnDutyGroup != "" {
		text = "<!subteam^" + d.cfg.OnDutyGroup + "> " + text
	}
	if d.queueNote(ctx, r.ID, text, true) {
		d.log.Info("slack reminder queued", "case", r.ID)
	}
}

// offerPhone tells the engine that nobody took the case in time (the
// engine offers the resident the phone) and notes it in the thread. Every
// replica that sees the case may tell the engine: the event id makes that
// harmless. Only the one that sets the flag notes it.
func (d *Desk) offerPhone(ctx context.Context, r desk.CaseRecord) {
	ev := bot.StaffEvent{Kind: bot.StaffUnclaimed, Case: bot.CaseRef{ID: r.ID, Key: r.Key},
		EventID: "slack:unclaimed:" + r.ID}
	if err := d.staff.Staff(ctx, ev); err != nil {
		d.log.Warn("slack unclaimed case: engine failed", "case", r.ID, "err", err)
		return
	}
	first, err := d.queue.Flag(ctx, r.ID, desk.FlagTimedOut)
	switch {
	case errors.Is(err, desk.ErrNoCase):
		return
	case err != nil:
		d.log.Warn("slack unclaimed case: case book failed", "case", r.ID, "err", err)
		return
	case !first:
		return
	}
	d.log.Info("slack case unclaimed: resident offered the phone", "case", r.ID)
	d.queueNote(ctx, r.ID, fmt.Sprintf(textOfferedPhone, int(d.cfg.OfferPhoneAfter/time.Minute)), false)
}

// queueNote queues a note for a case's thread, delivered like any other
// entry (retried while Slack is down, posted once).
func (d *Desk) queueNote(ctx context.Context, caseID, text string, broadcast bool) bool {
	b, _ := json.Marshal(notePayload{Text: text, Broadcast: broadcast})
	if err := d.outbox.Add(ctx, desk.OutboxEntry{Kind: kindNote, CaseID: caseID, Payload: b}); err != nil {
		d.log.Warn("slack note not queued", "case", caseID, "err", err)
		return false
	}
	return true
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
