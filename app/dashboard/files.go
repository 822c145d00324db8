package dashboard

import (
	"errors"
	"path"
	"strconv"
	"strings"

	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// IsUpload picks the requests that may carry a product file, up to
// web.MaxUpload; every other request is capped at web.BodyLimit.
func IsUpload(c *fiber.Ctx) bool {
	p := c.Path()
	return c.Method() == fiber.MethodPost && strings.HasPrefix(p, "/dashboard/s/") && strings.HasSuffix(p, "/files")
}

// uploadRefusal is the 422 of a refused upload, in the uploader's words, or
// err itself when it is not a refusal.
func uploadRefusal(err error) error {
	var up *blob.UploadError
	if errors.As(err, &up) {
		return web.Refuse(fiber.StatusUnprocessableEntity, up.Message)
	}
	return err
}

func (h *Handlers) uploadCover(c *fiber.Ctx) error {
	fh, err := c.FormFile("cover")
	if err != nil {
		return web.BadRequest("Choose an image to upload.")
	}
	id, err := productID(c)
	if err != nil {
		return err
	}
	src, err := fh.Open()
	if err != nil {
		return err
	}
	defer src.Close()
	if err := h.editor.SetCover(c.UserContext(), storeFrom(c).ID, id, src); err != nil {
		return uploadRefusal(err)
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
		return web.Refuse(fiber.StatusUnprocessableEntity, "That file name cannot be used. Rename the file and try again.")
	}
	id, err := productID(c)
	if err != nil {
		return err
	}
	src, err := fh.Open()
	if err != nil {
		return err
	}
	defer src.Close()
	if _, err := h.editor.AttachFile(c.UserContext(), storeFrom(c).ID, id, name, src, fh.Size); err != nil {
		return uploadRefusal(err)
	}
	return c.Redirect("/dashboard/s/"+storeFrom(c).Slug+"/products/"+c.Params("id")+"/edit?saved=1", fiber.StatusSeeOther)
}

func (h *Handlers) deleteFile(c *fiber.Ctx) error {
	id, err := productID(c)
	if err != nil {
		return err
	}
	fileID, err := strconv.ParseInt(c.Params("file"), 10, 64)
	if err != nil {
		return web.ErrNotFound
	}
	if err := h.editor.DeleteFile(c.UserContext(), storeFrom(c).ID, id, fileID); err != nil {
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
