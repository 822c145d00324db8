package dbtest

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/claro-market/claro/testkit/peertest"
)

// Cluster is a PostgreSQL server of one test's own, started with initdb in a
// temporary directory and stopped when the test ends. Unlike the shared
// server, a test may crash it and start it again: that is how the app is
// shown to degrade, not hang, when its database goes away.
type Cluster struct {
	// URL is the server's postgres database, as the superuser.
	URL string

	dir, data string
	port      int
}

// StartCluster initialises and starts a private server; extraConf is
// appended to its postgresql.conf.
func StartCluster(tb testing.TB, extraConf string) *Cluster {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(pgBin(), "initdb")); err != nil || os.Geteuid() != 0 {
		peertest.Missing(tb, "a private PostgreSQL server needs PostgreSQL's server programs (/usr/lib/postgresql/*/bin) and root (to run them as postgres)")
	}
	pg, err := user.Lookup("postgres")
	if err != nil {
		tb.Fatal(err)
	}
	uid, _ := strconv.Atoi(pg.Uid)
	gid, _ := strconv.Atoi(pg.Gid)
	dir, err := os.MkdirTemp("", "claro-pg-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chown(dir, uid, gid); err != nil {
		tb.Fatal(err)
	}
	c := &Cluster{dir: dir, data: filepath.Join(dir, "data"), port: peertest.FreePort(tb)}
	c.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
	asPostgres(tb, "initdb", "-D", c.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	appendFile(tb, filepath.Join(c.data, "postgresql.conf"), fmt.Sprintf(
		"port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nfsync = off\n%s", c.port, dir, extraConf))
	c.Start(tb)
	tb.Cleanup(func() { c.run("pg_ctl", "-D", c.data, "-m", "immediate", "stop") })
	return c
}

// Start starts the server (again) and waits until it accepts connections.
func (c *Cluster) Start(tb testing.TB) {
	tb.Helper()
	asPostgres(tb, "pg_ctl", "-D", c.data, "-l", filepath.Join(c.dir, "server.log"), "-w", "start")
}

// Crash stops the server at once, as a crash or a lost machine would: open
// connections break, new ones are refused.
func (c *Cluster) Crash(tb testing.TB) {
	tb.Helper()
	asPostgres(tb, "pg_ctl", "-D", c.data, "-m", "immediate", "-w", "stop")
}

// Database creates and migrates a fresh database on the server; it is
// dropped when the test ends (if the server is up then).
func (c *Cluster) Database(tb testing.TB) *Database {
	tb.Helper()
	ctx := context.Background()
	td, err := createOn(ctx, c.URL)
	if err != nil {
		tb.Fatal(err)
	}
	if err := td.MigrateUp(ctx, nil); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { td.DB.Close() })
	return td
}

// run is asPostgres for a cleanup, where a failure (a server already
// stopped) is not the test's.
func (c *Cluster) run(name string, args ...string) {
	_ = asPostgresCmd(name, args...).Run()
}
