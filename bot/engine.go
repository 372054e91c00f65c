package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"okienko/bot/crisis"
	"okienko/bot/metrics"
	"okienko/bot/needs"
	"okienko/bot/officehours"
	"okienko/bot/script"
	"okienko/bot/textnorm"
)

// ErrUnavailable reports that the engine could not handle a message (the
// session store failed). Handle still returns an apology for the resident.
var ErrUnavailable = errors.New("conversation state unavailable")

// Config configures an Engine. Script and Store are required.
type Config struct {
	Script   *script.Script
	Store    SessionStore
	Searcher Searcher          // nil: searches find nothing and the bot offers a person
	Desk     Desk              // nil: cases exist only as handoff events
	Metrics  *metrics.Registry // nil: nothing is counted
	Tally    Tally             // nil: nothing is counted for the needs report
	Clock    Clock             // default time.Now
	Logger   *slog.Logger      // default slog.Default()
	NewID    func() string     // case ids; default random hex
	// StoreTimeout bounds each message's work with the store, so that a
	// resident gets an apology quickly when it is down. Default 2 s.
	StoreTimeout time.Duration
	// MaxAttempts bounds how often a message is re-applied after a
	// concurrent change of its session. Default 8.
	MaxAttempts int
	// DeskRetry is how long handing a case or a relayed message to the
	// Desk is tried again after failures (its queue restarting). Default 3 s.
	DeskRetry time.Duration
	// TallyTimeout bounds the Tally's work per message, after the
	// session is saved. Default 250 ms.
	TallyTimeout time.Duration
}

// Tally counts anonymous facts per day for the Centre's needs report
// (bot/needs). The engine calls it once a message's (or a staff action's)
// session is saved, with what that caused, when, and the conversation key
// chat: the counters never carry it, but an unmatched query (only
// redacted) stays linked to the conversation until its day is aggregated,
// so that erasing the conversation erases it too. A failure is logged and
// never reaches the resident. bot/redis implements it.
type Tally interface {
	Count(ctx context.Context, at time.Time, chat string, facts []needs.Fact) error
}

// Engine turns residents' messages into replies by following a dialog
// script. It is safe for concurrent use; messages of one conversation are
// applied one at a time and in order within a process, and a version check
// in the store guards against other replicas.
type Engine struct {
	cfg    Config
	flow   atomic.Pointer[flow]
	locks  chatLocks
	logger *slog.Logger
	// undelivered holds back repeated notes about undelivered messages.
	undelivered undeliveredNoted
}

// flow is a script with its compiled parts, swapped as a whole on reload.
type flow struct {
	sc     *script.Script
	crisis *crisis.Detector
	hours  *officehours.Schedule
	// handoffTemplate is the script's first handoff: a crisis case carries
	// the same fields (topic, for whom, words) as a case the resident asked for.
	handoffTemplate *script.Handoff
	// topicVar is the variable that handoff takes the topic from: setting
	// it is choosing a topic, for the needs report.
	topicVar string
	// safetyAnswers reads the answer to a concern's "are you safe?"
	// (groups unsafe and safe); dismissals, a resident calling a crisis
	// reply a false alarm.
	safetyAnswers, dismissals *crisis.Detector
	// acks are the script's acknowledgements whose phrases compile, and
	// ackPhrases all their phrases in that order, compiled once, not at
	// every search; ackOf[i] is the index in acks of phrase i's.
	acks       []script.Acknowledgement
	ackPhrases *textnorm.PhraseSet
	ackOf      []int
	ackWith    []*textnorm.PhraseSet // per ack: the situation it also needs; nil: none
}

// New returns an engine for the config.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil {
		return nil, errors.New("new engine: no session store")
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.NewID == nil {
		cfg.NewID = randomID
	}
	if cfg.StoreTimeout <= 0 {
		cfg.StoreTimeout = 2 * time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.DeskRetry <= 0 {
		cfg.DeskRetry = 3 * time.Second
	}
	if cfg.TallyTimeout <= 0 {
		cfg.TallyTimeout = 250 * time.Millisecond
	}
	e := &Engine{cfg: cfg, logger: cfg.Logger}
	if err := e.SetScript(cfg.Script); err != nil {
		return nil, fmt.Errorf("new engine: %w", err)
	}
	return e, nil
}

