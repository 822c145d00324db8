// Package cart keeps one cart per store in a signed cookie on that store's own
// host, so two storefronts never share a cart. The cookie holds product ids and
// quantities only; prices are always read from the database, and a cookie
// whose signature or store does not match is thrown away, never trusted.
package cart

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
)

// Limits on what one cart may hold. Every product is digital, so a cart
// holds each at most once; MaxQuantity is the largest quantity a form or an
// older cookie may name, and it still counts as one.
const (
	MaxItems    = 50
	MaxQuantity = 10
	maxCookie   = 4000
	// MaxAmount is the most a cookie may name for a pay-what-you-want
	// product (the product's own maximum is checked when priced).
	MaxAmount = 100_000_000
)

// validCode is a code's shape as discounts.Normalize accepts it (repeated
// here so the cookie's parser needs nothing else).
func validCode(s string) bool {
	if len(s) < 2 || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// AddResult is what Add did.
type AddResult int

// Add's results.
const (
	Added     AddResult = iota // the product is now in the cart
	AlreadyIn                  // it was already there; nothing changed
	Full                       // the cart holds MaxItems products; nothing changed
)

// ErrInvalid is a cookie that was not signed by this server, belongs to
// another store, or does not parse.
var ErrInvalid = errors.New("cart: invalid cookie")

// Item is one product in the cart. Amount is what the buyer chose to pay
// for a pay-what-you-want product (Chosen set), which checkout checks again
// against the product's minimum and maximum as they are then.
type Item struct {
	ProductID int64
	Quantity  int
	Amount    int64
	Chosen    bool
}

// Cart is a store's cart: ids and quantities, the amounts chosen for
// pay-what-you-want products and the discount code entered, never prices.
type Cart struct {
	TenantID int64
	Items    []Item
	Code     string // a discount code as the buyer entered it (discounts.Normalize), or ""
}

// SetAmount records the amount chosen for a product in the cart; false when
// the product is not in it.
func (c *Cart) SetAmount(productID, cents int64) bool {
	for i := range c.Items {
		if c.Items[i].ProductID == productID {
			c.Items[i].Amount, c.Items[i].Chosen = cents, true
			return true
		}
	}
	return false
}

// Item returns the cart's line for a product.
func (c Cart) Item(productID int64) (Item, bool) {
	for _, it := range c.Items {
		if it.ProductID == productID {
			return it, true
		}
	}
	return Item{}, false
}

// Add puts one of a product in the cart unless it is there already: a
// digital product is bought once, so a second click (or a double click on a
// slow network) changes nothing.
func (c *Cart) Add(productID int64) AddResult {
	switch {
	case slices.Contains(c.IDs(), productID):
		return AlreadyIn
	case len(c.Items) >= MaxItems:
		return Full
	}
	c.Items = append(c.Items, Item{ProductID: productID, Quantity: 1})
	return Added
}

// Remove takes a product out of the cart.
func (c *Cart) Remove(productID int64) {
	c.Items = slices.DeleteFunc(c.Items, func(it Item) bool { return it.ProductID == productID })
}

// Count is the number of things in the cart, for the header badge.
func (c Cart) Count() int {
	n := 0
	for _, it := range c.Items {
		n += it.Quantity
	}
	return n
}

// IDs returns the cart's product ids in cart order.
func (c Cart) IDs() []int64 {
	ids := make([]int64, len(c.Items))
	for i, it := range c.Items {
		ids[i] = it.ProductID
	}
	return ids
}

// Codec signs and checks cart cookies with a key derived from the app secret.
type Codec struct{ s *signer }

// NewCodec derives the cart key from the application secret.
func NewCodec(secret []byte) *Codec {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("claro cart v1"))
	return &Codec{s: newSigner(m.Sum(nil))}
}

// Encode is the cookie value for a cart: base64url(payload).base64url(HMAC),
// the payload "1|<tenant>|<id>:<qty>[:<amount>],...[|<code>]".
func (x *Codec) Encode(c Cart) string {
	var buf [256]byte // most carts fit: the payload stays on the stack
	b := append(buf[:0], "1|"...)
	b = strconv.AppendInt(b, c.TenantID, 10)
	b = append(b, '|')
	for i, it := range c.Items {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, it.ProductID, 10)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(it.Quantity), 10)
		if it.Chosen {
			b = append(b, ':')
			b = strconv.AppendInt(b, it.Amount, 10)
		}
	}
	if c.Code != "" {
		b = append(b, '|')
		b = append(b, c.Code...)
	}
	return x.s.sign(b)
}

// sign is the cookie value for payload (tests sign payloads of their own).
func (x *Codec) sign(payload []byte) string { return x.s.sign(payload) }

// Decode checks the signature first and only then parses the cart; the cart
// must belong to tenantID. Anything else is ErrInvalid.
func (x *Codec) Decode(tenantID int64, raw string) (Cart, error) {
	if len(raw) > maxCookie {
		return Cart{}, ErrInvalid
	}
	p64, s64, ok := strings.Cut(raw, ".")
	if !ok {
		return Cart{}, ErrInvalid
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	sig, err2 := base64.RawURLEncoding.DecodeString(s64)
	if err1 != nil || err2 != nil || !x.s.valid(payload, sig) {
		return Cart{}, ErrInvalid
	}
	c, err := parse(string(payload))
	if err != nil || c.TenantID != tenantID {
		return Cart{}, ErrInvalid
	}
	return c, nil
}

// parse reads "1|<tenant>|<id>:<qty>[:<amount>],...[|<code>]" strictly:
// positive ids, no duplicates, quantities 1..MaxQuantity, amounts 0..
// MaxAmount, at most MaxItems lines, a code of codeChars. A quantity above
// one (from carts written before products were bought once) reads as one.
// Carts written before amounts and codes existed read as they did.
func parse(s string) (Cart, error) {
	parts := strings.Split(s, "|")
	if len(parts) < 3 || len(parts) > 4 || parts[0] != "1" {
		return Cart{}, ErrInvalid
	}
	code := ""
	if len(parts) == 4 {
		if code = parts[3]; !validCode(code) {
			return Cart{}, ErrInvalid
		}
	}
	tid, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || tid <= 0 {
		return Cart{}, ErrInvalid
	}
	c := Cart{TenantID: tid, Code: code}
	if parts[2] == "" {
		return c, nil
	}
	lines := strings.Split(parts[2], ",")
	if len(lines) > MaxItems {
		return Cart{}, ErrInvalid
	}
	for _, l := range lines {
		f := strings.Split(l, ":")
		if len(f) < 2 || len(f) > 3 {
			return Cart{}, ErrInvalid
		}
		id, err1 := strconv.ParseInt(f[0], 10, 64)
		q, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil || id <= 0 || q < 1 || q > MaxQuantity || slices.Contains(c.IDs(), id) {
			return Cart{}, ErrInvalid
		}
		it := Item{ProductID: id, Quantity: 1}
		if len(f) == 3 {
			a, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil || a < 0 || a > MaxAmount {
				return Cart{}, ErrInvalid
			}
			it.Amount, it.Chosen = a, true
		}
		c.Items = append(c.Items, it)
	}
	return c, nil
}
