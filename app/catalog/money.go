package catalog

import (
	"fmt"
	"strings"
)

// Money formats a price in minor units the one way pages and receipts show
// it, e.g. Money(1299, "usd") = "$12.99".
func Money(cents int64, currency string) string {
	sym := map[string]string{"usd": "$", "eur": "€", "gbp": "£"}[strings.ToLower(currency)]
	neg := ""
	if cents < 0 {
		neg, cents = "-", -cents
	}
	if sym == "" {
		return fmt.Sprintf("%s%d.%02d %s", neg, cents/100, cents%100, strings.ToUpper(currency))
	}
	return fmt.Sprintf("%s%s%d.%02d", neg, sym, cents/100, cents%100)
}
