package app_test

import (
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/claro-market/claro/app"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/devtools"
	"github.com/claro-market/claro/testkit/apptest"
)

// The local test-payment page "pays" without money: a production app refuses
// to start with it, even from a configuration that skipped validation.
func TestNewRefusesTestPaymentsInProduction(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.Env, cfg.DevTestPayments = config.EnvProduction, true
	_, err := app.New(cfg, testDB.DB, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if !errors.Is(err, devtools.ErrTestPaymentsInProduction) {
		t.Fatalf("app.New: %v", err)
	}
}
