package receipts_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/receipts"
)

// Without SMTP_URL mail is logged; in production its text, which may hold a
// password-reset or sign-in link, never reaches the log.
func TestUnsentMailKeepsItsLinksOutOfProductionLogs(t *testing.T) {
	const link = "https://claro.example/reset?token=secret-one-time-token"
	for _, env := range []string{"development", "production"} {
		var logged bytes.Buffer
		mailer, err := receipts.Transport(config.Config{Env: env}, "Claro <accounts@claro.example>",
			slog.New(slog.NewJSONHandler(&logged, nil)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := mailer.Send(context.Background(), receipts.Message{To: "ada@example.com", Subject: "Reset your Claro password",
			Text: "Open this link: " + link}); err != nil {
			t.Fatal(err)
		}
		hasLink := strings.Contains(logged.String(), link)
		if want := env != "production"; hasLink != want || !strings.Contains(logged.String(), "ada@example.com") {
			t.Errorf("%s: link in the log %v, want %v:\n%s", env, hasLink, want, logged.String())
		}
	}
}
