package catalog

// The fast path: most catalogue files are written in a plain subset of
// YAML (block mappings and lists, one-line texts, flow lists, folded
// texts). Reading them with the positional YAML reader costs a token list,
// a syntax tree and a map of every node's position: about 1.3 s and 200 MB
// for 5,000 services. decodeFast reads that subset straight into the
// catalogue's structs in one pass over the lines; anything outside it
// (anchors, tags, multi-line plain texts, odd indentation, unknown fields,
// duplicate keys, values that are not plain text…) makes it give up, and
// the file is read again by the positional reader, which reports problems
// at path:line:col. So the fast path never decides about an error: it
// only accepts what the positional reader accepts, with the same result
// (checked by FuzzFastMatchesPositional).
//
// It is generic over the structs (yaml tags), so new catalogue fields of
// kinds string, []string, structs, pointers to structs, lists of structs,
// maps of structs, bool and int are read without changes here.

import (
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-yaml/token"

	"okienko/bot/yamlfile"
)

// parseFast reads, merges and checks files without positions (but where
// each service starts). ok is false when any file is outside the fast
// subset or the catalogue has an error: the caller then parses with
// positions to report it. Warnings are returned at the line of the
// service they concern.
func parseFast(files []File) (*Catalog, Problems, bool) {
	all := make([]parsed, len(files))
	ok := make([]bool, len(files))
	// Files are independent until check: a regional catalogue in several
	// files is read on every core (5,000 services in 5 files: about 60 ms
	// less of a start on 2 cores).
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(files); i = int(next.Add(1) - 1) {
				all[i], ok[i] = parseFileFast(files[i])
			}
		})
	}
	wg.Wait()
	for _, fileOK := range ok {
		if !fileOK {
			return nil, nil, false
		}
	}
	c, probs := check(all)
	if probs.Errors() > 0 {
		return nil, nil, false
	}
	// Warnings (a field left untranslated) are common in organizers' real
	// catalogues: they are placed at the service they concern, and the
	// whole catalogue is not read again with positions for them.
	return c, probs, true
}

// parseFileFast reads one file on the fast path (CSV files have their own
// positional reader, already fast).
func parseFileFast(f File) (parsed, bool) {
	if strings.EqualFold(fileExt(f.Name), ".csv") {
		p, probs := parseCSV(f.Name, f.Data)
		return p, len(probs) == 0
	}
	p := parsed{name: f.Name, coarse: true}
	if len(f.Data) > MaxFileSize || !decodeFast(f.Data, &p.cat) {
		return parsed{}, false
	}
	p.pos = serviceStarts(f.Data, len(p.cat.Services))
	return p, true
}

// serviceStarts finds where each item of the top-level services list and
// its fields start in a file the fast path read, so that warnings point at
// the service (and, for a translation, at its language): in the fast
// block subset the items are the lines at the list's indentation that
// begin with "- ", between "services:" and the next top-level key, and
// their fields the keys one level in. Nil when the items counted differ
// from the services decoded (problems then fall back to line 1).
func serviceStarts(data []byte, services int) yamlfile.Positions {
	pos := make(yamlfile.Positions, services*4)
	in, itemIndent, fieldIndent, langIndent, n := false, -1, -1, -1, 0
	field, item := "", ""
	record := func(path string, line, indent int, text string) {
		if key, _, ok := strings.Cut(text, ":"); ok && key != "" && !strings.ContainsAny(key, " \"'{[") {
			pos[path+"."+key] = yamlfile.Position{Line: line, Column: indent + 1}
			if path == item {
				field = key
			}
		}
	}
	for line, rest := 1, string(data); len(rest) > 0; line++ {
		l, next, _ := strings.Cut(rest, "\n")
		rest = next
		t := strings.TrimLeft(l, " ")
		indent := len(l) - len(t)
		switch {
		case t == "" || t[0] == '#':
		case indent == 0:
			in = strings.HasPrefix(t, "services:")
		case !in:
		case strings.HasPrefix(t, "- ") && (itemIndent < 0 || indent == itemIndent):
			itemIndent, fieldIndent, langIndent = indent, indent+2, -1
			item = "services[" + strconv.Itoa(n) + "]"
			pos[item] = yamlfile.Position{Line: line, Column: indent + 3}
			n++
			record(item, line, indent+2, strings.TrimLeft(t[2:], " "))
		case item == "":
		case indent == fieldIndent:
			langIndent = -1
			record(item, line, indent, t)
		case field == "translations" && indent > fieldIndent && (langIndent < 0 || indent == langIndent):
			langIndent = indent
			record(item+".translations", line, indent, t)
		}
	}
	if n != services {
		return nil
	}
	return pos
}

func fileExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 && !strings.ContainsAny(name[i:], `/\`) {
		return name[i:]
	}
	return ""
}

// fastLine is one line of the file: its indentation and text (without the
// newline); blank and comment-only lines are marked so structure skips
// them, while folded texts still see them.
type fastLine struct {
	indent int
	text   string // after the indentation
	blank  bool   // empty or spaces only
	remark bool   // a comment line
}

type fastDecoder struct {
	lines  []fastLine
	i      int  // next line
	lastNL bool // the file ends with a line break
}

// decodeFast decodes data into v (a pointer to a struct) if the file is in
// the fast subset; false means "read it with positions".
func decodeFast(data []byte, v any) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	for i, c := range data {
		switch {
		case c < 0x20 && c != '\n' || c == 0x7f:
			return false // tabs, CR, control characters: the positional reader
		case c == 0xc2 && i+1 < len(data) && data[i+1] == 0x85, // NEL
			c == 0xe2 && i+2 < len(data) && data[i+1] == 0x80 && data[i+2]&0xfe == 0xa8, // line and paragraph separators
			c == 0xef && i+2 < len(data) && data[i+1] == 0xbb && data[i+2] == 0xbf:      // byte order mark
			return false
		}
	}
	if !utf8.Valid(data) {
		return false
	}
	src := string(data) // values are substrings of one copy of the file
	d := &fastDecoder{lines: make([]fastLine, 0, strings.Count(src, "\n")+1), lastNL: strings.HasSuffix(src, "\n")}
	for len(src) > 0 {
		l, rest, _ := strings.Cut(src, "\n")
		src = rest
		t := strings.TrimLeft(l, " ")
		fl := fastLine{indent: len(l) - len(t), text: t}
		switch {
		case strings.TrimRight(t, " ") == "":
			fl.blank = true
		case t[0] == '#':
			fl.remark = true
		case fl.indent == 0 && (strings.HasPrefix(t, "---") || strings.HasPrefix(t, "...") || t[0] == '%'):
			return false // directives and several documents: the positional reader
		}
		d.lines = append(d.lines, fl)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return false
	}
	d.skip()
	if d.i >= len(d.lines) || d.lines[d.i].indent != 0 {
		return false
	}
	if !d.mapping(rv.Elem(), 0, "") {
		return false
	}
	d.skip()
	return d.i == len(d.lines)
}

// skip moves past blank and comment lines.
func (d *fastDecoder) skip() {
	for d.i < len(d.lines) && (d.lines[d.i].blank || d.lines[d.i].remark) {
		d.i++
	}
}

// mapping reads "key: value" entries at exactly indent into v (a struct or
// a map with string keys). first, when not empty, is the first entry
// written after a list's "- ".
func (d *fastDecoder) mapping(v reflect.Value, indent int, first string) bool {
	var seen uint64 // struct fields already set (duplicate keys)
	var fields *structFields
	switch v.Kind() {
	case reflect.Struct:
		fields = fieldsOf(v.Type())
		if fields == nil {
			return false
		}
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return false
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
	default:
		return false
	}
	entries := 0
	for {
		var text string
		if entries == 0 && first != "" {
			text = first
		} else {
			d.skip()
			if d.i >= len(d.lines) {
				break
			}
			l := d.lines[d.i]
			if l.indent < indent {
				break
			}
			if l.indent > indent {
				return false
			}
			text = l.text
			d.i++
		}
		entries++
		key, rest, ok := splitKey(text)
		if !ok {
			return false
		}
		if fields != nil {
			idx, known := fields.byName[key]
			if !known || seen&(1<<idx) != 0 {
				return false // unknown field or duplicate key: the positional reader says which
			}
			seen |= 1 << idx
			if !d.value(v.Field(fields.index[idx]), rest, indent) {
				return false
			}
			continue
		}
		kv := reflect.ValueOf(key)
		if v.MapIndex(kv).IsValid() {
			return false // duplicate key
		}
		elem := reflect.New(v.Type().Elem()).Elem()
		if !d.value(elem, rest, indent) {
			return false
		}
		v.SetMapIndex(kv, elem)
	}
	return entries > 0
}

// splitKey splits "key: rest" (or "key:") with a plain key.
func splitKey(text string) (key, rest string, ok bool) {
	i := 0
	for i < len(text) {
		c := text[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			i++
			continue
		}
		break
	}
	if i == 0 || i >= len(text) || text[i] != ':' {
		return "", "", false
	}
	if i+1 < len(text) && text[i+1] != ' ' {
		return "", "", false
	}
	return text[:i], strings.TrimLeft(text[i+1:], " "), true
}

// value reads the value of a key written at keyIndent: rest is what
// follows "key:" on its line.
func (d *fastDecoder) value(v reflect.Value, rest string, keyIndent int) bool {
	rest = stripComment(rest)
	if v.Kind() == reflect.Pointer {
		if !v.IsNil() {
			return false
		}
		p := reflect.New(v.Type().Elem())
		if !d.value(p.Elem(), rest, keyIndent) {
			return false
		}
		v.Set(p)
		return true
	}
	if rest == "" {
		// A nested block: a mapping or a list, more indented (a list may
		// also start at the key's own indentation).
		d.skip()
		if d.i >= len(d.lines) {
			return false // an empty value: the positional reader decides
		}
		l := d.lines[d.i]
		isItem := strings.HasPrefix(l.text, "- ")
		switch {
		case l.indent > keyIndent && isItem, l.indent == keyIndent && isItem && v.Kind() == reflect.Slice:
			return d.sequence(v, l.indent)
		case l.indent > keyIndent && !isItem:
			return d.mapping(v, l.indent, "")
		}
		return false
	}
	switch rest[0] {
	case '[':
		return flowList(v, rest)
	case '{':
		return flowMapping(v, rest)
	case '|', '>':
		s, ok := d.blockText(rest, keyIndent)
		if !ok {
			return false
		}
		return setText(v, s)
	}
	// A plain text continued on the next lines leaves them more indented
	// than the mapping, which then gives up.
	s, plain, ok := scalar(rest)
	if !ok {
		return false
	}
	return setScalar(v, s, plain)
}

// stripComment drops a trailing " # comment" outside quotes and trailing
// spaces.
func stripComment(s string) string {
	if s == "" {
		return s
	}
	if s[0] == '#' {
		return ""
	}
	if s[0] != '"' && s[0] != '\'' {
		if i := strings.Index(s, " #"); i >= 0 {
			s = s[:i]
		}
		return strings.TrimRight(s, " ")
	}
	// Quoted: find the closing quote, then only a comment may follow.
	end := quotedEnd(s)
	if end < 0 {
		return s // the scalar reader rejects it
	}
	tail := strings.TrimLeft(s[end:], " ")
	if tail == "" || tail[0] == '#' && end < len(s) && s[end] == ' ' {
		return s[:end]
	}
	return s
}

// quotedEnd is the index just past the closing quote of the quoted text
// at the start of s, or -1.
func quotedEnd(s string) int {
	q := s[0]
	for i := 1; i < len(s); i++ {
		switch {
		case q == '"' && s[i] == '\\':
			i++
		case s[i] == q:
			if q == '\'' && i+1 < len(s) && s[i+1] == '\'' {
				i++
				continue
			}
			return i + 1
		}
	}
	return -1
}

// scalar reads a whole one-line value: quoted or plain. plain says it was
// written without quotes.
func scalar(s string) (out string, plain, ok bool) {
	switch s[0] {
	case '"', '\'':
		if quotedEnd(s) != len(s) {
			return "", false, false
		}
		out, ok = unquote(s)
		return out, false, ok
	}
	if !plainText(s, false) {
		return "", false, false
	}
	return s, true, true
}

// plainText reports a plain scalar the positional reader reads as the same
// text: no structure inside, and not a number, bool, null or any other
// special form (decided as the YAML library's own writer decides when it
// must quote).
func plainText(s string, flow bool) bool {
	if s == "" || strings.Contains(s, ": ") || strings.HasSuffix(s, ":") || strings.Contains(s, " #") {
		return false
	}
	if flow && strings.ContainsAny(s, ",[]{}") {
		return false
	}
	if strings.IndexByte("-?:,[]{}#&*!|>'\"%@`", s[0]) >= 0 {
		return false // indicators: structure, not text
	}
	r, _ := utf8.DecodeRuneInString(s)
	if unicode.IsLetter(r) && !reserved(s) {
		return true
	}
	if (r >= '0' && r <= '9' || r == '+') && strings.IndexByte(s, ' ') > 0 && !strings.ContainsAny(s, "-:") {
		return true // a phone number: words of digits are no number, date or time in YAML
	}
	return !token.IsNeedQuoted(s)
}

