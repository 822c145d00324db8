package cart

import (
	"strings"
	"time"

	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// Cookies reads and writes the cart cookie of the store a request is for. The
// cookie is host-only (no Domain), so a storefront never sees another's cart,
// and over HTTPS it carries the __Host- prefix, which a sibling subdomain
// cannot set.
type Cookies struct {
	codec  *Codec
	secure bool
	index  *IndexCodec // nil: no carts index (see index.go)
	root   string      // ROOT_DOMAIN without its port: the index cookie's Domain
}

// NewCookies returns the cart cookie handler; secure when the platform
// serves HTTPS.
func NewCookies(codec *Codec, secure bool) *Cookies { return &Cookies{codec: codec, secure: secure} }

// WithIndex has storefronts on a subdomain of rootHost mirror their cart
// into the carts index the marketplace's /carts reads (index.go).
func (k *Cookies) WithIndex(ix *IndexCodec, rootHost string) *Cookies {
	k.index, k.root = ix, rootHost
	return k
}

// IndexName is the index cookie's name: __Secure- over HTTPS (it carries a
// Domain, which __Host- forbids).
func (k *Cookies) IndexName() string {
	if k.secure {
		return "__Secure-claro_carts"
	}
	return "claro_carts"
}

// ReadIndex returns the carts index the browser sent; a missing or
// tampered one is an empty index (a tampered one is also ErrInvalid).
func (k *Cookies) ReadIndex(c *fiber.Ctx) (Index, error) {
	raw := c.Cookies(k.IndexName())
	if raw == "" || k.index == nil {
		return Index{}, nil
	}
	return k.index.Decode(raw)
}

// mirror writes the store's cart into the carts index, when the request is
// on the store's subdomain (a custom domain cannot set a cookie the
// marketplace receives). A tampered index is replaced.
func (k *Cookies) mirror(c *fiber.Ctx, cart Cart) {
	if k.index == nil {
		return
	}
	site := web.Site(c)
	if site.Tenant == nil || !strings.HasSuffix(site.Host, "."+k.root) {
		return
	}
	ix, _ := k.ReadIndex(c)
	ix.Set(cart)
	cookie := &fiber.Cookie{Name: k.IndexName(), Domain: k.root, Path: "/", HTTPOnly: true, Secure: k.secure,
		SameSite: fiber.CookieSameSiteLaxMode}
	if len(ix.Carts) == 0 {
		cookie.Expires, cookie.MaxAge = time.Unix(1, 0), -1
	} else {
		cookie.Value, cookie.Expires = k.index.Encode(ix), time.Now().Add(30*24*time.Hour)
	}
	c.Cookie(cookie)
}

// Name is the cookie's name.
func (k *Cookies) Name() string {
	if k.secure {
		return "__Host-claro_cart"
	}
	return "claro_cart"
}

// Read returns the store's cart. An absent cookie is an empty cart; a cookie
// that fails its signature or names another store is ErrInvalid, together
// with an empty cart, and the caller clears it.
func (k *Cookies) Read(c *fiber.Ctx) (Cart, error) {
	t := web.Site(c).Tenant
	empty := Cart{TenantID: t.ID}
	raw := c.Cookies(k.Name())
	if raw == "" {
		return empty, nil
	}
	cart, err := k.codec.Decode(t.ID, raw)
	if err != nil {
		return empty, err
	}
	return cart, nil
}

// Write stores the cart, or clears the cookie when the cart is empty.
func (k *Cookies) Write(c *fiber.Ctx, cart Cart) {
	if len(cart.Items) == 0 {
		k.Clear(c)
		return
	}
	c.Cookie(&fiber.Cookie{
		Name: k.Name(), Value: k.codec.Encode(cart), Path: "/", HTTPOnly: true, Secure: k.secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().Add(30 * 24 * time.Hour),
	})
	k.mirror(c, cart)
}

// Clear removes the cart cookie.
func (k *Cookies) Clear(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{
		Name: k.Name(), Value: "", Path: "/", HTTPOnly: true, Secure: k.secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(1, 0), MaxAge: -1,
	})
	if t := web.Site(c).Tenant; t != nil {
		k.mirror(c, Cart{TenantID: t.ID})
	}
}

// Mirror brings the carts index in line with the store's cart as read
// (the cart page calls it, so an index the browser lost is rebuilt).
func (k *Cookies) Mirror(c *fiber.Ctx, cart Cart) { k.mirror(c, cart) }
