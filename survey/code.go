package survey

import "crypto/rand"

// codeAlphabet leaves out characters that are easy to misread (0/o, 1/l/i).
const codeAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// NewCode returns n random characters from an alphabet without look-alikes,
// for short opaque identifiers such as QR codes and kiosk ids.
func NewCode(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}
