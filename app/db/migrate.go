package db

import (
	"context"
	"fmt"
	"io"

	"github.com/claro-market/claro/migrations"
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

// MigrateUp applies every pending migration under bun's migration lock and
// reports which group it applied.
func (d *DB) MigrateUp(ctx context.Context, w io.Writer) error {
	m, err := d.Migrator()
	if err != nil {
		return err
	}
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

// MigrateDown rolls back the last applied group.
func (d *DB) MigrateDown(ctx context.Context, w io.Writer) error {
	m, err := d.Migrator()
	if err != nil {
		return err
	}
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