// SetScript replaces the dialog script; conversations in progress continue
// with the new one at their current step (or the start if it is gone).
func (e *Engine) SetScript(sc *script.Script) error {
	if sc == nil {
		return errors.New("no dialog script")
	}
	f := &flow{sc: sc}
	for _, id := range sc.Order {
		if st := sc.Steps[id]; st != nil && st.Handoff != nil {
			f.handoffTemplate, f.topicVar = st.Handoff, st.Handoff.Topic
			break
		}
	}
	if sc.Crisis != nil {
		d, err := sc.Crisis.Detector()
		if err != nil {
			return fmt.Errorf("crisis patterns: %w", err)
		}
		f.crisis = d
		if f.safetyAnswers, err = sc.Crisis.SafetyAnswers(); err != nil {
			return fmt.Errorf("crisis safety answers: %w", err)
		}
		if f.dismissals, err = sc.Crisis.Dismissals(); err != nil {
			return fmt.Errorf("crisis dismissals: %w", err)
		}
	}
	var ackPhrases []textnorm.Phrase
	for _, a := range sc.Acknowledge {
		phrases, with, err := a.Compile()
		if err != nil {
			continue // dialogs check reports it; the others still work
		}
		for _, ph := range phrases {
			ackPhrases = append(ackPhrases, ph)
			f.ackOf = append(f.ackOf, len(f.acks))
		}
		f.acks = append(f.acks, a)
		var withSet *textnorm.PhraseSet
		if len(with) > 0 {
			withSet = textnorm.NewPhraseSet(with)
		}
		f.ackWith = append(f.ackWith, withSet)
	}
	f.ackPhrases = textnorm.NewPhraseSet(ackPhrases)
	if oh := sc.OfficeHours; oh != nil {
		s, err := officehours.New(officehours.Config{Timezone: oh.Timezone, Week: oh.Week, PolishHolidays: oh.PolishHolidays, Closed: oh.Closed})
		if err != nil {
			return fmt.Errorf("office hours: %w", err)
		}
		f.hours = s
	}
	e.flow.Store(f)
	return nil
}

// Script returns the dialog script in use.
func (e *Engine) Script() *script.Script { return e.flow.Load().sc }

