package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// The hand-written access line decodes to the same fields, with the same
// values, as slog's JSON handler writes for the same record, for paths and
// hosts holding everything JSON must escape.
func TestAccessLineIsTheLineSlogWrites(t *testing.T) {
	for _, path := range []string{"/", "/products/a-fine-thing", `/q"uote\back`, "/nl\n\r\t\x01\x1f", "/bad\xff\xfeutf8",
		"/sep\u2028\u2029", "/<script>&amp;", "/ünïcødé/日本"} {
		l := &accessLine{requestID: "5ef8047-53f8", method: "POST", host: "northlight.claro.test", path: path,
			status: 403, elapsed: 1234567 * time.Nanosecond, ip: "2001:db8::1"}
		if path == "/" {
			l.status, l.sample = 200, 10 // a sampled cache hit's line
		}
		var ours, theirs bytes.Buffer
		now := time.Now()
		logRequest(context.Background(), NewJSONLogger(&ours), now, l)
		logRequest(context.Background(), slog.New(slog.NewJSONHandler(&theirs, nil)), now, l)
		if bytes.Count(ours.Bytes(), []byte("\n")) != 1 || !bytes.HasSuffix(ours.Bytes(), []byte("}\n")) {
			t.Fatalf("%q: not one line: %q", path, ours.String())
		}
		var a, b map[string]any
		if err := json.Unmarshal(ours.Bytes(), &a); err != nil {
			t.Fatalf("%q: our line is not JSON: %v\n%s", path, err, ours.String())
		}
		if err := json.Unmarshal(theirs.Bytes(), &b); err != nil {
			t.Fatal(err)
		}
		if got, err := time.Parse(time.RFC3339Nano, a["time"].(string)); err != nil || !got.Equal(now) {
			t.Fatalf("time %q (%v), want the time given, %s", a["time"], err, now.Format(time.RFC3339Nano))
		}
		delete(a, "time")
		delete(b, "time")
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%q:\nours   %s\nslog's %s", path, ours.String(), theirs.String())
		}
		if path == "/" && (a["ms"] != 1.234 || a["sample"] != 10.0) {
			t.Errorf("ms = %v, sample = %v, want 1.234 and 10", a["ms"], a["sample"])
		}
		if _, ok := a["sample"]; path != "/" && ok {
			t.Errorf("%q: a line that is no sample says sample", path)
		}
	}
}

// A logger above Info writes no access line.
func TestAccessLogHonoursTheLevel(t *testing.T) {
	var out bytes.Buffer
	lw := &lockedWriter{w: &out}
	log := slog.New(jsonHandler{Handler: slog.NewJSONHandler(lw, &slog.HandlerOptions{Level: slog.LevelWarn}), w: lw})
	logRequest(context.Background(), log, time.Now(), &accessLine{path: "/"})
	if out.Len() != 0 {
		t.Fatalf("wrote %q", out.String())
	}
}

// BenchmarkAccessLog prices the access log alone, on a bare Fiber app whose
// one route writes a short body: without it, through slog's JSON handler
// (the encoder before), and through NewJSONLogger's encoder.
func BenchmarkAccessLog(b *testing.B) {
	for _, c := range []struct {
		name string
		log  *slog.Logger
	}{
		{"none", nil},
		{"slog_json", slog.New(slog.NewJSONHandler(io.Discard, nil))},
		{"encoder", NewJSONLogger(io.Discard)},
	} {
		b.Run(c.name, func(b *testing.B) {
			app := fiber.New(fiber.Config{DisableStartupMessage: true})
			if c.log != nil {
				app.Use(AccessLog(c.log, 1))
			}
			app.Get("/products/:slug", func(c *fiber.Ctx) error { return c.SendString("ok") })
			h := app.Handler()
			var req fasthttp.Request
			req.SetRequestURI("/products/golden-hour-portrait-presets")
			req.Header.SetHost("northlight.claro.test")
			var ctx fasthttp.RequestCtx
			addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
			b.ReportAllocs()
			for b.Loop() {
				ctx.Init(&req, addr, nil)
				h(&ctx)
				ctx.Response.Reset()
			}
		})
	}
}

// Of the page cache's hits (200 or 304) about one in the sample is logged,
// each such line saying what it stands for; every other request is logged,
// a hit that failed included, and a sample of 1 logs every hit.
func TestAccessLogSamplesOnlyCacheHits(t *testing.T) {
	for _, tc := range []struct {
		name        string
		sample      int
		path        string
		hit         bool
		status      int
		min, max, n int
	}{
		{"hits, one in ten", 10, "/hit", true, 200, 120, 300, 2000},
		{"revalidated hits, one in ten", 10, "/hit", true, 304, 120, 300, 2000},
		{"hits that failed", 10, "/hit", true, 500, 200, 200, 200},
		{"rendered pages", 10, "/page", false, 200, 200, 200, 200},
		{"hits, every one", 1, "/hit", true, 200, 200, 200, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			app := fiber.New(fiber.Config{DisableStartupMessage: true})
			app.Use(RequestRecord(nil), AccessLog(NewJSONLogger(&out), tc.sample))
			app.Get("/*", func(c *fiber.Ctx) error {
				if tc.hit {
					markHit(c)
				}
				return c.SendStatus(tc.status)
			})
			h := app.Handler()
			var req fasthttp.Request
			req.SetRequestURI(tc.path)
			req.Header.SetHost("northlight.claro.test")
			var ctx fasthttp.RequestCtx
			for range tc.n {
				ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}, nil)
				h(&ctx)
				if ctx.Response.StatusCode() != tc.status {
					t.Fatalf("status %d, want %d", ctx.Response.StatusCode(), tc.status)
				}
				ctx.Response.Reset()
			}
			lines := bytes.Split(bytes.TrimSuffix(out.Bytes(), []byte("\n")), []byte("\n"))
			if out.Len() == 0 {
				lines = nil
			}
			if len(lines) < tc.min || len(lines) > tc.max {
				t.Fatalf("%d lines for %d requests, want %d to %d", len(lines), tc.n, tc.min, tc.max)
			}
			wantSample := tc.sample > 1 && tc.hit && tc.status != 500
			for _, line := range lines {
				var m map[string]any
				if err := json.Unmarshal(line, &m); err != nil {
					t.Fatalf("%v: %s", err, line)
				}
				if s, ok := m["sample"]; ok != wantSample || (ok && s != float64(tc.sample)) {
					t.Fatalf("sample %v in %s, want it %v", s, line, wantSample)
				}
			}
		})
	}
}
