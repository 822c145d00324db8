package search_test

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/claro-market/claro/search"
	"github.com/claro-market/claro/testkit/meilitest"
)

// backendMaker builds one backend for the contract suite, or returns nil
// (with skip saying why) when it cannot run here.
type backendMaker struct {
	name string
	make func(t *testing.T) *backend
	skip string
}

// backendMakers: PostgreSQL and the Meilisearch replay server always; a real
// Meilisearch when MEILI_URL (and MEILI_API_KEY) are set.
func backendMakers() []backendMaker {
	return []backendMaker{
		{name: "postgres", make: func(t *testing.T) *backend {
			idx := search.NewPostgres(testDB.DB, codec())
			return &backend{name: "postgres", index: idx, worker: search.NewWorker(testDB.Primary, idx, quietLog())}
		}},
		{name: "meilisearch-replay", make: func(t *testing.T) *backend {
			srv := meilitest.New()
			t.Cleanup(srv.Close)
			return meiliBackend(t, "meilisearch-replay", search.MeiliConfig{URL: srv.URL, APIKey: meilitest.AdminKey})
		}},
		{name: "meilisearch", skip: "MEILI_URL is not set", make: func(t *testing.T) *backend {
			url := os.Getenv("MEILI_URL")
			if url == "" {
				return nil
			}
			return meiliBackend(t, "meilisearch", search.MeiliConfig{URL: url, APIKey: os.Getenv("MEILI_API_KEY")})
		}},
	}
}

// meiliBackend opens a fresh index and fills it from the database: the
// outbox is shared with the other backends, so it starts from a reindex.
func meiliBackend(t *testing.T, name string, cfg search.MeiliConfig) *backend {
	t.Helper()
	ctx := context.Background()
	cfg.Index = unique("claro_test_products_")
	idx, err := search.NewMeili(ctx, cfg, codec())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := search.Reindex(ctx, testDB.Primary, idx, io.Discard); err != nil {
		t.Fatal(err)
	}
	return &backend{name: name, index: idx, worker: search.NewWorker(testDB.Primary, idx, quietLog())}
}