// Handle applies one resident message and returns what the engine produced.
// A redelivered message (same EventID) returns no events. When the session
// store fails, Handle returns an apology reply with the Centre's phone number
// together with an error wrapping ErrUnavailable.
func (e *Engine) Handle(ctx context.Context, msg Message) (events []Event, err error) {
	start := time.Now()
	defer func() { e.count(msg.Channel, events, err, time.Since(start)) }()
	key := msg.Key()
	lock := e.locks.lock(key)
	defer e.locks.unlock(key, lock)
	f := e.flow.Load()
	ctx, cancel := context.WithTimeout(ctx, e.cfg.StoreTimeout)
	defer cancel()
	for attempt := 0; attempt < e.cfg.MaxAttempts; attempt++ {
		events, err = e.apply(ctx, f, msg, key)
		if err == nil {
			return events, nil
		}
		if !errors.Is(err, ErrConflict) {
			break
		}
	}
	e.logger.Error("handle message", "channel", msg.Channel, "chat", LogChat(key), "err", err)
	lang := normalizeLang(msg.Language)
	apology := "unavailable"
	if errors.Is(err, errEraseFailed) {
		// The truth: nothing was erased for sure, and trying again helps.
		apology = "erase_failed"
		e.cfg.Metrics.Inc("okienko_erase_failures_total", "Erasures (/usun) that failed after their retries; the resident was asked to try again.")
	}
	text := script.Render(f.sc.Message(apology, lang), func(name string) string { return builtin(f, name, lang) })
	return []Event{{Kind: EventReply, Reply: &Reply{Text: text, Lang: lang}}}, fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// HasConversation reports whether the conversation key has a session in
// the store: a message of it was handled, and it was not erased and has
// not expired. The web chat opens event streams only for those.
func (e *Engine) HasConversation(ctx context.Context, key string) (bool, error) {
	s, _, err := e.cfg.Store.Load(ctx, key, "")
	if err != nil {
		return false, fmt.Errorf("has conversation: %w", err)
	}
	return s != nil, nil
}

// count records a handled message in the metrics.
func (e *Engine) count(channel string, events []Event, err error, took time.Duration) {
	m := e.cfg.Metrics
	if m == nil {
		return
	}
	m.Inc("okienko_messages_in_total", "Resident messages received.", "channel", channel)
	m.Observe("okienko_handle_seconds", "Time to handle one resident message, store included.", took, "channel", channel)
	if err != nil {
		m.Inc("okienko_store_errors_total", "Messages answered with an apology because the session store failed.", "channel", channel)
	}
	for _, ev := range events {
		switch ev.Kind {
		case EventReply:
			m.Inc("okienko_messages_out_total", "Replies sent to residents.", "channel", channel)
		case EventSearch:
			m.Inc("okienko_searches_total", "Catalogue searches.")
			if ev.Search != nil && !ev.Search.Confident {
				m.Inc("okienko_searches_unconfident_total", "Searches without a confident match (the bot asked whether the services shown fit, or offered a person).")
			}
			if ev.Search != nil && ev.Search.Tentative {
				m.Inc("okienko_searches_tentative_total", "Unconfident searches whose best services were offered as a question (\"czy chodzi o…?\").")
			}
		case EventCrisis:
			m.Inc("okienko_crisis_total", "Messages recognised as a crisis.", "group", ev.Crisis)
		case EventConcern:
			m.Inc("okienko_crisis_concern_total", "Messages that raised a concern: the resident was asked whether they are safe.", "group", ev.Crisis)
		case EventHandoff:
			m.Inc("okienko_cases_opened_total", "Handoff cases opened.", "urgency", string(ev.Handoff.Urgency))
		}
	}
}

// apply runs the message against the stored session once; key is
// msg.Key().
func (e *Engine) apply(ctx context.Context, f *flow, msg Message, key string) ([]Event, error) {
	s, seen, err := e.cfg.Store.Load(ctx, key, msg.EventID)
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	now := e.cfg.Clock()
	if seen {
		if again(s, msg, now) {
			return e.askAgain(ctx, f, s, msg, now)
		}
		return nil, nil
	}
	started, langBefore := s == nil || s.Step == "", "" // no conversation in progress
	if s == nil {
		s = &Session{Format: SessionFormat, Key: key, Lang: normalizeLang(msg.Language), Started: now}
	} else {
		langBefore = s.Lang
	}
	if s.Lang != script.Ukrainian && s.Vars["lang"] == "" && cyrillic(msg.Text) {
		// Writing in Cyrillic without having chosen a language: answer in
		// Ukrainian, whatever the app's language hint said.
		s.Lang = script.Ukrainian
	} else if started && s.Vars["lang"] == "" && msg.Choice == "" {
		// A first message in English (or in Polish on an English phone)
		// is answered in its own language. A Ukrainian interface stays
		// Ukrainian: many write a Polish "dzień dobry" first.
		if l := DetectLanguage(msg.Text); l != "" && (s.Lang != script.Ukrainian || l == script.English) {
			s.Lang = l
		}
	}
	// Most turns emit two to four events: room for them at once.
	c := &conversation{engine: e, flow: f, s: s, ctx: ctx, now: now, msg: msg, events: make([]Event, 0, 4)}
	c.receive()
	if c.erased {
		// The Desk hears of the erasure first: it still finds the case's
		// thread, which the erasure removes with everything else.
		e.deliver(ctx, c.effects)
		if err := e.erase(ctx, key); err != nil {
			return nil, err
		}
		return c.result(), nil
	}
	s.Updated = now
	if msg.DeliveryID != "" {
		s.LastEvent, s.LastDelivery = lastEvent(msg), msg.DeliveryID
	} else {
		s.LastEvent, s.LastDelivery = "", ""
	}
	if err := e.save(ctx, s, msg.EventID); err != nil {
		return nil, fmt.Errorf("save session: %w", err)
	}
	e.deliver(ctx, c.effects)
	e.tally(ctx, now, key, c.facts(started, langBefore))
	return c.result(), nil
}

// result is the turn's events, nil for none (as before events had room
// made for them).
func (c *conversation) result() []Event {
	if len(c.events) == 0 {
		return nil
	}
	return c.events
}

// errEraseFailed marks an erasure that failed after its retries: the
// resident is told that and asked to try again, not given the general
// apology.
var errEraseFailed = errors.New("erasure failed")

// erase erases the conversation key, trying again (three times in all,
// within the message's time) when the store fails: an erasure can be run
// again safely.
func (e *Engine) erase(ctx context.Context, key string) error {
	var err error
	wait := 50 * time.Millisecond
	for attempt := 0; attempt < 3; attempt++ {
		if err = e.cfg.Store.Erase(ctx, key); err == nil {
			return nil
		}
		if attempt == 2 || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait *= 3
	}
	return fmt.Errorf("%w: %w", errEraseFailed, err)
}

// doubleTap is how soon after its answer a second delivery of the last
// event counts as a double tap, not as the resident asking again
// (Telegram paces a chat's messages a second apart, so the second tap of
// a double tap can come a second or two after the first's answer).
const doubleTap = 3 * time.Second

// lastEvent is what Session.LastEvent records of a message: the event
// and the button pressed (a press's Text is the button's label), so that
// only the same button again counts as asking again.
func lastEvent(msg Message) string {
	return msg.EventID + "\n" + msg.Choice + "\n" + msg.Text
}

// again reports whether a message already applied is the resident asking
// again: a new delivery of the last event with the same button (a tap on
// the same keyboard, which stays when the answer was lost to a store
// failure), not a redelivery, and not a double tap.
func again(s *Session, msg Message, now time.Time) bool {
	return s != nil && msg.DeliveryID != "" && lastEvent(msg) == s.LastEvent &&
		msg.DeliveryID != s.LastDelivery && now.Sub(s.Updated) >= doubleTap
}

// askAgain answers a resident asking again with the question the
// conversation waits on: their earlier tap was applied, but they may not
// have seen what came of it. It records the delivery (a versioned save
// without an event), so that a redelivery of it, or a copy on another
// replica, stays silent.
func (e *Engine) askAgain(ctx context.Context, f *flow, s *Session, msg Message, now time.Time) ([]Event, error) {
	c := &conversation{engine: e, flow: f, s: s, ctx: ctx, now: now, msg: msg}
	st := c.current()
	if st == nil {
		return nil, nil
	}
	c.ask(c.text(st.Ask), c.choices(st))
	s.LastDelivery, s.Updated = msg.DeliveryID, now
	if err := e.cfg.Store.Save(ctx, s, ""); err != nil {
		return nil, fmt.Errorf("save session: %w", err)
	}
	return c.events, nil
}

// facts are what the turn adds to the needs report: a conversation
// started (by language) or a language switched, and what the events and
// the conversation's notes say. Unmatched queries are redacted here, so
// that a resident's words never reach a Tally whole.
func (c *conversation) facts(started bool, langBefore string) []needs.Fact {
	if c.engine.cfg.Tally == nil {
		return nil
	}
	var out []needs.Fact
	switch {
	case started:
		out = append(out, needs.Fact{Kind: needs.Conversation, Value: c.s.Lang})
	case c.s.Lang != langBefore:
		out = append(out, needs.Fact{Kind: needs.Language, Value: c.s.Lang})
	}
	for _, ev := range c.events {
		switch {
		case ev.Kind == EventSearch && ev.Search != nil:
			out = append(out, needs.Fact{Kind: needs.Search, Topic: ev.Search.Category})
			// Unmet needs for the organizers' report: no confident answer,
			// including one offered only as a question (tentative) — the
			// catalogue or thesaurus should learn those words.
			if (!ev.Search.Confident || len(ev.Search.Results) == 0) && ev.Search.Query != "" {
				out = append(out, needs.UnmatchedQuery(ev.Search.Category, ev.Search.Query))
			}
		case ev.Kind == EventCrisis:
			out = append(out, needs.Fact{Kind: needs.Crisis, Value: ev.Crisis})
		case ev.Kind == EventHandoff && ev.Handoff != nil:
			out = append(out, needs.Fact{Kind: needs.Case, Topic: ev.Handoff.Topic, Urgency: string(ev.Handoff.Urgency)})
		}
	}
	return append(out, c.noted...)
}

// note records a fact only the conversation sees (a topic chosen, a
// service shown, a rating) for the needs report.
func (c *conversation) note(f needs.Fact) {
	if c.engine.cfg.Tally != nil {
		c.noted = append(c.noted, f)
	}
}

// tally hands the facts to the needs report's counters, bounded by
// TallyTimeout even when the message's own time is up; a failure is
// logged (without the facts) and the message stays handled.
func (e *Engine) tally(ctx context.Context, at time.Time, chat string, facts []needs.Fact) {
	if e.cfg.Tally == nil || len(facts) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.cfg.TallyTimeout)
	defer cancel()
	if err := e.cfg.Tally.Count(ctx, at, chat, facts); err != nil {
		e.logger.Warn("needs report: facts not counted", "facts", len(facts), "err", err)
	}
}

