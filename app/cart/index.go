package cart

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

// The carts index: what the marketplace's /carts lists. A store's cart
// lives in a host-only cookie on the store's own host, which the
// marketplace never receives. Storefronts served on a subdomain of the root
// domain therefore also keep a copy of their cart's product ids in one
// index cookie scoped to the root domain (Domain=<root>), which the
// marketplace and every store subdomain receive. The store's own cookie
// stays the cart (checkout reads it); the index is its mirror, rewritten by
// Cookies.Write and Clear. A store on its own domain cannot write a cookie
// the marketplace receives (browsers do not share cookies across sites), so
// its cart is listed only on that domain.

// Limits on the index: it is one cookie, sent with every request to the
// root domain and its subdomains.
const (
	maxIndexStores = 20
	maxIndexCookie = 3600
)

// Index is every store's cart mirrored for the marketplace, most recently
// changed first.
type Index struct {
	Carts []Cart
}

// Set puts c first, replacing that store's previous entry; an empty cart
// drops the store. The oldest entries go when the index grows too large.
func (x *Index) Set(c Cart) {
	x.Carts = slices.DeleteFunc(x.Carts, func(o Cart) bool { return o.TenantID == c.TenantID })
	if len(c.Items) > 0 {
		x.Carts = append([]Cart{c}, x.Carts...)
	}
	if len(x.Carts) > maxIndexStores {
		x.Carts = x.Carts[:maxIndexStores]
	}
}

// IndexCodec signs and checks the index cookie, with a key of its own: a
// cart cookie is never a valid index, nor the other way round.
type IndexCodec struct{ s *signer }

// NewIndexCodec derives the index key from the application secret.
func NewIndexCodec(secret []byte) *IndexCodec {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("claro cart index v1"))
	return &IndexCodec{s: newSigner(m.Sum(nil))}
}

// Encode is the cookie value: base64url("i1|<tenant>:<id>.<id>|…").base64url(HMAC),
// trimmed of its oldest stores until it fits in a cookie.
func (x *IndexCodec) Encode(ix Index) string {
	carts := ix.Carts
	for {
		var buf [512]byte
		payload := append(buf[:0], "i1"...)
		for _, c := range carts {
			payload = append(payload, '|')
			payload = strconv.AppendInt(payload, c.TenantID, 10)
			payload = append(payload, ':')
			for i, it := range c.Items {
				if i > 0 {
					payload = append(payload, '.')
				}
				payload = strconv.AppendInt(payload, it.ProductID, 10)
			}
		}
		v := x.s.sign(payload)
		if len(v) <= maxIndexCookie || len(carts) <= 1 {
			return v
		}
		carts = carts[:len(carts)-1]
	}
}

// Decode checks the signature, then parses strictly; anything else is
// ErrInvalid (and the caller starts a new index).
func (x *IndexCodec) Decode(raw string) (Index, error) {
	if len(raw) > maxCookie {
		return Index{}, ErrInvalid
	}
	p64, s64, ok := strings.Cut(raw, ".")
	if !ok {
		return Index{}, ErrInvalid
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	sig, err2 := base64.RawURLEncoding.DecodeString(s64)
	if err1 != nil || err2 != nil || !x.s.valid(payload, sig) {
		return Index{}, ErrInvalid
	}
	parts := strings.Split(string(payload), "|")
	if parts[0] != "i1" || len(parts)-1 > maxIndexStores {
		return Index{}, ErrInvalid
	}
	var ix Index
	for _, p := range parts[1:] {
		ts, ids, ok := strings.Cut(p, ":")
		tid, err := strconv.ParseInt(ts, 10, 64)
		if !ok || err != nil || tid <= 0 || slices.ContainsFunc(ix.Carts, func(c Cart) bool { return c.TenantID == tid }) {
			return Index{}, ErrInvalid
		}
		c := Cart{TenantID: tid}
		for _, s := range strings.Split(ids, ".") {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 || len(c.Items) >= MaxItems || c.Add(id) != Added {
				return Index{}, ErrInvalid
			}
		}
		ix.Carts = append(ix.Carts, c)
	}
	return ix, nil
}
