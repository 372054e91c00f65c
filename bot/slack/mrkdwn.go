package slack

import (
	"regexp"
	"strconv"
	"strings"
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
	s = strings.ReplaceAll(s, "\x00", "") // the placeholders' mark
	var markup []string
	s = slackMarkup.ReplaceAllStringFunc(s, func(m string) string {
		markup = append(markup, m[1:len(m)-1])
		return "\x00" + strconv.Itoa(len(markup)-1) + "\x00"
	})
	for range 2 { // nested marks: *_x_*
		s = slackBold.ReplaceAllString(s, "$1$2")
		s = slackItalic.ReplaceAllString(s, "$1$2")
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
			b.WriteString(renderMarkup(markup[n], name))
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
