package yamlfile

import (
	"errors"
	"regexp"
	"strings"

	yaml "github.com/goccy/go-yaml"
)

// The mistakes organizers make most in YAML, recognised from the line the
// parser stopped at, so that the message says what to do instead of what
// the parser saw ("mapping value is not allowed in this context").

// fixTabs reports every line indented with a tab and replaces each such tab
// by two spaces, the indentation step of the bundled files.
func fixTabs(name, text string, report func(Problem)) string {
	if !strings.Contains(text, "\t") {
		return text
	}
	const most = 20 // lines reported one by one
	lines := strings.SplitAfter(text, "\n")
	n, last := 0, 0
	for i, l := range lines {
		indent := len(l) - len(strings.TrimLeft(l, " \t"))
		if !strings.Contains(l[:indent], "\t") {
			continue
		}
		if n++; n <= most {
			report(Newf(name, i+1, strings.IndexByte(l, '\t')+1, "a tab is used for indentation: use spaces instead of the Tab key (YAML counts spaces; set your editor to insert spaces)"))
		}
		last = i + 1
		lines[i] = strings.ReplaceAll(l[:indent], "\t", "  ") + l[indent:]
	}
	if n > most {
		report(Newf(name, last, 1, "and %d more lines indented with tabs (the last one here)", n-most))
	}
	return strings.Join(lines, "")
}

// keyValue splits "  - key: value" into its key part (with the colon) and
// the value; ok is false when the line holds no "key: value".
var keyValue = regexp.MustCompile(`^(\s*(?:-\s+)*(?:"[^"]*"|'[^']*'|[^\s#'"{\[&*!|>%@` + "`" + `,?:-][^:#]*?|-[^\s:#][^:#]*?):[ \t]+)(.*?)\s*$`)

