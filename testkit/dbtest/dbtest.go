// Package dbtest gives each test package its own fresh, migrated PostgreSQL
// database and drops it afterwards, so packages never see each other's rows.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/db"
	"github.com/jackc/pgx/v5/pgconn"
)

// AdminURL is the server the tests create their databases on: TEST_DATABASE_URL,
// else DATABASE_URL, else the local server on 127.0.0.1:5432.
func AdminURL() string {
	for _, k := range []string{"TEST_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_]+`)

// Main gives a test package its own fresh, migrated database on the running
// server, stores it in *out, runs the tests and drops the database afterwards.
// Use it from the package's TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(dbtest.Main(m, &testDB)) }
func Main(m *testing.M, out **Database) int {
	ctx := context.Background()
	td, err := Create(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "test database:", err)
		return 1
	}
	*out = td
	code := m.Run()
	if err := td.Drop(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "test database: drop:", err)
	}
	return code
}

// Database is one package's private database.
type Database struct {
	*db.DB
	Name  string
	URL   string
	admin string
}

// Create creates and migrates a uniquely named database.
func Create(ctx context.Context) (*Database, error) {
	td, err := CreateEmpty(ctx)
	if err != nil {
		return nil, err
	}
	if err := td.MigrateUp(ctx, nil); err != nil {
		_ = td.Drop(ctx)
		return nil, err
	}
	return td, nil
}

// CreateEmpty creates a uniquely named database and migrates nothing, for
// tests that apply the migrations themselves.
func CreateEmpty(ctx context.Context) (*Database, error) { return createOn(ctx, AdminURL()) }

// createOn creates a uniquely named, empty database on the server admin names.
func createOn(ctx context.Context, admin string) (*Database, error) {
	wd, _ := os.Getwd()
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := "claro_test_" + unsafeName.ReplaceAllString(strings.ToLower(filepath.Base(wd)), "_") + "_" + hex.EncodeToString(suffix)

	adb, err := db.Open(ctx, admin, "")
	if err != nil {
		return nil, connectError(admin, err)
	}
	defer adb.Close()
	if _, err := adb.Primary.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, err
	}
	u, err := url.Parse(admin)
	if err != nil {
		return nil, err
	}
	u.Path = "/" + name
	td := &Database{Name: name, URL: u.String(), admin: admin}
	d, err := db.Open(ctx, td.URL, "")
	if err != nil {
		return nil, err
	}
	td.DB = d
	return td, nil
}

// Drop closes the pools and drops the database.
func (td *Database) Drop(ctx context.Context) error {
	if td.DB != nil {
		td.DB.Close()
	}
	adb, err := db.Open(ctx, td.admin, "")
	if err != nil {
		return err
	}
	defer adb.Close()
	_, err = adb.Primary.ExecContext(ctx, "DROP DATABASE IF EXISTS "+td.Name+" WITH (FORCE)")
	return err
}

// connectError says what to do about a server the tests cannot reach: one
// that asks for a password needs it in the URL; one that does not answer
// needs starting (make test starts a private one when no URL is set).
func connectError(admin string, err error) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && (pg.Code == "28P01" || pg.Code == "28000") || strings.Contains(err.Error(), "password") {
		return fmt.Errorf("connect to %s: the server asks for a password (%w): put the user and password in TEST_DATABASE_URL, "+
			"e.g. postgres://user:password@host:5432/postgres; the user must be allowed to create databases", redact(admin), err)
	}
	return fmt.Errorf("connect to %s: %w (is PostgreSQL running? with no TEST_DATABASE_URL or DATABASE_URL, "+
		"make test uses 127.0.0.1:5432, or starts a private cluster when nothing answers there)", redact(admin), err)
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the database"
	}
	return u.Redacted()
}
