package redis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"okienko/bot"
)

// codecSessions are sessions that exercise every field and every escape
// the codec writes.
func codecSessions() map[string]*bot.Session {
	warsaw := time.FixedZone("", 3600)
	t := time.Date(2026, 3, 2, 9, 15, 0, 123456789, time.UTC)
	full := realisticSession("telegram:1")
	full.Version = 42
	full.Applied = withTag(withTag("", eventTag("1"), 16), eventTag("2"), 16)
	full.LastEvent, full.LastDelivery = "cb:17", "90210"
	full.Case, full.CaseState, full.Staff = "c-7", "claimed", "Ania"
	full.RelayAck, full.CaseConsent = true, true
	full.CaseOpened = t.In(warsaw)
	full.OtherCases = []string{"c-1", "c-2"}
	full.SafetyCheck, full.SafetyWords, full.Crisis = "samobojstwo", "nic już nie ma \"sensu\"", "przemoc_teraz"
	full.Misses = -3
	return map[string]*bot.Session{
		"realistic": realisticSession("telegram:1"),
		"full":      full,
		"empty":     {},
		"escapes": {
			Format: 1, Key: "web:\"<&>\"\\", Version: 1 << 62, Lang: "uk", Step: "krok\n\t\r\b\f\x00\x1f",
			Vars: bot.Vars{
				"opis":    "Mam \"problem\" <script>&amp; 100% \u2028\u2029 zażółć gęślą jaźń — Привіт 👋",
				"zły":     "bajt \xff\xfe nie UTF-8 \xc3",
				"":        "",
				"b\u2028": "\x7f",
			},
			Offered: []string{"", "usl-\"x\""},
			Started: t, Updated: t.Add(time.Second),
		},
		"empty lists": {Format: 1, Key: "k", Version: 1, Vars: bot.Vars{}, Offered: []string{}, OtherCases: []string{}, Started: t, Updated: t},
		"many vars": func() *bot.Session {
			s := realisticSession("telegram:2")
			for i := range 40 {
				s.Vars[fmt.Sprintf("v%02d", 40-i)] = strings.Repeat("x", i)
			}
			return s
		}(),
		"odd zone":     {Format: 1, Key: "k", Version: 1, Started: t.In(time.FixedZone("", 3600+30)), Updated: t},
		"year 10000":   {Format: 1, Key: "k", Version: 1, Started: t, Updated: t.AddDate(8000, 0, 0)},
		"minimal int":  {Format: -1 << 63 >> 63, Key: "k", Version: -1 << 63, Started: t, Updated: t},
		"negative day": {Format: 1, Key: "k", Version: 1, Started: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), Updated: t},
	}
}

// TestEncodeSessionIsJSONMarshal holds the codec to encoding/json's bytes,
// errors included.
func TestEncodeSessionIsJSONMarshal(t *testing.T) {
	for name, s := range codecSessions() {
		t.Run(name, func(t *testing.T) {
			want, wantErr := json.Marshal(s)
			got, err := encodeSession([]byte("prefix"), s)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("error %v, json.Marshal's %v", err, wantErr)
			}
			if err != nil {
				if string(got) != "prefix" {
					t.Errorf("after an error the buffer holds %q, want it as it was", got)
				}
				return
			}
			if !bytes.Equal(got[len("prefix"):], want) {
				t.Errorf("encodeSession:\n%s\njson.Marshal:\n%s", got[len("prefix"):], want)
			}
		})
	}
}

// TestParseSessionTakesItsOwnOutput checks that everything the codec
// writes is read back by the fast path, not by the fallback, and equals
// what encoding/json reads.
func TestParseSessionTakesItsOwnOutput(t *testing.T) {
	for name, s := range codecSessions() {
		t.Run(name, func(t *testing.T) {
			data, err := encodeSession(nil, s)
			if err != nil {
				return // sessions json cannot write either
			}
			var fast bot.Session
			if !parseSession(string(data), &fast) {
				t.Fatalf("fast path gave up on its own output:\n%s", data)
			}
			assertSameAsJSON(t, data, &fast)
		})
	}
}

// TestParseSessionLeavesTheRestToJSON lists inputs the fast path must not
// take (json decides them), and checks unmarshalSession agrees with
// json.Unmarshal on each.
func TestParseSessionLeavesTheRestToJSON(t *testing.T) {
	head := `{"format":1,"key":"k","version":2,`
	tail := `"started":"2026-03-02T09:15:00Z","updated":"2026-03-02T09:15:00Z"}`
	inputs := map[string]string{
		"unknown key":          head + `"extra":1,` + tail,
		"key in capitals":      head + `"Lang":"pl",` + tail,
		"escaped key":          head + `"l\u0061ng":"pl",` + tail,
		"repeated vars":        head + `"vars":{"a":"1"},"vars":{"b":"2"},` + tail,
		"null":                 head + `"lang":null,` + tail,
		"null vars":            head + `"vars":null,` + tail,
		"float":                `{"format":1,"key":"k","version":2.0,` + tail,
		"exponent":             `{"format":1,"key":"k","version":2e1,` + tail,
		"leading zero":         `{"format":1,"key":"k","version":02,` + tail,
		"huge":                 `{"format":1,"key":"k","version":99999999999999999999,` + tail,
		"surrogate pair":       head + `"lang":"\ud83d\udc4b",` + tail,
		"lone surrogate":       head + `"lang":"\ud83d",` + tail,
		"invalid utf-8":        head + "\"lang\":\"\xff\"," + tail,
		"control character":    head + "\"lang\":\"a\nb\"," + tail,
		"number as string":     head + `"lang":5,` + tail,
		"trailing comma":       head + tail[:len(tail)-1] + `,}`,
		"trailing garbage":     head + tail + `x`,
		"two objects":          head + tail + `{}`,
		"not an object":        `[1,2]`,
		"top null":             `null`,
		"unfinished":           head,
		"bad time":             head + `"started":"yesterday","updated":"2026-03-02T09:15:00Z"}`,
		"escaped time":         head + `"started":"2026-03-02T09:15:00\u005a","updated":"2026-03-02T09:15:00Z"}`,
		"vars with number":     head + `"vars":{"a":1},` + tail,
		"truex":                head + `"relay_ack":truex,` + tail,
		"empty":                ``,
		"bad escape":           head + `"lang":"\x",` + tail,
		"short unicode escape": head + `"lang":"\u12",` + tail,
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			var fast bot.Session
			if parseSession(in, &fast) {
				t.Errorf("fast path took %q", in)
			}
			var got, want bot.Session
			err := unmarshalSession(in, &got)
			wantErr := json.Unmarshal([]byte(in), &want)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("error %v, json.Unmarshal's %v", err, wantErr)
			}
			if diff := cmp.Diff(&want, &got); diff != "" {
				t.Errorf("unmarshalSession differs from json.Unmarshal (-json +codec):\n%s", diff)
			}
		})
	}
}

