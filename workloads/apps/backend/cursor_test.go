package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCursorRoundTrip(t *testing.T) {
	k := cursorCodec{key: testKey}
	c := Cursor{CreatedAt: time.Date(2026, 5, 6, 7, 8, 9, 123456000, time.UTC), ID: 42}
	s := k.Encode(c)
	assert.NotContains(t, s, "42", "opaque")
	got, err := k.Decode(s)
	require.NoError(t, err)
	assert.True(t, c.CreatedAt.Equal(got.CreatedAt))
	assert.Equal(t, c.ID, got.ID)
	assert.LessOrEqual(t, len(s), maxCursorLength)
}

func TestCursorRejectsTampering(t *testing.T) {
	k := cursorCodec{key: testKey}
	s := k.Encode(Cursor{CreatedAt: time.Now(), ID: 9})
	payload, sig, _ := strings.Cut(s, ".")
	other := cursorCodec{key: []byte("rotated-key-rotated-key-rotated-k")}
	// Signed by the right key over a payload of a bad id.
	zero := k.Encode(Cursor{CreatedAt: time.Now(), ID: 0})
	for name, c := range map[string]string{
		"empty":             "",
		"no dot":            payload + sig,
		"changed payload":   strings.ToUpper(payload[:1]) + strings.ToLower(payload[1:2]) + payload[2:] + "." + sig,
		"truncated sig":     payload + "." + sig[:len(sig)-2],
		"signature of none": payload + ".",
		"rotated key":       other.Encode(Cursor{CreatedAt: time.Now(), ID: 9}),
		"not base64":        "!!!." + sig,
		"id not positive":   zero,
		"too long":          payload + "." + sig + strings.Repeat("A", maxCursorLength),
	} {
		t.Run(name, func(t *testing.T) {
			if c == s {
				t.Fatalf("the case did not change the cursor")
			}
			_, err := k.Decode(c)
			assert.ErrorIs(t, err, errBadCursor)
		})
	}
}
