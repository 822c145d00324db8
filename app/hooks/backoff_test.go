package hooks_test

import (
	"testing"
	"time"

	"github.com/claro-market/claro/app/hooks"
)

// Production's schedule, as docs/webhooks.md states it: each wait drawn
// from half to all of 30 s doubled per attempt, at most 4 h; a delivery is
// tried 14 to 20 times within 24 hours.
func TestTheDefaultRetryScheduleSpansADay(t *testing.T) {
	var opt hooks.Options
	for trial := range 200 {
		elapsed, attempts := time.Duration(0), 1
		for {
			nominal := min(30*time.Second<<(attempts-1), 4*time.Hour)
			w := hooks.Wait(opt, attempts)
			if w < nominal/2 || w > nominal {
				t.Fatalf("wait after attempt %d: %s, want within [%s, %s]", attempts, w, nominal/2, nominal)
			}
			if elapsed+w >= 24*time.Hour {
				break
			}
			elapsed += w
			attempts++
		}
		if attempts < 14 || attempts > 20 {
			t.Fatalf("trial %d: %d attempts within 24 h, want 14 to 20", trial, attempts)
		}
	}
}