// save saves the session. When the store's answer is lost (a timeout, a
// connection dropped) the save may still have happened: for an event with
// an id, a fresh look tells, and a save that happened is a success — else
// the resident would get an apology for a message that was applied, and
// their retry would be ignored as already applied.
func (e *Engine) save(ctx context.Context, s *Session, eventID string) error {
	err := e.cfg.Store.Save(ctx, s, eventID)
	if err == nil || errors.Is(err, ErrConflict) || eventID == "" {
		return err
	}
	look, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	if stored, seen, lerr := e.cfg.Store.Load(look, s.Key, eventID); lerr == nil && seen && stored != nil {
		s.Version = stored.Version
		e.logger.Warn("session store answer lost, but the save happened", "chat", LogChat(s.Key), "err", err)
		return nil
	}
	return err
}

// effect is work for the Desk that must happen only once the session that
// records it is saved (a conflict retry must not open a case twice).
type effect struct {
	open   *Case
	entry  Entry // for the case thread
	erased bool
	ref    CaseRef
}

// deliver hands effects to the Desk, in order. Desk implementations queue
// durably (in the same Redis as the session), so a failure means that
// queue is down too — typically for the moment Redis restarts: each effect
// is tried again for up to DeskRetry before it is given up and logged (the
// resident's message stays applied).
func (e *Engine) deliver(ctx context.Context, effects []effect) {
	if e.cfg.Desk == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.cfg.DeskRetry)
	defer cancel()
	for _, ef := range effects {
		var err error
		for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
			if err = e.hand(ctx, ef); err == nil || ctx.Err() != nil {
				break
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
		}
		if err != nil {
			e.logger.Error("hand case to staff", "case", ef.ref.ID, "err", err)
		}
	}
}

