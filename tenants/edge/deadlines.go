package edge

import (
	"errors"
	"net"
	"sync/atomic"
	"time"
)

// QuietDeadlines wraps ln so that setting a deadline on a connection that has
// just been closed is not an error. fasthttp v1.51 (the version Fiber v2
// requires) panics with "BUG: error in SetWriteDeadline" when it is, which
// happens when a shutdown closes a keep-alive connection at the moment a
// request arrives on it: the whole process dies mid-drain. Later fasthttp
// releases return the error instead, but they cannot be used with Fiber v2
// (they refuse requests Fiber's own test client sends). With the error
// swallowed, fasthttp's next read or write on the connection fails as it
// should and the connection ends quietly.
func QuietDeadlines(ln net.Listener) net.Listener { return deadlineListener{ln} }

type deadlineListener struct{ net.Listener }

func (l deadlineListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &deadlineConn{Conn: c}, nil
}

// deadlineConn also coalesces deadlines: fasthttp sets three per request
// on a keep-alive connection (the idle wait, the request's read, the
// answer's write), each arming a runtime timer, which under load cost a
// few percent of the server's time on a cached page. A deadline asked for
// that is later than the one in force by less than deadlineSlack is left as
// it is, so a busy connection re-arms about once a second; one that is
// earlier, or none (zero), is always applied. A deadline therefore comes at
// most deadlineSlack early, never late.
type deadlineConn struct {
	net.Conn
	read, write atomic.Int64 // the deadline in force, UnixNano; 0 for none
}

const deadlineSlack = time.Second

// keep reports whether the deadline in force (cur) may stand for t, and
// records t as in force when it may not.
func keep(cur *atomic.Int64, t time.Time) bool {
	if t.IsZero() {
		cur.Store(0)
		return false
	}
	n := t.UnixNano()
	if old := cur.Load(); old != 0 && n >= old && n-old < int64(deadlineSlack) {
		return true
	}
	cur.Store(n)
	return false
}

func closedOK(err error) error {
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func (c *deadlineConn) SetDeadline(t time.Time) error {
	n := int64(0)
	if !t.IsZero() {
		n = t.UnixNano()
	}
	c.read.Store(n)
	c.write.Store(n)
	return closedOK(c.Conn.SetDeadline(t))
}

func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	if keep(&c.read, t) {
		return nil
	}
	return closedOK(c.Conn.SetReadDeadline(t))
}

func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	if keep(&c.write, t) {
		return nil
	}
	return closedOK(c.Conn.SetWriteDeadline(t))
}
