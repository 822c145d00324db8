package blob

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// DownloadPrefix is the path signed download URLs live under; the app routes
// DownloadPrefix+":token" to DownloadHandler.
const DownloadPrefix = "/download/"

// Why Verify refused a token. DownloadHandler answers each with the same 404.
var (
	ErrTokenInvalid   = errors.New("blob: download link is malformed or was not signed by us")
	ErrTokenExpired   = errors.New("blob: download link has expired")
	ErrTokenOtherUser = errors.New("blob: download link belongs to another account")
)

const (
	tokenVersion = 1
	maxTokenLen  = 1024 // longer input is refused before it is decoded
	maxNameLen   = 200  // bytes of the download's file name kept in a token
	macLen       = sha256.Size
	fixedLen     = 1 + 8 + 8 // version, expiry, user
)

// b64 is strict so that no two strings decode to the same bytes: a token we
// signed has exactly one spelling.
var b64 = base64.RawURLEncoding.Strict()

// Grant is what a valid download token allows: UserID may fetch Key, saved
// as Name, until Expires.
type Grant struct {
	Key     string
	Name    string
	UserID  int64
	Expires time.Time
}

// Signer makes and checks download tokens: HMAC-SHA256 under a key derived
// from the app secret, carrying the blob key, the file name, the buyer's user
// ID and an expiry.
type Signer struct {
	key []byte
	now func() time.Time
}

// NewSigner derives the signing key from secret (the app's SESSION_SECRET, at
// least 32 bytes). now is the clock, time.Now when nil.
func NewSigner(secret []byte, now func() time.Time) (*Signer, error) {
	if len(secret) < 32 {
		return nil, errors.New("blob: the signing secret must be at least 32 bytes")
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "claro blob download token v1", 32)
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Signer{key: key, now: now}, nil
}

// Sign returns the path of a download of key for userID, valid for ttl and
// saved under the key's last segment. A token for an invalid key or a user ID
// that is not positive is made, but never verifies.
func (s *Signer) Sign(key string, userID int64, ttl time.Duration) string {
	return s.SignFile(key, path.Base(key), userID, ttl)
}

// SignFile is Sign with the file name the buyer's browser saves the download
// as (the name the creator uploaded, say).
func (s *Signer) SignFile(key, name string, userID int64, ttl time.Duration) string {
	if len(name) > maxNameLen {
		name = strings.ToValidUTF8(name[:maxNameLen], "")
	}
	p := make([]byte, fixedLen, fixedLen+binary.MaxVarintLen64+len(key)+len(name))
	p[0] = tokenVersion
	binary.BigEndian.PutUint64(p[1:9], uint64(s.now().Add(ttl).Unix()))
	binary.BigEndian.PutUint64(p[9:17], uint64(userID))
	p = binary.AppendUvarint(p, uint64(len(key)))
	p = append(p, key...)
	p = append(p, name...)
	return DownloadPrefix + b64.EncodeToString(p) + "." + b64.EncodeToString(s.mac(p))
}

// Verify checks token (the path segment after DownloadPrefix) for userID and
// returns what it grants. It refuses, with the errors above, a token that is
// malformed, altered, signed under another secret, for another user or for
// nobody, or expired.
func (s *Signer) Verify(token string, userID int64) (Grant, error) {
	if len(token) == 0 || len(token) > maxTokenLen || !tokenChars(token) {
		return Grant{}, ErrTokenInvalid
	}
	enc, encMAC, ok := strings.Cut(token, ".")
	if !ok {
		return Grant{}, ErrTokenInvalid
	}
	p, err := b64.DecodeString(enc)
	if err != nil {
		return Grant{}, ErrTokenInvalid
	}
	mac, err := b64.DecodeString(encMAC)
	if err != nil || len(mac) != macLen || !hmac.Equal(mac, s.mac(p)) {
		return Grant{}, ErrTokenInvalid
	}
	g, ok := parsePayload(p)
	if !ok || !ValidKey(g.Key) {
		return Grant{}, ErrTokenInvalid
	}
	if g.UserID <= 0 || g.UserID != userID {
		return Grant{}, ErrTokenOtherUser
	}
	if !s.now().Before(g.Expires) {
		return Grant{}, ErrTokenExpired
	}
	return g, nil
}

// Remaining is how long the grant has left: a presigned URL made for it
// lives no longer.
func (s *Signer) Remaining(g Grant) time.Duration { return g.Expires.Sub(s.now()) }

func (s *Signer) mac(p []byte) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write(p)
	return h.Sum(nil)
}

func parsePayload(p []byte) (Grant, bool) {
	if len(p) < fixedLen+1 || p[0] != tokenVersion {
		return Grant{}, false
	}
	exp := int64(binary.BigEndian.Uint64(p[1:9]))
	uid := int64(binary.BigEndian.Uint64(p[9:17]))
	n, k := binary.Uvarint(p[fixedLen:])
	rest := p[fixedLen:]
	if k <= 0 || n > uint64(len(rest)-k) {
		return Grant{}, false
	}
	key, name := rest[k:k+int(n)], rest[k+int(n):]
	if !utf8.Valid(name) {
		return Grant{}, false
	}
	return Grant{Key: string(key), Name: string(name), UserID: uid, Expires: time.Unix(exp, 0).UTC()}, true
}

// tokenChars reports whether t holds only base64url letters and one '.'.
// The decoder alone would also skip line breaks.
func tokenChars(t string) bool {
	dots := 0
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return dots == 1
}
