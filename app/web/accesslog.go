package web

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// The access log writes one JSON line per request, the line slog's JSON
// handler would write for the same record (time, level, msg, then the
// fields), but encoded by hand into a pooled buffer. Measured in-process
// (BenchmarkAccessLog, and BenchmarkPages' _nolog twins), slog's
// LogAttrs with seven attributes cost about as much as the whole cached
// page hit around it: a Record whose attributes overflow its inline array,
// a handler state, reflection-free but general encoding. A fixed set of
// fields needs none of that. Sampling successful anonymous hits was the
// other way to pay less; it was not needed once every line became cheap,
// and every request keeps its line (errors, writes and webhooks never could
// be sampled).
//
// Only a logger made by NewJSONLogger has the encoder (it shares that
// logger's writer and lock); any other logger (the text one of development
// and tests) gets the line through slog as before.

// lockedWriter serialises whole lines from the slog handler and the access
// log onto one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// jsonHandler is slog's JSON handler that remembers the writer it writes to,
// for the access log's encoder.
type jsonHandler struct {
	slog.Handler
	w *lockedWriter
}

// NewJSONLogger is production's logger: slog's JSON handler on w, whose
// writer the access log's own encoder shares.
func NewJSONLogger(w io.Writer) *slog.Logger {
	lw := &lockedWriter{w: w}
	return slog.New(jsonHandler{Handler: slog.NewJSONHandler(lw, nil), w: lw})
}

// accessLine is one request's fields.
type accessLine struct {
	requestID, method, host, path, ip string
	status                            int
	elapsed                           time.Duration
	sample                            int // > 1: the line stands for this many page-cache hits (AccessLog)
}

var lineBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// writeLine encodes l as slog's JSON handler would and writes it in one
// Write call.
func (h jsonHandler) writeLine(now time.Time, l *accessLine) {
	bp := lineBufs.Get().(*[]byte)
	b := (*bp)[:0]
	b = append(b, `{"time":"`...)
	b = now.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"INFO","msg":"request","request_id":`...)
	b = appendJSONString(b, l.requestID)
	b = append(b, `,"method":`...)
	b = appendJSONString(b, l.method)
	b = append(b, `,"host":`...)
	b = appendJSONString(b, l.host)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, l.path)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(l.status), 10)
	b = append(b, `,"ms":`...)
	b = strconv.AppendFloat(b, float64(l.elapsed.Microseconds())/1000, 'f', -1, 64)
	b = append(b, `,"ip":`...)
	b = appendJSONString(b, l.ip)
	if l.sample > 1 {
		b = append(b, `,"sample":`...)
		b = strconv.AppendInt(b, int64(l.sample), 10)
	}
	b = append(b, "}\n"...)
	_, _ = h.w.Write(b)
	if cap(b) <= 64<<10 { // a huge path's buffer is not kept
		*bp = b
		lineBufs.Put(bp)
	}
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as a JSON string, escaped as
// encoding/json and slog do: quotes, backslashes and control characters,
// U+2028 and U+2029, and invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// logRequest writes l, stamped now, through the encoder when log has one,
// else through slog (which reads the clock itself).
func logRequest(ctx context.Context, log *slog.Logger, now time.Time, l *accessLine) {
	if h, ok := log.Handler().(jsonHandler); ok {
		if h.Enabled(ctx, slog.LevelInfo) {
			h.writeLine(now, l)
		}
		return
	}
	// LogAttrs with typed attributes: no boxing of every value per request.
	attrs := [8]slog.Attr{
		slog.String("request_id", l.requestID),
		slog.String("method", l.method),
		slog.String("host", l.host),
		slog.String("path", l.path),
		slog.Int("status", l.status),
		slog.Float64("ms", float64(l.elapsed.Microseconds())/1000),
		slog.String("ip", l.ip),
	}
	n := 7
	if l.sample > 1 {
		attrs[n] = slog.Int("sample", l.sample)
		n++
	}
	log.LogAttrs(ctx, slog.LevelInfo, "request", attrs[:n]...)
}
