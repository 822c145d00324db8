package db

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Changes is how every cache in an instance learns that what it holds is
// stale: the one invalidation story. Each write that can change a rendered
// page or a host's answer announces its store on CatalogChannel inside its own
// transaction (migration 0009's triggers on tenants, products, product_files,
// categories and reviews; the domain checker for a domain's status), and
// Changes, one LISTEN per instance, hands the store's id to every cache
// (0: any store may have changed). Nothing else drops a cached answer: no
// write path invalidates after itself, and no cache expires entries on a
// timer. When notifications may have been missed (at start, after a lost
// connection, and at every retry while the connection is down) every cache
// is told "all".
//
// Two waits make the story exact rather than eventual:
//   - With a replica, a batch of changes is handed on only once the replica
//     has replayed past it, so a cache refilled right after (from the
//     replica) holds the new row, never the old one.
//   - Sync lets the request that wrote wait until this instance has handed
//     its change on, so the writer's next request here meets no stale cache.
//     (With a replica the writer's next requests carry the read-your-writes
//     mark, and marked requests skip the caches, so Sync does not wait.)
type Changes struct {
	db       *DB
	log      *slog.Logger
	drop     []func(tenantID int64)
	counters []func(tenantID int64)

	mu      sync.Mutex
	pending map[int64]struct{} // stores changed since the last batch; 0 is "all"
	counted map[int64]struct{} // stores whose counters alone changed since the last batch
	joined  bool               // LISTEN came (back) in place since the last batch
	syncs   []string           // Sync tokens received since the last batch
	waiters map[string]chan struct{}
	wake    chan struct{}
	live    atomic.Bool
	self    string // this instance's Sync tokens start with it: every instance hears them
	seq     atomic.Uint64

	listeningOnce sync.Once
	listening     chan struct{}
}

// syncPrefix marks a Sync token on CatalogChannel; it names no store.
const syncPrefix = "sync:"

// countersPrefix marks a change to a store's products' counters alone
// (sales_count, trending_score: the sales ledger's applier after every
// sale; migration 0036): "counters:<store id>". Only the caches registered
// with OnCounters hear of it, so a sale keeps the store's pages and its
// host answer.
const countersPrefix = "counters:"

// NewChanges returns the listener over d's primary; register the caches with
// OnChange, then Run it.
func NewChanges(d *DB, log *slog.Logger) *Changes {
	self := make([]byte, 8)
	_, _ = rand.Read(self)
	return &Changes{db: d, log: log, pending: map[int64]struct{}{}, counted: map[int64]struct{}{}, waiters: map[string]chan struct{}{},
		wake: make(chan struct{}, 1), listening: make(chan struct{}), self: syncPrefix + hex.EncodeToString(self) + ":"}
}

// OnChange registers a cache: fn is called with the id of a store whose data
// changed, or 0 when any store's may have. Register before Run.
func (c *Changes) OnChange(fn func(tenantID int64)) { c.drop = append(c.drop, fn) }

// OnCounters registers a cache that shows the products' counters (sales
// counts, trending order): fn is called with the id of a store whose
// counters alone changed. A store's full change (OnChange) implies its
// counters' too: fn is not called for it again. Register before Run.
func (c *Changes) OnCounters(fn func(tenantID int64)) { c.counters = append(c.counters, fn) }

// Listening is closed once LISTEN is first in place: from then on every
// committed change reaches this instance's caches.
func (c *Changes) Listening() <-chan struct{} { return c.listening }

