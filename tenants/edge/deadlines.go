package edge

import (
	"errors"
	"net"
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
	return deadlineConn{c}, nil
}

type deadlineConn struct{ net.Conn }

func closedOK(err error) error {
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func (c deadlineConn) SetDeadline(t time.Time) error { return closedOK(c.Conn.SetDeadline(t)) }
func (c deadlineConn) SetReadDeadline(t time.Time) error {
	return closedOK(c.Conn.SetReadDeadline(t))
}
func (c deadlineConn) SetWriteDeadline(t time.Time) error {
	return closedOK(c.Conn.SetWriteDeadline(t))
}
