package slack

import (
	"strings"
	"testing"
)

// A staff reply as Slack delivers it: escaped, with a link, a phone link,
// a mention and formatting.
const benchReply = "&gt;&gt; Dzień dobry, *proszę* zadzwonić &amp; zapytać o <https://cus.example.pl/wniosek|wniosek>: " +
	"<tel:+48550000000|55 000 00 00>, albo napisać do <@U2>. _Pozdrawiam_"

// BenchmarkDecodeMrkdwn measures decoding one staff reply; the baseline
// is unescaping alone (what a decoder that ignores markup would cost).
func BenchmarkDecodeMrkdwn(b *testing.B) {
	name := func(string) string { return "Piotr" }
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			_ = decodeMrkdwn(benchReply, name)
		}
	})
	b.Run("baseline-unescape", func(b *testing.B) {
		for b.Loop() {
			_ = unescapeSlack(benchReply)
		}
	})
}

// BenchmarkEscape measures escaping one resident message with the shared
// Replacer; the baseline builds the Replacer per call, as escape did.
func BenchmarkEscape(b *testing.B) {
	const msg = "Mama nie wstaje z łóżka <!channel> & nie je od wczoraj, proszę o pomoc > szybko"
	b.Run("shared", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = escape(msg)
		}
	})
	b.Run("baseline-per-call", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(msg)
		}
	})
}
