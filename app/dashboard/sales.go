package dashboard

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"

	"github.com/claro-market/claro/app/orders"
	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// salesRanges are the chart's ranges in days; defaultRange is the one shown
// first.
var salesRanges = []int{7, 30, 90}

const defaultRange = 30

// salesShown is how many orders the page lists (the CSV has them all).
const salesShown = 100

type salesPage struct {
	storePage
	Summary  orders.Summary
	Filter   orders.Filter
	Orders   []orders.Order
	Matching int64 // orders passing the filter; Orders holds the first salesShown
	More     bool  // Matching is more than Orders holds
	Chart    Chart
	Ranges   []salesRange
	Products []orders.ProductOption
	Product  string // the filtered product's title, or ""
	Statuses []string
	CSVURL   string
	// DevDisputePath, in `claro dev` only, is where each paid order's
	// "Open a test dispute" control posts (the order's id follows).
	DevDisputePath string
}

// StatusText is an order status as the page words it.
func (salesPage) StatusText(status string) string {
	switch status {
	case orders.StatusPartiallyRefunded:
		return "partly refunded"
	}
	return status
}

// salesRange is one link of the range switch.
type salesRange struct {
	Days   int
	URL    string
	Active bool
}

// salesFilter reads the page's and the export's query: days (7, 30 or 90,
// default 30), product (an id of this store's, checked by the caller) and
// status (one of orders.Statuses). A range or status nobody offered is a
// 400 saying what is allowed; a product id that is no number is the 404 page.
func salesFilter(c *fiber.Ctx) (orders.Filter, error) {
	f := orders.Filter{Days: defaultRange}
	if d := c.Query("days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || !slices.Contains(salesRanges, n) {
			return f, web.Refuse(fiber.StatusBadRequest, "Choose a range of 7, 30 or 90 days.")
		}
		f.Days = n
	}
	if p := c.Query("product"); p != "" {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil || id <= 0 {
			return f, web.ErrNotFound
		}
		f.ProductID = id
	}
	if st := c.Query("status"); st != "" {
		if !slices.Contains(orders.Statuses, st) {
			return f, web.Refuse(fiber.StatusBadRequest, "That is not an order status: choose one from the list.")
		}
		f.Status = st
	}
	return f, nil
}

// query is the filter as a query string ("" for the defaults), with days
// replaced by days when it is not 0.
func salesQuery(f orders.Filter, days int) string {
	v := url.Values{}
	if days == 0 {
		days = f.Days
	}
	if days != defaultRange {
		v.Set("days", strconv.Itoa(days))
	}
	if f.ProductID != 0 {
		v.Set("product", strconv.FormatInt(f.ProductID, 10))
	}
	if f.Status != "" {
		v.Set("status", f.Status)
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// filteredProduct is the title of the filter's product among the store's
// products; a product of another store, or none, is the 404 page.
func filteredProduct(f orders.Filter, ps []orders.ProductOption) (string, error) {
	if f.ProductID == 0 {
		return "", nil
	}
	for _, p := range ps {
		if p.ID == f.ProductID {
			return p.Title, nil
		}
	}
	return "", web.ErrNotFound
}

// DevEvents stands in for the events Stripe sends after a dashboard action,
// in `claro dev` only (stripe-mock sends none): Refunded delivers the
// charge.refunded of a refund Stripe accepted. DisputePath is where the sales
// page's dev-only "Open a test dispute" control posts.
type DevEvents interface {
	Refunded(ctx context.Context, o orders.Order) error
	DisputePath() string
}

// WithDevEvents turns on the dev stand-ins for Stripe's refund and dispute
// events. app.New calls it only when DEV_TEST_PAYMENTS is on.
func (h *Handlers) WithDevEvents(d DevEvents) *Handlers {
	h.dev = d
	return h
}

type refundPage struct {
	storePage
	Order *orders.Order
}

func (h *Handlers) sales(c *fiber.Ctx) error {
	m := storeFrom(c)
	f, err := salesFilter(c)
	if err != nil {
		return err
	}
	page := salesPage{storePage: h.newStorePage(c, "Sales"), Filter: f, Statuses: orders.Statuses}
	err = h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) error {
		s := orders.NewSales(tx)
		var err error
		if page.Products, err = s.Products(ctx, m.ID); err != nil {
			return err
		}
		if page.Product, err = filteredProduct(f, page.Products); err != nil {
			return err
		}
		if page.Summary, err = s.Summary(ctx, m.ID); err != nil {
			return err
		}
		if page.Orders, page.Matching, err = s.Recent(ctx, m.ID, f, salesShown); err != nil {
			return err
		}
		days, err := s.Daily(ctx, m.ID, f.Days, f.ProductID)
		page.Chart = NewChart(days, page.Summary.Currency)
		return err
	})
	if err != nil {
		return err
	}
	base := page.Base + "/sales"
	for _, d := range salesRanges {
		page.Ranges = append(page.Ranges, salesRange{Days: d, URL: base + salesQuery(f, d), Active: d == f.Days})
	}
	page.CSVURL = base + ".csv" + salesQuery(f, 0)
	page.More = page.Matching > int64(len(page.Orders))
	if h.dev != nil {
		page.DevDisputePath = h.dev.DisputePath()
	}
	switch c.Query("notice") { // what the last action did; status is the orders filter
	case "refund-requested":
		page.Flash = "Refund requested. The order shows as refunded as soon as Stripe confirms it."
	case "refund-failed":
		page.Flash = "Stripe could not refund that order just now. Try again in a moment."
	case "dispute-opened":
		page.Flash = "Test dispute opened: the buyer's access is revoked while the payment is contested."
	}
	return web.Render(c, "dashboard/sales", page)
}

// confirmRefund asks the owner to confirm a refund before anything is sent
// to Stripe.
func (h *Handlers) confirmRefund(c *fiber.Ctx) error {
	o, err := h.refundable(c)
	if err != nil {
		return err
	}
	return web.Render(c, "dashboard/refund_confirm", refundPage{storePage: h.newStorePage(c, "Refund order"), Order: o})
}

// refundable is the order in the URL if the store may refund it; anything
// else is the 404 page.
func (h *Handlers) refundable(c *fiber.Ctx) (*orders.Order, error) {
	m := storeFrom(c)
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return nil, web.ErrNotFound
	}
	var o *orders.Order
	err = h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) error {
		o, err = orders.NewSales(tx).Refundable(ctx, m.ID, id)
		return err
	})
	return o, err
}

// refund refunds an order in full through Stripe: the transfer to the creator
// and the platform fee are reversed in proportion, under the order's own
// idempotency key. The order is marked refund pending; it changes when
// charge.refunded arrives (in `claro dev`, delivered here by DevEvents).
func (h *Handlers) refund(c *fiber.Ctx) error {
	if h.money.pay == nil {
		return errNoPayments
	}
	m := storeFrom(c)
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return web.ErrNotFound
	}
	base := "/dashboard/s/" + m.Slug + "/sales"
	ctx := c.UserContext()
	o, err := orders.RequestRefund(ctx, h.db, h.money.pay, m.ID, id) // the API's refund too
	switch {
	case errors.Is(err, orders.ErrNotRefundable):
		return web.ErrNotFound
	case errors.Is(err, payments.ErrStripe):
		return c.Redirect(base+"?notice=refund-failed", fiber.StatusSeeOther)
	case err != nil:
		return err
	}
	if h.dev != nil {
		if err := h.dev.Refunded(ctx, *o); err != nil {
			return err
		}
	}
	return c.Redirect(base+"?notice=refund-requested", fiber.StatusSeeOther)
}
