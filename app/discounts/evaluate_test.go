package discounts

import (
	"errors"
	"testing"
	"time"
)

func intp(n int) *int { return &n }

func TestAFixedAmountIsSharedInProportionAndNeverBelowZero(t *testing.T) {
	now := time.Now()
	lines := []Line{{ProductID: 1, UnitCents: 999}, {ProductID: 2, UnitCents: 1}, {ProductID: 3, UnitCents: 500, PWYW: true}}
	for _, c := range []struct {
		value         int64
		off1, off2, n int64
	}{
		{100, 100, 0, 100},   // 99.9 and 0.1 rounded down to 99 and 0, the cent left over off the first line
		{1000, 999, 1, 1000}, // exactly the two lines
		{5000, 999, 1, 1000}, // more than they cost: both at zero, the chosen-price line untouched
		{1, 1, 0, 1},         // one cent
		{3, 3, 0, 3},         // 2.997 and 0.003: rounded down to 2, the 1 left over off the first
	} {
		a, err := Evaluate(&Code{Kind: Amount, Value: c.value, Currency: "usd", AllProducts: true}, lines, "usd", now, Usage{}, Buyer{}, false)
		if err != nil {
			t.Fatal(err)
		}
		if a.Off[1] != c.off1 || a.Off[2] != c.off2 || a.Off[3] != 0 || a.TotalOff != c.n {
			t.Errorf("%d off: %v (total %d), want %d, %d, 0 (total %d)", c.value, a.Off, a.TotalOff, c.off1, c.off2, c.n)
		}
	}
	a, err := Evaluate(&Code{Kind: Percent, Value: 100, AllProducts: true}, lines, "usd", now, Usage{}, Buyer{}, false)
	if err != nil || a.Off[1] != 999 || a.Off[2] != 1 || a.TotalOff != 1000 {
		t.Errorf("100%%: %v %v", a, err)
	}
	a, err = Evaluate(&Code{Kind: Percent, Value: 15, AllProducts: true}, lines, "usd", now, Usage{}, Buyer{}, false)
	if err != nil || a.Off[1] != 149 || a.Off[2] != 0 || a.TotalOff != 149 {
		t.Errorf("15%%: %v %v", a, err)
	}
}

func TestEvaluateSaysWhyInOrder(t *testing.T) {
	now := time.Now()
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	lines := []Line{{ProductID: 1, UnitCents: 1000}}
	reason := func(c *Code, u Usage, b Buyer, checkBuyer bool) string {
		_, err := Evaluate(c, lines, "usd", now, u, b, checkBuyer)
		var r *Refusal
		if errors.As(err, &r) {
			return r.Reason
		}
		if err != nil {
			t.Fatal(err)
		}
		return ""
	}
	base := func() *Code { return &Code{Kind: Percent, Value: 10, Currency: "usd", AllProducts: true} }
	cases := map[string]struct {
		c     func(*Code)
		u     Usage
		b     Buyer
		check bool
		want  string
	}{
		"applies":                  {func(*Code) {}, Usage{}, Buyer{}, false, ""},
		"archived":                 {func(c *Code) { c.ArchivedAt = &past }, Usage{}, Buyer{}, false, Unknown},
		"not started":              {func(c *Code) { c.StartsAt = &future }, Usage{}, Buyer{}, false, NotStarted},
		"ended":                    {func(c *Code) { c.EndsAt = &past }, Usage{}, Buyer{}, false, Ended},
		"ends exactly now":         {func(c *Code) { c.EndsAt = &now }, Usage{}, Buyer{}, false, Ended},
		"used up":                  {func(c *Code) { c.MaxRedemptions = intp(2) }, Usage{Total: 2, Redeemed: 2}, Buyer{}, false, UsedUp},
		"held up":                  {func(c *Code) { c.MaxRedemptions = intp(2) }, Usage{Total: 2, Redeemed: 1}, Buyer{}, false, UsedUp},
		"one left":                 {func(c *Code) { c.MaxRedemptions = intp(2) }, Usage{Total: 1, Redeemed: 1}, Buyer{}, false, ""},
		"other currency":           {func(c *Code) { c.Kind, c.Currency = Amount, "eur" }, Usage{}, Buyer{}, false, WrongCurrency},
		"not these products":       {func(c *Code) { c.AllProducts, c.Products = false, []int64{2} }, Usage{}, Buyer{}, false, NotForThese},
		"minimum":                  {func(c *Code) { c.MinOrderCents = 1001 }, Usage{}, Buyer{}, false, MinimumNotMet},
		"minimum met exactly":      {func(c *Code) { c.MinOrderCents = 1000 }, Usage{}, Buyer{}, false, ""},
		"per buyer, unknown buyer": {func(c *Code) { c.MaxPerBuyer = intp(1) }, Usage{}, Buyer{}, true, NeedBuyer},
		"per buyer, preview":       {func(c *Code) { c.MaxPerBuyer = intp(1) }, Usage{}, Buyer{}, false, ""},
		"per buyer, used":          {func(c *Code) { c.MaxPerBuyer = intp(1) }, Usage{ByBuyer: 1, RedeemedByBuyer: 1}, Buyer{Email: "a@b.c"}, true, UsedByYou},
		"per buyer, twice":         {func(c *Code) { c.MaxPerBuyer = intp(2) }, Usage{ByBuyer: 1, RedeemedByBuyer: 1}, Buyer{UserID: 3}, true, ""},
	}
	for name, c := range cases {
		k := base()
		c.c(k)
		if got := reason(k, c.u, c.b, c.check); got != c.want {
			t.Errorf("%s: %q, want %q", name, got, c.want)
		}
	}
	if reason(nil, Usage{}, Buyer{}, false) != Unknown {
		t.Error("no code is not unknown")
	}
}
