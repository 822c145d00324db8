package db

import (
	"context"
	"fmt"
	"io"

	"github.com/claro-market/claro/migrations"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// Migrator returns bun/migrate's migrator over the embedded SQL files, always
// on the primary.
func (d *DB) Migrator() (*migrate.Migrator, error) {
	ms, err := migrations.New()
	if err != nil {
		return nil, err
	}
	return migrate.NewMigrator(d.Primary, ms), nil
}

// unbounded is a pool of its own to the primary without the sessions'
// statement and lock timeouts, for MigrateUp and MigrateDown: a migration
// may rewrite a table or wait for traffic's locks far longer than a request
// may. The caller closes it.
func (d *DB) unbounded(ctx context.Context) (*bun.DB, error) {
	if d.primaryURL == "" {
		return d.Primary, nil // a DB not made by Open: nothing to lift
	}
	u, err := openWith(ctx, d.primaryURL, false)
	if err != nil {
		return nil, fmt.Errorf("migrate: connect: %w", err)
	}
	return u, nil
}

// migratorOn is the migrator on bdb and a func that closes bdb if it is the
// migrations' own.
func (d *DB) migratorOn(ctx context.Context) (*migrate.Migrator, func(), error) {
	bdb, err := d.unbounded(ctx)
	if err != nil {
		return nil, nil, err
	}
	closeIt := func() {
		if bdb != d.Primary {
			bdb.Close()
		}
	}
	ms, err := migrations.New()
	if err != nil {
		closeIt()
		return nil, nil, err
	}
	return migrate.NewMigrator(bdb, ms), closeIt, nil
}

// MigrateUp applies every pending migration under bun's migration lock and
// reports which group it applied, on a connection without the sessions'
// timeouts.
func (d *DB) MigrateUp(ctx context.Context, w io.Writer) error {
	m, done, err := d.migratorOn(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("migrate: init: %w", err)
	}
	if err := m.Lock(ctx); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer m.Unlock(ctx) //nolint:errcheck
	group, err := m.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if w != nil {
		if group.IsZero() {
			fmt.Fprintln(w, "migrate: database is up to date")
		} else {
			fmt.Fprintf(w, "migrate: applied %s\n", group)
		}
	}
	return nil
}

// MigrateDown rolls back the last applied group, on a connection without
// the sessions' timeouts.
func (d *DB) MigrateDown(ctx context.Context, w io.Writer) error {
	m, done, err := d.migratorOn(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := m.Init(ctx); err != nil {
		return err
	}
	if err := m.Lock(ctx); err != nil {
		return err
	}
	defer m.Unlock(ctx) //nolint:errcheck
	group, err := m.Rollback(ctx)
	if err != nil {
		return fmt.Errorf("migrate down: %w", err)
	}
	if group.IsZero() {
		fmt.Fprintln(w, "migrate: nothing to roll back")
	} else {
		fmt.Fprintf(w, "migrate: rolled back %s\n", group)
	}
	return nil
}

// MigrationStatus prints every migration and whether it is applied.
func (d *DB) MigrationStatus(ctx context.Context, w io.Writer) error {
	m, err := d.Migrator()
	if err != nil {
		return err
	}
	if err := m.Init(ctx); err != nil {
		return err
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return err
	}
	for _, mg := range ms {
		state := "pending"
		if mg.IsApplied() {
			state = fmt.Sprintf("applied (group %d, %s)", mg.GroupID, mg.MigratedAt.Format("2006-01-02 15:04"))
		}
		fmt.Fprintf(w, "%s_%s\t%s\n", mg.Name, mg.Comment, state)
	}
	return nil
}

// PendingMigrations counts migrations not yet applied; /readyz is not ready
// while any are.
func (d *DB) PendingMigrations(ctx context.Context) (int, error) {
	m, err := d.Migrator()
	if err != nil {
		return 0, err
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return 0, err
	}
	return len(ms.Unapplied()), nil
}
