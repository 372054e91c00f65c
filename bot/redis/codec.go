package redis

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"okienko/bot"
)

// The session codec reads and writes bot.Session as JSON without
// reflection. A message costs one load and one save, and encoding/json was
// the largest part of the store's own CPU time per message (about 20 µs of
// 57 at 32 concurrent chats), more than the Lua script.
//
// encodeSession writes exactly the bytes json.Marshal writes (the fuzz test
// holds it to that), so stored sessions stay readable with redis-cli and by
// older versions. decodeSession's fast path reads that layout and gives up,
// rather than guess, at anything else: unknown or repeated keys, null,
// escapes it does not handle, invalid UTF-8, numbers that are not plain
// integers. Then encoding/json decides, so hand-edited or older values
// read exactly as before.

// encodeSession appends the JSON of s to dst, the same bytes as
// json.Marshal(s).
func encodeSession(dst []byte, s *bot.Session) ([]byte, error) {
	start := len(dst)
	out, ok := appendSession(dst, s)
	if ok {
		return out, nil
	}
	// A time json cannot write (a year outside 0–9999, an odd zone):
	// encoding/json reports it in its own words. (A copy, so that s does
	// not escape to the heap on the usual path.)
	c := *s
	data, err := json.Marshal(&c)
	if err != nil {
		return dst[:start], err
	}
	return append(dst[:start], data...), nil
}

// appendSession is encodeSession's fast path; false when a time cannot be
// written as RFC 3339.
func appendSession(b []byte, s *bot.Session) ([]byte, bool) {
	b = append(b, `{"format":`...)
	b = appendInt(b, int64(s.Format))
	b = append(b, `,"key":`...)
	b = appendString(b, s.Key)
	b = append(b, `,"version":`...)
	b = appendInt(b, s.Version)
	b = appendOmitEmpty(b, `,"applied":`, s.Applied)
	b = appendOmitEmpty(b, `,"last_event":`, s.LastEvent)
	b = appendOmitEmpty(b, `,"last_delivery":`, s.LastDelivery)
	b = append(b, `,"lang":`...)
	b = appendString(b, s.Lang)
	b = append(b, `,"step":`...)
	b = appendString(b, s.Step)
	if len(s.Vars) > 0 {
		b = append(b, `,"vars":{`...)
		var buf [24]string
		keys := buf[:0]
		for k := range s.Vars {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, s.Vars[k])
		}
		b = append(b, '}')
	}
	if s.Misses != 0 {
		b = append(b, `,"misses":`...)
		b = appendInt(b, int64(s.Misses))
	}
	if len(s.Offered) > 0 {
		b = append(b, `,"offered":`...)
		b = appendStrings(b, s.Offered)
	}
	b = appendOmitEmpty(b, `,"case":`, s.Case)
	b = appendOmitEmpty(b, `,"case_state":`, s.CaseState)
	b = appendOmitEmpty(b, `,"staff":`, s.Staff)
	if s.RelayAck {
		b = append(b, `,"relay_ack":true`...)
	}
	if s.CaseConsent {
		b = append(b, `,"case_consent":true`...)
	}
	ok := true
	if !s.CaseOpened.IsZero() {
		b = append(b, `,"case_opened":`...)
		b, ok = appendTime(b, s.CaseOpened)
		if !ok {
			return b, false
		}
	}
	if len(s.OtherCases) > 0 {
		b = append(b, `,"other_cases":`...)
		b = appendStrings(b, s.OtherCases)
	}
	b = appendOmitEmpty(b, `,"safety_check":`, s.SafetyCheck)
	b = appendOmitEmpty(b, `,"safety_words":`, s.SafetyWords)
	b = appendOmitEmpty(b, `,"crisis":`, s.Crisis)
	b = append(b, `,"started":`...)
	if b, ok = appendTime(b, s.Started); !ok {
		return b, false
	}
	b = append(b, `,"updated":`...)
	if b, ok = appendTime(b, s.Updated); !ok {
		return b, false
	}
	return append(b, '}'), true
}

// appendSessionHead appends how the stored value of s begins when it is
// the version s was loaded at: what saveScript compares.
func appendSessionHead(b []byte, s *bot.Session) []byte {
	b = append(b, `{"format":`...)
	b = appendInt(b, bot.SessionFormat)
	b = append(b, `,"key":`...)
	b = appendString(b, s.Key)
	b = append(b, `,"version":`...)
	b = appendInt(b, s.Version)
	return append(b, ',')
}

// appendOmitEmpty writes a string field tagged omitempty: name (with its
// comma and colon) and value, or nothing for "".
func appendOmitEmpty(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	return appendString(append(b, name...), value)
}

func appendInt(b []byte, n int64) []byte {
	if n < 0 {
		b = append(b, '-')
		u := uint64(-n) // also right for the smallest int64
		return appendUint(b, u)
	}
	return appendUint(b, uint64(n))
}

func appendUint(b []byte, u uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	return append(b, buf[i:]...)
}

