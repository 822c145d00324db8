package loadtest

import (
	"strings"
	"testing"
)

// make bench rewrites the top of docs/bench.md; the cost curve and the
// record of earlier runs must come through it unchanged, and a first curve
// goes before that record, not inside it.
func TestBenchDocKeepsCurveAndHistory(t *testing.T) {
	history := historyBegin + "\n\n## An earlier run\n\nfigures\n"
	old := "# Load benchmark\n\nold table\n\n" + history
	withC := withCurve(old, "curve v1\n")
	if !strings.HasSuffix(withC, history) || strings.Index(withC, curveBegin) > strings.Index(withC, historyBegin) {
		t.Fatalf("the first curve is not placed before the record:\n%s", withC)
	}
	doc := "# Load benchmark\n\nnew table\n"
	got := doc + kept(withC)
	for _, want := range []string{"new table", "curve v1", "## An earlier run", "figures"} {
		if !strings.Contains(got, want) {
			t.Fatalf("rewritten doc lost %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "old table") || strings.Count(got, "curve v1") != 1 {
		t.Fatalf("rewritten doc kept the old table or doubled the curve:\n%s", got)
	}
	if kept("# no marker\n") != "" {
		t.Fatal("a doc without the markers has nothing to keep")
	}
	// A curve moved by hand into the record is kept once, with the record.
	inside := "# top\n\n" + historyBegin + "\n\n" + curveBegin + "\ncurve v2\n" + curveEnd + "\n"
	if got := kept(inside); strings.Count(got, "curve v2") != 1 || !strings.HasPrefix(got, "\n"+historyBegin) {
		t.Fatalf("a curve inside the record was not kept once, with it:\n%q", got)
	}
}
