package cart

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCookieRoundTripsAndRefusesTampering(t *testing.T) {
	x := NewCodec([]byte("0123456789abcdef0123456789abcdef"))
	c := Cart{TenantID: 7}
	if c.Add(3) != Added || c.Add(9) != Added || c.Add(3) != AlreadyIn {
		t.Fatal("a product added twice was not already in the cart")
	}
	raw := x.Encode(c)
	got, err := x.Decode(7, raw)
	if err != nil || !slices.Equal(got.Items, []Item{{ProductID: 3, Quantity: 1}, {ProductID: 9, Quantity: 1}}) {
		t.Fatalf("decode = %+v, %v", got, err)
	}
	if _, err := x.Decode(8, raw); !errors.Is(err, ErrInvalid) {
		t.Errorf("another store's cart accepted: %v", err)
	}
	other := NewCodec([]byte("another secret another secret 12"))
	if _, err := other.Decode(7, raw); !errors.Is(err, ErrInvalid) {
		t.Errorf("cart signed with another key accepted: %v", err)
	}
	payload, sig, _ := strings.Cut(raw, ".")
	for _, bad := range []string{"", ".", payload, payload + ".", "x" + raw, payload + "." + sig[1:], strings.ToUpper(raw)} {
		if _, err := x.Decode(7, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestACartHoldsEachProductOnceAndAtMostMaxItems(t *testing.T) {
	c := Cart{TenantID: 7}
	for id := int64(1); id <= MaxItems; id++ {
		if c.Add(id) != Added {
			t.Fatalf("product %d not added", id)
		}
	}
	if c.Add(MaxItems+1) != Full || len(c.Items) != MaxItems || c.Count() != MaxItems {
		t.Fatalf("a full cart took more: %d items, count %d", len(c.Items), c.Count())
	}
	// A cookie from before, naming three of a product, counts it once.
	old, err := parse("1|7|3:3,9:1")
	if err != nil || !slices.Equal(old.Items, []Item{{ProductID: 3, Quantity: 1}, {ProductID: 9, Quantity: 1}}) {
		t.Fatalf("old cookie = %+v, %v", old, err)
	}
}

func TestParseRefusesMalformedCarts(t *testing.T) {
	for _, s := range []string{"2|7|", "1|x|", "1|0|", "1|7|3", "1|7|3:0", "1|7|3:11", "1|7|-3:1", "1|7|3:1,3:1", "1|7|3:1,", "1|7|3:1|"} {
		if _, err := parse(s); err == nil {
			t.Errorf("%q parsed", s)
		}
	}
}

// FuzzCartCookie feeds the parser arbitrary cookies, and arbitrary payloads
// signed with the real key (so the fuzzer gets past the MAC): it never panics,
// and whatever it accepts is a well-formed cart of the right store that
// encodes back to a cookie decoding to the same cart.
func FuzzCartCookie(f *testing.F) {
	x := NewCodec([]byte("0123456789abcdef0123456789abcdef"))
	f.Add("1|7|3:1,9:2", false)
	f.Add("1|7|", true)
	f.Add(x.Encode(Cart{TenantID: 7, Items: []Item{{ProductID: 1, Quantity: 1}}}), false)
	f.Add("1|7|99999999999999999999:1", true)
	f.Fuzz(func(t *testing.T, s string, sign bool) {
		raw := s
		if sign {
			raw = x.sign([]byte(s))
		}
		c, err := x.Decode(7, raw)
		if err != nil {
			return
		}
		if c.TenantID != 7 || len(c.Items) > MaxItems {
			t.Fatalf("accepted %+v", c)
		}
		for _, it := range c.Items {
			if it.ProductID <= 0 || it.Quantity != 1 {
				t.Fatalf("accepted item %+v", it)
			}
		}
		again, err := x.Decode(7, x.Encode(c))
		if err != nil || !slices.Equal(again.Items, c.Items) {
			t.Fatalf("re-encode: %+v %v", again, err)
		}
	})
}

func TestACookieCarriesChosenAmountsAndACodeStrictly(t *testing.T) {
	x := NewCodec([]byte("0123456789abcdef0123456789abcdef"))
	c := Cart{TenantID: 7, Code: "SPRING-25"}
	c.Add(3)
	c.Add(9)
	if !c.SetAmount(9, 750) || c.SetAmount(4, 1) {
		t.Fatal("SetAmount: only a product in the cart takes an amount")
	}
	got, err := x.Decode(7, x.Encode(c))
	if err != nil || got.Code != "SPRING-25" || !slices.Equal(got.Items, []Item{{ProductID: 3, Quantity: 1}, {ProductID: 9, Quantity: 1, Amount: 750, Chosen: true}}) {
		t.Fatalf("decode = %+v, %v", got, err)
	}
	for _, bad := range []string{
		"1|7|3:1:-5", "1|7|3:1:x", "1|7|3:1:100000001", "1|7|3:1:5:6", // amounts
		"1|7|3:1|", "1|7|3:1|a", "1|7|3:1|two words", "1|7|3:1|a|b", "1|7|3:1|" + strings.Repeat("A", 41), // codes
	} {
		if _, err := parse(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q parsed", bad)
		}
	}
	if c, err := parse("1|7|3:1:0|ok"); err != nil || !c.Items[0].Chosen || c.Items[0].Amount != 0 || c.Code != "ok" {
		t.Errorf("an amount of zero and a short code: %+v, %v", c, err)
	}
}
