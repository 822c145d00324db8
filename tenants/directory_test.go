package tenants

import (
	"context"
	"testing"
	"time"
)

func TestDirectoryNamesActiveCustomDomainsOnly(t *testing.T) {
	liveDirectory := uniq("live-directory")
	pendingDirectory := uniq("pending-directory")
	ctx := context.Background()
	live := createTenant(t, liveDirectory)
	activateDomain(t, live.ID, "shop."+liveDirectory+".example")
	pending := createTenant(t, pendingDirectory)
	if _, err := NewDomainStore(testDB.Primary, "claro.test").Add(ctx, pending.ID, "shop."+pendingDirectory+".example"); err != nil {
		t.Fatal(err)
	}
	dir := NewDirectory(NewStore(testDB.Primary))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dir.now = func() time.Time { return now }

	if got := dir.CustomDomain(liveDirectory); got != "shop."+liveDirectory+".example" {
		t.Fatalf("live store: %q", got)
	}
	for _, slug := range []string{pendingDirectory, "nobody-directory"} {
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
	if got := dir.CustomDomain(liveDirectory); got != "shop."+liveDirectory+".example" {
		t.Fatalf("cached copy: %q", got)
	}
	dir.Invalidate()
	if got := dir.CustomDomain(liveDirectory); got != "" {
		t.Fatalf("after Invalidate: %q", got)
	}
}
