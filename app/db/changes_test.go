package db_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/app/db"
)

// heardChanges runs a change listener on the test database and records what
// it hands the caches.
type heardChanges struct {
	mu  sync.Mutex
	ids []int64
}

func (h *heardChanges) add(id int64) {
	h.mu.Lock()
	h.ids = append(h.ids, id)
	h.mu.Unlock()
}

func (h *heardChanges) reset() {
	h.mu.Lock()
	h.ids = nil
	h.mu.Unlock()
}

func (h *heardChanges) has(id int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, got := range h.ids {
		if got == id {
			return true
		}
	}
	return false
}

func startChanges(t *testing.T) (*db.Changes, *heardChanges) {
	t.Helper()
	ch, heard, _ := startChangesWithCounters(t)
	if !heard.has(0) {
		t.Fatal("LISTEN in place did not tell the caches that anything may have changed")
	}
	return ch, heard
}

// startChangesWithCounters is startChanges recording the counter caches'
// notices too (OnCounters).
func startChangesWithCounters(t *testing.T) (*db.Changes, *heardChanges, *heardChanges) {
	t.Helper()
	ch := db.NewChanges(testDB.DB, slog.New(slog.NewTextHandler(io.Discard, nil)))
	heard, counters := &heardChanges{}, &heardChanges{}
	ch.OnChange(heard.add)
	ch.OnCounters(counters.add)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = ch.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-ch.Listening():
	case <-time.After(30 * time.Second):
		t.Fatal("the listener never started")
	}
	return ch, heard, counters
}

func TestSyncReturnsOnlyOnceTheCachesHaveHeardEveryCommittedChange(t *testing.T) {
	ch, heard := startChanges(t)
	ctx := context.Background()
	for i := range 20 {
		var id int64
		slug := fmt.Sprintf("changes-%d-%d", time.Now().UnixNano(), i)
		if err := testDB.Primary.NewRaw(`INSERT INTO tenants (slug, name) VALUES (?, ?) RETURNING id`, slug, slug).Scan(ctx, &id); err != nil {
			t.Fatal(err)
		}
		if err := ch.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if !heard.has(id) {
			t.Fatalf("Sync returned before the caches heard of store %d", id)
		}
	}
}

// A product update that changes only its counters (what the sales ledger's
// applier writes after a sale) reaches the counter caches alone; any other
// change to the product reaches every cache, and not the counter caches a
// second time.
func TestACounterOnlyChangeReachesOnlyTheCounterCaches(t *testing.T) {
	ch, whole, counters := startChangesWithCounters(t)
	bg := context.Background()
	slug := fmt.Sprintf("counters-%d", time.Now().UnixNano())
	var tenantID, productID int64
	if err := testDB.Primary.NewRaw(`INSERT INTO tenants (slug, name) VALUES (?, ?) RETURNING id`, slug, slug).Scan(bg, &tenantID); err != nil {
		t.Fatal(err)
	}
	if err := testDB.Primary.NewRaw(`INSERT INTO products (tenant_id, slug, title, price_cents) VALUES (?, 'p', 'P', 500) RETURNING id`,
		tenantID).Scan(bg, &productID); err != nil {
		t.Fatal(err)
	}
	if err := ch.Sync(bg); err != nil {
		t.Fatal(err)
	}
	whole.reset()
	counters.reset()

	res, err := testDB.Primary.ExecContext(bg, `UPDATE products SET sales_count = sales_count + 3, trending_score = 1.5 WHERE id = ?`, productID)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("the counter update changed %d rows", n)
	}
	if err := ch.Sync(bg); err != nil {
		t.Fatal(err)
	}
	if !counters.has(tenantID) || whole.has(tenantID) {
		t.Fatalf("a counter-only change: counter caches heard %v, whole-store caches %v", counters.ids, whole.ids)
	}

	whole.reset()
	counters.reset()
	if _, err := testDB.Primary.ExecContext(bg, `UPDATE products SET title = 'Renamed', sales_count = sales_count + 1 WHERE id = ?`, productID); err != nil {
		t.Fatal(err)
	}
	if err := ch.Sync(bg); err != nil {
		t.Fatal(err)
	}
	if !whole.has(tenantID) || counters.has(tenantID) {
		t.Fatalf("a title change: whole-store caches heard %v, counter caches %v", whole.ids, counters.ids)
	}
}
