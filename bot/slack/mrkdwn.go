package slack

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"okienko/bot"
)

// Slack delivers message text in its own markup (docs.slack.dev, "Formatting
// text for app surfaces"): &, < and > escaped as &amp; &lt; &gt;; mentions
// <@U123>, channels <#C123|name>, groups <!subteam^S123|@name>, special
// mentions <!here>; links <https://x|label>, <tel:+48…|label>,
// <mailto:a@b|label>; formatting *bold*, _italic_, ~strike~, `code`. A
// staff reply is decoded before anything looks at it: the reply prefix
// ">>" arrives as "&gt;&gt;".

var (
	slackMarkup = regexp.MustCompile(`<([^<>\n]*)>`)
	// Formatting marks around a span, at word edges (so that a_b or 2*3
	// stay as typed). Group 1 is what precedes, 2 the mark's content.
	slackBold   = regexp.MustCompile(`(^|[^\p{L}\p{N}*])\*([^*\n]+)\*`)
	slackItalic = regexp.MustCompile(`(^|[^\p{L}\p{N}_])_([^_\n]+)_`)
	slackStrike = regexp.MustCompile(`(^|[^\p{L}\p{N}~])~([^~\n]+)~`)
	slackCode   = regexp.MustCompile("`([^`\n]+)`")
)

// decodeMrkdwn turns a message as Slack delivers it into plain text, as the
// person typed and saw it: markup unescaped; mentions as the person's name
// (name looks a user id up, "" when unknown); links as "label (address)",
// or the address alone; formatting marks dropped.
func decodeMrkdwn(s string, name func(user string) string) string {
	// Through the marks, so that plain and marked decodings see the same
	// word edges and give the same text.
	return dropMarks.Replace(decode(s, name))
}

// Marks that decodeMarked leaves where bold and italic runs begin and end
// (private-use characters, removed from the input first), for takeSpans.
const (
	markBold      = "\uE000"
	markBoldEnd   = "\uE001"
	markItalic    = "\uE002"
	markItalicEnd = "\uE003"
)

var dropMarks = strings.NewReplacer(markBold, "", markBoldEnd, "", markItalic, "", markItalicEnd, "")

// decodeMarked is decodeMrkdwn keeping bold and italic as marks around
// their runs: takeSpans turns them into the reply's spans, and dropMarks
// removes them.
func decodeMarked(s string, name func(user string) string) string {
	return decode(s, name)
}

// takeSpans removes the marks decodeMarked left, trims the text, and
// returns it with the bold and italic runs as spans (byte offsets into
// the returned text). Marks that do not pair are dropped.
func takeSpans(s string) (string, []bot.Span) {
	var b strings.Builder
	var spans []bot.Span
	open := map[bot.Style][]int{}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		raw := s[i : i+size] // as it was: invalid bytes stay as they are
		i += size
		var style bot.Style
		var end bool
		switch string(r) {
		case markBold:
			style = bot.StyleBold
		case markBoldEnd:
			style, end = bot.StyleBold, true
		case markItalic:
			style = bot.StyleItalic
		case markItalicEnd:
			style, end = bot.StyleItalic, true
		default:
			b.WriteString(raw)
			continue
		}
		if !end {
			open[style] = append(open[style], b.Len())
			continue
		}
		if starts := open[style]; len(starts) > 0 {
			start := starts[len(starts)-1]
			open[style] = starts[:len(starts)-1]
			spans = append(spans, bot.Span{Start: start, End: b.Len(), Style: style})
		}
	}
	text := b.String()
	trimmed := strings.TrimSpace(text)
	lead := len(text) - len(strings.TrimLeftFunc(text, unicode.IsSpace))
	out := spans[:0]
	for _, sp := range spans {
		sp.Start = min(max(sp.Start-lead, 0), len(trimmed))
		sp.End = min(max(sp.End-lead, 0), len(trimmed))
		if sp.Start < sp.End {
			out = append(out, sp)
		}
	}
	if len(out) == 0 {
		out = nil
	}
	return trimmed, out
}

// decode does the decoding, leaving marks around bold and italic runs.
func decode(s string, name func(user string) string) string {
	s = strings.ReplaceAll(s, "\x00", "") // the placeholders' mark
	s = dropMarks.Replace(s)
	var markup []string
	s = slackMarkup.ReplaceAllStringFunc(s, func(m string) string {
		markup = append(markup, m[1:len(m)-1])
		return "\x00" + strconv.Itoa(len(markup)-1) + "\x00"
	})
	const bold, italic = "$1" + markBold + "$2" + markBoldEnd, "$1" + markItalic + "$2" + markItalicEnd
	for range 2 { // nested marks: *_x_*
		s = slackBold.ReplaceAllString(s, bold)
		s = slackItalic.ReplaceAllString(s, italic)
		s = slackStrike.ReplaceAllString(s, "$1$2")
	}
	s = slackCode.ReplaceAllString(s, "$1")
	s = unescapeSlack(s)
	if len(markup) == 0 {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i+1:], 0)
		if j < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		if n, err := strconv.Atoi(s[i+1 : i+1+j]); err == nil && n < len(markup) {
			b.WriteString(dropMarks.Replace(renderMarkup(markup[n], name)))
		}
		s = s[i+1+j+1:]
	}
	return b.String()
}

// renderMarkup renders one <…> of Slack's markup as plain text.
func renderMarkup(inner string, name func(string) string) string {
	target, label, _ := strings.Cut(inner, "|")
	label = unescapeSlack(label)
	switch {
	case strings.HasPrefix(target, "@"):
		if label != "" {
			return strings.TrimPrefix(label, "@")
		}
		if name != nil {
			return name(target[1:])
		}
		return ""
	case strings.HasPrefix(target, "#"):
		if label != "" {
			return "#" + label
		}
		return ""
	case strings.HasPrefix(target, "!"):
		// <!subteam^S1|@team>, <!here>, <!date^…|fallback>: the label, if any.
		return strings.TrimPrefix(label, "@")
	}
	target = unescapeSlack(target)
	address := target
	for _, scheme := range []string{"mailto:", "tel:"} {
		if a, ok := strings.CutPrefix(target, scheme); ok {
			address = a
		}
	}
	if label == "" || label == address || label == target {
		return address
	}
	return label + " (" + address + ")"
}

var slackUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

func unescapeSlack(s string) string { return slackUnescaper.Replace(s) }
