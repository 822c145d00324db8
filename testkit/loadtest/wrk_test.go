package loadtest

import (
	"testing"
	"time"
)

// Rounds combine into requests/s over their whole time (not the mean of
// their rates), the median round's latencies and every error.
func TestCombineWeighsRoundsByTheirTime(t *testing.T) {
	ms := time.Millisecond
	r := Combine([]Result{
		{Target: "page", Conns: 64, Requests: 300, RPS: 100, P50: 1 * ms, P95: 5 * ms, P99: 9 * ms, Errors: 1}, // 3 s
		{Target: "page", Conns: 64, Requests: 100, RPS: 100, P50: 3 * ms, P95: 4 * ms, P99: 7 * ms},            // 1 s
		{Target: "page", Conns: 64, Requests: 400, RPS: 400, P50: 2 * ms, P95: 6 * ms, P99: 8 * ms, Errors: 2}, // 1 s
	})
	if r.Requests != 800 || r.RPS != 160 || r.Errors != 3 || r.Target != "page" || r.Conns != 64 {
		t.Fatalf("combined %+v, want 800 requests in 5 s (160/s) and 3 errors", r)
	}
	if r.P50 != 2*ms || r.P95 != 5*ms || r.P99 != 8*ms {
		t.Fatalf("latencies %v %v %v, want the medians 2, 5, 8 ms", r.P50, r.P95, r.P99)
	}
}
