package web

import (
	"context"
	"strings"
	"time"

	"github.com/claro-market/claro/app/db"
	"github.com/gofiber/fiber/v2"
)

// LSNCookie holds the primary's WAL position after the visitor's last write.
const LSNCookie = "claro_lsn"

// ReadYourWrites keeps a visitor who just wrote reading from the primary
// until the regional replica has replayed their write. After every request
// that writes it sets LSNCookie to pg_current_wal_lsn() (Records); a later
// request carrying it waits (boundedly) for the replica to reach that
// position, and reads the primary when it has not (Reads marks the context
// for db.ReadPool, which every store that may read the replica consults per
// request). The cookie is dropped once the replica has caught up.
type ReadYourWrites struct {
	db       *db.DB
	rootHost string // the cookie is shared by ROOT_DOMAIN and its subdomains
	secure   bool
	// MaxWait bounds the wait for the replica (default 200 ms, polling every
	// 20 ms); then the request reads the primary. Sleep is the waiting
	// (db.Sleep); tests replace it so nothing depends on the wall clock.
	MaxWait, Poll time.Duration
	Sleep         func(ctx context.Context, d time.Duration) error
}

// NewReadYourWrites returns the middleware over the app's pools.
func NewReadYourWrites(d *db.DB, rootHost string, secure bool) *ReadYourWrites {
	return &ReadYourWrites{db: d, rootHost: rootHost, secure: secure, MaxWait: 200 * time.Millisecond, Poll: 20 * time.Millisecond,
		Sleep: db.Sleep}
}

// Reads picks the read pool for this request. Install it before the tenant
// middleware (web.Use's beforeTenant): resolving the host reads the replica
// too, and a creator who just renamed their store must see the new name.
func (r *ReadYourWrites) Reads(c *fiber.Ctx) error {
	if lsn := c.Cookies(LSNCookie); lsn != "" {
		caught, err := r.db.WaitReplayed(c.UserContext(), lsn, r.MaxWait, r.Poll, r.Sleep)
		switch {
		case err == nil && caught:
			r.clear(c)
		case err != nil && !db.ValidLSN(lsn):
			r.clear(c) // not ours: ignore it
		default: // behind, or the replica could not say: the primary is right either way
			c.SetUserContext(db.WithPrimaryReads(c.UserContext()))
		}
	}
	return c.Next()
}

// Records sets LSNCookie after a request that wrote. Install it after
// Regional: a write forwarded to the primary region is recorded there, by
// the instance that wrote, and comes back with its cookie.
func (r *ReadYourWrites) Records(c *fiber.Ctx) error {
	err := c.Next()
	if IsWrite(c.Method()) && err == nil && c.Response().StatusCode() < 500 {
		if lsn, lerr := r.db.CurrentLSN(c.UserContext()); lerr == nil {
			c.Cookie(&fiber.Cookie{Name: LSNCookie, Value: lsn, Path: "/", Domain: r.cookieDomain(c), MaxAge: 600,
				HTTPOnly: true, Secure: r.secure, SameSite: fiber.CookieSameSiteLaxMode})
		}
	}
	return err
}

// cookieDomain shares the cookie between ROOT_DOMAIN and store subdomains (a
// purchase on a store is read in the library on the root); on a custom
// domain it is host-only.
func (r *ReadYourWrites) cookieDomain(c *fiber.Ctx) string {
	h := RequestHost(c)
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	h = strings.ToLower(h)
	if h == r.rootHost || strings.HasSuffix(h, "."+r.rootHost) {
		return r.rootHost
	}
	return ""
}

// SyncCaches holds the answer to a request that wrote until this instance's
// caches have heard of its change (db.Changes.Sync), so the writer's next
// request here meets no stale cached page or host answer. The wait is
// bounded; a failure leaves the change to the listener as usual. Only writes
// to paths for which changes reports true wait.
func SyncCaches(changes *db.Changes, changesCaches func(path string) bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !IsWrite(c.Method()) || !changesCaches(c.Path()) {
			return c.Next()
		}
		err := c.Next()
		if err == nil && c.Response().StatusCode() < 500 {
			_ = changes.Sync(c.UserContext())
		}
		return err
	}
}

func (r *ReadYourWrites) clear(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: LSNCookie, Value: "", Path: "/", Domain: r.cookieDomain(c), MaxAge: -1,
		Expires: time.Unix(1, 0), HTTPOnly: true, Secure: r.secure, SameSite: fiber.CookieSameSiteLaxMode})
}
