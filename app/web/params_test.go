package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/localproc"

	"github.com/claro-market/claro/testkit/apptest"
)

func TestNULAndInvalidUTF8InAnyParameterAreA400(t *testing.T) {
	var log localproc.Buffer // the app logs from several goroutines
	e := apptest.NewLogged(t, testDB, &log)
	b := e.NewBrowser()
	for _, path := range []string{"/search?q=%00", "/search?tag=%ff", "/search?q=ok&tag=a%00b", "/search?%00=x",
		"/login?next=%2Fx%00", "/p/%00", "/static/x%c0"} {
		resp, body := b.Get(t, "", path)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "characters we cannot read") {
			t.Errorf("GET %s: %d, want 400 with the sentence", path, resp.StatusCode)
		}
	}

	// A form with a NUL, sent with a valid token: refused before any handler,
	// and no account is written.
	email := apptest.Email("nul")
	for _, form := range []url.Values{
		{"email": {email}, "password": {"a long enough password"}, "name": {"N\x00L"}},
		{"email": {email}, "password": {"a long enough password\xff"}, "name": {"NUL"}},
	} {
		form.Set("_csrf", b.CSRF(t, "", "/signup"))
		req := httptest.NewRequest(http.MethodPost, "http://"+apptest.Root+"/signup", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		resp, body := b.Do(t, req)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "characters we cannot read") {
			t.Errorf("POST /signup %q: %d, want 400 with the sentence", form, resp.StatusCode)
		}
	}
	n, err := testDB.Primary.NewSelect().Table("users").Where("email = ?", email).Count(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("users with the refused email: %d, %v", n, err)
	}
	if strings.Contains(log.String(), "level=ERROR") {
		t.Fatalf("a refused parameter logged an error:\n%s", log.String())
	}
}
