package telegramtest

import "time"

// storm is a time-limited flood-control episode: Telegram answering every
// sending call with 429 and the same retry_after, for every chat at once.
type storm struct {
	until      time.Time
	retryAfter int
	refused    int
}

// refuse answers a sending call during the storm; nil after it.
func (st *storm) refuse(now time.Time) *apiError {
	if !now.Before(st.until) {
		return nil
	}
	st.refused++
	return tooMany(st.retryAfter)
}

// Storm answers every sending call (sendMessage, editMessage*) to every
// chat with 429 and retry_after seconds for the next d, as Telegram's flood
// control does when a bot sends too much. Stormed counts the calls refused;
// as with Throttle, a chat that got a 429 keeps getting 429 until its
// retry_after has passed, and Early counts such calls.
func (s *Server) Storm(d time.Duration, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storm.until, s.storm.retryAfter = time.Now().Add(d), retryAfter
}

// Stormed counts the sending calls refused by Storm.
func (s *Server) Stormed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.storm.refused
}
