package catalog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"path"
	"strconv"

	"github.com/claro-market/claro/app/blob"
)

// Uploads: each one checks that the product is the store's before a byte is
// stored, writes the blob and the row in the same tenant transaction, and
// deletes the blob again when the row is not written, so a failed upload
// leaves neither an orphan blob nor a row pointing at nothing. A refused
// upload is a *blob.UploadError, whose message is for the uploader.

// SetCover stores an image and makes it the product's cover.
func (e *Editor) SetCover(ctx context.Context, tenantID, id int64, image io.Reader) error {
	var key string
	var created bool
	err := e.inTenant(ctx, tenantID, func(ctx context.Context, s *Store) error {
		p, err := s.ByID(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if key, created, err = blob.PutImage(ctx, e.blobs, e.limits, image); err != nil {
			return err
		}
		p.CoverKey = &key
		return s.Update(ctx, tenantID, p)
	})
	if err != nil && created {
		blob.DeleteImage(context.WithoutCancel(ctx), e.blobs, key)
	}
	return err
}

// AttachFile stores a downloadable file of size bytes under a fresh key and
// lists it on the product; name is the display name, already cleaned.
func (e *Editor) AttachFile(ctx context.Context, tenantID, id int64, name string, r io.Reader, size int64) (*File, error) {
	var f *File
	written := false
	err := e.inTenant(ctx, tenantID, func(ctx context.Context, s *Store) error {
		p, err := s.ByID(ctx, tenantID, id)
		if err != nil {
			return err
		}
		header, whole, err := blob.ReadHeader(r)
		if err != nil {
			return err
		}
		ctype, err := e.limits.CheckFile(header, size)
		if err != nil {
			return err
		}
		f = &File{ProductID: p.ID, Name: name, BlobKey: fileKey(tenantID, p.ID, name), SizeBytes: size, ContentType: ctype}
		if err := e.blobs.Put(ctx, f.BlobKey, whole, size, ctype); err != nil {
			return err
		}
		written = true
		return s.AddFile(ctx, tenantID, f)
	})
	if err != nil {
		if written {
			e.forget(ctx, f.BlobKey)
		}
		return nil, err
	}
	return f, nil
}

// DeleteFile removes a file of a product of the store, then its blob.
func (e *Editor) DeleteFile(ctx context.Context, tenantID, productID, fileID int64) error {
	var key string
	err := e.inTenant(ctx, tenantID, func(ctx context.Context, s *Store) (err error) {
		if _, err = s.ByID(ctx, tenantID, productID); err != nil {
			return err
		}
		key, err = s.DeleteFile(ctx, tenantID, productID, fileID)
		return err
	})
	if err != nil {
		return err
	}
	if err := e.blobs.Delete(ctx, key); err != nil && !errors.Is(err, blob.ErrNotFound) {
		return err
	}
	return nil
}

// fileKey is a product file's blob key: per store and product, with a random
// suffix so that no one can guess another file's key from their own.
func fileKey(tenantID, productID int64, name string) string {
	suffix := make([]byte, 8)
	_, _ = rand.Read(suffix)
	return "files/" + strconv.FormatInt(tenantID, 10) + "/" + strconv.FormatInt(productID, 10) + "-" + hex.EncodeToString(suffix) + path.Ext(name)
}

// forget deletes a blob whose row was not written. It runs even when the
// request was cancelled, since that is often why the row was not written.
func (e *Editor) forget(ctx context.Context, key string) {
	_ = e.blobs.Delete(context.WithoutCancel(ctx), key)
}
