package web

import (
	"bytes"
	"compress/gzip"
	"strconv"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// The content codings Claro sends, by the header's name.
const (
	EncodingBrotli = "br"
	EncodingGzip   = "gzip"
)

// MinCompress is the smallest body worth compressing: below it the coding's
// own framing eats most of the gain.
const MinCompress = 1024

// PickEncoding returns the coding of offered (in the server's order of
// preference) that the request's Accept-Encoding header accepts with the
// highest q-value, or "" for the body as it is. "*" stands for every coding
// the header does not name, and q=0 refuses a coding. It allocates nothing:
// every cached page hit calls it.
func PickEncoding(acceptEncoding string, offered ...string) string {
	if acceptEncoding == "" || len(offered) == 0 {
		return ""
	}
	var qs [4]float64 // the q-value of offered[i] when named[i]
	var named [4]bool
	if len(offered) > len(qs) {
		offered = offered[:len(qs)]
	}
	star, hasStar := 0.0, false
	for rest := acceptEncoding; rest != ""; {
		var item string
		item, rest, _ = strings.Cut(rest, ",")
		name, params, _ := strings.Cut(item, ";")
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		q := 1.0
		for params != "" {
			var p string
			p, params, _ = strings.Cut(params, ";")
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0 // a malformed weight accepts nothing
				}
				q = f
			}
		}
		if name == "*" {
			star, hasStar = q, true
			continue
		}
		for i, o := range offered {
			if strings.EqualFold(name, o) { // a later mention of a coding wins, as it did in a map
				qs[i], named[i] = q, true
			}
		}
	}
	best, bestQ := "", 0.0
	for i, o := range offered {
		q := qs[i]
		if !named[i] {
			if !hasStar {
				continue
			}
			q = star
		}
		if q > bestQ { // ties keep the server's earlier preference
			best, bestQ = o, q
		}
	}
	return best
}

// Gzip compresses b once, at the best level (for bodies computed once and
// served many times).
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// Brotli compresses b once, at brotli's best quality (for bodies computed
// once and served many times).
func Brotli(b []byte) []byte {
	var buf bytes.Buffer
	bw := brotli.NewWriterLevel(&buf, brotli.BestCompression)
	_, _ = bw.Write(b)
	_ = bw.Close()
	return buf.Bytes()
}

// compressible is the content types worth compressing (images and archives
// are compressed already).
func compressible(ctype string) bool {
	ctype, _, _ = strings.Cut(ctype, ";")
	switch strings.TrimSpace(strings.ToLower(ctype)) {
	case "text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
		"application/json", "image/svg+xml", "application/xml", "text/xml":
		return true
	}
	return false
}

// Compress encodes what a handler rendered (pages no cache holds: signed-in
// pages, the dashboard, htmx fragments) in brotli or gzip, as the request's
// Accept-Encoding and its q-values prefer, at a fast level since it runs per
// request. It leaves alone a body already encoded (a cached page replay), a
// streamed one (downloads), a small one (under MinCompress) and any type not
// worth it.
//
// Written here rather than Fiber's middleware/compress: that one picks a
// coding by whether Accept-Encoding names it (fasthttp's HasAcceptEncoding),
// so it sends gzip to a client that says "gzip;q=0".
func Compress(c *fiber.Ctx) error {
	if err := c.Next(); err != nil {
		return err
	}
	resp := c.Response()
	if len(resp.Header.ContentEncoding()) > 0 || resp.IsBodyStream() || !compressible(string(resp.Header.ContentType())) {
		return nil
	}
	body := resp.Body()
	if len(body) < MinCompress {
		return nil
	}
	var out []byte
	switch PickEncoding(c.Get(fiber.HeaderAcceptEncoding), EncodingBrotli, EncodingGzip) {
	case EncodingBrotli:
		out = fasthttp.AppendBrotliBytesLevel(nil, body, fasthttp.CompressBrotliDefaultCompression)
		c.Set(fiber.HeaderContentEncoding, EncodingBrotli)
	case EncodingGzip:
		out = fasthttp.AppendGzipBytesLevel(nil, body, fasthttp.CompressDefaultCompression)
		c.Set(fiber.HeaderContentEncoding, EncodingGzip)
	default:
		addVary(c, fiber.HeaderAcceptEncoding)
		return nil
	}
	addVary(c, fiber.HeaderAcceptEncoding)
	resp.SetBodyRaw(out)
	return nil
}

// addVary adds name to the response's Vary header unless it is there.
func addVary(c *fiber.Ctx, name string) {
	v := string(c.Response().Header.Peek(fiber.HeaderVary))
	for rest := v; rest != ""; { // strings.Cut, not Split: a cached page's hit allocates nothing here
		var f string
		f, rest, _ = strings.Cut(rest, ",")
		if strings.EqualFold(strings.TrimSpace(f), name) {
			return
		}
	}
	if v == "" {
		c.Set(fiber.HeaderVary, name)
		return
	}
	c.Set(fiber.HeaderVary, v+", "+name)
}

// AcceptsGzip is PickEncoding(acceptEncoding, EncodingGzip) == EncodingGzip,
// read faster for what browsers send ("gzip, deflate, br, zstd": no
// weights, no "*"), where gzip is acceptable exactly when it is named; any
// other header goes through PickEncoding. Every page-cache hit asks this,
// and PickEncoding's general parse was about 1% of a hit's time.
func AcceptsGzip(acceptEncoding string) bool {
	if strings.IndexByte(acceptEncoding, ';') >= 0 || strings.IndexByte(acceptEncoding, '*') >= 0 {
		return PickEncoding(acceptEncoding, EncodingGzip) == EncodingGzip
	}
	for rest := acceptEncoding; rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, ",")
		if strings.EqualFold(strings.TrimSpace(name), EncodingGzip) {
			return true
		}
	}
	return false
}
