package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/claro-market/claro/app/devtools"
)

// localPostgres is where the tests look for a server when no URL is given
// (a variable so that the fallback can be tried on a machine that runs one).
var localPostgres = "127.0.0.1:5432"

// testDatabaseCmd prints the PostgreSQL server `make test` runs the tests
// against, so that a fresh machine needs no setup: TEST_DATABASE_URL, else
// DATABASE_URL, else the server answering on 127.0.0.1:5432, else the same
// private cluster `claro dev` uses (./.data/postgres), started if it is not
// running. The cluster stays up for the next run; `pg_ctl -D .data/postgres
// stop` stops it. Not in the usage text: only the Makefile calls it.
func testDatabaseCmd(ctx context.Context, stdout, stderr io.Writer) error {
	for _, k := range []string{"TEST_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(k); v != "" {
			fmt.Fprintln(stdout, v)
			return nil
		}
	}
	if c, err := net.DialTimeout("tcp", localPostgres, time.Second); err == nil {
		c.Close()
		fmt.Fprintf(stdout, "postgres://postgres@%s/postgres?sslmode=disable\n", localPostgres)
		return nil
	}
	fmt.Fprintf(stderr, "claro: nothing answers on %s and no TEST_DATABASE_URL or DATABASE_URL is set: using the private cluster in .data/postgres\n", localPostgres)
	pg, err := devtools.StartPostgres(ctx, filepath.Join(".data", "postgres"), slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, pg.URL())
	return nil
}
