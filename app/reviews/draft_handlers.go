package reviews

import (
	"errors"

	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// draft is POST /products/:slug/reviews/draft (only when AI_REVIEW_DRAFTS is
// on): a buyer's few words become a filled-in form for them to edit and
// submit, or discard. It writes nothing. Only a buyer may ask, within the
// per-user and per-IP budget; every failure keeps the buyer's words and says
// why.
func (h *Handlers) draft(c *fiber.Ctx) error {
	p, err := h.product(c)
	if err != nil {
		return err
	}
	page := reviewsPage{Page: h.pages.New(c, "Reviews of "+p.Title), Product: p, Words: c.FormValue("words")}
	ctx, uid := c.UserContext(), userID(c)
	ok, err := h.service.Entitled(ctx, p.ID, uid)
	if err != nil {
		return err
	}
	if !ok {
		page.Error = Message(ErrNotBuyer)
		return h.render(c, &page, fiber.StatusForbidden)
	}
	words, err := CheckWords(page.Words)
	if err != nil {
		page.Error, page.Field = Message(err), "words"
		return h.render(c, &page, fiber.StatusUnprocessableEntity)
	}
	if wait, err := h.budget.Draft(ctx, uid, web.ClientIP(c)); err != nil {
		return err
	} else if wait > 0 {
		return h.limited(c, &page, wait, "You have asked for several drafts in a short while.")
	}
	form, err := h.drafts.Draft(ctx, p.Title, words)
	switch {
	case errors.Is(err, ErrDraftUnavailable):
		page.Error = Message(ErrDraftUnavailable)
		return h.render(c, &page, fiber.StatusServiceUnavailable)
	case err != nil:
		page.Error = Message(ErrDraftUnusable)
		return h.render(c, &page, fiber.StatusBadGateway)
	}
	page.Form = form
	page.Flash = "Here is a draft from your notes. Edit it as you like, then post it — or discard it. Nothing is posted until you do."
	return h.render(c, &page, fiber.StatusOK)
}
