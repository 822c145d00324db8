package apptest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/tenants"
)

// Store creates an active store that can take payments.
func (e *Env) Store(tb testing.TB, slug string, mods ...func(*tenants.Tenant)) *tenants.Tenant {
	tb.Helper()
	acct := "acct_" + strings.ReplaceAll(slug, "-", "")
	t := &tenants.Tenant{Slug: slug, Name: strings.ToUpper(slug[:1]) + slug[1:] + " Studio", ChargesEnabled: true, StripeAccountID: &acct}
	for _, m := range mods {
		m(t)
	}
	if err := tenants.NewStore(e.DB.Primary).Create(context.Background(), t); err != nil {
		tb.Fatal(err)
	}
	e.settle(tb)
	return t
}

// Product creates a product in store t.
func (e *Env) Product(tb testing.TB, t *tenants.Tenant, slug, visibility string, mods ...func(*catalog.Product)) *catalog.Product {
	tb.Helper()
	p := &catalog.Product{Slug: slug, Title: "Title of " + slug, Description: "About " + slug, PriceCents: 1500, Visibility: visibility}
	for _, m := range mods {
		m(p)
	}
	if err := catalog.NewStore(e.DB.Primary).Create(context.Background(), t.ID, p); err != nil {
		tb.Fatal(err)
	}
	e.settle(tb)
	return p
}

// listen runs the app's change listener for the test, as serve does: it is
// the only way the caches learn of a change.
func listen(tb testing.TB, a *app.App) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = a.Changes.Run(ctx)
	}()
	tb.Cleanup(func() { cancel(); <-done })
	select {
	case <-a.Changes.Listening():
	case <-time.After(30 * time.Second):
		tb.Fatal("the change listener never started")
	}
}

// settle waits until the app's caches have heard of every change committed
// so far, as a request that writes does before it is answered.
func (e *Env) settle(tb testing.TB) {
	tb.Helper()
	if err := e.App.Changes.Sync(context.Background()); err != nil {
		tb.Fatal(err)
	}
}
