package dashboard

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/claro-market/claro/app/orders"
	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// csvPage is how many orders the export reads per query: a store with any
// number of orders is streamed in pages of this size, never held whole.
const csvPage = 500

// csvTimeout bounds an export once its answer has started (the request's
// own deadline has passed by then).
const csvTimeout = 5 * time.Minute

// salesCSV is GET /dashboard/s/:store/sales.csv: the orders the sales page's
// filter selects (same days, product and status), newest first, as a CSV
// download. The store's orders are read in keyset pages, each in the
// store's tenant transaction, and written to the answer as they come.
func (h *Handlers) salesCSV(c *fiber.Ctx) error {
	m := storeFrom(c)
	f, err := salesFilter(c)
	if err != nil {
		return err
	}
	if f.ProductID != 0 {
		err = h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) error {
			ps, err := orders.NewSales(tx).Products(ctx, m.ID)
			if err == nil {
				_, err = filteredProduct(f, ps)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	name := fmt.Sprintf("%s-sales-%dd-%s.csv", m.Slug, f.Days, time.Now().UTC().Format("2006-01-02"))
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	pr, pw := io.Pipe()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), csvTimeout)
	go func() {
		defer cancel()
		// A failure midway breaks the download off instead of ending it as
		// if it were complete.
		pw.CloseWithError(h.writeSalesCSV(ctx, pw, m.ID, f))
	}()
	return c.SendStream(pr)
}

// csvHeader is the export's first row.
var csvHeader = []string{"order", "date", "buyer", "items", "total", "fee", "refunded", "currency", "status"}

// writeSalesCSV writes the filter's orders of the store to w as CSV, one
// keyset page at a time.
func (h *Handlers) writeSalesCSV(ctx context.Context, w io.Writer, tenantID int64, f orders.Filter) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	var after *orders.After
	for {
		var page []orders.Order
		err := h.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
			var err error
			page, err = orders.NewSales(tx).Page(ctx, tenantID, f, after, csvPage)
			return err
		})
		if err != nil {
			return err
		}
		for _, o := range page {
			if err := cw.Write(csvRow(o)); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if len(page) < csvPage {
			return nil
		}
		last := page[len(page)-1]
		after = &orders.After{CreatedAt: last.CreatedAt, ID: last.ID}
	}
}

// csvRow is one order's row; every cell a person wrote (the buyer's address,
// product titles) is made safe to open in a spreadsheet.
func csvRow(o orders.Order) []string {
	status := o.Status
	if o.RefundPending() {
		status = "refund pending"
	}
	return []string{
		strconv.FormatInt(o.ID, 10),
		o.CreatedAt.UTC().Format(time.RFC3339),
		csvSafe(o.Email),
		csvSafe(o.Items),
		csvAmount(o.AmountTotalCents),
		csvAmount(o.ApplicationFeeCents),
		csvAmount(o.AmountRefundedCents),
		o.Currency,
		status,
	}
}

// csvSafe keeps a cell from being read as a formula (CSV injection): a cell
// starting with =, +, -, @, a tab or a carriage return is prefixed with a
// single quote, which spreadsheets show as text.
func csvSafe(s string) string {
	if s != "" {
		switch s[0] {
		case '=', '+', '-', '@', '\t', '\r':
			return "'" + s
		}
	}
	return s
}

// csvAmount is minor units as a plain decimal ("12.99"), for spreadsheets.
func csvAmount(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}
