package web

import (
	"context"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// UploadTimeout is the deadline of a request whose body is larger than a
// form (FormLimit): a product file upload, which may take minutes to store.
const UploadTimeout = 10 * time.Minute

// Deadline gives every request's context (c.UserContext) a deadline of
// timeout (UploadTimeout for an upload), so nothing below waits for ever:
// a query still running, or a wait for a pooled connection, ends at the
// deadline and the error exit answers 503 (db.Busy). A body streamed after
// the handler returns (a download) must not use this context.
func Deadline(timeout time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if timeout <= 0 {
			return c.Next()
		}
		d := timeout
		if isUpload(c) {
			d = max(d, UploadTimeout)
		}
		ctx := &lazyDeadline{Context: c.UserContext(), deadline: time.Now().Add(d)}
		defer ctx.release()
		c.SetUserContext(ctx)
		return c.Next()
	}
}

// lazyDeadline is context.WithDeadline whose timer starts only when
// something waits on the context (Done, Err, AfterFunc): WithDeadline arms
// a runtime timer for every request at once, and a page the cache answers
// never waits on anything (arming and stopping that timer was 5% of the
// server's CPU serving a cached product page under make bench's load).
// Written by hand because the standard library has no such context; it
// delegates to a real WithDeadline once armed, so every wait behaves as
// that one does.
type lazyDeadline struct {
	context.Context // the request's own: its values, and its end
	deadline        time.Time
	once            sync.Once
	armed           context.Context
	cancel          context.CancelFunc
}

// released is what a request's context is after the request: cancelled,
// as WithDeadline's is once its cancel ran.
var released = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

func (l *lazyDeadline) arm() context.Context {
	l.once.Do(func() { l.armed, l.cancel = context.WithDeadline(l.Context, l.deadline) })
	return l.armed
}

// release ends the context: armed, its timer is stopped; never armed, it
// becomes released, so nothing that kept it arms a timer afterwards.
func (l *lazyDeadline) release() {
	l.once.Do(func() { l.armed = released })
	if l.cancel != nil {
		l.cancel()
	}
}

// Deadline is the earlier of the request's own deadline and this one.
func (l *lazyDeadline) Deadline() (time.Time, bool) {
	if d, ok := l.Context.Deadline(); ok && d.Before(l.deadline) {
		return d, true
	}
	return l.deadline, true
}

func (l *lazyDeadline) Done() <-chan struct{} { return l.arm().Done() }
func (l *lazyDeadline) Err() error            { return l.arm().Err() }

// AfterFunc lets contexts derived from this one (context.WithCancel and
// the like) register with the armed context instead of starting a
// goroutine each to watch Done.
func (l *lazyDeadline) AfterFunc(f func()) (stop func() bool) { return context.AfterFunc(l.arm(), f) }
