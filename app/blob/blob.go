// Package blob keeps product files and images: on local disk (BLOB_DIR) in
// development and on one machine, or on any S3-compatible store (S3_*
// settings; Fly's Tigris in production). Public images use content-addressed
// keys, so their URLs can be cached forever; product files are only ever
// handed out through short-lived download URLs signed for one buyer.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/claro-market/claro/app/config"
)

// ErrNotFound is a key with no blob.
var ErrNotFound = errors.New("blob: not found")

// ErrBadKey is a key that could escape the store or is malformed.
var ErrBadKey = errors.New("blob: invalid key")

// ErrSizeMismatch is a Put whose reader did not hold exactly the size given.
var ErrSizeMismatch = errors.New("blob: body size does not match the declared size")

// DefaultContentType is what a blob stored without a content type is served as.
const DefaultContentType = "application/octet-stream"

// Info describes a stored blob.
type Info struct {
	Size        int64
	ContentType string
	ModTime     time.Time
}

// Store is where blobs live. Every method refuses a key that ValidKey refuses
// with ErrBadKey, and reports a missing blob as ErrNotFound.
type Store interface {
	// Put stores r under key, replacing any blob there. size is the exact
	// length of r, or -1 when unknown; a reader that ends early fails with
	// ErrSizeMismatch and stores nothing. An empty contentType is stored as
	// DefaultContentType.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Open returns the blob's content and description; the caller closes it.
	Open(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// Stat describes the blob without reading it.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the blob. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Presigner is a Store that can hand a browser a short-lived URL of its own
// for one blob, so a large download bypasses the app. ok is false when the
// store is set to stream downloads through the app instead; a missing blob is
// ErrNotFound.
type Presigner interface {
	PresignGet(ctx context.Context, key, filename string, ttl time.Duration) (url string, ok bool, err error)
}

// Open returns the store the settings name: S3 when S3_ENDPOINT is set, else
// the directory BLOB_DIR.
func Open(cfg config.Config) (Store, error) {
	if cfg.S3Endpoint != "" {
		return NewS3(S3Config{
			Endpoint:        cfg.S3Endpoint,
			Bucket:          cfg.S3Bucket,
			AccessKeyID:     cfg.S3AccessKeyID,
			SecretAccessKey: cfg.S3SecretAccessKey,
			// A public TLS endpoint (Tigris) is one the buyer's browser can
			// reach; a plain-http one is taken to be private and streamed.
			Presign: strings.HasPrefix(strings.ToLower(cfg.S3Endpoint), "https://"),
		})
	}
	return NewLocal(cfg.BlobDir)
}

var keyPattern = regexp.MustCompile(`^[a-z0-9]+(/[a-zA-Z0-9_-][a-zA-Z0-9._-]*)+$`)

// ValidKey reports whether key is a well-formed blob key: a lower-case prefix
// directory, then segments of letters, digits, '.', '_' and '-' that do not
// start with '.', with no "..", no leading slash and at most 256 bytes.
func ValidKey(key string) bool {
	return len(key) <= 256 && keyPattern.MatchString(key) && !strings.Contains(key, "..")
}

// ContentKey is the content-addressed key for an image: prefix/sha256.ext.
func ContentKey(prefix string, body []byte, ext string) string {
	sum := sha256.Sum256(body)
	return prefix + "/" + hex.EncodeToString(sum[:16]) + ext
}

// sizedReader passes exactly size bytes of r through and fails with
// ErrSizeMismatch when r ends early or holds more.
type sizedReader struct {
	r    io.Reader
	left int64
}

func (s *sizedReader) Read(p []byte) (int, error) {
	if s.left <= 0 {
		var one [1]byte
		if n, _ := io.ReadFull(s.r, one[:]); n > 0 {
			return 0, ErrSizeMismatch
		}
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.r.Read(p)
	s.left -= int64(n)
	if errors.Is(err, io.EOF) && s.left > 0 {
		return n, ErrSizeMismatch
	}
	if errors.Is(err, io.EOF) {
		err = nil // the next Read checks nothing follows
	}
	return n, err
}

// exactly wraps r so that it yields exactly size bytes, or r as it is when
// size is unknown (negative).
func exactly(r io.Reader, size int64) io.Reader {
	if size < 0 {
		return r
	}
	return &sizedReader{r: r, left: size}
}

func contentTypeOr(ct string) string {
	if ct == "" {
		return DefaultContentType
	}
	return ct
}