// syntaxProblem explains a syntax error and returns the text with the line
// fixed (certain is true: the fix is what the message tells the organizer
// to do) or commented out (certain is false: the rest of the file can be
// read, but what the line meant is lost).
func syntaxProblem(name, text string, err error) (p Problem, fixed string, certain bool) {
	line, col, msg := 1, 1, err.Error()
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		tk := ye.GetToken()
		line, col, msg = tk.Position.Line, tk.Position.Column, ye.GetMessage()
	}
	lines := strings.SplitAfter(text, "\n")
	if line < 1 || line > len(lines) {
		return Newf(name, line, col, "the file cannot be read as YAML here: %s (check indentation and quotes)", msg), text, false
	}
	l := strings.TrimRight(lines[line-1], "\r\n")
	at := func(format string, args ...any) Problem { return Newf(name, line, col, format, args...) }
	replace := func(newLine string) string {
		out := append([]string(nil), lines...)
		out[line-1] = newLine + "\n"
		return strings.Join(out, "")
	}
	m := keyValue.FindStringSubmatch(l)
	if m != nil {
		key, value := m[1], m[2]
		shown := strings.TrimLeft(key, " ")
		at = func(format string, args ...any) Problem { return Newf(name, line, len(key)+1, format, args...) }
		switch {
		case (value[0] == '>' || value[0] == '|') && len(value) > 1 && strings.ContainsAny(value[1:2], "= 0123456789<"):
			// ">= 65", "> 3", "| tekst": a block indicator where a value
			// was meant.
			return at("a value starting with %s must be in quotes: write %s", value[:1], shown+quote(value)), replace(key + quote(value)), true
		case value[0] == '"' || value[0] == '\'':
			if closing := strings.IndexByte(value[1:], value[0]); closing >= 0 && strings.TrimSpace(value[closing+2:]) != "" && !strings.HasPrefix(strings.TrimSpace(value[closing+2:]), "#") {
				inner := "„" + value[1:closing+1] + "”" + value[closing+2:]
				return at("a text in quotes must end with the quote: put the whole text in quotes and write quotes inside it as „…”, e.g. %s", shown+quote(inner)), replace(key + quote(inner)), true
			}
			if !strings.Contains(value[1:], value[:1]) {
				return at("the quote opened here is not closed: end the text with %s", value[:1]), replace(key + value + value[:1]), true
			}
		case value[0] != '{' && value[0] != '[' && (strings.Contains(value, ": ") || strings.HasSuffix(value, ":")):
			return at("a text with a colon must be in quotes: write %s", shown+quote(value)), replace(key + quote(value)), true
		}
	}
	// A double quote left open: the parser reads on into the next lines
	// and stops there, so look back for the line that opened it.
	for k := line; k >= max(1, line-30); k-- {
		ql := strings.TrimRight(lines[k-1], "\r\n")
		q := lastOddQuote(ql)
		if q < 0 {
			continue
		}
		// Close it where the text ends (before the } or ] of a {…} or
		// […] on the same line).
		t := strings.TrimRight(ql, " ")
		end := len(t)
		if strings.ContainsAny(ql[:q], "{[") && (strings.HasSuffix(t, "}") || strings.HasSuffix(t, "]")) {
			end = len(t) - 1
		}
		out := append([]string(nil), lines...)
		out[k-1] = ql[:end] + `"` + ql[end:] + "\n"
		return Newf(name, k, q+1, "the quote opened here is not closed: end the text with %s", `"`), strings.Join(out, ""), true
	}
	if i := flowIndicator(l, col); i >= 0 {
		// {wiek: >= 65}: quote the value inside the braces.
		end := i + strings.IndexAny(l[i:]+"}", ",}]")
		v := strings.TrimSpace(l[i:end])
		return Newf(name, line, i+1, "a value starting with %s must be in quotes: write %s", v[:1], quote(v)), replace(l[:i] + quote(v) + l[end:]), true
	}
	if strings.Contains(msg, "sequence end token ']' not found") || strings.Contains(msg, "',' or ']' must be specified") {
		if k := unclosedOn(lines, line, '[', ']'); k > 0 {
			return Newf(name, k, strings.IndexByte(lines[k-1], '[')+1, "a list opened with [ is not closed: end it with ] on the same line"), closeLine(lines, k, "]"), true
		}
	}
	if strings.Contains(msg, "mapping end token '}' not found") || strings.Contains(msg, "could not find flow mapping end token") || strings.Contains(msg, "',' or '}' must be specified") {
		if k := unclosedOn(lines, line, '{', '}'); k > 0 {
			return Newf(name, k, strings.IndexByte(lines[k-1], '{')+1, "a {…} opened here is not closed: end it with } on the same line"), closeLine(lines, k, "}"), true
		}
	}
	if strings.Contains(msg, "could not find end character of double-quoted text") || strings.Contains(msg, "could not find end character of single-quoted text") {
		return at("the quote opened here is not closed: end the text with the same quote"), commentOut(lines, line), false
	}
	if strings.Contains(msg, "not allowed in this context") || strings.Contains(msg, "did not find expected") || strings.Contains(msg, "unexpected key name") || strings.Contains(msg, "invalid") {
		// The parser may stop on the line before the culprit (a value it
		// then reads on from): look at the next line too.
		for _, k := range []int{line, nextLine(lines, line)} {
			if k == 0 {
				continue
			}
			kl := strings.TrimRight(lines[k-1], "\r\n")
			prevText, prev, ok := previousLine(lines, k)
			if !ok || indentOf(kl) == prev || (indentOf(kl) > prev && opensBlock(prevText)) {
				continue
			}
			// Aligned as the message says; a line that should have been a
			// level deeper leaves a problem the next pass reports.
			out := append([]string(nil), lines...)
			out[k-1] = strings.Repeat(" ", prev) + strings.TrimLeft(kl, " ") + "\n"
			return Newf(name, k, indentOf(kl)+1, "wrong indentation: this line starts after %d spaces, the line above after %d: align it with the other fields of its section, with spaces", indentOf(kl), prev), strings.Join(out, ""), true
		}
	}
	return at("the file cannot be read as YAML here: %s (check indentation and quotes)", msg), commentOut(lines, line), false
}

