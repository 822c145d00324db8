package db_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/testkit/dbtest"
	"github.com/gofiber/fiber/v2"
)

func TestWriterReadsThePrimaryUntilThePausedReplicaReplaysTheirWrite(t *testing.T) {
	primaryURL, replicaURL := dbtest.StreamingPair(t)
	ctx := context.Background()
	d, err := db.Open(ctx, primaryURL, replicaURL)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Primary.ExecContext(ctx, "CREATE TABLE purchases (id int)"); err != nil {
		t.Fatal(err)
	}
	lsn, err := d.CurrentLSN(ctx)
	if err != nil || !db.ValidLSN(lsn) {
		t.Fatalf("CurrentLSN %q, %v", lsn, err)
	}
	if ok, err := d.WaitReplayed(ctx, lsn, time.Minute, 50*time.Millisecond, db.Sleep); !ok || err != nil {
		t.Fatalf("the replica never replayed the table: %v", err)
	}
	if _, err := d.Replica.ExecContext(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}

	rw := web.NewReadYourWrites(d, "claro.test", false)
	rw.MaxWait = 0 // do not wait for the paused replica: read the primary at once
	app := fiber.New()
	app.Use(rw.Reads, rw.Records)
	app.Post("/buy", func(c *fiber.Ctx) error {
		_, err := d.Primary.ExecContext(c.UserContext(), "INSERT INTO purchases VALUES (1)")
		return err
	})
	app.Get("/library", func(c *fiber.Ctx) error {
		var n int
		if err := d.ReadPool(c.UserContext()).NewRaw("SELECT count(*) FROM purchases").Scan(c.UserContext(), &n); err != nil {
			return err
		}
		return c.SendString(strconv.Itoa(n))
	})
	do := func(method, cookie string) (*http.Response, string) {
		req := httptest.NewRequest(method, "http://claro.test"+map[string]string{"POST": "/buy", "GET": "/library"}[method], nil)
		if cookie != "" {
			req.Header.Set("Cookie", web.LSNCookie+"="+cookie)
		}
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	resp, _ := do("POST", "")
	var written string
	for _, c := range resp.Cookies() {
		if c.Name == web.LSNCookie {
			written = c.Value
			if c.Domain != "claro.test" || !c.HttpOnly {
				t.Fatalf("LSN cookie %+v", c)
			}
		}
	}
	if !db.ValidLSN(written) {
		t.Fatalf("the write set no LSN cookie (%q)", written)
	}
	if _, n := do("GET", ""); n != "0" {
		t.Fatalf("the paused replica already has the purchase (%s rows); the test proves nothing", n)
	}
	if _, n := do("GET", written); n != "1" {
		t.Fatalf("the writer read %s purchases; their own write must show (from the primary)", n)
	}

	// Once the replica has replayed the write, reads go back to it and the
	// cookie is dropped.
	if _, err := d.Replica.ExecContext(ctx, "SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	if ok, err := d.WaitReplayed(ctx, written, time.Minute, 50*time.Millisecond, db.Sleep); !ok || err != nil {
		t.Fatalf("the replica did not catch up: %v", err)
	}
	resp, n := do("GET", written)
	cleared := false
	for _, c := range resp.Cookies() {
		cleared = cleared || (c.Name == web.LSNCookie && c.Value == "" && c.Expires.Before(time.Unix(2, 0)))
	}
	if n != "1" || !cleared {
		t.Fatalf("after replay: %s rows, cookie cleared %v", n, cleared)
	}
	if _, n := do("GET", "not-an-lsn"); n != "1" {
		t.Fatalf("a forged cookie broke the read: %s", n)
	}
}
