package dashboard

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"mime/multipart"
	"path"
	"strconv"
	"strings"

	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// IsUpload picks the requests that may carry a product file, up to
// web.MaxUpload; every other request is capped at web.BodyLimit.
func IsUpload(c *fiber.Ctx) bool {
	p := c.Path()
	return c.Method() == fiber.MethodPost && strings.HasPrefix(p, "/dashboard/s/") && strings.HasSuffix(p, "/files")
}

// saveImage checks an uploaded image (type by its bytes, size) and stores it
// under a content-addressed key. A refused image returns a message for the form.
func (h *Handlers) saveImage(c *fiber.Ctx, fh *multipart.FileHeader) (key, msg string, err error) {
	f, err := fh.Open()
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, blob.DefaultMaxImage+1))
	if err != nil {
		return "", "", err
	}
	ext, ctype, err := blob.DefaultLimits().CheckImage(body, int64(len(body)))
	var up *blob.UploadError
	if errors.As(err, &up) {
		return "", up.Message, nil
	} else if err != nil {
		return "", "", err
	}
	key = blob.ContentKey("img", body, ext)
	if err := h.blobs.Put(c.UserContext(), key, bytes.NewReader(body), int64(len(body)), ctype); err != nil {
		return "", "", err
	}
	return key, "", nil
}

func (h *Handlers) uploadCover(c *fiber.Ctx) error {
	fh, err := c.FormFile("cover")
	if err != nil {
		return web.BadRequest("Choose an image to upload.")
	}
	key, msg, err := h.saveImage(c, fh)
	if err != nil {
		return err
	}
	if msg != "" {
		return fiber.NewError(fiber.StatusUnprocessableEntity, msg)
	}
	err = h.inStore(c, func(cs *catalog.Store) error {
		p, err := h.productFromURL(c, cs)
		if err != nil {
			return err
		}
		p.CoverKey = &key
		return cs.Update(c.UserContext(), storeFrom(c).ID, p)
	})
	if err != nil {
		return err
	}
	return c.Redirect("/dashboard/s/"+storeFrom(c).Slug+"/products/"+c.Params("id")+"/edit?saved=1", fiber.StatusSeeOther)
}

func (h *Handlers) uploadFile(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return web.BadRequest("Choose a file to upload.")
	}
	name := cleanFileName(fh.Filename)
	if name == "" {
		return fiber.NewError(fiber.StatusUnprocessableEntity, "That file name cannot be used. Rename the file and try again.")
	}
	m := storeFrom(c)
	// The product must be this store's before anything is stored.
	var p *catalog.Product
	if err := h.inStore(c, func(cs *catalog.Store) (err error) { p, err = h.productFromURL(c, cs); return err }); err != nil {
		return err
	}
	suffix := make([]byte, 8)
	_, _ = rand.Read(suffix)
	key := "files/" + strconv.FormatInt(m.ID, 10) + "/" + strconv.FormatInt(p.ID, 10) + "-" + hex.EncodeToString(suffix) + path.Ext(name)
	src, err := fh.Open()
	if err != nil {
		return err
	}
	defer src.Close()
	header, whole, err := blob.ReadHeader(src)
	if err != nil {
		return err
	}
	ctype, err := blob.DefaultLimits().CheckFile(header, fh.Size)
	var up *blob.UploadError
	if errors.As(err, &up) {
		return fiber.NewError(fiber.StatusUnprocessableEntity, up.Message)
	} else if err != nil {
		return err
	}
	if err := h.blobs.Put(c.UserContext(), key, whole, fh.Size, ctype); err != nil {
		return err
	}
	err = h.inStore(c, func(cs *catalog.Store) error {
		return cs.AddFile(c.UserContext(), m.ID, &catalog.File{ProductID: p.ID, Name: name, BlobKey: key, SizeBytes: fh.Size, ContentType: ctype})
	})
	if err != nil {
		_ = h.blobs.Delete(context.Background(), key)
		return err
	}
	return c.Redirect("/dashboard/s/"+m.Slug+"/products/"+c.Params("id")+"/edit?saved=1", fiber.StatusSeeOther)
}

func (h *Handlers) deleteFile(c *fiber.Ctx) error {
	fileID, err := strconv.ParseInt(c.Params("file"), 10, 64)
	if err != nil {
		return catalog.ErrNotFound
	}
	var key string
	err = h.inStore(c, func(cs *catalog.Store) error {
		p, err := h.productFromURL(c, cs)
		if err != nil {
			return err
		}
		key, err = cs.DeleteFile(c.UserContext(), storeFrom(c).ID, p.ID, fileID)
		return err
	})
	if err != nil {
		return err
	}
	if err := h.blobs.Delete(c.UserContext(), key); err != nil && !errors.Is(err, blob.ErrNotFound) {
		return err
	}
	if web.IsHTMX(c) {
		return c.SendString("")
	}
	return c.Redirect("/dashboard/s/"+storeFrom(c).Slug+"/products/"+c.Params("id")+"/edit?saved=1", fiber.StatusSeeOther)
}

// cleanFileName keeps a display name safe for headers and pages.
func cleanFileName(s string) string {
	s = path.Base(strings.ReplaceAll(s, "\\", "/"))
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`"<>|:*?`, r) {
			continue
		}
		b.WriteRune(r)
	}
	out := strings.TrimSpace(b.String())
	if out == "." || out == ".." || len(out) > 200 {
		return ""
	}
	return out
}