// unclosedOn finds, at or above line, the line that opens more brackets
// than it closes, or returns 0.
func unclosedOn(lines []string, line int, open, close byte) int {
	for k := line; k >= max(1, line-5); k-- {
		l := lines[k-1]
		if strings.Count(l, string(open)) > strings.Count(l, string(close)) {
			return k
		}
	}
	return 0
}

// closeLine appends a closing bracket to a line (before a comment).
func closeLine(lines []string, k int, closing string) string {
	out := append([]string(nil), lines...)
	l := strings.TrimRight(out[k-1], " \r\n")
	out[k-1] = l + closing + "\n"
	return strings.Join(out, "")
}

// lastOddQuote finds a double quote left open on the line (outside a
// comment and single quotes), or returns -1.
func lastOddQuote(l string) int {
	open, single := -1, false
	for i := 0; i < len(l); i++ {
		switch c := l[i]; {
		case c == '\\' && open >= 0:
			i++
		case c == '\'' && open < 0:
			single = !single
		case c == '"' && !single:
			if open < 0 {
				open = i
			} else {
				open = -1
			}
		case c == '#' && open < 0 && !single && (i == 0 || l[i-1] == ' '):
			return -1
		}
	}
	if single {
		return -1
	}
	return open
}

// flowIndicator finds a ">" or "|" starting a value inside {...} or [...]
// at or before col, or returns -1.
func flowIndicator(l string, col int) int {
	if !strings.ContainsAny(l, "{[") {
		return -1
	}
	for i := min(col, len(l)) - 1; i >= 0; i-- {
		if (l[i] == '>' || l[i] == '|') && i > 0 && (l[i-1] == ' ' || l[i-1] == '{' || l[i-1] == ',' || l[i-1] == '[') {
			return i
		}
	}
	return -1
}

// quote writes a text in double quotes as YAML reads it back.
func quote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func indentOf(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }

// previousLine is the nearest line above that holds something, trimmed,
// and its indentation.
func previousLine(lines []string, line int) (string, int, bool) {
	for i := line - 2; i >= 0; i-- {
		t := strings.TrimSpace(lines[i])
		if t != "" && !strings.HasPrefix(t, "#") {
			return t, indentOf(lines[i]), true
		}
	}
	return "", 0, false
}

// nextLine is the number of the nearest line below that holds something,
// or 0.
func nextLine(lines []string, line int) int {
	for i := line; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if t != "" && !strings.HasPrefix(t, "#") {
			return i + 1
		}
	}
	return 0
}

// opensBlock reports whether a line may be followed by deeper lines: a key
// without a value, a block text, or a list item.
func opensBlock(t string) bool {
	return strings.HasSuffix(t, ":") || strings.HasSuffix(t, "|") || strings.HasSuffix(t, "|-") || strings.HasSuffix(t, ">") || strings.HasSuffix(t, ">-") || strings.HasPrefix(t, "- ")
}

// commentOut turns the line and the lines indented under it into comments,
// so that the rest of the file can be read.
func commentOut(lines []string, line int) string {
	out := append([]string(nil), lines...)
	ind := indentOf(out[line-1])
	out[line-1] = strings.Repeat(" ", ind) + "# " + strings.TrimLeft(strings.TrimRight(out[line-1], "\r\n"), " ") + "\n"
	for i := line; i < len(out); i++ {
		t := strings.TrimSpace(out[i])
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if indentOf(out[i]) <= ind {
			break
		}
		out[i] = strings.Repeat(" ", indentOf(out[i])) + "# " + strings.TrimLeft(out[i], " ")
	}
	return strings.Join(out, "")
}
