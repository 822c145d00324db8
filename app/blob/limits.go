package blob

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Default upload limits.
const (
	DefaultMaxImage = 5 << 20   // covers and logos
	DefaultMaxFile  = 512 << 20 // product files
)

// SniffLen is how much of an upload CheckImage and CheckFile look at.
const SniffLen = 512

// Kinds of refused upload. The error CheckImage or CheckFile returns wraps
// one of these (errors.Is) and reads as a message for the uploader.
var (
	ErrEmpty         = errors.New("blob: empty upload")
	ErrImageType     = errors.New("blob: not a PNG, JPEG, WebP or GIF image")
	ErrImageTooLarge = errors.New("blob: image too large")
	ErrFileTooLarge  = errors.New("blob: file too large")
)

// UploadError is a refused upload: Error is the sentence to show the
// uploader, and Unwrap is one of the Err* kinds above.
type UploadError struct {
	Kind    error
	Message string
}

func (e *UploadError) Error() string { return e.Message }

// Unwrap returns the kind of refusal.
func (e *UploadError) Unwrap() error { return e.Kind }

// Limits caps upload sizes. A zero field means its default.
type Limits struct {
	MaxImage int64
	MaxFile  int64
}

// DefaultLimits returns 5 MiB images and 512 MiB product files.
func DefaultLimits() Limits { return Limits{MaxImage: DefaultMaxImage, MaxFile: DefaultMaxFile} }

func (l Limits) maxImage() int64 {
	if l.MaxImage > 0 {
		return l.MaxImage
	}
	return DefaultMaxImage
}

func (l Limits) maxFile() int64 {
	if l.MaxFile > 0 {
		return l.MaxFile
	}
	return DefaultMaxFile
}

// imageTypes are the images users may upload, by sniffed type. SVG is not
// one of them: an SVG is a document that can run script on our origin.
var imageTypes = map[string]string{
	"image/png":  ".png",
	"image/jpeg": ".jpg",
	"image/webp": ".webp",
	"image/gif":  ".gif",
}

// CheckImage decides whether an upload of size bytes whose first bytes are
// header (at least SniffLen of them, or all of a shorter upload) is an image
// users may upload. The type comes from the bytes, never from the file's name
// or the browser's word; ext and contentType are what to store it as.
func (l Limits) CheckImage(header []byte, size int64) (ext, contentType string, err error) {
	msg := fmt.Sprintf("Images must be PNG, JPEG, WebP or GIF, up to %s.", humanSize(l.maxImage()))
	if size <= 0 || len(header) == 0 {
		return "", "", &UploadError{Kind: ErrEmpty, Message: "The image is empty."}
	}
	ct := sniff(header)
	ext, ok := imageTypes[ct]
	if !ok {
		return "", "", &UploadError{Kind: ErrImageType, Message: msg}
	}
	if size > l.maxImage() {
		return "", "", &UploadError{Kind: ErrImageTooLarge, Message: msg}
	}
	return ext, ct, nil
}

// CheckFile decides whether an upload of size bytes starting with header may
// be a product file: any type, up to MaxFile. contentType is the sniffed type
// to store it as; downloads are always attachments, so it is never rendered.
func (l Limits) CheckFile(header []byte, size int64) (contentType string, err error) {
	if size <= 0 || len(header) == 0 {
		return "", &UploadError{Kind: ErrEmpty, Message: "The file is empty."}
	}
	if size > l.maxFile() {
		return "", &UploadError{Kind: ErrFileTooLarge, Message: fmt.Sprintf("Files can be up to %s.", humanSize(l.maxFile()))}
	}
	return sniff(header), nil
}

func sniff(header []byte) string {
	if len(header) > SniffLen {
		header = header[:SniffLen]
	}
	return http.DetectContentType(header)
}

// ReadHeader reads up to SniffLen bytes of r for CheckImage or CheckFile and
// returns them with a reader of the whole content, header included.
func ReadHeader(r io.Reader) (header []byte, whole io.Reader, err error) {
	buf := make([]byte, SniffLen)
	n, err := io.ReadFull(r, buf)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, nil, err
	}
	buf = buf[:n]
	return buf, io.MultiReader(bytes.NewReader(buf), r), nil
}

// humanSize writes a limit the way people read it: 5 MB, 512 MB, 1.5 GB.
func humanSize(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 30, "GB"}, {1 << 20, "MB"}, {1 << 10, "KB"}} {
		if n >= u.size {
			v := strconv.FormatFloat(float64(n)/float64(u.size), 'f', 1, 64)
			return strings.TrimSuffix(v, ".0") + " " + u.name
		}
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
