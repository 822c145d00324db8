package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// partSize is the part size of multipart uploads: what one upload buffers in
// memory at a time when the body is not seekable.
const partSize = 16 << 20

// S3Config names an S3-compatible bucket.
type S3Config struct {
	// Endpoint is http(s)://host[:port]; TLS is used unless the scheme is
	// http. A bare host means https.
	Endpoint        string
	Bucket          string
	AccessKeyID     string
	SecretAccessKey string
	// Region signs requests; empty asks the server (once per bucket).
	Region string
	// Presign makes downloads redirect to presigned URLs of the store itself
	// instead of streaming through the app. Only for an endpoint that the
	// buyer's browser can reach.
	Presign bool
}

// S3 stores blobs as objects of one bucket of any S3-compatible service,
// addressed path-style (http://host/bucket/key), which every such service
// understands.
type S3 struct {
	client  *minio.Client
	bucket  string
	presign bool
}

var (
	_ Store     = (*S3)(nil)
	_ Presigner = (*S3)(nil)
)

// NewS3 returns the store c names. It does not contact the service.
func NewS3(c S3Config) (*S3, error) {
	host, secure, err := parseEndpoint(c.Endpoint)
	if err != nil {
		return nil, err
	}
	if c.Bucket == "" || c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return nil, errors.New("blob: S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required with S3_ENDPOINT")
	}
	client, err := minio.New(host, &minio.Options{
		Creds:        credentials.NewStaticV4(c.AccessKeyID, c.SecretAccessKey, ""),
		Secure:       secure,
		Region:       c.Region,
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: S3_ENDPOINT: %w", err)
	}
	return &S3{client: client, bucket: c.Bucket, presign: c.Presign}, nil
}

// parseEndpoint splits S3_ENDPOINT into host[:port] and whether to use TLS.
func parseEndpoint(s string) (host string, secure bool, err error) {
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", false, fmt.Errorf("blob: S3_ENDPOINT %q must be http(s)://host[:port]", s)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return u.Host, true, nil
	case "http":
		return u.Host, false, nil
	}
	return "", false, fmt.Errorf("blob: S3_ENDPOINT %q: the scheme must be http or https", s)
}

// EnsureBucket creates the bucket when it does not exist yet: for development
// and tests against a fresh server.
func (s *S3) EnsureBucket(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob: s3: %w", err)
	}
	if ok {
		return nil
	}
	if err := s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{}); err != nil {
		return fmt.Errorf("blob: s3: create bucket %s: %w", s.bucket, err)
	}
	return nil
}

// Put uploads the blob; a body over 16 MiB, or of unknown size, goes up in
// 16 MiB parts.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if !ValidKey(key) {
		return ErrBadKey
	}
	_, err := s.client.PutObject(ctx, s.bucket, key, exactly(r, size), size, minio.PutObjectOptions{
		ContentType: contentTypeOr(contentType),
		PartSize:    partSize,
	})
	return s3Err(err)
}

// Open starts reading the object.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if !ValidKey(key) {
		return nil, Info{}, ErrBadKey
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, Info{}, s3Err(err)
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, Info{}, s3Err(err)
	}
	return obj, s3Info(st), nil
}

// Stat describes the object without reading it.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if !ValidKey(key) {
		return Info{}, ErrBadKey
	}
	st, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, s3Err(err)
	}
	return s3Info(st), nil
}

// Delete removes the object; S3 deletes are idempotent.
func (s *S3) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return ErrBadKey
	}
	return s3Err(s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}))
}

// PresignGet returns a URL of the store that serves the object for ttl as an
// attachment named filename, never cached; ok is false when the store streams
// downloads through the app.
func (s *S3) PresignGet(ctx context.Context, key, filename string, ttl time.Duration) (string, bool, error) {
	if !s.presign {
		return "", false, nil
	}
	if _, err := s.Stat(ctx, key); err != nil {
		return "", false, err // a missing object is our 404, not the store's
	}
	params := url.Values{}
	params.Set("response-content-disposition", attachment(filename))
	params.Set("response-cache-control", "private, no-store")
	u, err := s.client.PresignedGetObject(ctx, s.bucket, key, max(ttl, time.Second), params)
	if err != nil {
		return "", false, s3Err(err)
	}
	return u.String(), true, nil
}

func s3Info(st minio.ObjectInfo) Info {
	return Info{Size: st.Size, ContentType: contentTypeOr(st.ContentType), ModTime: st.LastModified}
}

// s3Err maps a missing object to ErrNotFound. A missing bucket stays an
// error: it is a misconfiguration, not a missing blob.
func s3Err(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrSizeMismatch) {
		return ErrSizeMismatch
	}
	resp := minio.ToErrorResponse(err)
	if resp.Code == minio.NoSuchKey || (resp.StatusCode == http.StatusNotFound && resp.Code != minio.NoSuchBucket) {
		return ErrNotFound
	}
	return fmt.Errorf("blob: s3: %w", err)
}