// reserved words a plain scalar may not be read as text.
func reserved(s string) bool {
	if len(s) > 5 {
		return false
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf":
		return true
	}
	return false
}

// unquote decodes a one-line quoted scalar; unusual escapes give up.
func unquote(s string) (string, bool) {
	body := s[1 : len(s)-1]
	if s[0] == '\'' {
		return strings.ReplaceAll(body, "''", "'"), true
	}
	if !strings.Contains(body, `\`) {
		return body, true
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(body) {
			return "", false
		}
		switch body[i] {
		case '"', '\\':
			b.WriteByte(body[i])
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		default:
			return "", false
		}
	}
	return b.String(), true
}

// blockText reads a folded (>) or literal (|) text, with the default or
// strip (-) chomping; other forms give up.
func (d *fastDecoder) blockText(header string, keyIndent int) (string, bool) {
	if len(header) > 2 || len(header) == 2 && header[1] != '-' {
		return "", false
	}
	folded, strip := header[0] == '>', len(header) == 2
	// Content lines: blank, or indented more than the key; the first
	// non-blank one sets the indentation.
	start := d.i
	indent := -1
	end := d.i
	for j := d.i; j < len(d.lines); j++ {
		l := d.lines[j]
		if l.blank {
			continue
		}
		if indent < 0 {
			if l.indent <= keyIndent {
				break
			}
			indent = l.indent
		}
		if l.indent < indent {
			break
		}
		end = j + 1
	}
	if indent < 0 {
		return "", false
	}
	// Blank lines holding spaces, inside or right after the text, are
	// content or not by rules the YAML library follows its own way.
	for j := start; j < len(d.lines) && (j < end || d.lines[j].blank); j++ {
		if d.lines[j].blank && d.lines[j].indent > 0 {
			return "", false
		}
	}
	var b strings.Builder
	prevText := false // the previous line was text (a fold joins with a space)
	pendingNL := 0
	for j := start; j < end; j++ {
		l := d.lines[j]
		if l.blank {
			if l.indent > indent {
				return "", false // spaces that are content
			}
			pendingNL++
			continue
		}
		if l.indent != indent {
			return "", false // more indented lines keep their breaks: not worth the rules here
		}
		text := l.text
		if strings.HasSuffix(text, " ") {
			return "", false // trailing spaces are content in YAML: keep the subset simple
		}
		if folded {
			switch {
			case prevText && pendingNL == 0:
				b.WriteByte(' ')
			case prevText:
				b.WriteString(strings.Repeat("\n", pendingNL))
			}
		} else if prevText {
			b.WriteString(strings.Repeat("\n", pendingNL+1))
		}
		if !prevText && pendingNL > 0 {
			return "", false // leading blank lines
		}
		b.WriteString(text)
		prevText = true
		pendingNL = 0
	}
	if end == len(d.lines) && !d.lastNL {
		return "", false // a text ending the file without a line break: the YAML library folds it its own way
	}
	d.i = end
	if !strip {
		b.WriteByte('\n')
	}
	return b.String(), true
}

// flowList reads "[a, b, "c"]" on one line into a list of texts.
func flowList(v reflect.Value, s string) bool {
	if v.Kind() != reflect.Slice || v.Type().Elem().Kind() != reflect.String || !v.IsNil() {
		return false
	}
	if s[len(s)-1] != ']' {
		return false
	}
	body := strings.TrimSpace(s[1 : len(s)-1])
	items := reflect.MakeSlice(v.Type(), 0, strings.Count(body, ",")+1)
	for body != "" {
		var item string
		if body[0] == '"' || body[0] == '\'' {
			var ok bool
			if item, body, ok = quotedItem(body); !ok {
				return false
			}
			if body, ok = afterItem(body); !ok {
				return false
			}
		} else {
			raw, rest, more := strings.Cut(body, ",")
			raw = strings.TrimRight(raw, " ")
			if !plainText(raw, true) {
				return false
			}
			item, body = raw, strings.TrimLeft(rest, " ")
			if more && body == "" {
				return false // a trailing comma
			}
		}
		items = reflect.Append(items, reflect.ValueOf(item).Convert(v.Type().Elem()))
	}
	v.Set(items)
	return true
}

// quotedItem reads the quoted text that s starts with, in a one-line flow
// list or mapping, and returns it with what follows (spaces trimmed).
func quotedItem(s string) (text, rest string, ok bool) {
	end := quotedEnd(s)
	if end < 0 {
		return "", "", false
	}
	if text, ok = unquote(s[:end]); !ok {
		return "", "", false
	}
	return text, strings.TrimLeft(s[end:], " "), true
}

// afterItem takes the comma after an item of a one-line flow list or
// mapping: what follows an item is nothing or a comma and another item
// (a trailing comma is left to the positional reader).
func afterItem(body string) (rest string, ok bool) {
	if body == "" {
		return "", true
	}
	if body[0] != ',' {
		return "", false
	}
	rest = strings.TrimLeft(body[1:], " ")
	return rest, rest != ""
}

// flowMapping reads "{name: CUS, phone: "55 000"}" on one line into a
// struct of texts.
func flowMapping(v reflect.Value, s string) bool {
	if v.Kind() != reflect.Struct || s[len(s)-1] != '}' {
		return false
	}
	fields := fieldsOf(v.Type())
	if fields == nil {
		return false
	}
	body := strings.TrimSpace(s[1 : len(s)-1])
	var seen uint64
	for body != "" {
		key, rest, ok := splitKey(body)
		if !ok || rest == "" {
			return false
		}
		idx, known := fields.byName[key]
		if !known || seen&(1<<idx) != 0 {
			return false
		}
		seen |= 1 << idx
		var text string
		if rest[0] == '"' || rest[0] == '\'' {
			if text, body, ok = quotedItem(rest); !ok {
				return false
			}
		} else {
			i := strings.IndexAny(rest, ",}")
			if i < 0 {
				i = len(rest)
			}
			raw := strings.TrimRight(rest[:i], " ")
			if !plainText(raw, true) {
				return false
			}
			text, body = raw, rest[i:]
		}
		if body, ok = afterItem(body); !ok {
			return false
		}
		if f := v.Field(fields.index[idx]); f.Kind() != reflect.String || !setText(f, text) {
			return false
		}
	}
	return true
}

// sequence reads "- item" lines at indent into a list.
func (d *fastDecoder) sequence(v reflect.Value, indent int) bool {
	if v.Kind() != reflect.Slice || !v.IsNil() {
		return false
	}
	et := v.Type().Elem()
	items := reflect.MakeSlice(v.Type(), 0, 4)
	for {
		d.skip()
		if d.i >= len(d.lines) {
			break
		}
		l := d.lines[d.i]
		if l.indent < indent {
			break
		}
		if l.indent > indent || !strings.HasPrefix(l.text, "- ") {
			return false
		}
		d.i++
		after := strings.TrimLeft(l.text[2:], " ")
		itemIndent := indent + len(l.text) - len(after)
		elem := reflect.New(et).Elem()
		target := elem
		if et.Kind() == reflect.Pointer {
			target = reflect.New(et.Elem())
			elem.Set(target)
			target = target.Elem()
		}
		switch target.Kind() {
		case reflect.Struct, reflect.Map:
			if after == "" || after[0] == '#' || after[0] == '{' {
				return false
			}
			if !d.mapping(target, itemIndent, after) {
				return false
			}
		default:
			after = stripComment(after)
			if after == "" || after[0] == '[' || after[0] == '{' || after[0] == '|' || after[0] == '>' || after[0] == '-' {
				return false
			}
			s, plain, ok := scalar(after)
			if !ok || !setScalar(target, s, plain) {
				return false
			}
		}
		items = reflect.Append(items, elem)
	}
	if items.Len() == 0 {
		return false
	}
	v.Set(items)
	return true
}

// setText stores a text in a string field.
func setText(v reflect.Value, s string) bool {
	if v.Kind() != reflect.String {
		return false
	}
	v.SetString(s)
	return true
}

// setScalar stores a one-line value: texts in string fields; plain whole
// numbers and true/false in number and bool fields.
func setScalar(v reflect.Value, s string, plain bool) bool {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
		return true
	case reflect.Bool:
		if !plain || (s != "true" && s != "false") {
			return false
		}
		v.SetBool(s == "true")
		return true
	case reflect.Int, reflect.Int64, reflect.Int32:
		if !plain || len(s) > 9 || len(s) > 1 && s[0] == '0' {
			return false
		}
		n, err := strconv.Atoi(s)
		if err != nil || strings.HasPrefix(s, "+") {
			return false
		}
		v.SetInt(int64(n))
		return true
	}
	return false
}

// structFields maps a struct's yaml keys to its fields.
type structFields struct {
	byName map[string]int // key → position in index
	index  []int          // field numbers
}

var fieldCache sync.Map // reflect.Type → *structFields (nil: not in the subset)

// fieldsOf lists a struct's keys; nil when it uses tag options the fast
// path does not follow (inline, or more than 64 fields).
func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	sf := &structFields{byName: map[string]int{}}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(opts, "inline") || f.Anonymous {
			sf = nil
			break
		}
		if name == "" {
			sf = nil // untagged fields: leave the naming rules to the YAML library
			break
		}
		sf.byName[name] = len(sf.index)
		sf.index = append(sf.index, i)
	}
	if sf != nil && len(sf.index) > 64 {
		sf = nil
	}
	fieldCache.Store(t, sf)
	return sf
}
