package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
)

// PutImage checks an uploaded image (its type by its bytes, its size) and
// stores it under its content-addressed key. A refused image is an
// *UploadError and stores nothing. created reports whether the key was new,
// so a caller whose later write fails deletes only what it added, never an
// identical image another row already points at.
func PutImage(ctx context.Context, s Store, l Limits, r io.Reader) (key string, created bool, err error) {
	body, err := io.ReadAll(io.LimitReader(r, l.maxImage()+1))
	if err != nil {
		return "", false, err
	}
	ext, ctype, err := l.CheckImage(body, int64(len(body)))
	if err != nil {
		return "", false, err
	}
	key = ContentKey("img", body, ext)
	_, err = s.Stat(ctx, key)
	switch {
	case err == nil:
		return key, false, putStoredSizes(ctx, s, key, body) // the same bytes are stored already
	case !errors.Is(err, ErrNotFound):
		return "", false, err
	}
	if err := s.Put(ctx, key, bytes.NewReader(body), int64(len(body)), ctype); err != nil {
		return "", false, err
	}
	if err := putStoredSizes(ctx, s, key, body); err != nil {
		_ = s.Delete(context.WithoutCancel(ctx), key)
		return "", false, err
	}
	return key, true, nil
}

// putStoredSizes makes the image's CoverWidths sizes now, so pages never
// wait for one. Only the store's failure is an error: an image the decoder
// cannot read, or one too large, keeps no sizes, and the media handler
// sends its original in their place.
func putStoredSizes(ctx context.Context, s Store, key string, body []byte) error {
	var stored *storeError
	if err := putSizes(ctx, s, key, body); errors.As(err, &stored) {
		return stored.err
	}
	return nil
}
