package tenants

import (
	"context"
	"testing"
	"time"
)

func TestDirectoryNamesActiveCustomDomainsOnly(t *testing.T) {
	ctx := context.Background()
	live := createTenant(t, "live-directory")
	activateDomain(t, live.ID, "shop.live-directory.example")
	pending := createTenant(t, "pending-directory")
	if _, err := NewDomainStore(testDB.Primary, "claro.test").Add(ctx, pending.ID, "shop.pending-directory.example"); err != nil {
		t.Fatal(err)
	}
	dir := NewDirectory(NewStore(testDB.Primary))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dir.now = func() time.Time { return now }

	if got := dir.CustomDomain("live-directory"); got != "shop.live-directory.example" {
		t.Fatalf("live store: %q", got)
	}
	for _, slug := range []string{"pending-directory", "nobody-directory"} {
		if got := dir.CustomDomain(slug); got != "" {
			t.Fatalf("%s: %q, want its subdomain", slug, got)
		}
	}
	// The domain goes away; the cached copy stands until Invalidate.
	d, err := NewDomainStore(testDB.Primary, "claro.test").ForTenant(ctx, live.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := NewDomainStore(testDB.Primary, "claro.test").Remove(ctx, live.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	if got := dir.CustomDomain("live-directory"); got != "shop.live-directory.example" {
		t.Fatalf("cached copy: %q", got)
	}
	dir.Invalidate()
	if got := dir.CustomDomain("live-directory"); got != "" {
		t.Fatalf("after Invalidate: %q", got)
	}
}
