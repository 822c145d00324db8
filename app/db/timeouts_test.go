package db_test

import (
	"context"
	"database/sql"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/db"
)

// TestSessionsHaveStatementAndLockTimeouts: every session Open makes carries
// the timeouts, and a URL that sets its own wins.
func TestSessionsHaveStatementAndLockTimeouts(t *testing.T) {
	ctx := context.Background()
	show := func(d *db.DB, name string) string {
		var v string
		if err := d.Primary.NewRaw("SELECT current_setting(?)", name).Scan(ctx, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := show(testDB.DB, "statement_timeout"); got != "5s" {
		t.Errorf("statement_timeout %q, want 5s", got)
	}
	if got := show(testDB.DB, "lock_timeout"); got != "2s" {
		t.Errorf("lock_timeout %q, want 2s", got)
	}
	sep := "?"
	if strings.Contains(testDB.URL, "?") {
		sep = "&"
	}
	d, err := db.Open(ctx, testDB.URL+sep+"lock_timeout=750ms", "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := show(d, "lock_timeout"); got != "750ms" {
		t.Errorf("lock_timeout from the URL %q, want 750ms", got)
	}
}

// TestMigrationsWaitLongerThanTheLockTimeout holds the migration lock table
// for longer than lock_timeout in another session: MigrateUp waits it out
// (its connection has no timeouts) instead of failing at LockTimeout.
func TestMigrationsWaitLongerThanTheLockTimeout(t *testing.T) {
	ctx := context.Background()
	other, err := sql.Open("pgx", testDB.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "LOCK TABLE bun_migration_locks IN ACCESS EXCLUSIVE MODE"); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	hold := db.LockTimeout + time.Second
	release := time.AfterFunc(hold, func() { _ = tx.Rollback() })
	defer release.Stop()
	defer tx.Rollback() //nolint:errcheck

	mctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	start := time.Now()
	if err := testDB.MigrateUp(mctx, io.Discard); err != nil {
		t.Fatalf("migrate up behind a %v lock: %v", hold, err)
	}
	if took := time.Since(start); took < hold-100*time.Millisecond {
		t.Fatalf("migrate up took %v: it did not wait for the lock (is the table still named bun_migration_locks?)", took)
	}
}
