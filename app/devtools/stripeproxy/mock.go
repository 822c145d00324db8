// Package stripeproxy runs stripe-mock and puts a small reverse proxy in front
// of it that gives every created Checkout Session and account its own id.
// stripe-mock answers each create with the same fixture id, where Stripe
// never repeats one, and Claro stores those ids under UNIQUE constraints; so
// without the proxy a second checkout would collide with the first. It also
// holds connected accounts' state, set through its own AccountsPath endpoint
// (stripe-mock keeps no state), and answers reads of those accounts with it.
// `claro dev` (app/devtools) and the tests (testkit/stripetest) share it.
package stripeproxy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/claro-market/claro/app/localproc"
)

// Install is the command that installs the stripe-mock release nearest to
// stripe-go v79's API version.
const Install = "go install github.com/stripe/stripe-mock@v0.190.0"

// ErrNotInstalled is returned by Binary when no stripe-mock is found.
var ErrNotInstalled = errors.New("stripe-mock is not installed (looked on PATH and in $(go env GOPATH)/bin); install it with: " + Install)

// Binary finds the stripe-mock executable: on PATH, else in GOPATH/bin
// ($GOPATH, else `go env GOPATH`, else ~/go).
func Binary() (string, error) {
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p, nil
	}
	for _, dir := range gopaths() {
		p := filepath.Join(dir, "bin", "stripe-mock")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", ErrNotInstalled
}

func gopaths() []string {
	var dirs []string
	if v := os.Getenv("GOPATH"); v != "" {
		dirs = append(dirs, filepath.SplitList(v)...)
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		if v := strings.TrimSpace(string(out)); v != "" {
			dirs = append(dirs, filepath.SplitList(v)...)
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go"))
	}
	return dirs
}

// Mock is a running stripe-mock process on loopback.
type Mock struct {
	// URL is stripe-mock's plain HTTP address, e.g. http://127.0.0.1:41234.
	URL string

	cancel context.CancelFunc
	done   chan struct{}
	out    *localproc.Buffer
}

// StartMock runs the stripe-mock at bin on free loopback ports and waits
// until it accepts connections. It stops when ctx ends or Stop is called.
func StartMock(ctx context.Context, bin string) (*Mock, error) {
	// Port 0: stripe-mock binds ports of its own and prints them. A port
	// picked free beforehand can be taken by another process before
	// stripe-mock binds it; a wait that then connects would reach that other
	// listener, and every call would fail once it goes.
	ctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(ctx, bin, "-http-port", "0", "-https-port", "0")
	out := &localproc.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("stripe-mock: %w", err)
	}
	m := &Mock{cancel: cancel, done: make(chan struct{}), out: out}
	go func() { _ = cmd.Wait(); close(m.done) }()
	port, ok := listeningPort(out, m.done)
	if !ok {
		m.Stop()
		return nil, fmt.Errorf("stripe-mock did not start:\n%s", out.String())
	}
	m.URL = "http://127.0.0.1:" + port
	return m, nil
}

// listeningPort waits (60 s at most: stripe-mock parses its whole OpenAPI
// description first, which took over 15 s on a loaded two-core machine) for stripe-mock's "Listening for HTTP
// at address: [::]:PORT" line and returns PORT; false when the process exits
// first or never says it.
func listeningPort(out *localproc.Buffer, exited <-chan struct{}) (string, bool) {
	const marker = "Listening for HTTP at address: "
	for range 1200 {
		if _, rest, ok := strings.Cut(out.String(), marker); ok {
			if line, _, complete := strings.Cut(rest, "\n"); complete {
				if i := strings.LastIndexByte(line, ':'); i >= 0 {
					if _, err := strconv.Atoi(strings.TrimSpace(line[i+1:])); err == nil {
						return strings.TrimSpace(line[i+1:]), true
					}
				}
				return "", false
			}
		}
		select {
		case <-exited:
			return "", false
		case <-time.After(50 * time.Millisecond):
		}
	}
	return "", false
}

// Stop ends the process and waits for it to exit.
func (m *Mock) Stop() {
	m.cancel()
	<-m.done
}

// Output is what stripe-mock has printed so far.
func (m *Mock) Output() string { return m.out.String() }
