package dashboard_test

import (
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/dashboard"
	"github.com/claro-market/claro/app/orders"
)

// chartDays is n days ending on 2 Dec 2026 with revenue[i] cents on day i
// (missing values are 0) and one order per 1500 cents.
func chartDays(n int, revenue ...int64) []orders.DayTotal {
	last := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	ds := make([]orders.DayTotal, n)
	for i := range ds {
		ds[i].Day = last.AddDate(0, 0, i-n+1)
		if i < len(revenue) {
			ds[i].RevenueCents = revenue[i]
			ds[i].Orders = (revenue[i] + 1499) / 1500
		}
	}
	return ds
}

func tickLabels(ts []dashboard.ChartTick) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Label
	}
	return out
}

func TestChartRevenueAxisHasNiceLabelledTicks(t *testing.T) {
	for _, c := range []struct {
		best int64
		want string
	}{
		{4500, "$0 $20 $40 $60"},             // $45: step $20
		{1500, "$0 $5 $10 $15"},              // exactly on a step
		{100, "$0 $1"},                       // never a step under a dollar
		{1000_00, "$0 $250 $500 $750 $1000"}, // 2.5 × 10^k
		{37, "$0 $1"},
		{8_234_56, "$0 $2500 $5000 $7500 $10000"},
	} {
		ch := dashboard.NewChart(chartDays(7, 0, c.best), "usd")
		if got := strings.Join(tickLabels(ch.YTicks), " "); got != c.want {
			t.Errorf("best day %d cents: ticks %q, want %q", c.best, got, c.want)
		}
		// Ticks run from zero at the axis up to the top of the plot, evenly.
		if first, last := ch.YTicks[0], ch.YTicks[len(ch.YTicks)-1]; first.Pos != ch.Bottom || last.Pos != ch.Top {
			t.Errorf("best day %d: ticks from y=%d to y=%d, plot is %d to %d", c.best, first.Pos, last.Pos, ch.Bottom, ch.Top)
		}
		// The best day's bar is no taller than the plot, and in proportion.
		bar := ch.Bars[1]
		if bar.Y < ch.Top || bar.Y+bar.H != ch.Bottom || bar.H < 2 {
			t.Errorf("best day %d: bar y=%d h=%d outside the plot %d..%d", c.best, bar.Y, bar.H, ch.Top, ch.Bottom)
		}
	}
}

func TestChartDateLabelsAndBarsForEachRange(t *testing.T) {
	for _, c := range []struct {
		days   int
		labels []string
	}{
		{7, []string{"26 Nov", "27 Nov", "28 Nov", "29 Nov", "30 Nov", "1 Dec", "2 Dec"}},
		{30, []string{"7 Nov", "12 Nov", "17 Nov", "22 Nov", "27 Nov", "2 Dec"}},
		{90, []string{"18 Sep", "3 Oct", "18 Oct", "2 Nov", "17 Nov", "2 Dec"}},
	} {
		rev := make([]int64, c.days)
		for i := range rev {
			rev[i] = int64(i%5) * 700
		}
		ch := dashboard.NewChart(chartDays(c.days, rev...), "usd")
		if len(ch.Bars) != c.days || ch.Days != c.days {
			t.Fatalf("%d days: %d bars", c.days, len(ch.Bars))
		}
		if got := tickLabels(ch.XLabels); strings.Join(got, ",") != strings.Join(c.labels, ",") {
			t.Errorf("%d days: date labels %v, want %v", c.days, got, c.labels)
		}
		prevEnd := ch.Left
		for i, b := range ch.Bars {
			if b.X < prevEnd || b.X+b.W > ch.Right || b.W < 1 {
				t.Errorf("%d days: bar %d at x=%d w=%d overlaps or leaves the plot (%d..%d)", c.days, i, b.X, b.W, ch.Left, ch.Right)
			}
			prevEnd = b.X + b.W
			if b.TipX < 0 || b.TipX+b.TipW > ch.Width || b.TipY < 0 {
				t.Errorf("%d days: bar %d's tooltip at %d,%d w=%d leaves the chart", c.days, i, b.TipX, b.TipY, b.TipW)
			}
		}
		if b := ch.Bars[3]; b.Label != "" && !strings.Contains(b.Label, "$21.00, 2 orders") {
			t.Errorf("%d days: hover value %q", c.days, b.Label)
		}
		if ch.Empty {
			t.Errorf("%d days: a chart with sales is empty", c.days)
		}
	}
}

func TestChartTotalsHoverTextsAndEmptyState(t *testing.T) {
	ch := dashboard.NewChart(chartDays(7, 1500, 0, 4500), "usd")
	if ch.TotalCents != 6000 || ch.TotalOrders != 4 || ch.MaxCents != 4500 {
		t.Errorf("totals %d cents, %d orders, best %d", ch.TotalCents, ch.TotalOrders, ch.MaxCents)
	}
	if got := ch.Bars[0].Label; got != "26 Nov: $15.00, 1 order" {
		t.Errorf("hover value %q", got)
	}
	if got := ch.Bars[1]; got.H != 0 || got.Label != "27 Nov: $0.00, 0 orders" {
		t.Errorf("an empty day: h=%d %q", got.H, got.Label)
	}
	if ch.First != "26 Nov 2026" || ch.Last != "2 Dec 2026" {
		t.Errorf("range %s to %s", ch.First, ch.Last)
	}
	empty := dashboard.NewChart(chartDays(30), "usd")
	if !empty.Empty || empty.TotalCents != 0 || len(empty.Bars) != 30 {
		t.Errorf("no sales: empty %v, %d bars", empty.Empty, len(empty.Bars))
	}
	if none := dashboard.NewChart(nil, "usd"); !none.Empty {
		t.Error("no days is not empty")
	}
}
