package discounts_test

import (
	"os"
	"testing"

	"github.com/claro-market/claro/testkit/dbtest"
)

var testDB *dbtest.Database

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m, &testDB)) }