func appendStrings(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, v := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

// appendTime writes t as time.Time.MarshalJSON does.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	b = append(b, '"')
	out, err := t.AppendText(b)
	if err != nil {
		return b, false
	}
	return append(out, '"'), true
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the ASCII bytes appendString writes as they are.
var jsonSafe = func() (safe [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		safe[c] = !strings.ContainsRune(`"\<>&`, rune(c))
	}
	return safe
}()

// appendString writes s as a JSON string the way encoding/json does by
// default: HTML characters, U+2028 and U+2029 escaped, invalid UTF-8
// replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// unmarshalSession reads data into s as json.Unmarshal does: the fast
// path when it can, encoding/json when it cannot.
func unmarshalSession(data string, s *bot.Session) error {
	if parseSession(data, s) {
		return nil
	}
	*s = bot.Session{}
	return json.Unmarshal([]byte(data), s)
}

// parseSession is unmarshalSession's fast path. False means "let
// encoding/json decide", not that data is invalid.
func parseSession(data string, s *bot.Session) bool {
	p := parser{data: data}
	if !p.skip('{') {
		return false
	}
	if p.peek() == '}' {
		p.i++
		return p.end()
	}
	for {
		name, ok := p.key()
		if !ok {
			return false
		}
		switch name {
		case "format":
			var n int64
			n, ok = p.int()
			s.Format = int(n)
		case "key":
			s.Key, ok = p.string()
		case "version":
			s.Version, ok = p.int()
		case "applied":
			s.Applied, ok = p.string()
		case "last_event":
			s.LastEvent, ok = p.string()
		case "last_delivery":
			s.LastDelivery, ok = p.string()
		case "lang":
			s.Lang, ok = p.string()
		case "step":
			s.Step, ok = p.string()
		case "vars":
			// json adds a repeated object to the first one; other repeated
			// keys simply take the last value, here as there.
			if s.Vars != nil {
				return false
			}
			s.Vars, ok = p.vars()
		case "misses":
			var n int64
			n, ok = p.int()
			s.Misses = int(n)
		case "offered":
			s.Offered, ok = p.strings()
		case "case":
			s.Case, ok = p.string()
		case "case_state":
			s.CaseState, ok = p.string()
		case "staff":
			s.Staff, ok = p.string()
		case "relay_ack":
			s.RelayAck, ok = p.bool()
		case "case_consent":
			s.CaseConsent, ok = p.bool()
		case "case_opened":
			s.CaseOpened, ok = p.time()
		case "other_cases":
			s.OtherCases, ok = p.strings()
		case "safety_check":
			s.SafetyCheck, ok = p.string()
		case "safety_words":
			s.SafetyWords, ok = p.string()
		case "crisis":
			s.Crisis, ok = p.string()
		case "started":
			s.Started, ok = p.time()
		case "updated":
			s.Updated, ok = p.time()
		default:
			return false // unknown, or a case-insensitive match json would make
		}
		if !ok {
			return false
		}
		switch p.next() {
		case ',':
		case '}':
			return p.end()
		default:
			return false
		}
	}
}

// parser reads the JSON of one session; every method reports false for
// anything outside what it handles.
// The strings it reads are slices of data: no copies.
type parser struct {
	data string
	i    int
}

func (p *parser) ws() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, 0 at the end.
func (p *parser) peek() byte {
	p.ws()
	if p.i < len(p.data) {
		return p.data[p.i]
	}
	return 0
}

// next consumes and returns the next byte after white space.
func (p *parser) next() byte {
	c := p.peek()
	if c != 0 {
		p.i++
	}
	return c
}

func (p *parser) skip(c byte) bool { return p.next() == c }

// end reports whether only white space is left.
func (p *parser) end() bool {
	p.ws()
	return p.i == len(p.data)
}

// key reads an object key and its colon; keys with escapes are left to
// encoding/json.
func (p *parser) key() (string, bool) {
	if p.next() != '"' {
		return "", false
	}
	start := p.i
	for p.i < len(p.data) {
		c := p.data[p.i]
		if c == '"' {
			name := p.data[start:p.i]
			p.i++
			return name, p.skip(':')
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return "", false
		}
		p.i++
	}
	return "", false
}

// string reads a JSON string: any escape but a surrogate, valid UTF-8.
// (It finds the closing quote and any backslash with IndexByte and checks
// the bytes between in one pass: this runs over most of every session.)
func (p *parser) string() (string, bool) {
	if p.next() != '"' {
		return "", false
	}
	start := p.i
	end := strings.IndexByte(p.data[start:], '"')
	if end < 0 {
		return "", false
	}
	raw := p.data[start : start+end]
	if esc := strings.IndexByte(raw, '\\'); esc >= 0 {
		// the quote found may be an escaped one: escapedString reads on
		// from the first backslash
		if _, ok := plainText(raw[:esc]); !ok {
			return "", false
		}
		p.i = start + esc
		return p.escapedString(start)
	}
	ascii, ok := plainText(raw)
	if !ok || !ascii && !utf8.ValidString(raw) {
		return "", false
	}
	p.i = start + end + 1
	return raw, true
}

// plainText reports whether s holds no control characters (ok) and
// whether it is all ASCII.
func plainText(s string) (ascii, ok bool) {
	ascii = true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c-0x20 >= 0x60 { // below 0x20 or above 0x7F
			if c < 0x20 {
				return false, false
			}
			ascii = false
		}
	}
	return ascii, true
}

