package dbtest

import (
	"fmt"
	"os"
	"os/exec"
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
	primary := StartCluster(tb, "wal_level = replica\nmax_wal_senders = 4\n")
	appendFile(tb, filepath.Join(primary.data, "pg_hba.conf"), "host replication all 127.0.0.1/32 trust\n")
	asPostgres(tb, "pg_ctl", "-D", primary.data, "reload")
	rdir, rport := filepath.Join(primary.dir, "replica"), peertest.FreePort(tb)
	asPostgres(tb, "pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(primary.port), "-U", "postgres", "-D", rdir, "-R", "-X", "stream")
	appendFile(tb, filepath.Join(rdir, "postgresql.conf"), fmt.Sprintf("port = %d\nhot_standby = on\n", rport))
	asPostgres(tb, "pg_ctl", "-D", rdir, "-l", filepath.Join(primary.dir, "replica.log"), "-w", "start")
	tb.Cleanup(func() { _ = asPostgresCmd("pg_ctl", "-D", rdir, "-m", "immediate", "stop").Run() })
	return primary.URL, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", rport)
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
	if out, err := asPostgresCmd(name, args...).CombinedOutput(); err != nil {
		tb.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func asPostgresCmd(name string, args ...string) *exec.Cmd {
	return exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(pgBin(), name)}, args...)...)
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
