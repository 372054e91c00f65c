package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"
)

// LogChat names a conversation in logs without revealing it: it logs as
// a keyed hash of the conversation key (Message.Key), 12 hex digits, so an
// operator can follow one conversation through the logs of every replica
// (they share the secret, SetLogSecret) while the logs name no chat. The
// hash key changes every day (UTC): a chat cannot be linked across days,
// nor its id found by hashing every possible one without the secret.
//
//	logger.Warn("…", "chat", bot.LogChat(msg.Key()))
type LogChat string

// LogValue implements slog.LogValuer.
func (c LogChat) LogValue() slog.Value {
	if c == "" {
		return slog.StringValue("")
	}
	return slog.StringValue(chatTag(logDayKey(time.Now()), string(c)))
}

// SetLogSecret sets the secret LogChat's daily keys come from. Replicas
// that share it log the same conversation alike; without it each process
// draws a random one at start. Call it once, at start (cmd does).
func SetLogSecret(secret []byte) {
	logKeys.Lock()
	defer logKeys.Unlock()
	logKeys.secret = append([]byte(nil), secret...)
	logKeys.day, logKeys.key = "", nil
}

// logKeys holds the secret and the key of the current day.
var logKeys struct {
	sync.Mutex
	secret []byte
	day    string
	key    []byte
}

// logDayKey returns the hash key of now's day (UTC).
func logDayKey(now time.Time) []byte {
	logKeys.Lock()
	defer logKeys.Unlock()
	if logKeys.secret == nil {
		logKeys.secret = RandomBytes(32)
	}
	day := now.UTC().Format(time.DateOnly)
	if day != logKeys.day {
		logKeys.day, logKeys.key = day, dayKey(logKeys.secret, day)
	}
	return logKeys.key
}

// dayKey derives the key of one day from the secret.
func dayKey(secret []byte, day string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("okienko log chat " + day))
	return m.Sum(nil)
}

// chatTag is the logged form of a conversation key under a day's key.
func chatTag(key []byte, chat string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(chat))
	return hex.EncodeToString(m.Sum(nil)[:6])
}
