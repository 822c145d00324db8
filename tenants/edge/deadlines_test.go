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
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := edge.QuietDeadlines(raw)
	defer ln.Close()
	client, err := net.Dial("tcp", raw.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
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
