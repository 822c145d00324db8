// Package peertest holds the one rule for tests that need a real peer
// (Redis, Chromium, stripe-mock, Mailpit, an S3 server, BIND, PostgreSQL's
// server programs): on a developer's machine without it they skip; in CI
// (CI=true) they fail, since CI installs every peer and nothing may skip there.
package peertest

import (
	"os"
	"testing"
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
