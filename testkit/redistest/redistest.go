// Package redistest runs a redis-server of a test's own, on a free loopback
// port and without persistence, for tests that stop Redis and start it again
// (the shared one on 6379 must stay up for everyone else). Install it with
// `apt-get install redis-server`. Without the binary a test is skipped,
// except in CI (CI=true), where that fails.
package redistest

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/claro-market/claro/testkit/peertest"
)

// Server is one running redis-server; URL is what REDIS_URL should be.
type Server struct {
	URL  string
	Port int
	cmd  *exec.Cmd
	done chan struct{}
}

// Start runs redis-server on a free port and waits (at most 5 s) until it
// accepts connections; the test's cleanup stops it.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return StartOn(tb, peertest.FreePort(tb))
}

// StartOn is Start on port: a test starts Redis again where it was.
func StartOn(tb testing.TB, port int) *Server {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		peertest.Missing(tb, "redis-server not installed (apt-get install redis-server)")
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", tb.TempDir())
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s := &Server{URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port), Port: port, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	tb.Cleanup(s.Stop)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return s
		}
		if time.Now().After(deadline) {
			s.Stop()
			tb.Fatalf("redis-server on %s did not start", addr)
		}
	}
}

// Stop kills the server and waits (at most 5 s) until it has gone; stopping
// a stopped server does nothing.
func (s *Server) Stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
	}
}
