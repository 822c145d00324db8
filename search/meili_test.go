package search_test

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/claro-market/claro/search"
	"github.com/claro-market/claro/testkit/meilitest"
)

func TestMeiliStartUpAppliesSettingsAndFailsOnAFailedSettingsTask(t *testing.T) {
	srv := meilitest.New()
	defer srv.Close()
	ctx := context.Background()
	cfg := search.MeiliConfig{URL: srv.URL, APIKey: meilitest.AdminKey, Index: unique("settings_")}
	if _, err := search.NewMeili(ctx, cfg, codec()); err != nil {
		t.Fatal(err)
	}
	var filterable, sortable []string
	_ = json.Unmarshal(srv.Settings(cfg.Index)["filterableAttributes"], &filterable)
	_ = json.Unmarshal(srv.Settings(cfg.Index)["sortableAttributes"], &sortable)
	for _, want := range []string{"category", "tags", "price_cents", "creator", "visibility", "store_active", "charges_enabled"} {
		if !slices.Contains(filterable, want) {
			t.Errorf("filterableAttributes %v lack %s", filterable, want)
		}
	}
	for _, want := range []string{"price_cents", "published_at", "sales", "trending", "rating"} {
		if !slices.Contains(sortable, want) {
			t.Errorf("sortableAttributes %v lack %s", sortable, want)
		}
	}
	// The same rules as the PostgreSQL backend's ranking and typos.
	var rules, searchable []string
	var typos struct {
		Enabled             bool           `json:"enabled"`
		MinWordSizeForTypos map[string]int `json:"minWordSizeForTypos"`
	}
	_ = json.Unmarshal(srv.Settings(cfg.Index)["rankingRules"], &rules)
	_ = json.Unmarshal(srv.Settings(cfg.Index)["searchableAttributes"], &searchable)
	_ = json.Unmarshal(srv.Settings(cfg.Index)["typoTolerance"], &typos)
	if want := []string{"sort", "words", "typo", "proximity", "attribute", "exactness"}; !slices.Equal(rules, want) {
		t.Errorf("rankingRules %v, want %v", rules, want)
	}
	if want := []string{"title", "tags", "description"}; !slices.Equal(searchable, want) {
		t.Errorf("searchableAttributes %v, want %v", searchable, want)
	}
	if !typos.Enabled || typos.MinWordSizeForTypos["oneTypo"] != 5 || typos.MinWordSizeForTypos["twoTypos"] != 9 {
		t.Errorf("typoTolerance %+v, want enabled, oneTypo 5, twoTypos 9", typos)
	}
	// Accepted with a 202, failed later: start-up must wait and fail.
	srv.FailNext("settingsUpdate", "invalid_settings_filterable_attributes")
	if _, err := search.NewMeili(ctx, cfg, codec()); err == nil || !strings.Contains(err.Error(), "failed") {
		t.Fatalf("a failed settings task must fail start-up, got %v", err)
	}
}

func TestMeiliSearchesWithTheSearchOnlyKeyAndWritesWithTheAdminKey(t *testing.T) {
	srv := meilitest.New()
	defer srv.Close()
	b := meiliBackend(t, "replay", search.MeiliConfig{URL: srv.URL, APIKey: meilitest.AdminKey})
	st := newStore(t)
	newProduct(t, st, "Keyed Product")
	b.search(t, query(t, "q", "keyed"))
	for _, call := range srv.Calls() {
		isSearch := strings.HasSuffix(strings.Fields(call)[1], "/search")
		if isSearch != strings.HasSuffix(call, " search") {
			t.Errorf("%s: searches must use the search-only key, and only searches", call)
		}
	}
}

func TestMeiliReindexSwapsInAFullIndexAndAFailedBuildChangesNothing(t *testing.T) {
	srv := meilitest.New()
	defer srv.Close()
	ctx := context.Background()
	cfg := search.MeiliConfig{URL: srv.URL, APIKey: meilitest.AdminKey, Index: unique("swap_")}
	idx, err := search.NewMeili(ctx, cfg, codec())
	if err != nil {
		t.Fatal(err)
	}
	newProduct(t, newStore(t), "Swapped In")
	n, err := search.Reindex(ctx, testDB.Primary, idx, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want, err := search.CountDocuments(ctx, testDB.Primary)
	if err != nil {
		t.Fatal(err)
	}
	if n != want || srv.DocumentCount(cfg.Index) != want {
		t.Fatalf("reindex wrote %d, live index holds %d, want %d eligible products", n, srv.DocumentCount(cfg.Index), want)
	}
	newProduct(t, newStore(t), "Never Indexed")
	srv.FailNext("documentAdditionOrUpdate", "internal")
	if _, err := search.Reindex(ctx, testDB.Primary, idx, io.Discard); err == nil {
		t.Fatal("a failed build must fail the reindex")
	}
	if got := srv.DocumentCount(cfg.Index); got != want {
		t.Fatalf("after a failed build the live index holds %d, want the old %d", got, want)
	}
	res, err := idx.Search(ctx, query(t, "q", "Swapped In"))
	if err != nil || len(res.Hits) == 0 {
		t.Fatalf("search after a failed build: %v hits, err %v", len(res.Hits), err)
	}
}
