package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/dbtest"
)

// replicated is the real app over a private primary and its streaming
// replica, with the replica caught up.
type replicated struct {
	e *apptest.Env
	d *db.DB
}

func newReplicated(t *testing.T) *replicated {
	t.Helper()
	primaryURL, replicaURL := dbtest.StreamingPair(t)
	ctx := context.Background()
	d, err := db.Open(ctx, primaryURL, replicaURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.MigrateUp(ctx, nil); err != nil {
		t.Fatal(err)
	}
	cfg := apptest.Config(t)
	cfg.DatabaseReplicaURL = replicaURL // installs the read-your-writes middleware
	cfg.PageCache = true                // as in production: anonymous pages are cached
	a, err := app.New(cfg, d, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = a.Changes.Run(lctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-a.Changes.Listening():
	case <-time.After(30 * time.Second):
		t.Fatal("the change listener never started")
	}
	r := &replicated{e: &apptest.Env{App: a, DB: &dbtest.Database{DB: d}}, d: d}
	r.catchUp(t)
	return r
}

// catchUp waits (up to a minute) until the replica has replayed every write
// committed so far.
func (r *replicated) catchUp(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	lsn, err := r.d.CurrentLSN(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := r.d.WaitReplayed(ctx, lsn, time.Minute, 50*time.Millisecond, db.Sleep); !ok || err != nil {
		t.Fatalf("the replica did not replay %s: %v", lsn, err)
	}
}

func (r *replicated) replay(t *testing.T, fn string) {
	t.Helper()
	if _, err := r.d.Replica.ExecContext(context.Background(), "SELECT "+fn+"()"); err != nil {
		t.Fatal(err)
	}
}

func TestACreatorSeesTheirProductEditOnTheStorefrontWhileTheReplicaIsBehind(t *testing.T) {
	r := newReplicated(t)
	e := r.e
	creator := e.NewBrowser()
	creator.SignUp(t, apptest.Unique("creator")+"@example.com", "a long enough password", "Creator")
	slug := apptest.Unique("replica-shop")
	token := creator.CSRF(t, "", "/dashboard/stores/new")
	if resp, body := creator.PostForm(t, "", "/dashboard/stores",
		url.Values{"_csrf": {token}, "slug": {slug}, "name": {"Replica Shop"}, "accent": {"#112233"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create store: %d\n%s", resp.StatusCode, body)
	}
	store, err := tenants.NewStore(r.d.Primary).BySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	p := e.Product(t, store, "field-notes", catalog.Public, func(p *catalog.Product) { p.Title = "Field Notes" })
	host := apptest.StoreHost(slug)
	productPath := "/products/" + p.Slug

	// Everyone sees the product as it is; then the replica stops replaying.
	r.catchUp(t)
	reader := e.NewBrowser()
	for _, path := range []string{"/", productPath} {
		if resp, body := reader.Get(t, host, path); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Field Notes") {
			t.Fatalf("before the edit, %s: %d, title shown %v", path, resp.StatusCode, strings.Contains(body, "Field Notes"))
		}
	}
	r.replay(t, "pg_wal_replay_pause")
	defer r.replay(t, "pg_wal_replay_resume")

	edit := fmt.Sprintf("/dashboard/s/%s/products/%d", slug, p.ID)
	form := url.Values{"_csrf": {creator.CSRF(t, "", edit+"/edit")}, "title": {"Field Notes, Second Edition"},
		"slug": {p.Slug}, "price": {"15"}, "currency": {"usd"}, "visibility": {"public"}}
	resp, body := creator.PostForm(t, "", edit, form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save product: %d\n%s", resp.StatusCode, body)
	}
	written := ""
	for _, c := range resp.Cookies() {
		if c.Name == web.LSNCookie {
			written = c.Value
		}
	}
	if !db.ValidLSN(written) {
		t.Fatalf("the save set no read-your-writes cookie (%q)", written)
	}

	// The writer's storefront and product page show the edit (read from the
	// primary); a visitor without the cookie is served by the paused
	// replica, which proves the writer's pages did not come from it.
	for _, path := range []string{"/", productPath} {
		if resp, body := creator.Get(t, host, path); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Second Edition") {
			t.Errorf("the creator's %s after saving: %d, new title shown %v", path, resp.StatusCode, strings.Contains(body, "Second Edition"))
		}
		resp, body := reader.Get(t, host, path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Field Notes") || strings.Contains(body, "Second Edition") {
			t.Errorf("a visitor's %s while the replica is paused: %d, old title %v, new title %v (want the replica's old row)",
				path, resp.StatusCode, strings.Contains(body, "Field Notes"), strings.Contains(body, "Second Edition"))
		}
	}

	// A page no one has asked for yet is rendered now, from the paused
	// replica: still the old row.
	misses := e.App.Pages.Misses.Load()
	if _, body := reader.Get(t, host, productPath+"?from=replica"); !strings.Contains(body, "Field Notes") ||
		strings.Contains(body, "Second Edition") || e.App.Pages.Misses.Load() == misses {
		t.Errorf("a visitor's uncached product page while the replica is paused: rendered %v, new title %v",
			e.App.Pages.Misses.Load() != misses, strings.Contains(body, "Second Edition"))
	}

	// Once the replica replays the edit, the change listener drops the
	// visitor's cached pages (it waited for the replay, so the refill reads
	// the new row) and the visitor sees the edit too.
	r.replay(t, "pg_wal_replay_resume")
	r.catchUp(t)
	for _, path := range []string{"/", productPath} {
		for i := 0; ; i++ {
			if _, body := reader.Get(t, host, path); strings.Contains(body, "Second Edition") {
				break
			}
			if i == 300 {
				t.Fatalf("a visitor's %s never showed the edit after replay", path)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
