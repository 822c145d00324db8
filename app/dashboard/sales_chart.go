package dashboard

import (
	"github.com/claro-market/claro/app/orders"
)

// Chart is the sales-over-time chart, laid out on the server and drawn by the
// template as SVG: no JavaScript, and it prints.
type Chart struct {
	Width, Height int
	Bars          []ChartBar
	MaxCents      int64
	Currency      string
	First, Last   string // date labels under the axis
	Empty         bool
}

// ChartBar is one day's bar.
type ChartBar struct {
	X, Y, W, H int
	Title      string // hover text: date, revenue, orders
	Cents      int64
	Orders     int64
	Date       string
}

const (
	chartWidth  = 720
	chartHeight = 180
	chartGap    = 2
)

// NewChart lays out one bar per day, scaled to the best day.
func NewChart(days []orders.DayTotal, currency string) Chart {
	c := Chart{Width: chartWidth, Height: chartHeight, Currency: currency, Empty: true}
	if len(days) == 0 {
		return c
	}
	for _, d := range days {
		c.MaxCents = max(c.MaxCents, d.RevenueCents)
	}
	slot := chartWidth / len(days)
	for i, d := range days {
		h := 0
		if c.MaxCents > 0 {
			h = int(d.RevenueCents * int64(chartHeight-1) / c.MaxCents)
		}
		if d.RevenueCents > 0 {
			h = max(h, 2)
			c.Empty = false
		}
		c.Bars = append(c.Bars, ChartBar{
			X: i * slot, Y: chartHeight - h, W: max(slot-chartGap, 1), H: h,
			Cents: d.RevenueCents, Orders: d.Orders, Date: d.Day.Format("2 Jan"),
		})
	}
	c.First, c.Last = days[0].Day.Format("2 Jan"), days[len(days)-1].Day.Format("2 Jan")
	return c
}
