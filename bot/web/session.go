package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"

	"okienko/bot"
)

// sessionCookie holds the resident's session: 128 random bits, base64url.
// Nothing else is kept in the browser's cookies but the chosen interface
// language. Over TLS (as the request or Config.PublicURL tells) the name
// carries the __Host- prefix, which browsers accept only from this very
// host (Secure, Path=/, no Domain), so that a sibling subdomain cannot
// plant a session it knows. Erasing the conversation replaces the session.
const (
	sessionCookie       = "okienko_session"
	secureSessionCookie = "__Host-okienko_session"
)

// cookieName is the session cookie's name for a request.
func (c *Chat) cookieName(r *http.Request) string {
	if c.secure(r) {
		return secureSessionCookie
	}
	return sessionCookie
}

// secure reports whether the resident's browser talks to the chat over
// TLS: the public address says so (Config.PublicURL), or the request does.
func (c *Chat) secure(r *http.Request) bool {
	return c.publicTLS || secureRequest(r)
}

// csrfHeader carries the CSRF token on POST requests; langHeader the
// page's interface language, for answers the channel gives itself.
const (
	csrfHeader = "X-Okienko-Csrf"
	langHeader = "X-Okienko-Lang"
)

// session is a resident's browser session and what derives from it.
type session struct {
	id     string // the cookie's value; never logged or sent elsewhere
	chatID string // the engine's ChatID: HMAC of id, hex
	csrf   string // the CSRF token: another HMAC of id
	fresh  bool   // created by this request
}

// derive is the HMAC of the session id for one purpose, so that chat ids
// and tokens cannot be turned into each other or back into the cookie.
func (c *Chat) derive(purpose, id string) []byte {
	mac := hmac.New(sha256.New, c.cfg.Secret)
	mac.Write([]byte("okienko web " + purpose + "\x00" + id))
	return mac.Sum(nil)
}

func (c *Chat) sessionFor(id string, fresh bool) session {
	return session{
		id:     id,
		chatID: hex.EncodeToString(c.derive("chat", id)[:16]),
		csrf:   base64.RawURLEncoding.EncodeToString(c.derive("csrf", id)[:18]),
		fresh:  fresh,
	}
}

// readSession returns the session the request's cookie names, if it holds
// a well-formed one.
func (c *Chat) readSession(r *http.Request) (session, bool) {
	ck, err := r.Cookie(c.cookieName(r))
	if err != nil {
		return session{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil || len(raw) != 16 {
		return session{}, false
	}
	return c.sessionFor(ck.Value, false), true
}

// ensureSession returns the request's session, or a new one, and (re)sets
// the cookie so that its lifetime counts from now.
func (c *Chat) ensureSession(w http.ResponseWriter, r *http.Request) session {
	s, ok := c.readSession(r)
	if !ok {
		s = c.newSession()
	}
	c.setSessionCookie(w, r, s)
	return s
}

// renewSession gives the browser a new session in place of the one it
// had (the resident erased the conversation: whoever sits at the computer
// next must not continue it).
func (c *Chat) renewSession(w http.ResponseWriter, r *http.Request) session {
	s := c.newSession()
	c.setSessionCookie(w, r, s)
	return s
}

// newSession is a session with a random id.
func (c *Chat) newSession() session {
	return c.sessionFor(base64.RawURLEncoding.EncodeToString(bot.RandomBytes(16)), true)
}

// setSessionCookie sets the cookie that names s.
func (c *Chat) setSessionCookie(w http.ResponseWriter, r *http.Request, s session) {
	ck := &http.Cookie{
		Name:     c.cookieName(r),
		Value:    s.id,
		Path:     "/",
		MaxAge:   int(c.cfg.SessionLifetime.Seconds()),
		HttpOnly: true,
		Secure:   c.secure(r),
		SameSite: http.SameSiteLaxMode,
	}
	if ck.Secure && len(c.origins) > 0 {
		// The widget shows the chat in a frame on the Centre's site; if that
		// is another site, a Lax cookie would not be sent there. A
		// partitioned cookie is kept for that embedding site alone.
		ck.SameSite, ck.Partitioned = http.SameSiteNoneMode, true
	}
	http.SetCookie(w, ck)
}

// validCSRF reports whether the request carries the session's token.
func validCSRF(r *http.Request, s session) bool {
	got := r.Header.Get(csrfHeader)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) == 1
}
