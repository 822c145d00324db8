package hooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries the delivery's signatures; EventHeader the
// event's id (random, and the same on every attempt: receivers deduplicate
// on it); TypeHeader the event's type. No header carries a row's number,
// which would tell every receiver how busy the platform is.
const (
	SignatureHeader = "Claro-Signature"
	EventHeader     = "Claro-Event-Id"
	TypeHeader      = "Claro-Event-Type"
)

// Sign is the Claro-Signature value for body sent at t under secrets (the
// current first; during a rotation the previous one too): t=<unix>, then
// one v1=<hex HMAC-SHA256(secret, "<unix>.<body>")> per secret. Written by
// hand: it is a dozen lines of the standard library, and the scheme is
// ours (Stripe's shape, Claro's header).
func Sign(body []byte, t time.Time, secrets ...string) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	var b strings.Builder
	b.WriteString("t=" + ts)
	for _, s := range secrets {
		m := hmac.New(sha256.New, []byte(s))
		m.Write([]byte(ts))
		m.Write([]byte{'.'})
		m.Write(body)
		b.WriteString(",v1=" + hex.EncodeToString(m.Sum(nil)))
	}
	return b.String()
}
