package dashboard

import (
	"slices"
	"strconv"

	"github.com/claro-market/claro/app/apitokens"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
)

// WithAPITokens gives the dashboard its API tokens page.
func (h *Handlers) WithAPITokens(t *apitokens.Store) *Handlers {
	h.apiTokens = t
	return h
}

// tokensPage is the store's API tokens: the list, the create form, and
// once, right after creating one, the token itself.
type tokensPage struct {
	storePage
	Tokens  []apitokens.Token
	Scopes  []scopeOption
	Form    tokenForm
	Created *apitokens.Token // the token just made (Secret is its only showing)
	Secret  string
	APIBase string // ROOT_DOMAIN's API address, for the example
}

type tokenForm struct {
	Name   string
	Scopes []string
	Errors map[string]string
}

// scopeOption is one checkbox of the create form.
type scopeOption struct {
	Name, About string
	Checked     bool
	OwnerOnly   bool
}

var scopeAbout = map[string]string{
	apitokens.ProductsRead:  "List and read products, drafts included.",
	apitokens.ProductsWrite: "Create, edit and publish products, upload their files.",
	apitokens.SalesRead:     "List and read sales (orders, buyers' addresses, amounts).",
	apitokens.SalesRefund:   "Refund sales in full. Owners only.",
	apitokens.Licenses:      "List license keys, disable and enable them.",
}

// tokenNotices are the page's fixed messages (?notice=).
var tokenNotices = map[string]string{
	"revoked": "The token is revoked: every call with it is refused from now on.",
}

func (h *Handlers) tokensPage(c *fiber.Ctx, f tokenForm) (tokensPage, error) {
	m := storeFrom(c)
	page := tokensPage{storePage: h.newStorePage(c, "API tokens"), Form: f, APIBase: h.pages.Links.Market() + "/api/v1"}
	for _, s := range apitokens.AllScopes {
		owner := slices.Contains(apitokens.OwnerOnly, s)
		if owner && m.Role != tenants.RoleOwner {
			continue // an admin cannot grant it (apitokens.Check refuses it too)
		}
		page.Scopes = append(page.Scopes, scopeOption{Name: s, About: scopeAbout[s], Checked: slices.Contains(f.Scopes, s), OwnerOnly: owner})
	}
	var err error
	page.Tokens, err = h.apiTokens.List(c.UserContext(), m.ID)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return page, err
}

func (h *Handlers) tokens(c *fiber.Ctx) error {
	if h.apiTokens == nil {
		return web.ErrNotFound
	}
	page, err := h.tokensPage(c, tokenForm{Scopes: []string{apitokens.ProductsRead}})
	if err != nil {
		return err
	}
	page.Flash = tokenNotices[c.Query("notice")]
	return web.Render(c, "dashboard/tokens", page)
}

// createToken makes a token and shows it, once, on the page it answers
// with (never in a URL, never stored: only its SHA-256 is).
func (h *Handlers) createToken(c *fiber.Ctx) error {
	if h.apiTokens == nil {
		return web.ErrNotFound
	}
	m := storeFrom(c)
	var scopes []string
	for _, v := range c.Request().PostArgs().PeekMulti("scope") {
		scopes = append(scopes, string(v))
	}
	name, scopes, problems := apitokens.Check(c.FormValue("name"), scopes, m.Role)
	f := tokenForm{Name: name, Scopes: scopes, Errors: problems}
	if len(problems) > 0 {
		page, err := h.tokensPage(c, f)
		if err != nil {
			return err
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return web.Render(c, "dashboard/tokens", page)
	}
	t, secret, err := h.apiTokens.Create(c.UserContext(), m.ID, web.CurrentUser(c).UserID, name, scopes)
	if err != nil {
		return err
	}
	page, err := h.tokensPage(c, tokenForm{Scopes: []string{apitokens.ProductsRead}})
	if err != nil {
		return err
	}
	page.Created, page.Secret = &t, secret
	page.Flash = "Token “" + t.Name + "” created. Copy it now: it is shown only this once."
	return web.Render(c, "dashboard/tokens", page)
}

func (h *Handlers) revokeToken(c *fiber.Ctx) error {
	if h.apiTokens == nil {
		return web.ErrNotFound
	}
	m := storeFrom(c)
	id, err := strconv.ParseInt(c.Params("token"), 10, 64)
	if err != nil {
		return web.ErrNotFound
	}
	if err := h.apiTokens.Revoke(c.UserContext(), m.ID, id); err != nil {
		return err
	}
	return c.Redirect("/dashboard/s/"+m.Slug+"/tokens?notice=revoked", fiber.StatusSeeOther)
}
