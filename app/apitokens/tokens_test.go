package apitokens

import (
	"slices"
	"strings"
	"testing"

	"github.com/claro-market/claro/tenants"
)

func TestNewTokensAreWellFormedAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		s := newSecret()
		if !WellFormed(s) || seen[s] || len(Hash(s)) != 32 {
			t.Fatalf("token %q: well formed %v, repeated %v", s, WellFormed(s), seen[s])
		}
		seen[s] = true
	}
	for _, bad := range []string{"", Prefix, Prefix + strings.Repeat("a", 51), Prefix + strings.Repeat("a", 53),
		Prefix + strings.Repeat("A", 52), Prefix + strings.Repeat("1", 52), "claro_xyz_" + strings.Repeat("a", 52)} {
		if WellFormed(bad) {
			t.Errorf("%q passes as a token", bad)
		}
	}
}

func TestCheckRefusesWhatTheFormMustNotSave(t *testing.T) {
	for _, c := range []struct {
		name   string
		scopes []string
		role   string
		want   []string // refused fields
		keep   []string
	}{
		{"deploy bot", []string{ProductsWrite, ProductsRead, ProductsRead}, tenants.RoleAdmin, nil, []string{ProductsRead, ProductsWrite}},
		{"  ", []string{ProductsRead}, tenants.RoleOwner, []string{"name"}, nil},
		{strings.Repeat("n", 101), []string{ProductsRead}, tenants.RoleOwner, []string{"name"}, nil},
		{"tab\there", []string{ProductsRead}, tenants.RoleOwner, []string{"name"}, nil},
		{"none", nil, tenants.RoleOwner, []string{"scopes"}, nil},
		{"unknown", []string{"admin:all"}, tenants.RoleOwner, []string{"scopes"}, nil},
		{"refunds", []string{SalesRefund}, tenants.RoleAdmin, []string{"scopes"}, nil},
		{"refunds", []string{SalesRead, SalesRefund}, tenants.RoleOwner, nil, []string{SalesRead, SalesRefund}},
	} {
		_, scopes, p := Check(c.name, c.scopes, c.role)
		var got []string
		for k := range p {
			got = append(got, k)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) || c.want == nil && !slices.Equal(scopes, c.keep) {
			t.Errorf("Check(%q, %v, %s): problems %v, scopes %v", c.name, c.scopes, c.role, p, scopes)
		}
	}
}
