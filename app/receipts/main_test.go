package receipts_test

import (
	"os"
	"testing"

	"github.com/claro-market/claro/app/db"
)

var testDB *db.TestDatabase

func TestMain(m *testing.M) { os.Exit(db.TestMain(m, &testDB)) }
