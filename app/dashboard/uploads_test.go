package dashboard_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/claro-market/claro/app/blob"
)

// TestAnUploadForAnotherStoresProductStoresNothing: the product is checked to
// be the store's before a byte is written, so a cover or a file posted with
// another store's product id is the 404 page and leaves no blob behind.
func TestAnUploadForAnotherStoresProductStoresNothing(t *testing.T) {
	f := newFixture(t)
	img := pngBytes(t, 23, 19)
	key := blob.ContentKey("img", img, ".png")
	for _, store := range []string{f.a.Slug, f.b.Slug} { // A's own URL, and B's URL with A's product id
		cover := fmt.Sprintf("/dashboard/s/%s/products/%d/cover", store, f.product.ID)
		if resp, _ := upload(t, f.other, cover, "cover", "cover.png", img); resp.StatusCode != http.StatusNotFound {
			t.Errorf("cover via %s: %d, want 404", store, resp.StatusCode)
		}
		files := fmt.Sprintf("/dashboard/s/%s/products/%d/files", store, f.product.ID)
		if resp, _ := upload(t, f.other, files, "file", "guide.pdf", []byte("%PDF-1.4 not yours")); resp.StatusCode != http.StatusNotFound {
			t.Errorf("file via %s: %d, want 404", store, resp.StatusCode)
		}
	}
	if _, err := f.e.App.Blobs.Stat(context.Background(), key); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("a cover for another store's product was stored: %v", err)
	}
	if n := blobCount(t, f.e.App.Config.BlobDir); n != 0 {
		t.Fatalf("%d blobs stored by refused uploads", n)
	}
	// The owner's upload of the same image is stored: the check above could fail.
	cover := fmt.Sprintf("/dashboard/s/%s/products/%d/cover", f.a.Slug, f.product.ID)
	if resp, _ := upload(t, f.owner, cover, "cover", "cover.png", img); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("owner's cover: %d", resp.StatusCode)
	}
	if _, err := f.e.App.Blobs.Stat(context.Background(), key); err != nil {
		t.Fatalf("owner's cover not stored: %v", err)
	}
}

// blobCount counts the files under the local blob directory.
func blobCount(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
