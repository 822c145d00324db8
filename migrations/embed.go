// Package migrations holds Claro's schema as numbered, embedded SQL files,
// applied in order by bun/migrate. A landed migration is never edited; a change
// is a new pair of files.
package migrations

import (
	"embed"

	"github.com/uptrace/bun/migrate"
)

//go:embed *.sql
var files embed.FS

// New returns the set of migrations discovered in the embedded SQL files.
func New() (*migrate.Migrations, error) {
	m := migrate.NewMigrations()
	if err := m.Discover(files); err != nil {
		return nil, err
	}
	return m, nil
}
