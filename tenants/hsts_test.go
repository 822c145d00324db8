package tenants

import "testing"

func TestHSTSIncludesSubdomainsOnlyForThePlatformsOwnNames(t *testing.T) {
	for host, want := range map[string]string{
		"claro.test":           HSTSMaxAge + "; includeSubDomains",
		"claro.test:443":       HSTSMaxAge + "; includeSubDomains",
		"alice.claro.test":     HSTSMaxAge + "; includeSubDomains",
		"shop.creator.example": HSTSMaxAge,
		"claro.test.evil.com":  HSTSMaxAge,
		"notclaro.test":        HSTSMaxAge,
		"":                     HSTSMaxAge,
	} {
		if got := HSTS(host, "claro.test"); got != want {
			t.Errorf("HSTS(%q) = %q, want %q", host, got, want)
		}
	}
}
