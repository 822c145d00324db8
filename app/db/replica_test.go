package db_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/testkit/peertest"
	"github.com/gofiber/fiber/v2"
)

// pgBin is the newest installed PostgreSQL's programs (Debian keeps them
// out of PATH, under /usr/lib/postgresql/<major>/bin).
func pgBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		na, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		nb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return na - nb
	})
	if len(dirs) == 0 {
		return ""
	}
	return dirs[len(dirs)-1]
}

// asPostgres runs a PostgreSQL program as the postgres system user
// (PostgreSQL refuses to run as root).
func asPostgres(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(pgBin(), name)}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// startStreamingPair starts a private primary and a streaming replica made
// with pg_basebackup, and returns their URLs.
func startStreamingPair(t *testing.T) (primaryURL, replicaURL string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(pgBin(), "initdb")); err != nil || os.Geteuid() != 0 {
		peertest.Missing(t, "a streaming replica needs PostgreSQL's server programs (/usr/lib/postgresql/*/bin) and root (to run them as postgres)")
	}
	pg, err := user.Lookup("postgres")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(pg.Uid)
	gid, _ := strconv.Atoi(pg.Gid)
	dir, err := os.MkdirTemp("", "claro-replica-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	pdir, rdir := filepath.Join(dir, "primary"), filepath.Join(dir, "replica")
	pport, rport := peertest.FreePort(t), peertest.FreePort(t)

	asPostgres(t, "initdb", "-D", pdir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nwal_level = replica\nmax_wal_senders = 4\nfsync = off\n", pport, dir)
	appendFile(t, filepath.Join(pdir, "postgresql.conf"), conf)
	appendFile(t, filepath.Join(pdir, "pg_hba.conf"), "host replication all 127.0.0.1/32 trust\n")
	asPostgres(t, "pg_ctl", "-D", pdir, "-l", filepath.Join(dir, "primary.log"), "-w", "start")
	t.Cleanup(func() { asPostgres(t, "pg_ctl", "-D", pdir, "-m", "immediate", "stop") })

	asPostgres(t, "pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(pport), "-U", "postgres", "-D", rdir, "-R", "-X", "stream")
	appendFile(t, filepath.Join(rdir, "postgresql.conf"), fmt.Sprintf("port = %d\nhot_standby = on\n", rport))
	asPostgres(t, "pg_ctl", "-D", rdir, "-l", filepath.Join(dir, "replica.log"), "-w", "start")
	t.Cleanup(func() { asPostgres(t, "pg_ctl", "-D", rdir, "-m", "immediate", "stop") })

	u := "postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable"
	return fmt.Sprintf(u, pport), fmt.Sprintf(u, rport)
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func TestWriterReadsThePrimaryUntilThePausedReplicaReplaysTheirWrite(t *testing.T) {
	primaryURL, replicaURL := startStreamingPair(t)
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
