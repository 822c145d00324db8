// Package mailpittest runs a real Mailpit (an SMTP server with an HTTP API)
// for tests that send email, and reads what arrived through its API.
// Install it with `go install github.com/axllent/mailpit@v1.33.1`. Without
// the binary a test is skipped, except in CI (CI=true), where that fails.
package mailpittest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/localproc"
	"github.com/claro-market/claro/testkit/peertest"
)

// Install is the command that installs the Mailpit release the tests use.
const Install = "go install github.com/axllent/mailpit@v1.33.1"

// Mailpit is a running server: SMTPURL is what SMTP_URL should be set to.
type Mailpit struct {
	SMTPURL string
	API     string // http://127.0.0.1:port
}

// Binary finds mailpit on PATH or in GOPATH/bin (or ~/go/bin).
func Binary() (string, error) {
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p, nil
	}
	var dirs []string
	if v := os.Getenv("GOPATH"); v != "" {
		dirs = append(dirs, filepath.SplitList(v)...)
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		dirs = append(dirs, filepath.SplitList(strings.TrimSpace(string(out)))...)
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "bin", "mailpit")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("mailpit not installed (%s)", Install)
}

// Start runs Mailpit on free loopback ports with its own database in a
// temporary directory, and stops it when tb ends.
func Start(tb testing.TB) *Mailpit {
	tb.Helper()
	bin, err := Binary()
	if err != nil {
		peertest.Missing(tb, err.Error())
	}
	smtpPort, apiPort := peertest.FreePort(tb), peertest.FreePort(tb)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin,
		"--smtp", "127.0.0.1:"+strconv.Itoa(smtpPort), "--listen", "127.0.0.1:"+strconv.Itoa(apiPort),
		"--database", filepath.Join(tb.TempDir(), "mailpit.db"), "--disable-version-check", "--quiet")
	var out localproc.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		cancel()
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cancel(); _ = cmd.Wait() })
	m := &Mailpit{SMTPURL: fmt.Sprintf("smtp://127.0.0.1:%d", smtpPort), API: fmt.Sprintf("http://127.0.0.1:%d", apiPort)}
	for _, addr := range []string{fmt.Sprintf("127.0.0.1:%d", smtpPort), fmt.Sprintf("127.0.0.1:%d", apiPort)} {
		if !localproc.WaitListening(addr, nil) {
			tb.Fatalf("mailpit did not start on %s:\n%s", addr, out.String())
		}
	}
	return m
}

// Summary is one message in Mailpit's list.
type Summary struct {
	ID      string    `json:"ID"`
	Subject string    `json:"Subject"`
	To      []Address `json:"To"`
	From    Address   `json:"From"`
}

// Address is a mailbox.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Message is one message in full.
type Message struct {
	ID      string    `json:"ID"`
	Subject string    `json:"Subject"`
	From    Address   `json:"From"`
	To      []Address `json:"To"`
	Text    string    `json:"Text"`
}

// Messages lists what has arrived, newest first (GET /api/v1/messages).
func (m *Mailpit) Messages(tb testing.TB) []Summary {
	tb.Helper()
	var list struct {
		Messages []Summary `json:"messages"`
	}
	m.get(tb, "/api/v1/messages", &list)
	return list.Messages
}

// Message reads one message (GET /api/v1/message/{ID}).
func (m *Mailpit) Message(tb testing.TB, id string) Message {
	tb.Helper()
	var msg Message
	m.get(tb, "/api/v1/message/"+id, &msg)
	return msg
}

// WaitFor returns the messages to address once there are want of them,
// polling for at most 10 s: SMTP has accepted them by then, and Mailpit
// stores what it accepts; the wait is for its index, not a timing claim.
func (m *Mailpit) WaitFor(tb testing.TB, address string, want int) []Message {
	tb.Helper()
	return m.WaitForSubject(tb, address, "", want)
}

// WaitForSubject is WaitFor counting only the messages whose subject holds
// subject (a receipt among verification links, say).
func (m *Mailpit) WaitForSubject(tb testing.TB, address, subject string, want int) []Message {
	tb.Helper()
	var got []Message
	for range 200 {
		got = got[:0]
		for _, s := range m.Messages(tb) {
			if !strings.Contains(s.Subject, subject) {
				continue
			}
			for _, to := range s.To {
				if strings.EqualFold(to.Address, address) {
					got = append(got, m.Message(tb, s.ID))
				}
			}
		}
		if len(got) >= want {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("mailpit: %d messages to %s with %q in the subject, want %d", len(got), address, subject, want)
	return nil
}

func (m *Mailpit) get(tb testing.TB, path string, into any) {
	tb.Helper()
	resp, err := http.Get(m.API + path)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("mailpit GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		tb.Fatalf("mailpit GET %s: %v", path, err)
	}
}
