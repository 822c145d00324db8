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
		var ours, theirs bytes.Buffer
		logRequest(context.Background(), NewJSONLogger(&ours), l)
		logRequest(context.Background(), slog.New(slog.NewJSONHandler(&theirs, nil)), l)
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
		if _, err := time.Parse(time.RFC3339Nano, a["time"].(string)); err != nil {
			t.Fatalf("time %q: %v", a["time"], err)
		}
		delete(a, "time")
		delete(b, "time")
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%q:\nours   %s\nslog's %s", path, ours.String(), theirs.String())
		}
		if path == "/" && a["ms"] != 1.234 {
			t.Errorf("ms = %v, want 1.234", a["ms"])
		}
	}
}

// A logger above Info writes no access line.
func TestAccessLogHonoursTheLevel(t *testing.T) {
	var out bytes.Buffer
	lw := &lockedWriter{w: &out}
	log := slog.New(jsonHandler{Handler: slog.NewJSONHandler(lw, &slog.HandlerOptions{Level: slog.LevelWarn}), w: lw})
	logRequest(context.Background(), log, &accessLine{path: "/"})
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
				app.Use(AccessLog(c.log))
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
