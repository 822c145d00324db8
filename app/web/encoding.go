package web

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"hash/crc32"
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
// the header does not name, and q=0 refuses a coding.
func PickEncoding(acceptEncoding string, offered ...string) string {
	if acceptEncoding == "" || len(offered) == 0 {
		return ""
	}
	qs := map[string]float64{}
	star, hasStar := 0.0, false
	for _, item := range strings.Split(acceptEncoding, ",") {
		name, params, _ := strings.Cut(item, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
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
		qs[name] = q
	}
	best, bestQ := "", 0.0
	for _, o := range offered {
		q, named := qs[o]
		if !named {
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

// splicedGzip is a page's gzip form kept in pieces, so one compressed copy
// serves every visitor although each gets their own CSRF token: every piece
// of the page between two tokens is deflated on its own (a fresh compressor
// whose back-references stay inside the piece) and ends on a sync flush, so
// it is byte-aligned and not final. Serving writes the gzip header, the
// pieces with the visitor's token between them as stored (uncompressed)
// deflate blocks, an empty final block, and the trailer (the CRC-32 of what
// the visitor reads, and its length). No byte is compressed per request.
//
// Brotli cannot be spliced this way (its streams carry state, the last
// distances used, from one meta-block to the next), so cached pages are
// kept in gzip only; static files have both.
type splicedGzip struct {
	pieces [][]byte // pieces[i] is parts[i], deflated and sync-flushed
}

var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// finalEmptyBlock is an empty stored deflate block with BFINAL set.
var finalEmptyBlock = []byte{0x01, 0x00, 0x00, 0xff, 0xff}

func newSplicedGzip(parts [][]byte) *splicedGzip {
	s := &splicedGzip{pieces: make([][]byte, len(parts))}
	for i, p := range parts {
		var buf bytes.Buffer
		fw, _ := flate.NewWriter(&buf, flate.BestCompression)
		_, _ = fw.Write(p)
		_ = fw.Flush()
		s.pieces[i] = buf.Bytes()
	}
	return s
}

func (s *splicedGzip) size() int {
	n := 0
	for _, p := range s.pieces {
		n += len(p)
	}
	return n
}

// appendTo appends the whole gzip member for parts joined by token to out.
// parts are the uncompressed pieces (for the trailer's CRC-32).
func (s *splicedGzip) appendTo(out []byte, parts [][]byte, token []byte) []byte {
	out = append(out, gzipHeader...)
	crc, n := uint32(0), 0
	for i, piece := range s.pieces {
		if i > 0 {
			// A stored block: BFINAL 0, BTYPE 00, padding (one zero
			// byte, as the previous piece ended byte-aligned), LEN, NLEN.
			l := uint16(len(token))
			out = append(out, 0, byte(l), byte(l>>8), byte(^l), byte(^l>>8))
			out = append(out, token...)
			crc = crc32.Update(crc, crc32.IEEETable, token)
			n += len(token)
		}
		out = append(out, piece...)
		crc = crc32.Update(crc, crc32.IEEETable, parts[i])
		n += len(parts[i])
	}
	out = append(out, finalEmptyBlock...)
	out = binary.LittleEndian.AppendUint32(out, crc)
	return binary.LittleEndian.AppendUint32(out, uint32(n))
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
	for _, f := range strings.Split(v, ",") {
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
