package app_test

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/testkit/apptest"
)

// lockTable takes name ACCESS EXCLUSIVE in a transaction of another session
// (not the app's pool) and holds it until the test ends, or for at most
// 15 s: were the app to wait on it without a deadline, the test fails at
// that point instead of hanging.
func lockTable(t *testing.T, name string) {
	t.Helper()
	other, err := sql.Open("pgx", testDB.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tx, err := other.BeginTx(ctx, nil)
	if err != nil {
		other.Close()
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "LOCK TABLE "+name+" IN ACCESS EXCLUSIVE MODE"); err != nil {
		tx.Rollback()
		other.Close()
		t.Fatal(err)
	}
	release := time.AfterFunc(15*time.Second, func() { _ = tx.Rollback() })
	t.Cleanup(func() {
		release.Stop()
		_ = tx.Rollback()
		other.Close()
	})
}

// TestALockedTableAnswersBusyNotAHang locks products in another session,
// as a long migration or a stuck transaction would: a product page that
// misses every cache answers the 503 "busy" page with Retry-After once the
// session's lock_timeout ends its wait, rather than hanging for as long as
// the lock is held; /readyz still says ready (the database is up), and the
// page is back once the lock is gone.
func TestALockedTableAnswersBusyNotAHang(t *testing.T) {
	e := apptest.New(t, testDB)
	slug := apptest.Unique("locked")
	store := e.Store(t, slug)
	e.Product(t, store, slug+"-thing", catalog.Public)
	page := "/products/" + slug + "-thing"
	if resp, body := e.Get(t, apptest.StoreHost(slug), page); resp.StatusCode != http.StatusOK {
		t.Fatalf("before the lock: %d\n%s", resp.StatusCode, body)
	}

	lockTable(t, "products")
	start := time.Now()
	resp, body := e.Get(t, apptest.StoreHost(slug), page)
	took := time.Since(start)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != web.BusyRetryAfter ||
		!strings.Contains(body, "busy right now") {
		t.Fatalf("with products locked: %d Retry-After=%q\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if took > db.LockTimeout+2*time.Second {
		t.Fatalf("the busy page took %v; lock_timeout is %v", took, db.LockTimeout)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("busy page Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	if resp, body := e.Get(t, "", "/readyz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz with one table locked: %d %s", resp.StatusCode, body)
	}
}

// TestReadinessTellsBusyAndSlowFromUnreachable: with every pooled
// connection taken /readyz says the pool is exhausted, and a request waiting
// for a connection gets the busy page at REQUEST_TIMEOUT; with the
// migrations table locked it says a query timed out. Neither says
// "database unreachable", which it said before for both.
func TestReadinessTellsBusyAndSlowFromUnreachable(t *testing.T) {
	e := apptest.New(t, testDB, func(c *config.Config) { c.RequestTimeout = time.Second })
	slug := apptest.Unique("pool")
	store := e.Store(t, slug)
	e.Product(t, store, slug+"-thing", catalog.Public)

	t.Run("pool exhausted", func(t *testing.T) {
		ctx := context.Background()
		var held []*sql.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		pool := e.App.DB.Primary.DB
		for pool.Stats().InUse < db.MaxConns { // the change listener may hold one already
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			c, err := pool.Conn(cctx)
			cancel()
			if err != nil {
				t.Fatalf("taking connection %d: %v", len(held)+1, err)
			}
			held = append(held, c)
		}
		resp, body := e.Get(t, "", "/readyz")
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "database busy: all 20 connections in use") {
			t.Fatalf("/readyz with the pool exhausted: %d %q", resp.StatusCode, body)
		}
		start := time.Now()
		resp, body = e.Get(t, apptest.StoreHost(slug), "/products/"+slug+"-thing")
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("waiting for a connection took %v with REQUEST_TIMEOUT=1s", took)
		}
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("page with the pool exhausted: %d Retry-After=%q\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	})

	t.Run("query timed out", func(t *testing.T) {
		lockTable(t, "bun_migrations")
		resp, body := e.Get(t, "", "/readyz")
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "database slow") {
			t.Fatalf("/readyz with the migrations table locked: %d %q", resp.StatusCode, body)
		}
	})

	if resp, body := e.Get(t, "", "/readyz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz once all is released: %d %q", resp.StatusCode, body)
	}
	if resp, body := e.Get(t, apptest.StoreHost(slug), "/products/"+slug+"-thing"); resp.StatusCode != http.StatusOK {
		t.Fatalf("page once all is released: %d\n%s", resp.StatusCode, body)
	}
}
