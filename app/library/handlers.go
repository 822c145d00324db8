package library

import (
	"context"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// DownloadTTL is how long a download link works once the buyer clicks.
const DownloadTTL = 5 * time.Minute

// Signer makes the short-lived download links, bound to the buyer; blob.Signer
// is one, and its DownloadHandler serves what it signs.
type Signer interface {
	SignFile(key, name string, userID int64, ttl time.Duration) string
}

// Handlers serves the library on the marketplace.
type Handlers struct {
	store  *Store
	pages  *web.Pages
	signer Signer
	// tokens redeems the claim links guest receipts carry; users marks an
	// address verified when a claim link proves it (WithClaims).
	tokens *accounts.Tokens
	users  *accounts.Users
	keys   LicenseKeys // nil: no license keys shown
}

// NewHandlers returns the library handlers.
func NewHandlers(store *Store, pages *web.Pages, signer Signer) *Handlers {
	return &Handlers{store: store, pages: pages, signer: signer}
}

// WithClaims turns on GET /claim, where a guest receipt's claim link puts
// its order in the account of the signed-in visitor.
func (h *Handlers) WithClaims(tokens *accounts.Tokens, users *accounts.Users) *Handlers {
	h.tokens, h.users = tokens, users
	return h
}

// Routes registers the library on the marketplace, for signed-in buyers,
// and the claim link's page.
func (h *Handlers) Routes(r fiber.Router) {
	m := web.MarketRoutes(r)
	if h.tokens != nil {
		m.Get(accounts.ClaimPath, h.claimOrder)
	}
	m.Get("/library", accounts.RequireUser, h.index)
	m.Get("/library/:product_id", accounts.RequireUser, h.show)
	m.Get("/library/:product_id/files/:file_id", accounts.RequireUser, h.download)
}

// claim attaches the guest purchases made with a verified user's address
// since the last look (Store.Claim; nothing for an unverified address).
func (h *Handlers) claim(ctx context.Context, u *web.Identity) error {
	if !u.Verified {
		return nil
	}
	return h.store.Claim(ctx, u.UserID)
}

// maxQuery is the longest search text the library accepts.
const maxQuery = 200

type indexPage struct {
	web.Page
	Purchases []Purchase
	// Query is the search text (?q=), trimmed; Problem says why it was refused.
	Query   string
	Problem string
}

func (h *Handlers) index(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	ctx := c.UserContext()
	if err := h.claim(ctx, u); err != nil {
		return err
	}
	page := indexPage{Page: h.pages.New(c, "Your library"), Query: strings.TrimSpace(c.Query("q"))}
	if utf8.RuneCountInString(page.Query) > maxQuery || !utf8.ValidString(page.Query) {
		page.Problem = fmt.Sprintf("Search for at most %d characters.", maxQuery)
		page.Query = ""
		c.Status(fiber.StatusUnprocessableEntity)
	}
	ps, err := h.store.Purchases(ctx, u.UserID, page.Query)
	if err != nil {
		return err
	}
	page.Purchases = ps
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	if c.Query("claimed") == "1" {
		page.Flash = "The purchase is now in your library."
	}
	return web.Render(c, "library/index", page)
}

type showPage struct {
	web.Page
	Content *Content
	Body    template.HTML
	Files   []File
	Keys    []LicenseKey
}

// LicenseKey is a license key the buyer holds for a product, with its live
// activations (app/licenses reads them).
type LicenseKey struct {
	ID             int64
	Key            string
	Disabled       bool
	DisabledReason string
	Limit          int // 0: no limit
	Activations    []KeyActivation
}

// KeyActivation is one instance a key is active on.
type KeyActivation struct {
	ID, Name    string
	ActivatedAt time.Time
}

// LicenseKeys lists the keys userID holds for productID.
type LicenseKeys func(ctx context.Context, userID, productID int64) ([]LicenseKey, error)

// WithLicenseKeys makes the product's library page show the buyer's keys.
func (h *Handlers) WithLicenseKeys(keys LicenseKeys) *Handlers {
	h.keys = keys
	return h
}

func (h *Handlers) show(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	id, err := strconv.ParseInt(c.Params("product_id"), 10, 64)
	if err != nil {
		return ErrNotFound
	}
	ctx := c.UserContext()
	if err := h.claim(ctx, u); err != nil {
		return err
	}
	content, err := h.store.Content(ctx, u.UserID, id)
	if err != nil {
		return err
	}
	files, err := h.store.Files(ctx, u.UserID, id)
	if err != nil {
		return err
	}
	page := showPage{Page: h.pages.New(c, content.Title), Content: content, Files: files,
		Body: template.HTML(content.ContentHTML)} // sanitised by catalog.Renderer when the creator saved it
	if h.keys != nil {
		if page.Keys, err = h.keys(ctx, u.UserID, id); err != nil {
			return err
		}
	}
	if c.Query("freed") == "1" { // a fixed message: no text of the address reaches the page
		page.Flash = "The activation is freed: the key can be activated on another instance."
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return web.Render(c, "library/show", page)
}

// download checks the entitlement and sends the buyer to a signed link that
// only they can use, for DownloadTTL.
func (h *Handlers) download(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	pid, err1 := strconv.ParseInt(c.Params("product_id"), 10, 64)
	fid, err2 := strconv.ParseInt(c.Params("file_id"), 10, 64)
	if err1 != nil || err2 != nil {
		return ErrNotFound
	}
	f, err := h.store.File(c.UserContext(), u.UserID, pid, fid)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Redirect(h.signer.SignFile(f.BlobKey, f.Name, u.UserID, DownloadTTL), fiber.StatusSeeOther)
}
