// Package localproc is what starting a local helper process takes, in
// `claro dev` (stripe-mock) and in tests (Mailpit): a free loopback port, a
// wait until the process listens, and a buffer its output can be written to
// while others read it.
package localproc

import (
	"bytes"
	"net"
	"sync"
	"time"
)

// FreePort is a loopback TCP port nothing listens on right now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// WaitListening polls until addr accepts connections, for at most 15 s (a
// start-up wait), or until exited is closed (the process ended; a nil
// exited never is). It reports whether addr listens.
func WaitListening(addr string, exited <-chan struct{}) bool {
	for range 300 {
		select {
		case <-exited:
			return false
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// Buffer collects output written from any goroutine (a process's stdout
// and stderr, a logger) for whoever reads it.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
