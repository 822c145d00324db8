package dashboard

import (
	"fmt"
	"math"
	"strings"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/orders"
)

// Chart is the sales-over-time chart, laid out on the server and drawn by the
// template as SVG: no JavaScript, and it prints. The plot sits inside the
// margins: labelled revenue ticks on the left, dates below, one bar per
// day, each focusable with its value in a tooltip (CSS shows it on hover
// and focus) and in its <title>.
type Chart struct {
	Width, Height int
	// The plot area: x from Left to Right, y from Top (the top tick) to Bottom (zero).
	Left, Right, Top, Bottom int
	PlotH                    int // Bottom - Top
	YLabelX, XLabelY         int // where the tick labels sit
	Days                     int
	Bars                     []ChartBar
	YTicks                   []ChartTick
	XLabels                  []ChartTick
	MaxCents                 int64 // the best day
	TotalCents, TotalOrders  int64 // over the range
	Currency                 string
	First, Last              string // the range's first and last day
	Empty                    bool   // no revenue in the range
}

// ChartTick is a labelled position on an axis: Pos is y for the revenue
// axis, the bar's centre x for a date.
type ChartTick struct {
	Pos    int
	Label  string
	Anchor string // the label's text-anchor: "middle", or "end" at the right edge
}

// ChartBar is one day's bar and its tooltip.
type ChartBar struct {
	X, Y, W, H int
	Cents      int64
	Orders     int64
	Date       string
	Label      string // "2 Dec: $45.00, 3 orders"
	// TipX, TipY place the tooltip box (TipW wide) above the bar, kept
	// inside the chart.
	TipX, TipY, TipW   int
	TipTextX, TipTextY int
	// TipSide is where the tooltip grows from when a phone's stylesheet
	// enlarges it: "start", "middle" or "end" of the chart, so it stays inside.
	TipSide string
}

const (
	chartWidth  = 720
	chartHeight = 260
	chartLeft   = 90 // room for the revenue labels
	chartRight  = chartWidth - 8
	chartTop    = 56 // room for a tooltip over the best day
	chartBottom = chartHeight - 28
	chartTipH   = 24
)

// NewChart lays out one bar per day on a revenue axis rounded up to a nice
// step (1, 2, 2.5 or 5 times a power of ten, four or five ticks), with about
// seven date labels under it whatever the range.
func NewChart(days []orders.DayTotal, currency string) Chart {
	c := Chart{Width: chartWidth, Height: chartHeight, Left: chartLeft, Right: chartRight, Top: chartTop, Bottom: chartBottom,
		PlotH: chartBottom - chartTop, YLabelX: chartLeft - 6, XLabelY: chartBottom + 18,
		Days: len(days), Currency: currency, Empty: true}
	if len(days) == 0 {
		return c
	}
	for _, d := range days {
		c.MaxCents = max(c.MaxCents, d.RevenueCents)
		c.TotalCents += d.RevenueCents
		c.TotalOrders += d.Orders
	}
	c.Empty = c.TotalCents == 0 && c.TotalOrders == 0
	step, top := niceScale(c.MaxCents, 4)
	plotH := chartBottom - chartTop
	for v := int64(0); v <= top; v += step {
		c.YTicks = append(c.YTicks, ChartTick{Pos: chartBottom - int(v*int64(plotH)/top), Label: axisMoney(v, currency), Anchor: "end"})
	}
	slot := float64(chartRight-chartLeft) / float64(len(days))
	gap := max(1, int(slot*0.2))
	every := labelEvery(len(days))
	for i, d := range days {
		h := int(d.RevenueCents * int64(plotH) / top)
		if d.RevenueCents > 0 {
			h = max(h, 2)
		}
		x := chartLeft + int(math.Round(float64(i)*slot))
		w := max(int(math.Round(float64(i+1)*slot))-int(math.Round(float64(i)*slot))-gap, 1)
		b := ChartBar{X: x, Y: chartBottom - h, W: w, H: h, Cents: d.RevenueCents, Orders: d.Orders, Date: d.Day.Format("2 Jan")}
		b.Label = fmt.Sprintf("%s: %s, %s", b.Date, catalog.Money(d.RevenueCents, currency), plural(d.Orders, "order"))
		b.TipW = 12 + 7*len([]rune(b.Label))
		b.TipX = min(max(x+w/2-b.TipW/2, 0), chartWidth-b.TipW)
		b.TipY = max(b.Y-chartTipH-6, 0)
		b.TipTextX, b.TipTextY = b.TipX+b.TipW/2, b.TipY+16
		switch third := (x - chartLeft) * 3 / (chartRight - chartLeft); third {
		case 0:
			b.TipSide = "start"
		case 1:
			b.TipSide = "middle"
		default:
			b.TipSide = "end"
		}
		c.Bars = append(c.Bars, b)
		// Label the last day and every every-th day back from it.
		if (len(days)-1-i)%every == 0 {
			t := ChartTick{Pos: x + w/2, Label: b.Date, Anchor: "middle"}
			if t.Pos > chartRight-48 { // today's label ends at the edge instead of leaving it
				t.Pos, t.Anchor = chartRight, "end"
			}
			c.XLabels = append(c.XLabels, t)
		}
	}
	c.First, c.Last = days[0].Day.Format("2 Jan 2006"), days[len(days)-1].Day.Format("2 Jan 2006")
	return c
}

// niceScale picks the axis step and top for values up to maxV: the top is
// the first multiple of a nice step (1, 2, 2.5 or 5 × 10^k cents, never
// under a dollar) at or above maxV, with at most ticks steps.
func niceScale(maxV int64, ticks int) (step, top int64) {
	if maxV <= 0 {
		return 100, 100 * int64(ticks)
	}
	raw := float64(maxV) / float64(ticks)
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if s := m * pow; s >= raw {
			step = int64(math.Round(s))
			break
		}
	}
	step = max(step, 100)
	top = (maxV + step - 1) / step * step
	return step, top
}

// labelEvery is how many days apart the date labels are: every day for a
// week, about seven labels for longer ranges.
func labelEvery(days int) int {
	switch {
	case days <= 7:
		return 1
	case days <= 31:
		return 5
	default:
		return 15
	}
}

// axisMoney is a tick label: whole units ("$150"), or cents when the step
// needs them ("$2.50").
func axisMoney(cents int64, currency string) string {
	s := catalog.Money(cents, currency)
	if cents%100 == 0 {
		s = strings.Replace(s, ".00", "", 1)
	}
	return s
}

// plural is "1 order", "3 orders".
func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
