// Package dashboard is the creator dashboard on ROOT_DOMAIN/dashboard: stores,
// their settings and members, products and their files. Every handler reaches
// a store only through the signed-in user's membership, and every read and
// write runs in db.InTenant, so another store's object is the 404 page twice
// over: by the WHERE clause and by row-level security.
package dashboard

import (
	"net"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/apitokens"
	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/hooks"
	"github.com/claro-market/claro/app/licenses"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
)

// Handlers serves the dashboard.
type Handlers struct {
	db        *db.DB
	tenants   *tenants.Store
	pages     *web.Pages
	editor    *catalog.Editor // the creator side of the catalog: every product change
	blobs     blob.Store      // store logos
	money     money           // the money path: Stripe onboarding, sales, refunds (WithMoney)
	dev       DevEvents       // `claro dev` only: Stripe's refund and dispute events (WithDevEvents)
	domains   *tenants.DomainStore
	rootHost  string           // ROOT_DOMAIN without its port: what custom domains point at
	users     *accounts.Users  // is the invitee's address verified?
	invited   InvitationHook   // told of each invitation sent (OnInvitation); nil sends nothing
	licenses  *licenses.Keys   // the license-keys page (WithLicenses); nil: none
	apiTokens *apitokens.Store // the API tokens page (WithAPITokens); nil: none
	hooks     *hooks.Hooks     // the webhooks page (WithHooks); nil: none
	// hooksProduction makes the webhooks page accept public https URLs only.
	hooksProduction bool
}

// New returns the dashboard handlers.
func New(database *db.DB, pages *web.Pages, blobs blob.Store) *Handlers {
	root := pages.Links.Root
	if h, _, err := net.SplitHostPort(root); err == nil {
		root = h
	}
	return &Handlers{
		db: database, tenants: tenants.NewStore(database.Primary),
		pages: pages, editor: catalog.NewEditor(database, blobs), blobs: blobs,
		domains: tenants.NewDomainStore(database.Primary, root), rootHost: root,
		users: accounts.NewUsers(database.Primary),
	}
}

