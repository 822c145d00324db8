// Package peertest holds the one rule for tests that need a real peer
// (Redis, Chromium, stripe-mock, Mailpit, an S3 server, BIND, PostgreSQL's
// server programs): on a developer's machine without it they skip; in CI
// (CI=true) they fail, since CI installs every peer and nothing may skip there.
// It also hands out the free loopback ports such peers are started on.
package peertest

import (
	"os"
	"strconv"
	"testing"

	"github.com/claro-market/claro/app/localproc"
)

// Missing ends tb because a peer it needs is not there: msg says which and
// how to install it. It skips tb, or fails it when CI=true.
func Missing(tb testing.TB, msg string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg + " (CI=true: tests that need a peer may not skip)")
	}
	tb.Skip(msg)
}

// FreePort is a loopback port nothing listens on right now, for a peer or
// a server a test starts; it fails tb when there is none.
func FreePort(tb testing.TB) int {
	tb.Helper()
	port, err := localproc.FreePort()
	if err != nil {
		tb.Fatal(err)
	}
	return port
}

// FreeAddr is FreePort as a 127.0.0.1:port address.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	return "127.0.0.1:" + strconv.Itoa(FreePort(tb))
}
