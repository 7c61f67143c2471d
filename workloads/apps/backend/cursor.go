package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// maxCursorLength bounds what is decoded from a query string.
const maxCursorLength = 256

// cursorContext separates these MACs from any other use of the key.
const cursorContext = "refarch-backend/notes-cursor/v1."

// errBadCursor is every cursor problem: the client learns nothing more.
var errBadCursor = errors.New("invalid cursor")

// Cursor is where a page of notes ends: the list goes on with the notes
// strictly older than (CreatedAt, ID), newest first.
type Cursor struct {
	// CreatedAt is the last note's creation time (microseconds, as
	// PostgreSQL stores timestamptz).
	CreatedAt time.Time
	// ID is the last note's id, which orders notes of the same time.
	ID int64
}

// cursorPayload is the signed part of a cursor.
type cursorPayload struct {
	T int64 `json:"t"`
	I int64 `json:"i"`
}

// cursorCodec makes and checks opaque cursors: base64url(payload) "."
// base64url(HMAC-SHA256(key, context || payload)). A cursor a client
// altered, or one signed with a key since rotated away, is rejected.
type cursorCodec struct {
	key []byte
}

// Encode returns c as an opaque, signed string.
func (k cursorCodec) Encode(c Cursor) string {
	// Marshalling two integers cannot fail.
	payload, _ := json.Marshal(cursorPayload{T: c.CreatedAt.UnixMicro(), I: c.ID})
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(k.mac(p))
}

// Decode checks s's signature and returns its cursor, or errBadCursor.
func (k cursorCodec) Decode(s string) (Cursor, error) {
	if len(s) > maxCursorLength {
		return Cursor{}, errBadCursor
	}
	p, sig, ok := strings.Cut(s, ".")
	if !ok {
		return Cursor{}, errBadCursor
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, k.mac(p)) {
		return Cursor{}, errBadCursor
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return Cursor{}, errBadCursor
	}
	var v cursorPayload
	if err := json.Unmarshal(raw, &v); err != nil || v.I <= 0 {
		return Cursor{}, errBadCursor
	}
	return Cursor{CreatedAt: time.UnixMicro(v.T).UTC(), ID: v.I}, nil
}

// mac is the signature of an encoded payload.
func (k cursorCodec) mac(payload string) []byte {
	h := hmac.New(sha256.New, k.key)
	h.Write([]byte(cursorContext))
	h.Write([]byte(payload))
	return h.Sum(nil)
}
