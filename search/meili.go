package search

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/claro-market/claro/app/cursor"
	"github.com/meilisearch/meilisearch-go"
)

// MeiliConfig is how to reach Meilisearch. APIKey (MEILI_API_KEY) writes
// documents and settings and finds the search-only key; it never reaches a
// page, and searches never use it.
type MeiliConfig struct {
	URL    string
	APIKey string
	// SearchKey is the search-only key; empty means look up the key whose only
	// action is "search".
	SearchKey string
	// Index is the live index's uid (default "products").
	Index string
	// Poll is how often task status is polled (default 50ms).
	Poll time.Duration
}

// Meili is the Meilisearch Index: documents pushed by the outbox worker,
// every write awaited to its task's end, queries on a search-only key.
type Meili struct {
	admin, searcher meilisearch.ServiceManager
	uid             string
	poll            time.Duration
	cursors         *cursor.Codec
}

// NewMeili connects, makes sure the live index exists, and applies and awaits
// its settings: a settings task that fails fails start-up.
func NewMeili(ctx context.Context, cfg MeiliConfig, cursors *cursor.Codec) (*Meili, error) {
	if cfg.Index == "" {
		cfg.Index = "products"
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 50 * time.Millisecond
	}
	m := &Meili{admin: meilisearch.New(cfg.URL, meilisearch.WithAPIKey(cfg.APIKey)), uid: cfg.Index, poll: cfg.Poll, cursors: cursors}
	key := cfg.SearchKey
	if key == "" {
		var err error
		if key, err = m.searchKey(ctx); err != nil {
			return nil, err
		}
	}
	m.searcher = meilisearch.New(cfg.URL, meilisearch.WithAPIKey(key))
	if err := m.prepare(ctx, m.uid); err != nil {
		return nil, err
	}
	return m, nil
}

// searchKey finds a key allowed to search and nothing else.
func (m *Meili) searchKey(ctx context.Context) (string, error) {
	keys, err := m.admin.GetKeys(ctx, &meilisearch.KeysQuery{Limit: 100})
	if err != nil {
		return "", fmt.Errorf("search: meilisearch keys: %w", err)
	}
	for _, k := range keys.Results {
		if slices.Equal(k.Actions, []string{"search"}) && (slices.Contains(k.Indexes, "*") || slices.Contains(k.Indexes, m.uid)) {
			return k.Key, nil
		}
	}
	return "", errors.New("search: meilisearch has no search-only API key for the index")
}

// prepare creates index uid when missing and applies the settings.
func (m *Meili) prepare(ctx context.Context, uid string) error {
	if _, err := m.admin.GetIndex(ctx, uid); err != nil {
		var me *meilisearch.Error
		if !errors.As(err, &me) || me.StatusCode != 404 {
			return fmt.Errorf("search: meilisearch index %s: %w", uid, err)
		}
		if err := m.await(ctx, "create index "+uid)(m.admin.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: uid, PrimaryKey: "id"})); err != nil {
			return err
		}
	}
	return m.await(ctx, "settings of "+uid)(m.admin.Index(uid).UpdateSettings(ctx, meiliSettings()))
}

// meiliSettings are applied on every start: idempotent, and a change to them
// here is a change in production after the next deploy. They are the rules
// the PostgreSQL backend follows (postgres_sql.go's tiers): words, typo,
// proximity, attribute (title over tags over description, the only
// attributes PostgreSQL searches), exactness; one typo from 5 letters, two
// from 9, and Meilisearch itself counts a typo on a word's first letter as
// two (not a setting). "sort" ranks first so a chosen sort is strictly in
// sort order, as on PostgreSQL, and a keyset filter can page it; a relevance
// search sends no sort, so for it the order is words, typo, proximity,
// attribute, exactness.
func meiliSettings() *meilisearch.Settings {
	return &meilisearch.Settings{
		RankingRules:         []string{"sort", "words", "typo", "proximity", "attribute", "exactness"},
		SearchableAttributes: []string{"title", "tags", "description"},
		FilterableAttributes: []string{"id", "category", "tags", "price_cents", "price_band", "creator",
			"visibility", "store_active", "charges_enabled", "created_at", "sales", "trending", "rating"},
		SortableAttributes: []string{"id", "created_at", "published_at", "price_cents", "sales", "trending", "rating"},
		TypoTolerance: &meilisearch.TypoTolerance{Enabled: true,
			MinWordSizeForTypos: meilisearch.MinWordSizeForTypos{OneTypo: 5, TwoTypos: 9},
			DisableOnWords:      []string{}, DisableOnAttributes: []string{}},
		Pagination: &meilisearch.Pagination{MaxTotalHits: 10000},
		Faceting:   &meilisearch.Faceting{MaxValuesPerFacet: MaxFacetValues},
	}
}

// await waits for the task of a write to end, and fails unless it succeeded:
// a 202 is a promise, not a result.
func (m *Meili) await(ctx context.Context, what string) func(*meilisearch.TaskInfo, error) error {
	return func(info *meilisearch.TaskInfo, err error) error {
		if err != nil {
			return fmt.Errorf("search: meilisearch %s: %w", what, err)
		}
		task, err := m.admin.WaitForTask(ctx, info.TaskUID, m.poll)
		if err != nil {
			return fmt.Errorf("search: meilisearch %s: task %d: %w", what, info.TaskUID, err)
		}
		if task.Status != meilisearch.TaskStatusSucceeded {
			return fmt.Errorf("search: meilisearch %s: task %d %s: %s (%s)", what, task.UID, task.Status, task.Error.Message, task.Error.Code)
		}
		return nil
	}
}

// Upsert adds or replaces docs and waits for the task to succeed.
func (m *Meili) Upsert(ctx context.Context, docs []Document) error {
	return m.upsertInto(ctx, m.uid, docs)
}

func (m *Meili) upsertInto(ctx context.Context, uid string, docs []Document) error {
	if len(docs) == 0 {
		return nil
	}
	pk := "id"
	return m.await(ctx, "add documents")(m.admin.Index(uid).AddDocuments(ctx, docs, &meilisearch.DocumentOptions{PrimaryKey: &pk}))
}

// Delete removes documents and waits for the task to succeed.
func (m *Meili) Delete(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return m.await(ctx, "delete documents")(m.admin.Index(m.uid).DeleteDocuments(ctx, s, nil))
}

// rebuild builds a fresh index from fill, then swaps it in atomically and
// drops the old one; a failed build leaves the live index as it was.
func (m *Meili) rebuild(ctx context.Context, fill func(put func([]Document) error) error) error {
	tmp := m.uid + "_build_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := m.prepare(ctx, tmp); err != nil {
		return err
	}
	drop := func() error { return m.await(ctx, "drop "+tmp)(m.admin.DeleteIndex(ctx, tmp)) }
	if err := fill(func(docs []Document) error { return m.upsertInto(ctx, tmp, docs) }); err != nil {
		_ = drop()
		return err
	}
	swap := []*meilisearch.SwapIndexesParams{{Indexes: []string{m.uid, tmp}}}
	if err := m.await(ctx, "swap in "+tmp)(m.admin.SwapIndexes(ctx, swap)); err != nil {
		_ = drop()
		return err
	}
	return drop() // tmp now holds the old documents
}