// hand gives one effect to the Desk.
func (e *Engine) hand(ctx context.Context, ef effect) error {
	switch {
	case ef.open != nil:
		return e.cfg.Desk.Open(ctx, *ef.open)
	case ef.erased:
		return e.cfg.Desk.Erased(ctx, ef.ref)
	default:
		return e.cfg.Desk.Relay(ctx, ef.ref, ef.entry)
	}
}

// Staff applies a staff member's action on a case to the resident's
// conversation and returns what the resident should see (the caller
// delivers it on the resident's channel). An event for a case the
// conversation no longer holds (closed, erased) returns nothing.
func (e *Engine) Staff(ctx context.Context, ev StaffEvent) ([]Event, error) {
	if ev.Case.Key == "" || ev.Case.ID == "" {
		return nil, errors.New("staff event: no case")
	}
	lock := e.locks.lock(ev.Case.Key)
	defer e.locks.unlock(ev.Case.Key, lock)
	f := e.flow.Load()
	ctx, cancel := context.WithTimeout(ctx, e.cfg.StoreTimeout)
	defer cancel()
	eventID := ""
	if ev.EventID != "" {
		eventID = "staff:" + ev.EventID
	}
	var err error
	for attempt := 0; attempt < e.cfg.MaxAttempts; attempt++ {
		var events []Event
		events, err = e.applyStaff(ctx, f, ev, eventID)
		if !errors.Is(err, ErrConflict) {
			if err != nil {
				return nil, fmt.Errorf("staff event: %w", err)
			}
			return events, nil
		}
	}
	return nil, fmt.Errorf("staff event: %w", err)
}