// Run listens until ctx ends, and returns nil then.
func (c *Changes) Run(ctx context.Context) error {
	go c.deliver(ctx)
	down := false // the database was unreachable at the last retry (said once per outage)
	for attempt := 0; ; attempt++ {
		err := ListenConn(ctx, c.db.Primary, CatalogChannel, func(payload string) time.Duration {
			// "" is LISTEN in place (step never asks for a timeout).
			c.heard(payload, payload == "")
			return 0
		})
		c.live.Store(false)
		if ctx.Err() != nil {
			return nil
		}
		// Deaf until LISTEN is back: whatever commits meanwhile is unheard,
		// so every cache starts over at each retry, and again once LISTEN
		// is back. Unless the database itself is down: then nothing can
		// commit, and the caches keep serving what they hold (a warm
		// storefront stays up through the outage) until LISTEN is back.
		if c.reachable(ctx) {
			down = false
			c.heard("", false)
			c.log.Warn("listen: connection lost; reconnecting", "channel", CatalogChannel, "err", err)
		} else if !down {
			down = true
			c.log.Warn("listen: database unreachable; caches kept until it is back", "channel", CatalogChannel, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(min(time.Duration(1<<min(attempt, 5))*100*time.Millisecond, 5*time.Second)):
		}
	}
}

// reachable reports whether the primary answers a ping within a second.
func (c *Changes) reachable(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return c.db.Primary.PingContext(ctx) == nil
}

// heard records one notification for deliver ("": any store may have
// changed; joined: because LISTEN just came in place).
func (c *Changes) heard(payload string, joined bool) {
	c.mu.Lock()
	c.joined = c.joined || joined
	switch {
	case strings.HasPrefix(payload, syncPrefix):
		c.syncs = append(c.syncs, payload)
	case payload == "":
		c.pending[0] = struct{}{}
	case strings.HasPrefix(payload, countersPrefix):
		if id, err := strconv.ParseInt(payload[len(countersPrefix):], 10, 64); err == nil && id > 0 {
			c.counted[id] = struct{}{}
		} else {
			c.pending[0] = struct{}{}
		}
	default:
		id, err := strconv.ParseInt(payload, 10, 64)
		if err != nil || id < 0 {
			id = 0
		}
		c.pending[id] = struct{}{}
	}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// deliver hands each batch of changes to the caches (once the replica has
// them) and then releases the Syncs heard after them.
func (c *Changes) deliver(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		}
		c.mu.Lock()
		pending, counted, syncs, joined := c.pending, c.counted, c.syncs, c.joined
		c.pending, c.counted, c.syncs, c.joined = map[int64]struct{}{}, map[int64]struct{}{}, nil, false
		c.mu.Unlock()
		if len(pending) > 0 || len(counted) > 0 {
			c.awaitReplica(ctx)
			c.dropAll(pending)
			c.dropCounters(pending, counted)
		}
		if joined {
			c.live.Store(true)
			c.listeningOnce.Do(func() { close(c.listening) })
		}
		c.mu.Lock()
		for _, tok := range syncs {
			if ch, ok := c.waiters[tok]; ok {
				close(ch)
				delete(c.waiters, tok)
			}
		}
		c.mu.Unlock()
	}
}

func (c *Changes) dropAll(pending map[int64]struct{}) {
	if _, all := pending[0]; all {
		pending = map[int64]struct{}{0: {}}
	}
	for id := range pending {
		for _, fn := range c.drop {
			fn(id)
		}
	}
}

// dropCounters tells the counter caches of the stores whose counters alone
// changed, unless the same batch changed the whole store (or everything),
// which the caches have just heard through dropAll.
func (c *Changes) dropCounters(pending, counted map[int64]struct{}) {
	if _, all := pending[0]; all {
		return
	}
	for id := range counted {
		if _, whole := pending[id]; whole {
			continue
		}
		for _, fn := range c.counters {
			fn(id)
		}
	}
}

// awaitReplica waits until the replica has replayed everything committed so
// far (every change in the batch was committed before it was heard). It waits
// as long as it takes: until then the caches hold what the replica still
// says, which is what a refill would read anyway.
func (c *Changes) awaitReplica(ctx context.Context) {
	if !c.db.HasReplica() {
		return
	}
	lsn, err := c.db.CurrentLSN(ctx)
	for err == nil {
		var ok bool
		if ok, err = c.db.WaitReplayed(ctx, lsn, time.Minute, 20*time.Millisecond, Sleep); ok {
			return
		}
	}
	if ctx.Err() == nil {
		c.log.Warn("listen: could not wait for the replica; dropping caches now", "err", err)
	}
}

// syncWait bounds Sync: a write is answered even when the listener is slow.
const syncWait = 2 * time.Second

// Sync waits until every change committed before the call has been handed to
// this instance's caches. It returns at once when the listener is not in
// place (nothing would answer) or the app reads a replica (see Changes).
func (c *Changes) Sync(ctx context.Context) error {
	if !c.live.Load() || c.db.HasReplica() {
		return nil
	}
	tok := c.self + strconv.FormatUint(c.seq.Add(1), 10)
	ch := make(chan struct{})
	c.mu.Lock()
	c.waiters[tok] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiters, tok)
		c.mu.Unlock()
	}()
	// Notifications reach a listener in commit order, so once this one is
	// heard, every change committed before it has been heard too.
	if _, err := c.db.Primary.ExecContext(ctx, "SELECT pg_notify(?, ?)", CatalogChannel, tok); err != nil {
		return err
	}
	t := time.NewTimer(syncWait)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
		c.log.Warn("listen: sync not heard in time; answering anyway", "wait", syncWait)
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}
