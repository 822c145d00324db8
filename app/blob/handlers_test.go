package blob

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// t0 is the tests' fixed "now": expiry is tested by moving a clock, never by
// waiting.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var testSecret = bytes.Repeat([]byte("k"), 32)

// signerAt returns a signer under testSecret whose clock stands still at now.
func signerAt(t testing.TB, now time.Time) *Signer {
	t.Helper()
	s, err := NewSigner(testSecret, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// downloadApp routes downloads the way the app does; the signed-in user is
// the X-Test-User header.
func downloadApp(s Store, signer *Signer) *fiber.App {
	app := fiber.New()
	app.Get(DownloadPrefix+":token", DownloadHandler(s, signer, func(c *fiber.Ctx) int64 {
		id, _ := strconv.ParseInt(c.Get("X-Test-User"), 10, 64)
		return id
	}, func(_ context.Context, _ int64, key string) (bool, error) {
		return !strings.Contains(key, "revoked"), nil // the test's stand-in for a refunded purchase
	}))
	return app
}

func fetch(t *testing.T, app *fiber.App, path string, user int64) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if user != 0 {
		req.Header.Set("X-Test-User", strconv.FormatInt(user, 10))
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// testDownloads runs DownloadHandler against s, which streams.
func testDownloads(t *testing.T, s Store) {
	body := "%PDF-1.7 the guide"
	put(t, s, "files/9/41-0-guide.pdf", body, "application/pdf")
	signer := signerAt(t, t0)
	app := downloadApp(s, signer)
	link := signer.SignFile("files/9/41-0-guide.pdf", "Guide (2nd ed.).pdf", 42, 10*time.Minute)

	t.Run("valid link streams the file", func(t *testing.T) {
		resp := fetch(t, app, link, 42)
		got, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || string(got) != body {
			t.Fatalf("status %d, body %q", resp.StatusCode, got)
		}
		for h, want := range map[string]string{
			"Content-Type":           "application/pdf",
			"Content-Disposition":    `attachment; filename="Guide (2nd ed.).pdf"`,
			"Content-Length":         strconv.Itoa(len(body)),
			"X-Content-Type-Options": "nosniff",
			"Cache-Control":          "private, no-store",
		} {
			if v := resp.Header.Get(h); v != want {
				t.Errorf("%s = %q, want %q", h, v, want)
			}
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
			t.Errorf("Content-Security-Policy = %q, want a sandbox", csp)
		}
	})

	t.Run("HEAD answers the headers alone", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodHead, link, nil)
		req.Header.Set("X-Test-User", "42")
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || len(got) != 0 || resp.Header.Get("Content-Disposition") == "" {
			t.Fatalf("status %d, %d body bytes, headers %v", resp.StatusCode, len(got), resp.Header)
		}
	})

	tampered := []byte(link)
	i := len(DownloadPrefix) + 5
	tampered[i] = map[bool]byte{true: 'B', false: 'A'}[tampered[i] == 'A'] // one payload letter changes
	for _, tc := range []struct {
		name string
		app  *fiber.App
		path string
		user int64
	}{
		{"other user", app, link, 43},
		{"signed out", app, link, 0},
		{"tampered", app, string(tampered), 42},
		{"truncated", app, link[:len(link)-3], 42},
		{"garbage", app, DownloadPrefix + "not-a-token", 42},
		{"expired", downloadApp(s, signerAt(t, t0.Add(10*time.Minute))), link, 42},
		{"other secret", downloadApp(s, otherSigner(t)), link, 42},
		{"missing blob", app, signer.Sign("files/9/never-put.pdf", 42, time.Minute), 42},
	} {
		t.Run(tc.name+" is 404", func(t *testing.T) {
			resp := fetch(t, tc.app, tc.path, tc.user)
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("status %d, want 404", resp.StatusCode)
			}
			if resp.Header.Get("Content-Disposition") != "" {
				t.Fatal("a refused link still sent an attachment")
			}
		})
	}
}

func otherSigner(t *testing.T) *Signer {
	s, err := NewSigner(bytes.Repeat([]byte("z"), 32), func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAttachment(t *testing.T) {
	for name, want := range map[string]string{
		"guide.pdf":            `attachment; filename=guide.pdf`,
		"Guide (2nd ed.).pdf":  `attachment; filename="Guide (2nd ed.).pdf"`,
		"../../etc/passwd":     `attachment; filename=.._.._etc_passwd`,
		`say "hi".txt`:         `attachment; filename="say \"hi\".txt"`,
		"résumé.pdf":           `attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf`,
		"a\r\nSet-Cookie: x=1": `attachment; filename="a__Set-Cookie: x=1"`,
		"":                     `attachment; filename=download`,
		"..":                   `attachment; filename=download`,
	} {
		if got := attachment(name); got != want {
			t.Errorf("attachment(%q) = %s, want %s", name, got, want)
		}
	}
}

func TestMediaHandler(t *testing.T) {
	l, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	put(t, l, "img/abc.png", "\x89PNG\r\n\x1a\n", "image/png")
	put(t, l, "files/1/secret.pdf", "%PDF", "application/pdf")
	app := fiber.New()
	app.Get("/media/*", MediaHandler(l))
	for path, want := range map[string]int{
		"/media/img/abc.png":        http.StatusOK,
		"/media/img/missing.png":    http.StatusNotFound,
		"/media/files/1/secret.pdf": http.StatusNotFound, // product files are never public
		"/media/img/..%2Fsecret":    http.StatusNotFound,
	} {
		resp, err := app.Test(httptest.NewRequest(http.MethodGet, path, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
		if want == http.StatusOK && (resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff") {
			t.Errorf("%s: headers %v", path, resp.Header)
		}
	}
}
