package tenants

import (
	"context"
	"testing"
)

// setDomainActive gives the store host as its custom domain and marks it
// active, as the checker does once DNS and the certificate are in place.
func setDomainActive(ctx context.Context, tenantID int64, host string) error {
	d, err := NewDomainStore(testDB.Primary, "claro.test").Add(ctx, tenantID, host)
	if err != nil {
		return err
	}
	return setDomainStatus(ctx, d, DomainActive)
}

// setDomainStatus moves a domain to status the way the checker records it.
func setDomainStatus(ctx context.Context, d *Domain, status string) error {
	d.Status = status
	_, err := NewDomainStore(testDB.Primary, "claro.test").save(ctx, d, 0)
	return err
}

func activateDomain(t *testing.T, tenantID int64, host string) {
	t.Helper()
	if err := setDomainActive(context.Background(), tenantID, host); err != nil {
		t.Fatal(err)
	}
}
