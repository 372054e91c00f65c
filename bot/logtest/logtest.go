// Package logtest holds what tests need to read logs: a buffer that a
// logger (or a running subcommand's stderr) writes to from many goroutines
// while the test reads it, to check what the logs say and never carry.
package logtest

import (
	"bytes"
	"regexp"
	"sync"
)

// Buffer is an io.Writer safe for concurrent use whose content can be read
// at any time. The zero value is ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// chatTags matches the hashed chat ids logs carry (bot.LogChat), in text
// and JSON form.
var chatTags = regexp.MustCompile(`chat=[0-9a-f]{12}\b|"chat":"[0-9a-f]{12}"`)

// WithoutChatTags returns logs without their hashed chat ids, whose hex
// digits could otherwise spell, by chance, a short number a test looks for.
func WithoutChatTags(logs string) string {
	return chatTags.ReplaceAllString(logs, "chat=…")
}
