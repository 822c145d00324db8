package web_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestBusyErrorsAnswer503WithRetryAfter: a lock or statement timeout, a
// deadline and a server out of connections are the readable 503 page with
// Retry-After, logged as a warning; a different database error is still the
// generic 500.
func TestBusyErrorsAnswer503WithRetryAfter(t *testing.T) {
	var log bytes.Buffer
	f, _ := errorApp(t, &log, map[string]error{
		"/lock":      fmt.Errorf("catalog: product: %w", &pgconn.PgError{Code: "55P03", Message: "canceling statement due to lock timeout"}),
		"/statement": fmt.Errorf("catalog: list: %w", &pgconn.PgError{Code: "57014", Message: "canceling statement due to statement timeout"}),
		"/deadline":  fmt.Errorf("tenants: resolve: %w", context.DeadlineExceeded),
		"/full":      &pgconn.PgError{Code: "53300", Message: "sorry, too many clients already"},
		"/other":     &pgconn.PgError{Code: "23505", Message: "duplicate key"},
	})
	for path, busy := range map[string]bool{"/lock": true, "/statement": true, "/deadline": true, "/full": true, "/other": false} {
		resp, err := f.Test(httptest.NewRequest("GET", path, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !busy {
			if resp.StatusCode != fiber.StatusInternalServerError || resp.Header.Get("Retry-After") != "" {
				t.Errorf("%s: %d Retry-After=%q, want a plain 500", path, resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			continue
		}
		if resp.StatusCode != fiber.StatusServiceUnavailable || resp.Header.Get("Retry-After") != web.BusyRetryAfter ||
			!strings.Contains(string(body), web.BusyMessage) {
			t.Errorf("%s: %d Retry-After=%q\n%s", path, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	}
	if !strings.Contains(log.String(), "level=WARN msg=\"request busy\"") {
		t.Errorf("busy answers not logged as warnings:\n%s", log.String())
	}
}

// TestDeadlineBoundsTheRequestContext: a handler's context ends at the
// deadline, so a wait on it cannot outlive the request's budget.
func TestDeadlineBoundsTheRequestContext(t *testing.T) {
	f := fiber.New()
	f.Use(web.Deadline(50 * time.Millisecond))
	f.Get("/", func(c *fiber.Ctx) error {
		select {
		case <-c.UserContext().Done():
			return c.SendString("ended")
		case <-time.After(5 * time.Second):
			return c.SendString("waited")
		}
	})
	start := time.Now()
	resp, err := f.Test(httptest.NewRequest("GET", "/", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "ended" || time.Since(start) > time.Second {
		t.Fatalf("handler said %q after %v", body, time.Since(start))
	}
}

// The request context's deadline behaves as context.WithDeadline's whether
// or not anything waited on it during the request: it reports the deadline
// at once, a wait started late still ends at it, a context derived from it
// ends with it, and after the request it is cancelled, as a WithTimeout's
// is once its cancel ran.
func TestDeadlineContextIsAWithDeadline(t *testing.T) {
	var kept []context.Context
	f := fiber.New()
	f.Use(web.Deadline(80 * time.Millisecond))
	f.Get("/none", func(c *fiber.Ctx) error { // nothing waits: the cached-page case
		kept = append(kept, c.UserContext())
		if d, ok := c.UserContext().Deadline(); !ok || time.Until(d) > 80*time.Millisecond || time.Until(d) <= 0 {
			return c.SendString("no deadline")
		}
		return c.SendString("ok")
	})
	f.Get("/derived", func(c *fiber.Ctx) error {
		ctx, cancel := context.WithCancel(c.UserContext())
		defer cancel()
		kept = append(kept, c.UserContext())
		select {
		case <-ctx.Done():
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return c.SendString("derived ended by " + ctx.Err().Error())
			}
			return c.SendString("ok")
		case <-time.After(5 * time.Second):
			return c.SendString("waited")
		}
	})
	for _, path := range []string{"/none", "/derived"} {
		resp, err := f.Test(httptest.NewRequest("GET", path, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if string(body) != "ok" {
			t.Errorf("%s: %s", path, body)
		}
	}
	for i, ctx := range kept {
		select {
		case <-ctx.Done():
		default:
			t.Errorf("request %d's context is not done after the request", i)
		}
		if ctx.Err() == nil {
			t.Errorf("request %d's context has no error after the request", i)
		}
	}
}