// Routes registers the dashboard's route table on the marketplace.
func (h *Handlers) Routes(r fiber.Router) {
	d := web.MarketRoutes(r)
	d.Get("/dashboard", accounts.RequireUser, h.index)
	d.Get("/dashboard/stores/new", accounts.RequireUser, h.newStore)
	d.Post("/dashboard/stores", accounts.RequireUser, h.createStore)
	d.Post("/dashboard/invitations/:invitation/accept", accounts.RequireUser, h.acceptInvitation)
	d.Post("/dashboard/invitations/:invitation/decline", accounts.RequireUser, h.declineInvitation)

	s := "/dashboard/s/:store"
	d.Get(s, accounts.RequireUser, h.member, h.showStore)
	d.Get(s+"/settings", accounts.RequireUser, h.member, h.editSettings)
	d.Post(s+"/settings", accounts.RequireUser, h.member, h.saveSettings)
	d.Get(s+"/members", accounts.RequireUser, h.member, h.members)
	d.Post(s+"/members", accounts.RequireUser, h.member, h.owner, h.invite)
	d.Post(s+"/members/:user/remove", accounts.RequireUser, h.member, h.owner, h.removeMember)
	d.Post(s+"/invitations/:invitation/revoke", accounts.RequireUser, h.member, h.owner, h.revokeInvitation)
	d.Get(s+"/products/new", accounts.RequireUser, h.member, h.newProduct)
	d.Post(s+"/products", accounts.RequireUser, h.member, h.createProduct)
	d.Get(s+"/products/:id/edit", accounts.RequireUser, h.member, h.editProduct)
	d.Post(s+"/products/:id", accounts.RequireUser, h.member, h.updateProduct)
	d.Post(s+"/products/:id/visibility", accounts.RequireUser, h.member, h.setVisibility)
	d.Post(s+"/products/:id/delete", accounts.RequireUser, h.member, h.deleteProduct)
	d.Post(s+"/products/:id/cover", accounts.RequireUser, h.member, h.uploadCover)
	d.Post(s+"/products/:id/files", accounts.RequireUser, h.member, h.uploadFile)
	d.Post(s+"/products/:id/files/:file/delete", accounts.RequireUser, h.member, h.deleteFile)
	d.Get(s+"/domain", accounts.RequireUser, h.member, h.showDomain)
	d.Post(s+"/domain", accounts.RequireUser, h.member, h.owner, h.addDomain)
	d.Get(s+"/domain/delete", accounts.RequireUser, h.member, h.owner, h.confirmRemoveDomain)
	d.Post(s+"/domain/delete", accounts.RequireUser, h.member, h.owner, h.removeDomain)
	d.Get(s+"/payments", accounts.RequireUser, h.member, h.payments)
	d.Post(s+"/payments/onboard", accounts.RequireUser, h.member, h.owner, h.onboard)
	d.Get(s+"/sales", accounts.RequireUser, h.member, h.sales)
	d.Get(s+"/sales.csv", accounts.RequireUser, h.member, h.salesCSV)
	d.Get(s+"/orders/:id/refund", accounts.RequireUser, h.member, h.owner, h.confirmRefund)
	d.Post(s+"/orders/:id/refund", accounts.RequireUser, h.member, h.owner, h.refund)
	d.Get(s+"/discounts", accounts.RequireUser, h.member, h.discountsList)
	d.Post(s+"/discounts", accounts.RequireUser, h.member, h.createDiscount)
	d.Post(s+"/discounts/:code/archive", accounts.RequireUser, h.member, h.archiveDiscount)
	d.Get(s+"/licenses", accounts.RequireUser, h.member, h.licensesList)
	d.Get(s+"/licenses.csv", accounts.RequireUser, h.member, h.licensesCSV)
	d.Post(s+"/licenses/:key/disable", accounts.RequireUser, h.member, h.licenseAction("disabled"))
	d.Post(s+"/licenses/:key/enable", accounts.RequireUser, h.member, h.licenseAction("enabled"))
	d.Post(s+"/licenses/:key/reset", accounts.RequireUser, h.member, h.licenseAction("reset"))
	d.Get(s+"/webhooks", h.hooksOn, accounts.RequireUser, h.member, h.webhooksList)
	d.Post(s+"/webhooks", h.hooksOn, accounts.RequireUser, h.member, h.owner, h.addWebhook)
	for _, a := range []struct{ path, action string }{
		{"rotate", "rotated"}, {"disable", "disabled"}, {"enable", "enabled"}, {"delete", "deleted"}, {"test", "test"}} {
		d.Post(s+"/webhooks/:endpoint/"+a.path, h.hooksOn, accounts.RequireUser, h.member, h.owner, h.webhookAction(a.action))
	}
	d.Get(s+"/webhooks/deliveries/:delivery", h.hooksOn, accounts.RequireUser, h.member, h.webhookDelivery)
	d.Post(s+"/webhooks/deliveries/:delivery/redeliver", h.hooksOn, accounts.RequireUser, h.member, h.owner, h.redeliver)
	d.Get(s+"/tokens", accounts.RequireUser, h.member, h.tokens)
	d.Post(s+"/tokens", accounts.RequireUser, h.member, h.createToken)
	d.Post(s+"/tokens/:token/revoke", accounts.RequireUser, h.member, h.revokeToken)
}

type storeKey struct{}

// member loads the store named in the URL through the user's membership; a
// store the user does not belong to is the 404 page, like one that does not exist.
func (h *Handlers) member(c *fiber.Ctx) error {
	m, err := h.tenants.ForMember(c.UserContext(), web.CurrentUser(c).UserID, c.Params("store"))
	if err != nil {
		return err
	}
	c.Locals(storeKey{}, m)
	return c.Next()
}

// owner lets only the store's owner through.
func (h *Handlers) owner(c *fiber.Ctx) error {
	if storeFrom(c).Role != tenants.RoleOwner {
		return web.Refuse(fiber.StatusForbidden, "Only the store's owner can do that.")
	}
	return c.Next()
}

// storeFrom is the store the member middleware loaded.
func storeFrom(c *fiber.Ctx) *tenants.Membership {
	return c.Locals(storeKey{}).(*tenants.Membership)
}

// storePage is what every page about one store carries.
type storePage struct {
	web.Page
	Membership *tenants.Membership
	Base       string // /dashboard/s/<slug>
	StoreURL   string
}

func (h *Handlers) newStorePage(c *fiber.Ctx, title string) storePage {
	m := storeFrom(c)
	return storePage{Page: h.pages.New(c, title), Membership: m, Base: "/dashboard/s/" + m.Slug, StoreURL: h.pages.Links.StoreOf(&m.Tenant)}
}
