package search

import (
	"context"
	"fmt"
	"io"

	"github.com/uptrace/bun"
)

// rebuilder is an Index that can be rebuilt from scratch and swapped in.
type rebuilder interface {
	rebuild(ctx context.Context, fill func(put func([]Document) error) error) error
}

// reindexBatch is how many documents one write carries.
const reindexBatch = 1000

// Reindex rebuilds idx from PostgreSQL, showing progress on out, and returns
// how many documents it wrote. On Meilisearch it builds a new index and swaps
// it in, so search never goes empty and a failed build changes nothing. It
// holds the outbox lock meanwhile: the worker pauses, and the changes made
// during the build stay queued and reach the new index after the swap. On
// PostgreSQL there is nothing to build: the tables are the index.
func Reindex(ctx context.Context, db *bun.DB, idx Index, out io.Writer) (int, error) {
	total, err := CountDocuments(ctx, db)
	if err != nil {
		return 0, err
	}
	r, ok := idx.(rebuilder)
	if !ok {
		fmt.Fprintf(out, "reindex: the PostgreSQL backend searches the catalog tables directly; %d products are discoverable, nothing to rebuild\n", total)
		return 0, nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", outboxLock); err != nil {
		return 0, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", outboxLock) //nolint:errcheck
	bar := NewProgress(out, "reindex", total)
	done := 0
	err = r.rebuild(ctx, func(put func([]Document) error) error {
		return EachDocument(ctx, db, reindexBatch, func(docs []Document) error {
			if err := put(docs); err != nil {
				return err
			}
			done += len(docs)
			bar.Set(done)
			return nil
		})
	})
	bar.Finish()
	if err != nil {
		return done, fmt.Errorf("reindex: %w (the live index is unchanged)", err)
	}
	fmt.Fprintf(out, "reindex: %d documents, new index swapped in\n", done)
	return done, nil
}
