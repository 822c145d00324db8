package catalog_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io"
	"testing"

	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/testkit/apptest"
)

// cancelOnPut is a real blob store that cancels the request right after a
// blob is stored, as a client hanging up mid-upload does, so the row that
// should follow is never written. It remembers the keys it stored.
type cancelOnPut struct {
	blob.Store
	cancel context.CancelFunc
	keys   []string
}

func (s *cancelOnPut) Put(ctx context.Context, key string, r io.Reader, size int64, ct string) error {
	err := s.Store.Put(ctx, key, r, size, ct)
	s.keys = append(s.keys, key)
	s.cancel()
	return err
}

func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAnUploadWhoseRowIsNotWrittenLeavesNoBlob(t *testing.T) {
	e := apptest.New(t, testDB)
	store := e.Store(t, apptest.Unique("editor-store"))
	p := e.Product(t, store, apptest.Unique("editor-product"), catalog.Public)
	local, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for name, upload := range map[string]func(context.Context, *catalog.Editor) error{
		"cover": func(ctx context.Context, ed *catalog.Editor) error {
			return ed.SetCover(ctx, store.ID, p.ID, bytes.NewReader(testPNG(t, 31, 7)))
		},
		"file": func(ctx context.Context, ed *catalog.Editor) error {
			_, err := ed.AttachFile(ctx, store.ID, p.ID, "guide.pdf", bytes.NewReader([]byte("%PDF-1.4 guide")), 14)
			return err
		},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		blobs := &cancelOnPut{Store: local, cancel: cancel}
		if err := upload(ctx, catalog.NewEditor(testDB.DB, blobs)); err == nil {
			t.Fatalf("%s: the upload succeeded although its transaction was cancelled", name)
		}
		if len(blobs.keys) == 0 {
			t.Fatalf("%s: no blob written", name)
		}
		for _, k := range blobs.keys { // a cover's sizes too
			if _, err := local.Stat(context.Background(), k); !errors.Is(err, blob.ErrNotFound) {
				t.Errorf("%s: blob %s left behind: %v", name, k, err)
			}
		}
	}
	got, files, err := catalog.NewEditor(testDB.DB, local).Product(context.Background(), store.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.CoverKey != nil || len(files) != 0 {
		t.Fatalf("rows written by failed uploads: cover %v, %d files", got.CoverKey, len(files))
	}
}

func TestTheEditorNeverReachesAnotherStoresProduct(t *testing.T) {
	e := apptest.New(t, testDB)
	mine, theirs := e.Store(t, apptest.Unique("editor-mine")), e.Store(t, apptest.Unique("editor-theirs"))
	p := e.Product(t, theirs, apptest.Unique("editor-theirs-product"), catalog.Draft)
	local, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ed, ctx := catalog.NewEditor(testDB.DB, local), context.Background()
	ch := catalog.Changes{Title: "Hijacked", Slug: apptest.Unique("hijacked"), Currency: "usd", Visibility: catalog.Public}
	checks := map[string]error{}
	_, checks["update"] = ed.Update(ctx, mine.ID, p.ID, ch)
	_, checks["publish"] = ed.Publish(ctx, mine.ID, p.ID, catalog.Public)
	_, _, checks["load"] = ed.Product(ctx, mine.ID, p.ID)
	checks["cover"] = ed.SetCover(ctx, mine.ID, p.ID, bytes.NewReader(testPNG(t, 5, 5)))
	_, checks["file"] = ed.AttachFile(ctx, mine.ID, p.ID, "a.pdf", bytes.NewReader([]byte("%PDF")), 4)
	checks["delete"] = ed.Delete(ctx, mine.ID, p.ID)
	for name, err := range checks {
		if !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("%s of another store's product: %v, want catalog.ErrNotFound", name, err)
		}
	}
	if got, _, err := ed.Product(ctx, theirs.ID, p.ID); err != nil || got.Title != p.Title || got.Visibility != catalog.Draft {
		t.Fatalf("their product changed: %+v, %v", got, err)
	}
}

func TestPublishingStampsTheFirstPublicationOnce(t *testing.T) {
	e := apptest.New(t, testDB)
	store := e.Store(t, apptest.Unique("editor-publish"))
	local, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ed, ctx := catalog.NewEditor(testDB.DB, local), context.Background()
	p, err := ed.Create(ctx, store.ID, catalog.Changes{Title: "Guide", Slug: apptest.Unique("guide"), Currency: "usd",
		Visibility: catalog.Draft, ContentMD: "**bold**"})
	if err != nil {
		t.Fatal(err)
	}
	if p.PublishedAt != nil || p.ContentHTML == "" {
		t.Fatalf("a new draft: published %v, content %q", p.PublishedAt, p.ContentHTML)
	}
	if _, err := ed.Publish(ctx, store.ID, p.ID, catalog.Public); err != nil {
		t.Fatal(err)
	}
	first, _, err := ed.Product(ctx, store.ID, p.ID) // as stored, to the microsecond
	if err != nil || first.PublishedAt == nil {
		t.Fatalf("publish: %v, published %v", err, first)
	}
	if _, err := ed.Publish(ctx, store.ID, p.ID, catalog.Draft); err != nil {
		t.Fatal(err)
	}
	again, err := ed.Publish(ctx, store.ID, p.ID, catalog.Private)
	if err != nil || again.PublishedAt == nil || !again.PublishedAt.Equal(*first.PublishedAt) {
		t.Fatalf("republished: %v, at %v, first at %v", err, again.PublishedAt, first.PublishedAt)
	}
	if _, err := ed.Publish(ctx, store.ID, p.ID, "everywhere"); !errors.Is(err, catalog.ErrVisibility) {
		t.Fatalf("unknown visibility: %v", err)
	}
}
