package devtools_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/claro-market/claro/app"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/devtools"
	"github.com/claro-market/claro/testkit/apptest"
)

// On `claro dev` without SMTP_URL, /dev/mail shows the mail the app sent
// with its links clickable, so a person can follow a verification link.
func TestDevMailboxShowsTheMailWithItsLinks(t *testing.T) {
	e := apptest.New(t, testDB, func(c *config.Config) { c.DevMailbox = true })
	email := apptest.Email("devmail")
	b := e.NewBrowser()
	b.SignUpUnverified(t, email, "correct horse battery", "Dev Mail")
	resp, page := b.Get(t, "", devtools.MailPath)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("/dev/mail: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	link := "http://" + apptest.Root + e.MailLink(t, email, "/verify")
	if !strings.Contains(page, `<a href="`+strings.ReplaceAll(link, "&", "&amp;")+`">`) || !strings.Contains(page, "Confirm your email for Claro") ||
		!strings.Contains(page, email) {
		t.Fatalf("the mailbox does not show the verification link %s:\n%s", link, page)
	}
	// The link from the page works as it would from an inbox.
	if resp, _ := b.Get(t, "", e.MailLink(t, email, "/verify")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the link: %d", resp.StatusCode)
	}
}

// Only `claro dev` mounts the mailbox: elsewhere it is the 404 page, and
// production refuses to build an app with it.
func TestDevMailboxIsMountedOnlyInDevelopment(t *testing.T) {
	e := apptest.New(t, testDB)
	if resp, _ := e.Get(t, "", devtools.MailPath); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/dev/mail without the development mailbox: %d, want 404", resp.StatusCode)
	}
	cfg := apptest.Config(t)
	cfg.Env, cfg.DevMailbox = config.EnvProduction, true
	if _, err := app.New(cfg, testDB.DB, slog.New(slog.NewTextHandler(io.Discard, nil))); !errors.Is(err, devtools.ErrMailboxInProduction) {
		t.Fatalf("production with the development mailbox: %v", err)
	}
}