func (e *Engine) applyStaff(ctx context.Context, f *flow, ev StaffEvent, eventID string) ([]Event, error) {
	s, seen, err := e.cfg.Store.Load(ctx, ev.Case.Key, eventID)
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	if seen || s == nil || s.Case != ev.Case.ID {
		return nil, nil
	}
	now := e.cfg.Clock()
	c := &conversation{engine: e, flow: f, s: s, ctx: ctx, now: now}
	wasClaimed, opened := s.CaseState == caseClaimed, s.CaseOpened
	c.staff(ev)
	s.Updated = now
	if err := e.save(ctx, s, eventID); err != nil {
		return nil, fmt.Errorf("save session: %w", err)
	}
	switch {
	case ev.Kind == StaffClaimed && !wasClaimed:
		e.cfg.Metrics.Inc("okienko_cases_claimed_total", "Cases a person took.")
		if !opened.IsZero() {
			e.cfg.Metrics.ObserveWith("okienko_time_to_claim_seconds", "Time from a case's opening to its claim.",
				[]float64{60, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600}, now.Sub(opened).Seconds())
		}
	case ev.Kind == StaffClosed || ev.Kind == StaffReturned:
		e.cfg.Metrics.Inc("okienko_cases_closed_total", "Cases closed or returned to the bot.", "how", string(ev.Kind))
	}
	facts := c.noted
	switch {
	case ev.Kind == StaffClaimed && !wasClaimed && !opened.IsZero():
		facts = append(facts, needs.Fact{Kind: needs.Claimed, Wait: now.Sub(opened)})
	case ev.Kind == StaffClosed || ev.Kind == StaffReturned:
		facts = append(facts, needs.Fact{Kind: needs.Closed, Value: string(ev.Kind)})
	}
	e.tally(ctx, now, s.Key, facts)
	return c.events, nil
}

// chatLocks serialises the messages of each conversation in this process.
type chatLocks struct {
	mu sync.Mutex
	m  map[string]*chatLock
}

type chatLock struct {
	mu      sync.Mutex
	waiters int
}

// lock waits for the conversation key's turn; give what it returns to
// unlock. (No closure: this runs for every message.)
func (l *chatLocks) lock(key string) *chatLock {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*chatLock{}
	}
	cl := l.m[key]
	if cl == nil {
		cl = &chatLock{}
		l.m[key] = cl
	}
	cl.waiters++
	l.mu.Unlock()
	cl.mu.Lock()
	return cl
}

// unlock ends the turn lock gave for key.
func (l *chatLocks) unlock(key string, cl *chatLock) {
	cl.mu.Unlock()
	l.mu.Lock()
	cl.waiters--
	if cl.waiters == 0 {
		delete(l.m, key)
	}
	l.mu.Unlock()
}

func randomID() string { return RandomID(6) }

// cyrillic reports text written mostly in Cyrillic letters.
func cyrillic(text string) bool {
	var cyr, latin int
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			cyr++
		case unicode.IsLetter(r):
			latin++
		}
	}
	return cyr > latin
}
