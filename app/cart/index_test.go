package cart

import (
	"errors"
	"strings"
	"testing"
)

func TestTheCartsIndexRoundTripsRefusesTamperingAndStaysOneCookie(t *testing.T) {
	x := NewIndexCodec([]byte("0123456789abcdef0123456789abcdef"))
	var ix Index
	a, b := Cart{TenantID: 7}, Cart{TenantID: 9}
	a.Add(3)
	a.Add(4)
	b.Add(5)
	ix.Set(a)
	ix.Set(b)
	got, err := x.Decode(x.Encode(ix))
	if err != nil || len(got.Carts) != 2 || got.Carts[0].TenantID != 9 || len(got.Carts[1].Items) != 2 {
		t.Fatalf("decode = %+v, %v", got, err)
	}
	// An emptied cart leaves the index; a changed one moves first.
	ix.Set(Cart{TenantID: 9})
	if len(ix.Carts) != 1 || ix.Carts[0].TenantID != 7 {
		t.Fatalf("after emptying store 9: %+v", ix)
	}
	// A cart cookie is no index, another key's index is refused, and so is
	// anything altered.
	if _, err := x.Decode(NewCodec([]byte("0123456789abcdef0123456789abcdef")).Encode(a)); !errors.Is(err, ErrInvalid) {
		t.Errorf("a cart cookie read as an index: %v", err)
	}
	raw := x.Encode(ix)
	if _, err := NewIndexCodec([]byte("another secret another secret 12")).Decode(raw); !errors.Is(err, ErrInvalid) {
		t.Errorf("another key's index accepted: %v", err)
	}
	payload, sig, _ := strings.Cut(raw, ".")
	for _, bad := range []string{"", ".", payload, "x" + raw, payload + "." + sig[1:]} {
		if _, err := x.Decode(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q accepted", bad)
		}
	}
	// Full carts of many stores: the oldest go, the cookie stays small.
	var big Index
	for tid := int64(1); tid <= 30; tid++ {
		c := Cart{TenantID: tid}
		for id := int64(1); id <= MaxItems; id++ {
			c.Add(1_000_000_000 + id)
		}
		big.Set(c)
	}
	enc := x.Encode(big)
	back, err := x.Decode(enc)
	if len(enc) > maxIndexCookie || err != nil || len(back.Carts) == 0 || back.Carts[0].TenantID != 30 {
		t.Fatalf("a full index: %d bytes, %d stores, %v", len(enc), len(back.Carts), err)
	}
}
