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

// UploadLimit is web.BodyCaps' answer for the dashboard: a signed-in
// user's product file may be up to web.MaxUpload, a cover or the settings
// form with its logo twice the image limit (an oversized image is still
// answered in the uploader's words by blob's own check); every other request (and any
// anonymous one) is 0, an ordinary form capped at web.FormLimit. Membership
// is the handler's check; the cap only keeps visitors from sending bulk.
func UploadLimit(c *fiber.Ctx) int {
	p := c.Path()
	if c.Method() != fiber.MethodPost || web.CurrentUser(c) == nil || !strings.HasPrefix(p, "/dashboard/s/") {
		return 0
	}
	switch {
	case strings.HasSuffix(p, "/files"):
		return web.MaxUpload
	case strings.HasSuffix(p, "/cover"), strings.HasSuffix(p, "/settings"):
		return 2 * blob.DefaultMaxImage
	}
	return 0
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
