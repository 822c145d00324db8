package reviews

import (
	"errors"
	"strconv"
	"time"

	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// submit is POST /products/:slug/reviews: the buyer's review, written or
// edited in place. A non-buyer gets 403 and an invalid form 422, each with
// the form and its message and nothing written.
func (h *Handlers) submit(c *fiber.Ctx) error {
	p, err := h.product(c)
	if err != nil {
		return err
	}
	page := reviewsPage{Page: h.pages.New(c, "Reviews of "+p.Title), Product: p}
	page.Form = Form{Rating: c.FormValue("rating"), Title: c.FormValue("title"), Body: c.FormValue("body")}
	if wait, err := h.budget.Write(c.UserContext(), userID(c), web.ClientIP(c)); err != nil {
		return err
	} else if wait > 0 {
		return h.limited(c, &page, wait, "You have changed reviews many times in a short while.")
	}
	err = h.service.Submit(c.UserContext(), p.TenantID, p.ID, userID(c), &page.Form)
	if status, refused := refusal(err); refused {
		page.Error = Message(err)
		var fe *FormError
		if errors.As(err, &fe) {
			page.Field = fe.Field
		}
		return h.render(c, &page, status)
	} else if err != nil {
		return err
	}
	return h.written(c, &page, "Thank you — your review is posted.")
}

// remove is POST /products/:slug/reviews/delete: the buyer deletes their own
// review (there is nobody else's they could name).
func (h *Handlers) remove(c *fiber.Ctx) error {
	p, err := h.product(c)
	if err != nil {
		return err
	}
	if err := h.service.Delete(c.UserContext(), p.ID, userID(c)); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	page := reviewsPage{Page: h.pages.New(c, "Reviews of "+p.Title), Product: p}
	return h.written(c, &page, "Your review is deleted.")
}

// respond is POST /products/:slug/reviews/:id/response: a member of the
// store posts (or replaces) its one public response to a review.
func (h *Handlers) respond(c *fiber.Ctx) error {
	p, err := h.product(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return ErrNotFound
	}
	page := reviewsPage{Page: h.pages.New(c, "Reviews of "+p.Title), Product: p}
	f := ResponseForm{Body: c.FormValue("response")}
	err = h.service.Respond(c.UserContext(), p.TenantID, p.ID, id, userID(c), &f)
	if status, refused := refusal(err); refused {
		page.Error = Message(err)
		return h.render(c, &page, status)
	} else if err != nil {
		return err
	}
	return h.written(c, &page, "Your response is posted.")
}

// limited answers 429 with Retry-After and the section with a readable
// message; the buyer's form is kept as they typed it.
func (h *Handlers) limited(c *fiber.Ctx, page *reviewsPage, wait time.Duration, why string) error {
	c.Set(fiber.HeaderRetryAfter, RetryAfter(wait))
	page.Error = why + " Please try again in " + WaitText(wait) + "."
	return h.render(c, page, fiber.StatusTooManyRequests)
}

// refusal maps a domain refusal to its status; other errors are not refusals.
func refusal(err error) (int, bool) {
	var fe *FormError
	switch {
	case errors.Is(err, ErrNotBuyer), errors.Is(err, ErrNotMember):
		return fiber.StatusForbidden, true
	case errors.As(err, &fe):
		return fiber.StatusUnprocessableEntity, true
	}
	return 0, false
}

// written answers a successful write: htmx gets the section again, read from
// the primary so it shows the write; a plain form is sent to the reviews page.
func (h *Handlers) written(c *fiber.Ctx, page *reviewsPage, flash string) error {
	if !web.IsHTMX(c) {
		return c.Redirect("/products/"+page.Product.Slug+"/reviews", fiber.StatusSeeOther)
	}
	c.SetUserContext(db.WithPrimaryReads(c.UserContext()))
	page.Flash = flash
	page.Form = Form{}
	return h.render(c, page, fiber.StatusOK)
}
