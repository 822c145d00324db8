package web

import "github.com/gofiber/fiber/v2"

// Identity is the signed-in user as pages and handlers see it. The accounts
// middleware sets it; web reads it without importing accounts.
type Identity struct {
	UserID    int64
	Email     string
	Name      string
	SessionID int64
	// Verified is whether the user has proved Email by opening a link sent
	// to it; until then pages show a banner asking them to.
	Verified bool
}

type identityKey struct{}
type bindingKey struct{}

// SetIdentity records the signed-in user and the value CSRF tokens are bound
// to (a hash of the session token).
func SetIdentity(c *fiber.Ctx, id *Identity, binding string) {
	c.Locals(identityKey{}, id)
	c.Locals(bindingKey{}, binding)
}

// CurrentUser returns the signed-in user, or nil for a visitor.
func CurrentUser(c *fiber.Ctx) *Identity {
	id, _ := c.Locals(identityKey{}).(*Identity)
	return id
}

func sessionBinding(c *fiber.Ctx) string {
	b, _ := c.Locals(bindingKey{}).(string)
	return b
}
