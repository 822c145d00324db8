package dbtest

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/claro-market/claro/testkit/peertest"
)

// StreamingPair starts a private primary and a streaming replica made with
// pg_basebackup, stopped when tb ends, and returns their URLs. A test pauses
// the replica's replay (SELECT pg_wal_replay_pause() on it) to hold it
// behind the primary, which a shared server cannot: this is how the
// read-your-writes promise is proved against real replication.
func StreamingPair(tb testing.TB) (primaryURL, replicaURL string) {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(pgBin(), "initdb")); err != nil || os.Geteuid() != 0 {
		peertest.Missing(tb, "a streaming replica needs PostgreSQL's server programs (/usr/lib/postgresql/*/bin) and root (to run them as postgres)")
	}
	pg, err := user.Lookup("postgres")
	if err != nil {
		tb.Fatal(err)
	}
	uid, _ := strconv.Atoi(pg.Uid)
	gid, _ := strconv.Atoi(pg.Gid)
	dir, err := os.MkdirTemp("", "claro-replica-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chown(dir, uid, gid); err != nil {
		tb.Fatal(err)
	}
	pdir, rdir := filepath.Join(dir, "primary"), filepath.Join(dir, "replica")
	pport, rport := peertest.FreePort(tb), peertest.FreePort(tb)

	asPostgres(tb, "initdb", "-D", pdir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nwal_level = replica\nmax_wal_senders = 4\nfsync = off\n", pport, dir)
	appendFile(tb, filepath.Join(pdir, "postgresql.conf"), conf)
	appendFile(tb, filepath.Join(pdir, "pg_hba.conf"), "host replication all 127.0.0.1/32 trust\n")
	asPostgres(tb, "pg_ctl", "-D", pdir, "-l", filepath.Join(dir, "primary.log"), "-w", "start")
	tb.Cleanup(func() { asPostgres(tb, "pg_ctl", "-D", pdir, "-m", "immediate", "stop") })

	asPostgres(tb, "pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(pport), "-U", "postgres", "-D", rdir, "-R", "-X", "stream")
	appendFile(tb, filepath.Join(rdir, "postgresql.conf"), fmt.Sprintf("port = %d\nhot_standby = on\n", rport))
	asPostgres(tb, "pg_ctl", "-D", rdir, "-l", filepath.Join(dir, "replica.log"), "-w", "start")
	tb.Cleanup(func() { asPostgres(tb, "pg_ctl", "-D", rdir, "-m", "immediate", "stop") })

	u := "postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable"
	return fmt.Sprintf(u, pport), fmt.Sprintf(u, rport)
}

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
func asPostgres(tb testing.TB, name string, args ...string) {
	tb.Helper()
	cmd := exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(pgBin(), name)}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func appendFile(tb testing.TB, path, s string) {
	tb.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		tb.Fatal(err)
	}
}
