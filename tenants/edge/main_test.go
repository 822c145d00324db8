package edge

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"

	"github.com/claro-market/claro/testkit/dbtest"
)

var testDB *dbtest.Database

// holderEnv makes the test binary a lock holder instead of a test run: it
// takes the named lock on the given database, says so, and waits to be
// killed, so a test can see a crashed holder's lock go away.
const holderEnv = "CLARO_TEST_LOCK_HOLDER"

func TestMain(m *testing.M) {
	if url := os.Getenv(holderEnv); url != "" {
		os.Exit(holdLock(url, os.Getenv(holderEnv+"_NAME")))
	}
	os.Exit(dbtest.Main(m, &testDB))
}

func holdLock(url, name string) int {
	pool, err := sql.Open("pgx", url)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	if err := NewStorage(pool).Lock(context.Background(), name); err != nil {
		fmt.Println(err)
		return 1
	}
	fmt.Println("locked")
	select {}
}
