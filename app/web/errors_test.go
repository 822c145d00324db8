package web_test

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/views"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
)

// errorApp is a bare Fiber app with the real templates and the one error
// handler, whose routes fail with the given errors; log collects its lines.
func errorApp(t *testing.T, log *bytes.Buffer, routes map[string]error) (*fiber.App, *web.ErrorPages) {
	t.Helper()
	only := fstest.MapFS{} // the error pages as shipped, without the rest of the tree's functions
	for _, name := range []string{"errors/404.html", "errors/error.html", "errors/unavailable.html"} {
		b, err := fs.ReadFile(views.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		only[name] = &fstest.MapFile{Data: b}
	}
	engine := html.NewFileSystem(http.FS(only), ".html")
	pages, err := web.NewErrorPages(engine, slog.New(slog.NewTextHandler(log, nil)), "http://claro.test")
	if err != nil {
		t.Fatal(err)
	}
	f := fiber.New(fiber.Config{Views: engine, ErrorHandler: pages.Handle})
	f.Use(web.RequestRecord(nil))
	for path, err := range routes {
		f.Get(path, func(*fiber.Ctx) error { return err })
	}
	return f, pages
}

func TestAnInternalErrorsTextNeverReachesThePage(t *testing.T) {
	const secret = "password=hunter2 host=10.0.0.7"
	var log bytes.Buffer
	f, pages := errorApp(t, &log, map[string]error{
		"/internal": fmt.Errorf("orders: write paid order: %s: %w", secret, errors.New("pq: deadlock")),
		"/fiber":    fiber.NewError(fiber.StatusBadRequest, "bad thing in "+secret),
		"/fiber5xx": fiber.NewError(fiber.StatusServiceUnavailable, secret),
		"/wrapped":  fmt.Errorf("checkout: %s: %w", secret, web.Refuse(fiber.StatusUnprocessableEntity, "Your cart is empty.")),
		"/refused":  web.Refuse(fiber.StatusForbidden, "Only the store's owner can do that."),
		"/missing":  fmt.Errorf("catalog: %s: %w", secret, sql.ErrNoRows),
	})
	for path, want := range map[string]struct {
		status int
		text   string
	}{
		"/internal": {500, "Something went wrong on our side."},
		"/fiber":    {400, "Bad Request"},
		"/fiber5xx": {503, "Something went wrong on our side."},
		"/wrapped":  {422, "Your cart is empty."},
		"/refused":  {403, "Only the store&#39;s owner can do that."},
		"/missing":  {404, ""},
	} {
		log.Reset()
		resp, err := f.Test(httptest.NewRequest(http.MethodGet, path, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		page := string(body)
		if resp.StatusCode != want.status || !strings.Contains(page, want.text) {
			t.Errorf("%s: %d, want %d with %q\n%s", path, resp.StatusCode, want.status, want.text, page)
		}
		if strings.Contains(page, "hunter2") || strings.Contains(page, "deadlock") || strings.Contains(page, "10.0.0.7") {
			t.Errorf("%s: internal error text on the page:\n%s", path, page)
		}
		if path == "/missing" && page != string(pages.NotFoundBody()) {
			t.Errorf("%s: not the one 404 page", path)
		}
		if want.status >= 500 {
			id := resp.Header.Get(fiber.HeaderXRequestID)
			if id == "" || !strings.Contains(page, id) {
				t.Errorf("%s: the page does not quote the request id %q", path, id)
			}
			if !strings.Contains(log.String(), "hunter2") || !strings.Contains(log.String(), id) {
				t.Errorf("%s: the log line lacks the error or the request id: %s", path, log.String())
			}
		}
	}
}
