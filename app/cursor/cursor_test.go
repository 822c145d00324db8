package cursor

import (
	"errors"
	"testing"
)

type pos struct {
	T int64 `json:"t"`
	I int64 `json:"i"`
}

func TestCursorRoundTripsWithinItsScope(t *testing.T) {
	c := NewCodec([]byte("0123456789abcdef0123456789abcdef"))
	s, err := c.Encode("storefront:1", pos{T: 1700000000123456, I: 42})
	if err != nil {
		t.Fatal(err)
	}
	var got pos
	if err := c.Decode("storefront:1", s, &got); err != nil {
		t.Fatal(err)
	}
	if got != (pos{1700000000123456, 42}) {
		t.Fatalf("got %+v", got)
	}
}

func TestCursorRefusesTamperingOtherScopesAndOtherKeys(t *testing.T) {
	c := NewCodec([]byte("0123456789abcdef0123456789abcdef"))
	other := NewCodec([]byte("fedcba9876543210fedcba9876543210"))
	s, _ := c.Encode("storefront:1", pos{T: 1, I: 2})
	forged, _ := other.Encode("storefront:1", pos{T: 1, I: 3})
	flipped := []byte(s)
	flipped[3] ^= 1
	for name, in := range map[string]string{
		"empty":       "",
		"no dot":      "abc",
		"other scope": s,
		"other key":   forged,
		"flipped":     string(flipped),
		"junk":        "!!!.???",
	} {
		scope := "storefront:1"
		if name == "other scope" {
			scope = "storefront:2"
		}
		var p pos
		if err := c.Decode(scope, in, &p); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func FuzzCursorDecode(f *testing.F) {
	c := NewCodec([]byte("0123456789abcdef0123456789abcdef"))
	good, _ := c.Encode("s", pos{T: 5, I: 6})
	for _, s := range []string{good, "", ".", "a.b", good + "x", "\x00.\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var p pos
		err := c.Decode("s", s, &p)
		if err == nil {
			// Only a cursor we signed decodes: re-encoding must give the same string back.
			again, _ := c.Encode("s", p)
			var q pos
			if c.Decode("s", again, &q) != nil || q != p {
				t.Fatalf("accepted %q but its payload does not round-trip", s)
			}
		} else if !errors.Is(err, ErrInvalid) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}
