package bot

import (
	"crypto/rand"
	"encoding/hex"
)

// RandomBytes returns n bytes from crypto/rand: the one source of random
// ids and keys in the bot (case ids, cookies, consumer names, secrets drawn
// when none is configured). crypto/rand.Read does not return errors (since
// Go 1.24 it crashes the program if the system's generator fails), so
// callers have none to handle.
func RandomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// RandomID returns n random bytes in hex (2n characters): an id that is
// unique without coordination between replicas.
func RandomID(n int) string {
	return hex.EncodeToString(RandomBytes(n))
}
