package catalog

import "testing"

func TestMoneyFormatsMinorUnits(t *testing.T) {
	for _, c := range []struct {
		cents    int64
		currency string
		want     string
	}{
		{1299, "usd", "$12.99"}, {5, "EUR", "€0.05"}, {100000, "gbp", "£1000.00"}, {-250, "usd", "-$2.50"}, {700, "jpy", "7.00 JPY"},
	} {
		if got := Money(c.cents, c.currency); got != c.want {
			t.Errorf("Money(%d, %q) = %q, want %q", c.cents, c.currency, got, c.want)
		}
	}
}
