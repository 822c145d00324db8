// Package cursor makes the opaque, signed page cursors of every keyset list
// (storefronts, search). A cursor carries the last row's sort key and id; the
// signature means a client can neither forge a position nor reuse a cursor from
// one list in another, and a tampered cursor is a clear 400, never a bad query.
package cursor

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// ErrInvalid is returned for any cursor that is malformed, tampered with or
// made for another list.
var ErrInvalid = errors.New("cursor: invalid or tampered cursor")

// maxLen bounds what Decode will look at.
const maxLen = 1024

// Codec signs and checks cursors with one secret.
type Codec struct{ key []byte }

// NewCodec derives the cursor key from the application secret, so it differs
// from every other use of that secret.
func NewCodec(secret []byte) *Codec {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("claro cursor v1"))
	return &Codec{key: m.Sum(nil)}
}

// Encode returns the cursor for v within scope (the list it belongs to, e.g.
// "storefront:42").
func (c *Codec) Encode(scope string, v any) (string, error) {
	payload, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(c.sign(scope, p)), nil
}

// Decode checks s's signature for scope and unmarshals its payload into v.
func (c *Codec) Decode(scope, s string, v any) error {
	if s == "" || len(s) > maxLen {
		return ErrInvalid
	}
	p, sig, ok := strings.Cut(s, ".")
	if !ok {
		return ErrInvalid
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, c.sign(scope, p)) {
		return ErrInvalid
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return ErrInvalid
	}
	if err := json.Unmarshal(payload, v); err != nil {
		return ErrInvalid
	}
	return nil
}

func (c *Codec) sign(scope, payload string) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write([]byte(payload))
	return m.Sum(nil)[:18]
}
