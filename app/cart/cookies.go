package cart

import (
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
}

// NewCookies returns the cart cookie handler; secure when the platform
// serves HTTPS.
func NewCookies(codec *Codec, secure bool) *Cookies { return &Cookies{codec: codec, secure: secure} }

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
}

// Clear removes the cart cookie.
func (k *Cookies) Clear(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{
		Name: k.Name(), Value: "", Path: "/", HTTPOnly: true, Secure: k.secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(1, 0), MaxAge: -1,
	})
}
