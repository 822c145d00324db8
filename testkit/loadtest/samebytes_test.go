package loadtest

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/testkit/peertest"
	"github.com/gofiber/fiber/v2"
)

// browserEncoding is the Accept-Encoding Chromium sends: the page targets
// ask for compression as every browser does.
const browserEncoding = "gzip, deflate, br, zstd"

// answer is a response as claro serve sent it: what a ceiling replays.
type answer struct {
	status int
	header [][2]string
	body   []byte
}

// sameBytes is the bare Fiber server of the per-target ceilings: for each
// page target, a route answering that target's own bytes with its own
// headers (the same Content-Encoding, cookies, ETag and all), captured from
// claro serve with the target's own request. A target's ratio is then
// against a server that does nothing but send what it sends: no smaller
// page can look faster than its ceiling.
type sameBytes struct {
	answers []answer
	base    string
	app     *fiber.App
}

// capture asks claro serve for req (as wrk will send it) and keeps the
// answer; it returns the index of the ceiling route that will replay it.
func (s *sameBytes) capture(t *testing.T, req Request) int {
	t.Helper()
	hr, err := http.NewRequest(http.MethodGet, req.URL, nil)
	must(t, err)
	hr.Host = req.Host
	for k, v := range req.Headers {
		hr.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(hr) // no automatic gunzip: the bytes as sent
	must(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	must(t, err)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("capturing %s (%s): %d", req.URL, req.Host, resp.StatusCode)
	}
	a := answer{status: resp.StatusCode, body: body}
	for k, vs := range resp.Header {
		switch k {
		case "Date", "Content-Length", "Server": // fasthttp writes its own
			continue
		}
		for _, v := range vs {
			a.header = append(a.header, [2]string{k, v})
		}
	}
	s.answers = append(s.answers, a)
	return len(s.answers) - 1
}

// start serves every captured answer on /c/<index>.
func (s *sameBytes) start(t *testing.T) {
	t.Helper()
	port := peertest.FreePort(t)
	s.app = fiber.New(fiber.Config{DisableStartupMessage: true, DisableDefaultContentType: true})
	for i, a := range s.answers {
		s.app.Get("/c/"+strconv.Itoa(i), func(c *fiber.Ctx) error {
			for _, h := range a.header {
				if strings.EqualFold(h[0], fiber.HeaderSetCookie) {
					c.Response().Header.Add(h[0], h[1])
					continue
				}
				c.Set(h[0], h[1])
			}
			c.Status(a.status)
			return c.Send(a.body)
		})
	}
	go s.app.Listen("127.0.0.1:" + strconv.Itoa(port)) //nolint:errcheck
	s.base = "http://127.0.0.1:" + strconv.Itoa(port)
	if len(s.answers) > 0 {
		waitFor200(t, s.base+"/c/0", root, time.Now())
	}
}

// request is the wrk request of ceiling i: the target's own headers.
func (s *sameBytes) request(i int, of Request) Request {
	return Request{URL: s.base + "/c/" + strconv.Itoa(i), Host: of.Host, Headers: of.Headers}
}

// size is the body size of ceiling i, for the report.
func (s *sameBytes) size(i int) int { return len(s.answers[i].body) }
