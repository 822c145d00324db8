package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// metaDir holds each blob's content type, beside the blobs: a key cannot name
// it, since keys never start with '.'.
const metaDir = ".meta"

// Local stores blobs as files under a directory, each blob's content type in
// a small file of the same name under dir/.meta.
type Local struct{ dir string }

var _ Store = (*Local)(nil)

// NewLocal returns a store rooted at dir, creating it if needed.
func NewLocal(dir string) (*Local, error) {
	if dir == "" {
		return nil, errors.New("blob: BLOB_DIR is empty")
	}
	if err := os.MkdirAll(filepath.Join(dir, metaDir), 0o755); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &Local{dir: dir}, nil
}

func (l *Local) path(key string) string { return filepath.Join(l.dir, filepath.FromSlash(key)) }

func (l *Local) metaPath(key string) string {
	return filepath.Join(l.dir, metaDir, filepath.FromSlash(key))
}

// Put writes the blob under key atomically: a temporary file renamed into
// place once complete, so a reader never sees half a blob, and a failed Put
// leaves the previous blob as it was.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if !ValidKey(key) {
		return ErrBadKey
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	tmp, err := writeTemp(l.path(key), exactly(r, size))
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	meta, err := writeTemp(l.metaPath(key), strings.NewReader(contentTypeOr(contentType)))
	if err != nil {
		return err
	}
	defer os.Remove(meta)
	if err := os.Rename(meta, l.metaPath(key)); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	if err := os.Rename(tmp, l.path(key)); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// writeTemp copies r into a new temporary file beside name and returns its
// path. Its name starts with '.', so no key can reach it.
func writeTemp(name string, r io.Reader) (string, error) {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("blob: %w", err)
	}
	f, err := os.CreateTemp(dir, ".put-*")
	if err != nil {
		return "", fmt.Errorf("blob: %w", err)
	}
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("blob: write %s: %w", filepath.Base(name), err)
	}
	return f.Name(), nil
}

// Open returns the blob's file; it is also an io.Seeker.
func (l *Local) Open(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if !ValidKey(key) {
		return nil, Info{}, ErrBadKey
	}
	f, err := os.Open(l.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Info{}, ErrNotFound
	}
	if err != nil {
		return nil, Info{}, fmt.Errorf("blob: %w", err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = ErrNotFound
	}
	if err != nil {
		f.Close()
		return nil, Info{}, err
	}
	return f, l.info(key, st), nil
}

// Stat describes the blob under key.
func (l *Local) Stat(ctx context.Context, key string) (Info, error) {
	if !ValidKey(key) {
		return Info{}, ErrBadKey
	}
	st, err := os.Stat(l.path(key))
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !st.Mode().IsRegular()) {
		return Info{}, ErrNotFound
	}
	if err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	return l.info(key, st), nil
}

// info reads the content type kept beside the blob; a blob put there by hand
// has none and is typed by its extension.
func (l *Local) info(key string, st fs.FileInfo) Info {
	ct := ""
	if b, err := os.ReadFile(l.metaPath(key)); err == nil && len(b) < 256 {
		ct = string(b)
	}
	if ct == "" {
		ct = contentTypeOr(mime.TypeByExtension(path.Ext(key)))
	}
	return Info{Size: st.Size(), ContentType: ct, ModTime: st.ModTime()}
}

// Delete removes the blob and its content type.
func (l *Local) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return ErrBadKey
	}
	for _, p := range []string{l.path(key), l.metaPath(key)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("blob: %w", err)
		}
	}
	return nil
}
