package db

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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

// TestMain gives a test package its own fresh, migrated database on the running
// server, stores it in *out, runs the tests and drops the database afterwards.
// Use it from the package's TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(db.TestMain(m, &testDB)) }
func TestMain(m *testing.M, out **TestDatabase) int {
	ctx := context.Background()
	td, err := CreateTestDatabase(ctx)
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

// TestDatabase is one package's private database.
type TestDatabase struct {
	*DB
	Name  string
	URL   string
	admin string
}

// CreateTestDatabase creates and migrates a uniquely named database.
func CreateTestDatabase(ctx context.Context) (*TestDatabase, error) {
	admin := AdminURL()
	wd, _ := os.Getwd()
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := "claro_test_" + unsafeName.ReplaceAllString(strings.ToLower(filepath.Base(wd)), "_") + "_" + hex.EncodeToString(suffix)

	adb, err := open(ctx, admin)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w (is PostgreSQL running?)", redact(admin), err)
	}
	defer adb.Close()
	if _, err := adb.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, err
	}
	u, err := url.Parse(admin)
	if err != nil {
		return nil, err
	}
	u.Path = "/" + name
	td := &TestDatabase{Name: name, URL: u.String(), admin: admin}
	d, err := Open(ctx, td.URL, "")
	if err != nil {
		return nil, err
	}
	td.DB = d
	if err := d.MigrateUp(ctx, nil); err != nil {
		_ = td.Drop(ctx)
		return nil, err
	}
	return td, nil
}

// Drop closes the pools and drops the database.
func (td *TestDatabase) Drop(ctx context.Context) error {
	if td.DB != nil {
		td.DB.Close()
	}
	adb, err := open(ctx, td.admin)
	if err != nil {
		return err
	}
	defer adb.Close()
	_, err = adb.ExecContext(ctx, "DROP DATABASE IF EXISTS "+td.Name+" WITH (FORCE)")
	return err
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the database"
	}
	return u.Redacted()
}
