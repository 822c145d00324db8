package search

import (
	"fmt"
	"io"
	"strings"
)

// Progress draws a one-line progress bar on a terminal (or any writer):
// `seed --scale` and `reindex` use it. It redraws only when the shown
// percentage changes, so it is cheap to call per row.
type Progress struct {
	out   io.Writer
	label string
	total int
	shown int
}

// NewProgress starts a bar of total steps.
func NewProgress(out io.Writer, label string, total int) *Progress {
	p := &Progress{out: out, label: label, total: total, shown: -1}
	p.Set(0)
	return p
}

// Set moves the bar to done steps.
func (p *Progress) Set(done int) {
	pct := 100
	if p.total > 0 {
		pct = min(100, done*100/p.total)
	}
	if pct == p.shown {
		return
	}
	p.shown = pct
	const width = 30
	filled := pct * width / 100
	fmt.Fprintf(p.out, "\r%s [%s%s] %3d%% %d/%d", p.label, strings.Repeat("#", filled), strings.Repeat(".", width-filled), pct, min(done, p.total), p.total)
}

// Finish ends the bar's line.
func (p *Progress) Finish() { fmt.Fprintln(p.out) }
