package cart

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"sync"
)

// signer signs cookie payloads with HMAC-SHA256 under one key. Its HMAC
// states are pooled: hmac.New costs two SHA-256 states and the key's pads,
// and every cart write signs two cookies (the cart and the carts index).
type signer struct {
	key  []byte
	macs sync.Pool
}

func newSigner(key []byte) *signer {
	s := &signer{key: key}
	s.macs.New = func() any { return hmac.New(sha256.New, s.key) }
	return s
}

// sum appends payload's MAC to dst.
func (s *signer) sum(dst, payload []byte) []byte {
	m := s.macs.Get().(hash.Hash)
	m.Reset()
	m.Write(payload)
	dst = m.Sum(dst)
	s.macs.Put(m)
	return dst
}

// valid reports whether sig is payload's MAC.
func (s *signer) valid(payload, sig []byte) bool {
	var buf [sha256.Size]byte
	return hmac.Equal(sig, s.sum(buf[:0], payload))
}

// sign is the cookie value base64url(payload).base64url(MAC), built in one
// allocation.
func (s *signer) sign(payload []byte) string {
	var buf [sha256.Size]byte
	mac := s.sum(buf[:0], payload)
	enc := base64.RawURLEncoding
	out := make([]byte, 0, enc.EncodedLen(len(payload))+1+enc.EncodedLen(len(mac)))
	out = enc.AppendEncode(out, payload)
	out = append(out, '.')
	out = enc.AppendEncode(out, mac)
	return string(out)
}