// escapedString finishes a string that holds escapes, begun at start.
func (p *parser) escapedString(start int) (string, bool) {
	out := make([]byte, 0, p.i-start+16)
	out = append(out, p.data[start:p.i]...)
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(out) {
				return "", false
			}
			return string(out), true
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.data) {
			return "", false
		}
		e := p.data[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if p.i+4 > len(p.data) {
				return "", false
			}
			var r rune
			for j := p.i; j < p.i+4; j++ {
				h := p.data[j]
				var d byte
				switch {
				case h >= '0' && h <= '9':
					d = h - '0'
				case h >= 'a' && h <= 'f':
					d = h - 'a' + 10
				case h >= 'A' && h <= 'F':
					d = h - 'A' + 10
				default:
					return "", false
				}
				r = r<<4 | rune(d)
			}
			if r >= 0xD800 && r < 0xE000 {
				return "", false // surrogates: encoding/json's rules
			}
			p.i += 4
			out = utf8.AppendRune(out, r)
		default:
			return "", false
		}
	}
	return "", false
}

// int reads a plain JSON integer that fits in an int64.
func (p *parser) int() (int64, bool) {
	p.ws()
	neg := false
	if p.i < len(p.data) && p.data[p.i] == '-' {
		neg = true
		p.i++
	}
	start := p.i
	var u uint64
	for p.i < len(p.data) && p.data[p.i] >= '0' && p.data[p.i] <= '9' {
		u = u*10 + uint64(p.data[p.i]-'0')
		p.i++
	}
	digits := p.i - start
	if digits == 0 || digits > 19 || digits > 1 && p.data[start] == '0' {
		return 0, false // 19 digits cannot wrap a uint64
	}
	if p.i < len(p.data) {
		switch p.data[p.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	switch {
	case neg && u <= 1<<63:
		return int64(-u), true
	case !neg && u < 1<<63:
		return int64(u), true
	}
	return 0, false
}

func (p *parser) bool() (bool, bool) {
	p.ws()
	rest := p.data[p.i:]
	switch {
	case len(rest) >= 4 && rest[:4] == "true":
		p.i += 4
		return true, true
	case len(rest) >= 5 && rest[:5] == "false":
		p.i += 5
		return false, true
	}
	return false, false
}

// time reads a string literal as time.Time.UnmarshalJSON does: the raw
// literal, escapes and all.
func (p *parser) time() (time.Time, bool) {
	var t time.Time
	if p.peek() != '"' {
		return t, false
	}
	start := p.i
	p.i++
	for p.i < len(p.data) && p.data[p.i] != '"' {
		if c := p.data[p.i]; c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return t, false
		}
		p.i++
	}
	if p.i == len(p.data) {
		return t, false
	}
	p.i++
	var buf [64]byte // the literal, for UnmarshalJSON, on the stack
	if t.UnmarshalJSON(append(buf[:0], p.data[start:p.i]...)) != nil {
		return t, false
	}
	return t, true
}

// strings reads an array of strings; [] gives an empty slice, as json.
func (p *parser) strings() ([]string, bool) {
	if !p.skip('[') {
		return nil, false
	}
	list := []string{}
	if p.peek() == ']' {
		p.i++
		return list, true
	}
	for {
		v, ok := p.string()
		if !ok {
			return nil, false
		}
		list = append(list, v)
		switch p.next() {
		case ',':
		case ']':
			return list, true
		default:
			return nil, false
		}
	}
}

// varsHint guesses how many variables the object that rest starts with
// holds: the quotes before its first '}', four a variable (a value that
// holds '}' or escaped quotes only makes the guess off, which costs a map
// growth or a little room).
func varsHint(rest string) int {
	if end := strings.IndexByte(rest, '}'); end >= 0 {
		rest = rest[:end]
	}
	return strings.Count(rest, `"`) / 4 // "name":"value"
}

// vars reads an object of strings; a repeated name keeps the last value,
// as json.
func (p *parser) vars() (bot.Vars, bool) {
	if !p.skip('{') {
		return nil, false
	}
	vars := make(bot.Vars, varsHint(p.data[p.i:])) // sized once: no growing
	if p.peek() == '}' {
		p.i++
		return vars, true
	}
	for {
		name, ok := p.string()
		if !ok || !p.skip(':') {
			return nil, false
		}
		v, ok := p.string()
		if !ok {
			return nil, false
		}
		vars[name] = v
		switch p.next() {
		case ',':
		case '}':
			return vars, true
		default:
			return nil, false
		}
	}
}
