// Package blob keeps product files and images: on local disk (BLOB_DIR) in
// development and on one machine, and later on any S3-compatible store. Keys are
// content-addressed for public images, so their URLs can be cached forever.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// ErrNotFound is a key with no blob.
var ErrNotFound = errors.New("blob: not found")

// ErrBadKey is a key that could escape the store or is malformed.
var ErrBadKey = errors.New("blob: invalid key")

var keyPattern = regexp.MustCompile(`^[a-z0-9]+(/[a-zA-Z0-9._-]+)+$`)

// ValidKey reports whether key is a well-formed blob key (no "..", no leading
// slash, a known prefix directory).
func ValidKey(key string) bool {
	return len(key) <= 256 && keyPattern.MatchString(key) && !strings.Contains(key, "..")
}

// Local stores blobs as files under a directory.
type Local struct{ dir string }

// NewLocal returns a store rooted at dir, creating it if needed.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &Local{dir: dir}, nil
}

// Put writes the blob under key, atomically (temp file + rename).
func (l *Local) Put(_ context.Context, key string, r io.Reader) error {
	if !ValidKey(key) {
		return ErrBadKey
	}
	path := filepath.Join(l.dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".put-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Open returns the blob's content.
func (l *Local) Open(_ context.Context, key string) (io.ReadSeekCloser, error) {
	if !ValidKey(key) {
		return nil, ErrBadKey
	}
	f, err := os.Open(filepath.Join(l.dir, filepath.FromSlash(key)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// ContentKey is the content-addressed key for an image: prefix/sha256.ext.
func ContentKey(prefix string, body []byte, ext string) string {
	sum := sha256.Sum256(body)
	return prefix + "/" + hex.EncodeToString(sum[:16]) + ext
}
