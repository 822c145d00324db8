// Package stripeproxy runs stripe-mock and puts a small reverse proxy in front
// of it that gives every created Checkout Session and account its own id.
// stripe-mock answers each create with the same fixture id, where Stripe
// never repeats one, and Claro stores those ids under UNIQUE constraints; so
// without the proxy a second checkout would collide with the first. `claro
// dev` (app/devtools) and the tests (app/payments/stripetest) share it.
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
	httpPort, err := localproc.FreePort()
	if err != nil {
		return nil, err
	}
	httpsPort, err := localproc.FreePort()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(ctx, bin, "-http-port", strconv.Itoa(httpPort), "-https-port", strconv.Itoa(httpsPort))
	out := &localproc.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("stripe-mock: %w", err)
	}
	m := &Mock{URL: "http://127.0.0.1:" + strconv.Itoa(httpPort), cancel: cancel, done: make(chan struct{}), out: out}
	go func() { _ = cmd.Wait(); close(m.done) }()
	if !localproc.WaitListening("127.0.0.1:"+strconv.Itoa(httpPort), m.done) {
		m.Stop()
		return nil, fmt.Errorf("stripe-mock did not start on port %d:\n%s", httpPort, out.String())
	}
	return m, nil
}

// Stop ends the process and waits for it to exit.
func (m *Mock) Stop() {
	m.cancel()
	<-m.done
}

// Output is what stripe-mock has printed so far.
func (m *Mock) Output() string { return m.out.String() }
