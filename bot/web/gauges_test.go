package web_test

import (
	"net/http"
	"testing"
)

// TestOpenStreamsCountsTabs: the operator's gauge follows event streams as
// they open and close.
func TestOpenStreamsCountsTabs(t *testing.T) {
	h := newHarness(t, nil)
	if n := h.chat.OpenStreams(); n != 0 {
		t.Fatalf("%d streams open before any tab", n)
	}
	me := h.open("pl")
	me.start() // streams are for conversations
	first, second := me.listenWith(nil, ""), me.listenWith(nil, "")
	for _, s := range []*stream{first, second} {
		if s.status != http.StatusOK {
			t.Fatalf("stream: %d %s", s.status, s.body)
		}
	}
	if n := h.chat.OpenStreams(); n != 2 {
		t.Errorf("%d streams open, want 2", n)
	}
	first.cancel()
	second.cancel()
	eventually(t, "the streams counted closed", wait, func() bool { return h.chat.OpenStreams() == 0 })
}
