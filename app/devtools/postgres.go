// Package devtools holds what only `claro dev` uses: a private PostgreSQL
// cluster under ./.data, a persistent development session secret, stripe-mock
// behind the id-rewriting proxy (stripeproxy) with development Stripe secrets,
// and the local test-payment page that plays Stripe Checkout's part. None of
// it runs in production: the test-payment page refuses to be built there.
package devtools

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/claro-market/claro/app/localproc"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// ErrNoPostgres says which package to install when the server binaries are missing.
var ErrNoPostgres = errors.New("PostgreSQL server binaries (initdb, pg_ctl) were not found: " +
	"install PostgreSQL (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql), " +
	"or set DATABASE_URL to a server you already run")

// Postgres is a private cluster started for `claro dev`.
type Postgres struct {
	Dir  string
	Port int
	bin  string
	asPG bool // running as root: the cluster runs as the postgres system user
	log  *slog.Logger
}

// StartPostgres initialises (once) and starts a cluster in dir, creates the
// claro database, and returns it. Stop stops it.
func StartPostgres(ctx context.Context, dir string, log *slog.Logger) (*Postgres, error) {
	bin, err := findPGBin()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	p := &Postgres{Dir: abs, bin: bin, asPG: os.Geteuid() == 0, log: log}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, err
	}
	if p.asPG {
		// The postgres user must be able to reach the cluster through ./.data.
		if fi, err := os.Stat(filepath.Dir(abs)); err == nil {
			_ = os.Chmod(filepath.Dir(abs), fi.Mode().Perm()|0o001)
		}
		// PostgreSQL refuses to run as root; hand the directory to postgres.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs a postgres system user to own the cluster: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := filepath.Walk(abs, func(path string, _ os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(path, uid, gid)
		}); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(abs, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		log.Info("initialising a private PostgreSQL cluster", "dir", abs)
		if out, err := p.run(ctx, "initdb", "-D", abs, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"); err != nil {
			return nil, fmt.Errorf("initdb: %w\n%s", err, out)
		}
	}
	if port, ok := p.runningPort(); ok {
		p.Port = port
		log.Info("reusing the running private PostgreSQL", "port", port)
	} else {
		if p.Port, err = freePort(54329); err != nil {
			return nil, err
		}
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", p.Port, abs)
		logFile := filepath.Join(abs, "server.log")
		if out, err := p.run(ctx, "pg_ctl", "-D", abs, "-o", opts, "-l", logFile, "-w", "-t", "60", "start"); err != nil {
			return nil, fmt.Errorf("pg_ctl start: %w\n%s\n(see %s)", err, out, logFile)
		}
		log.Info("private PostgreSQL started", "port", p.Port, "dir", abs)
	}
	if err := p.ensureDatabase(ctx, "claro"); err != nil {
		return nil, err
	}
	return p, nil
}

// URL is the connection URL of the claro database.
func (p *Postgres) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/claro?sslmode=disable", p.Port)
}

// Stop shuts the cluster down (fast mode: open sessions are ended).
func (p *Postgres) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := p.run(ctx, "pg_ctl", "-D", p.Dir, "-m", "fast", "-w", "stop"); err != nil {
		return fmt.Errorf("pg_ctl stop: %w\n%s", err, out)
	}
	p.log.Info("private PostgreSQL stopped")
	return nil
}

func (p *Postgres) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	path := filepath.Join(p.bin, name)
	var cmd *exec.Cmd
	if p.asPG {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = "/"
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// runningPort reads postmaster.pid of a cluster left running (say, by a run
// that was killed) so it is reused instead of failing to start twice.
func (p *Postgres) runningPort() (int, bool) {
	b, err := os.ReadFile(filepath.Join(p.Dir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, false
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(lines[0]))
	port, _ := strconv.Atoi(strings.TrimSpace(lines[3]))
	if pid <= 0 || port <= 0 {
		return 0, false
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
		return 0, false
	}
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err != nil {
		return 0, false
	}
	c.Close()
	return port, true
}

func (p *Postgres) ensureDatabase(ctx context.Context, name string) error {
	db, err := sql.Open("pgx", fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.Port))
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		_, err = db.ExecContext(ctx, "CREATE DATABASE "+name)
	}
	return err
}

// findPGBin finds the directory holding initdb and pg_ctl: PATH first, then
// Debian's /usr/lib/postgresql/<version>/bin, newest version first.
func findPGBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", ErrNoPostgres
}

func pgVersion(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func freePort(preferred int) (int, error) {
	if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", preferred)); err == nil {
		l.Close()
		return preferred, nil
	}
	return localproc.FreePort()
}
