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
	ch := db.NewChanges(testDB.DB, slog.New(slog.NewTextHandler(io.Discard, nil)))
	heard := &heardChanges{}
	ch.OnChange(heard.add)
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
	if !heard.has(0) {
		t.Fatal("LISTEN in place did not tell the caches that anything may have changed")
	}
	return ch, heard
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