// TestParseSessionTakesValidVariants: JSON in other layouts the fast path
// reads (white space, another key order, escapes it knows) still equals
// encoding/json's reading.
func TestParseSessionTakesValidVariants(t *testing.T) {
	inputs := []string{
		` { "updated" : "2026-03-02T09:15:00+01:00" , "version":-0, "key":"k" ,"vars":{ "a" : "\n\"\\\/\b\f\r\t\u0105\u00e9" , "a":"last"} ,"offered":[ ],"misses":7,"relay_ack":false,"case_consent":true} `,
		`{}`,
		`{"lang":"pl","lang":"uk","offered":["a","b"],"offered":["c"],"version":1,"version":2}`,
		`{"vars":{},"other_cases":["a" , "b"],"started":"2026-03-02T09:15:00.5-07:00"}`,
	}
	for _, in := range inputs {
		var fast bot.Session
		if !parseSession(in, &fast) {
			t.Errorf("fast path gave up on %q", in)
			continue
		}
		assertSameAsJSON(t, []byte(in), &fast)
	}
}

// assertSameAsJSON checks that got is what json.Unmarshal reads from data.
func assertSameAsJSON(t testing.TB, data []byte, got *bot.Session) {
	t.Helper()
	var want bot.Session
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("fast path read what json.Unmarshal refuses (%v):\n%q", err, data)
	}
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Fatalf("fast path differs from json.Unmarshal (-json +fast) for %q:\n%s", data, diff)
	}
	// cmp compares times with Equal; the bytes also compare zones.
	wantJSON, _ := json.Marshal(&want)
	gotJSON, _ := json.Marshal(got)
	if !bytes.Equal(wantJSON, gotJSON) {
		t.Fatalf("fast path differs from json.Unmarshal:\n%s\n%s", gotJSON, wantJSON)
	}
}

// FuzzSessionCodec holds both halves of the codec to encoding/json: what
// the fast path reads, json reads the same; what json reads, the encoder
// writes as json does, and the fast path reads back.
func FuzzSessionCodec(f *testing.F) {
	for _, s := range codecSessions() {
		if data, err := json.Marshal(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"format":1,"key":"k","version":1,"vars":{"a":"\u0105"},"started":"2026-03-02T09:15:00+01:00"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast bot.Session
		if parseSession(string(data), &fast) {
			assertSameAsJSON(t, data, &fast)
		}
		var s bot.Session
		if json.Unmarshal(data, &s) != nil {
			return
		}
		want, wantErr := json.Marshal(&s)
		got, err := encodeSession(nil, &s)
		if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
			t.Fatalf("encodeSession = %q, %v; json.Marshal = %q, %v", got, err, want, wantErr)
		}
		if err != nil {
			return
		}
		var back bot.Session
		if !parseSession(string(got), &back) {
			t.Fatalf("fast path gave up on the encoder's output %q", got)
		}
		assertSameAsJSON(t, got, &back)
	})
}

// TestEventTagIsFNV pins the tag to FNV-1a, which stored sessions hold.
func TestEventTagIsFNV(t *testing.T) {
	for _, id := range []string{"1", "telegram:123456789", "Ev0123ABCD", "ąę", strings.Repeat("x", 300)} {
		h := fnv.New64a()
		h.Write([]byte(id))
		if want := fmt.Sprintf("%012x", h.Sum64()>>16); eventTag(id) != want {
			t.Errorf("eventTag(%q) = %q, want %q", id, eventTag(id), want)
		}
	}
	if eventTag("") != "" {
		t.Errorf("eventTag(\"\") = %q, want none", eventTag(""))
	}
}

// BenchmarkSessionCodec compares the codec with encoding/json on a
// realistic session, in the same run.
func BenchmarkSessionCodec(b *testing.B) {
	s := realisticSession("telegram:1")
	s.Version = 12
	s.Applied = strings.TrimSpace(strings.Repeat(eventTag("x")+" ", 16))
	data, _ := json.Marshal(s)
	b.Run("encode/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode/codec", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 2048)
		for b.Loop() {
			if _, err := encodeSession(buf[:0], s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var s bot.Session
			if err := json.Unmarshal(data, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/codec", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var s bot.Session
			if err := unmarshalSession(string(data), &s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
