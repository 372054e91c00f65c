// Package orgtext is the one message table of the organizers' tools
// (`dialogs check|test|graph`, `catalog check|import|eval`): organizers are
// social workers, most of them Polish, so every message those tools print
// exists in English and in Polish. A message is written in the code as its
// English format string (the key); the Polish form lives in the table in
// polish.go. A test fails when a message used in the code has no Polish
// form, so the two languages cannot drift apart.
package orgtext

import (
	"fmt"
	"strings"
)

// Languages of the tools.
const (
	English = "en"
	Polish  = "pl"
)

// Word is an argument of a message that is itself translated through the
// table (a type name, a language name), unlike ids and file names.
type Word string

// Msg is a message of the table used as an argument of another, so that
// both are printed in the same language.
type Msg struct {
	Format string
	Args   []any
}

// Formatted is a value (an error, say) that carries a message of the table,
// so that Sprintf prints it in the same language as the message around it.
type Formatted interface {
	MessageFormat() (format string, args []any)
}

// MessageFormat makes a Msg Formatted.
func (m Msg) MessageFormat() (string, []any) { return m.Format, m.Args }

// Errorf is an error whose text is a message of the table: English from
// Error, the organizer's language when passed to Sprintf.
func Errorf(format string, args ...any) error {
	return &msgError{Msg{Format: format, Args: args}}
}

type msgError struct{ m Msg }

func (e *msgError) Error() string                  { return Sprintf(English, e.m.Format, e.m.Args...) }
func (e *msgError) MessageFormat() (string, []any) { return e.m.Format, e.m.Args }

// Unwrap gives the errors among the arguments, so errors.Is and errors.As
// see through a message as through fmt.Errorf's %w.
func (e *msgError) Unwrap() []error {
	var out []error
	for _, a := range e.m.Args {
		if err, ok := a.(error); ok {
			out = append(out, err)
		}
	}
	return out
}

// Key marks a text written in the code (a flag's usage, say) as a message
// of the table, translated where it is printed; it returns s unchanged.
func Key(s string) string { return s }

// FromEnv picks the tools' language from the locale variables, in POSIX
// order (LC_ALL, LC_MESSAGES, LANG): Polish for pl_PL… and pl, else English.
func FromEnv(getenv func(string) string) string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := getenv(v); s != "" {
			return Normalize(s)
		}
	}
	return English
}

// Normalize maps a locale or language name (pl, pl_PL.UTF-8, en_GB, C) to
// one of the tools' languages; anything not Polish is English.
func Normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "pl" || strings.HasPrefix(s, "pl_") || strings.HasPrefix(s, "pl-") || strings.HasPrefix(s, "pl.") || s == "polski" {
		return Polish
	}
	return English
}

// Valid reports whether lang names a language of the tools.
func Valid(lang string) bool { return lang == English || lang == Polish }

// Translate returns the format in lang: the format itself for English, the
// table's Polish form for Polish (the English one when missing, which a
// test prevents).
func Translate(lang, format string) string {
	if lang == Polish {
		if s, ok := polish[format]; ok {
			return s
		}
	}
	return format
}

// Sprintf formats a message of the table in lang; Word arguments are
// translated too.
func Sprintf(lang, format string, args ...any) string {
	if len(args) == 0 {
		return Translate(lang, format)
	}
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case Word:
			out[i] = Translate(lang, string(v))
		case Formatted:
			if f, a := v.MessageFormat(); f == "" {
				out[i] = ""
			} else {
				out[i] = Sprintf(lang, f, a...)
			}
		default:
			out[i] = a
		}
	}
	return fmt.Sprintf(Translate(lang, format), out...)
}

// Table returns a copy of the Polish table, keyed by the English format,
// for tests and tools that list the messages.
func Table() map[string]string {
	out := make(map[string]string, len(polish))
	for k, v := range polish {
		out[k] = v
	}
	return out
}
