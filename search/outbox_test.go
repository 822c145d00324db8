package search_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/search"
)

// memIndex is an in-memory index that records what the worker pushed, and
// can be taken down to play an unreachable Meilisearch.
type memIndex struct {
	mu      sync.Mutex
	docs    map[int64]search.Document
	down    bool
	upserts chan int64
}

func newMemIndex() *memIndex { return &memIndex{docs: map[int64]search.Document{}} }

var errIndexDown = errors.New("index unreachable")

func (m *memIndex) Upsert(_ context.Context, docs []search.Document) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errIndexDown
	}
	for _, d := range docs {
		m.docs[d.ID] = d
		if m.upserts != nil {
			m.upserts <- d.ID
		}
	}
	return nil
}

func (m *memIndex) Delete(_ context.Context, ids []int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errIndexDown
	}
	for _, id := range ids {
		delete(m.docs, id)
	}
	return nil
}

func (m *memIndex) Search(context.Context, search.Query) (*search.Result, error) {
	return nil, errors.New("memIndex does not search")
}

func (m *memIndex) get(id int64) (search.Document, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.docs[id]
	return d, ok
}

func (m *memIndex) setDown(down bool) { m.mu.Lock(); m.down = down; m.mu.Unlock() }

// worker drains into idx after an immediate-retry policy, so a test can
// retry without waiting.
func newTestWorker(idx search.Index) *search.Worker {
	w := search.NewWorker(testDB.Primary, idx, quietLog())
	w.Backoff = func(int) time.Duration { return 0 }
	return w
}

func drain(t *testing.T, w *search.Worker) {
	t.Helper()
	if _, err := w.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestOutboxKeepsChangesWhileTheIndexIsDownAndConverges(t *testing.T) {
	idx := newMemIndex()
	w := newTestWorker(idx)
	drain(t, w) // whatever earlier tests left
	st := newStore(t)
	p := newProduct(t, st, "Offline Draft Kit")
	idx.setDown(true)
	exec(t, "UPDATE products SET title = 'Offline Kit v2' WHERE id = ?", p.ID)
	if _, err := w.Drain(context.Background()); !errors.Is(err, errIndexDown) {
		t.Fatalf("drain with the index down: err %v, want the push failure", err)
	}
	lag, err := w.Lag(context.Background())
	if err != nil || lag.Pending < 2 {
		t.Fatalf("lag %+v (%v): the changes must stay queued while the index is down", lag, err)
	}
	idx.setDown(false)
	drain(t, w)
	if d, ok := idx.get(p.ID); !ok || d.Title != "Offline Kit v2" {
		t.Fatalf("after recovery the index holds %+v (present %v), want the current title", d, ok)
	}
	if lag, _ := w.Lag(context.Background()); lag.Pending != 0 {
		t.Fatalf("lag after recovery %+v, want none", lag)
	}
}

func TestOutboxDuplicateAndStaleRowsConvergeOnTheCurrentState(t *testing.T) {
	idx := newMemIndex()
	w := newTestWorker(idx)
	drain(t, w)
	st := newStore(t)
	p := newProduct(t, st, "First Title")
	exec(t, "UPDATE products SET title = 'Second Title' WHERE id = ?", p.ID)
	exec(t, "UPDATE products SET title = 'Third Title' WHERE id = ?", p.ID)
	// The same change delivered again, late.
	exec(t, "INSERT INTO search_outbox (product_id) VALUES (?), (?)", p.ID, p.ID)
	drain(t, w)
	if d, _ := idx.get(p.ID); d.Title != "Third Title" {
		t.Fatalf("index holds %q, want the newest title", d.Title)
	}
	exec(t, "UPDATE products SET visibility = 'draft' WHERE id = ?", p.ID)
	exec(t, "INSERT INTO search_outbox (product_id) VALUES (?)", p.ID)
	drain(t, w)
	if _, ok := idx.get(p.ID); ok {
		t.Fatal("a drafted product must leave the index")
	}
}

func TestOutboxStoreChangesEnqueueEveryProductOfTheStore(t *testing.T) {
	idx := newMemIndex()
	w := newTestWorker(idx)
	st := newStore(t)
	a, b := newProduct(t, st, "Store Item A"), newProduct(t, st, "Store Item B")
	drain(t, w)
	exec(t, "UPDATE tenants SET name = 'Renamed Studio' WHERE id = ?", st.ID)
	drain(t, w)
	for _, id := range []int64{a.ID, b.ID} {
		if d, _ := idx.get(id); d.CreatorName != "Renamed Studio" {
			t.Fatalf("product %d: creator name %q after the store was renamed", id, d.CreatorName)
		}
	}
	exec(t, "UPDATE tenants SET status = 'suspended' WHERE id = ?", st.ID)
	drain(t, w)
	if _, ok := idx.get(a.ID); ok {
		t.Fatal("a suspended store's products must leave the index")
	}
	if _, ok := idx.get(b.ID); ok {
		t.Fatal("a suspended store's products must leave the index")
	}
}

func TestWorkerWakesOnNotifyWithoutPolling(t *testing.T) {
	idx := newMemIndex()
	w := newTestWorker(idx)
	drain(t, w)
	idx.upserts = make(chan int64, 100)
	w.Poll = time.Hour // only a notification can wake it within the test
	idle := make(chan struct{}, 1)
	w.Idle = func() {
		select {
		case idle <- struct{}{}:
		default:
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the worker did not stop within 10s of its context ending")
		}
	}()
	// Far below Poll: only the notification can make the deadline.
	deadline := time.After(30 * time.Second)
	select {
	case <-idle: // listening, the outbox drained
	case err := <-done:
		t.Fatalf("the worker stopped before it listened: %v", err)
	case <-deadline:
		t.Fatal("the worker never went idle: is it listening?")
	}
	st := newStore(t)
	p := newProduct(t, st, "Woken By Notify")
	for {
		select {
		case id := <-idx.upserts:
			if id == p.ID {
				return
			}
		case err := <-done:
			t.Fatalf("the worker stopped before indexing product %d: %v", p.ID, err)
		case <-deadline:
			t.Fatalf("product %d was not indexed within 30s although the worker polls hourly: the notification did not wake it", p.ID)
		}
	}
}
