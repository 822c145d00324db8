package main

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	n  int // write calls
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	return l.b.Write(p)
}

func TestLogWriterBatchesLinesAndFlushesOnClose(t *testing.T) {
	out := &lockedBuffer{}
	w := newLogWriter(out, time.Hour) // no timed flush during the test
	for range 100 {
		w.Write([]byte("a log line\n"))
	}
	out.mu.Lock()
	before := out.n
	out.mu.Unlock()
	if before != 0 {
		t.Fatalf("%d writes before the buffer filled or closed, want 0", before)
	}
	w.Close()
	if out.n != 1 || bytes.Count(out.b.Bytes(), []byte("\n")) != 100 {
		t.Fatalf("after Close: %d writes, %d lines; want 1 write of 100 lines", out.n, bytes.Count(out.b.Bytes(), []byte("\n")))
	}
}
