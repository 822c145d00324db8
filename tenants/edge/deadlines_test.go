package edge_test

import (
	"net"
	"testing"
	"time"

	"github.com/claro-market/claro/tenants/edge"
)

// A deadline set on a connection that was closed under the server is not
// an error (fasthttp v1.51 panics on one), while the closed connection
// still refuses reads and writes.
func TestListenerSwallowsDeadlinesOnClosedConnectionsOnly(t *testing.T) {
	conn, _ := quietPair(t)
	if err := conn.SetWriteDeadline(time.Now().Add(time.Second)); err != nil {
		t.Fatalf("deadline on an open connection: %v", err)
	}
	conn.Close()
	for name, set := range map[string]func(time.Time) error{"SetDeadline": conn.SetDeadline,
		"SetReadDeadline": conn.SetReadDeadline, "SetWriteDeadline": conn.SetWriteDeadline} {
		if err := set(time.Now().Add(time.Second)); err != nil {
			t.Errorf("%s on a closed connection: %v", name, err)
		}
	}
	if _, err := conn.Write([]byte("x")); err == nil {
		t.Error("a closed connection accepted a write")
	}
}

// A deadline later than the one in force by under a second is left as it
// is (fasthttp re-arms three per request); an earlier one, one far later,
// and none are applied.
func TestDeadlinesComeAtMostASecondEarlyNeverLate(t *testing.T) {
	conn, client := quietPair(t)
	buf := make([]byte, 1)
	// readTimesOut reads until the deadline ends it, and says how long it took.
	readTimesOut := func() time.Duration {
		t.Helper()
		start := time.Now()
		if _, err := conn.Read(buf); err == nil {
			t.Fatal("a read with nothing sent returned")
		} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			t.Fatalf("read: %v, want a timeout", err)
		}
		return time.Since(start)
	}

	now := time.Now()
	_ = conn.SetReadDeadline(now.Add(300 * time.Millisecond))
	_ = conn.SetReadDeadline(now.Add(900 * time.Millisecond)) // within the slack: the first stands
	if took := readTimesOut(); took > 700*time.Millisecond {
		t.Fatalf("the nearer deadline was not kept: the read took %v", took)
	}

	now = time.Now()
	_ = conn.SetReadDeadline(now.Add(5 * time.Second))
	_ = conn.SetReadDeadline(now.Add(200 * time.Millisecond)) // earlier: applied
	if took := readTimesOut(); took > 2*time.Second {
		t.Fatalf("an earlier deadline was not applied: the read took %v", took)
	}

	now = time.Now()
	_ = conn.SetReadDeadline(now.Add(100 * time.Millisecond))
	_ = conn.SetReadDeadline(now.Add(3 * time.Second)) // far later: applied
	go func() {
		time.Sleep(400 * time.Millisecond)
		_, _ = client.Write([]byte("x"))
	}()
	if _, err := conn.Read(buf); err != nil {
		t.Fatalf("a deadline moved 3 s later was not applied: %v", err)
	}

	_ = conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	_ = conn.SetReadDeadline(time.Time{}) // none: applied
	go func() {
		time.Sleep(400 * time.Millisecond)
		_, _ = client.Write([]byte("y"))
	}()
	if _, err := conn.Read(buf); err != nil {
		t.Fatalf("removing the deadline was not applied: %v", err)
	}
}

// quietPair is a connection accepted through QuietDeadlines and the client
// end that dialled it, both closed when the test ends.
func quietPair(t *testing.T) (conn, client net.Conn) {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := edge.QuietDeadlines(raw)
	t.Cleanup(func() { ln.Close() })
	client, err = net.Dial("tcp", raw.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	conn, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, client
}
