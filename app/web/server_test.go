package web_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants/edge"
	"github.com/gofiber/fiber/v2"
)

// An upload's body is streamed under the connection's read deadline, which
// the server set when the request began: BodyCaps gives an upload route's
// large body UploadTimeout instead, so a file that takes longer to arrive
// than the read timeout is still read whole, while a form body on any
// other route keeps the read timeout. Here the read timeout is 1 s and
// each body takes about 2.5 s to send.
func TestAnUploadMayTakeLongerThanTheReadTimeout(t *testing.T) {
	const size = 2 * web.FormLimit
	app := web.New(web.Options{ReadTimeout: time.Second})
	app.Use(web.BodyCaps(func(c *fiber.Ctx) int {
		if c.Path() == "/upload" {
			return 2 * size
		}
		return 0
	}))
	app.Post("/*", func(c *fiber.Ctx) error {
		n, err := io.Copy(io.Discard, c.Context().RequestBodyStream())
		if err != nil { // answered here: this app has no error pages
			return c.Status(fiber.StatusInternalServerError).SendString(err.Error())
		}
		return c.SendString(fmt.Sprint(n))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(edge.QuietDeadlines(ln)) //nolint:errcheck // ends with Shutdown
	t.Cleanup(func() { _ = app.Shutdown() })

	slowPost := func(path string, size int) (string, error) {
		conn, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if err := conn.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: claro.test\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", path, size)
		chunk := []byte(strings.Repeat("x", size/25))
		sent := 0
		for i := 0; i < 25; i++ {
			time.Sleep(100 * time.Millisecond)
			if i == 24 {
				chunk = chunk[:size-sent]
			}
			if _, err := conn.Write(chunk); err != nil {
				return "", fmt.Errorf("after %d bytes: %w", sent, err)
			}
			sent += len(chunk)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return fmt.Sprintf("%d %s", resp.StatusCode, body), nil
	}

	if got, err := slowPost("/upload", size); err != nil || got != fmt.Sprintf("200 %d", size) {
		t.Errorf("a 2.5 s upload: %q, %v; want 200 and all %d bytes read", got, err, size)
	}
	// The same slow body on a route that takes no upload is cut off by the
	// read timeout (its cap refuses it first when it is over a form's size).
	if got, err := slowPost("/form", web.FormLimit/2); err == nil && strings.HasPrefix(got, "200") {
		t.Errorf("a 2.5 s form body outlived the 1 s read timeout: %q", got)
	}
}
