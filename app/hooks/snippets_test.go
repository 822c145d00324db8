package hooks_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/hooks"
	"github.com/claro-market/claro/testkit/peertest"
	"github.com/uptrace/bun"
)

// docBlock is the body of the first ```lang block of docs/webhooks.md.
func docBlock(t *testing.T, lang string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "webhooks.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```"+lang+"\n")
	if !ok {
		t.Fatalf("docs/webhooks.md has no %s block", lang)
	}
	block, _, ok := strings.Cut(rest, "\n```")
	if !ok {
		t.Fatalf("docs/webhooks.md: the %s block does not end", lang)
	}
	return block
}

// The Go snippet in the docs is this package's VerifyClaroSignature, the
// one every receiver in these tests verifies with, to the byte.
func TestTheDocumentedGoSnippetIsTheTestedOne(t *testing.T) {
	src, err := os.ReadFile("snippet_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, code, _ := strings.Cut(string(src), "\n")
	if got, want := docBlock(t, "go"), strings.Trim(code, "\n"); got != want {
		t.Fatalf("docs/webhooks.md's Go snippet differs from snippet_test.go:\n--- doc\n%s\n--- file\n%s", got, want)
	}
}

// delivered is one real delivery as a receiver got it.
type delivered struct {
	secret, header string
	body           []byte
}

// oneDelivery has the worker deliver a test event to a live receiver and
// returns the request as it arrived.
func oneDelivery(t *testing.T) delivered {
	t.Helper()
	s := newShop(t)
	r := newReceiver(t)
	ep := addEndpoint(t, s.e, s.store, r.URL(), hooks.Sale)
	r.trust(ep.Secret)
	if err := s.e.App.DB.InTenant(context.Background(), s.store.ID, func(ctx context.Context, tx bun.Tx) error {
		return s.e.App.Hooks.Creator(tx).SendTest(ctx, s.store.ID, ep.ID)
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.e.App.Hooks.Worker(fastOptions(), nil).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.accepted) != 1 {
		t.Fatalf("the receiver accepted %d deliveries (bad: %v), want 1", len(r.accepted), r.bad)
	}
	for id, body := range r.accepted {
		return delivered{secret: ep.Secret, header: r.headers[id][0], body: body}
	}
	panic("unreachable")
}

// cases are what both snippets must accept and refuse, from one real
// delivery: as sent, a capture of it replayed six minutes later, its body
// tampered with, and a wrong secret.
func cases(t *testing.T, d delivered) []struct {
	name, secret, header string
	body                 []byte
	tolerance            time.Duration
	ok                   bool
} {
	stale := hooks.Sign(d.body, time.Now().Add(-6*time.Minute), d.secret)
	tampered := bytes.Replace(d.body, []byte("A test event"), []byte("A paid event"), 1)
	if bytes.Equal(tampered, d.body) {
		t.Fatalf("the tamper changed nothing in %s", d.body)
	}
	return []struct {
		name, secret, header string
		body                 []byte
		tolerance            time.Duration
		ok                   bool
	}{
		{"as delivered", d.secret, d.header, d.body, 5 * time.Minute, true},
		{"replayed 6 minutes later", d.secret, stale, d.body, 5 * time.Minute, false},
		// The stale signature is otherwise right: only its age refuses it.
		{"replayed, with a day's tolerance", d.secret, stale, d.body, 24 * time.Hour, true},
		{"tampered body", d.secret, d.header, tampered, 5 * time.Minute, false},
		{"wrong secret", d.secret + "x", d.header, d.body, 5 * time.Minute, false},
		{"no v1", d.secret, d.header[:strings.Index(d.header, ",")], d.body, 5 * time.Minute, false},
	}
}

func TestTheGoSnippetAcceptsARealDeliveryAndRefusesAStaleReplay(t *testing.T) {
	d := oneDelivery(t)
	for _, c := range cases(t, d) {
		err := VerifyClaroSignature(c.secret, c.header, c.body, c.tolerance, time.Now())
		if (err == nil) != c.ok {
			t.Errorf("%s: %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

// The docs' JavaScript snippet, run by node exactly as printed.
func TestTheNodeSnippetAcceptsARealDeliveryAndRefusesAStaleReplay(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		peertest.Missing(t, "node is not installed (apt-get install nodejs)")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "verify.js"), []byte(docBlock(t, "js")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	harness := `const fs = require("node:fs");
const { verifyClaroSignature } = require("./verify.js");
const ok = verifyClaroSignature(process.env.SECRET, process.env.HEADER, fs.readFileSync(process.env.BODY), Number(process.env.TOLERANCE));
process.stdout.write(ok ? "accepted" : "refused");
`
	if err := os.WriteFile(filepath.Join(dir, "run.js"), []byte(harness), 0o600); err != nil {
		t.Fatal(err)
	}
	d := oneDelivery(t)
	for i, c := range cases(t, d) {
		body := filepath.Join(dir, "body"+strconv.Itoa(i))
		if err := os.WriteFile(body, c.body, 0o600); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, node, "run.js")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "SECRET="+c.secret, "HEADER="+c.header, "BODY="+body,
			"TOLERANCE="+strconv.Itoa(int(c.tolerance.Seconds())))
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%s: node: %v\n%s", c.name, err, out)
		}
		want := "refused"
		if c.ok {
			want = "accepted"
		}
		if string(out) != want {
			t.Errorf("%s: node says %q, want %q", c.name, out, want)
		}
	}
}
