package app_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claro-market/claro/testkit/apptest"
)

// countingListener counts every byte the server reads from its connections.
type countingListener struct {
	net.Listener
	read *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.read}, nil
}

type countingConn struct {
	net.Conn
	read *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// TestAnonymousMultipartFloodIsRefusedBeforeItIsRead sends a 200 MB
// multipart body to a real listener, as a visitor, on routes that take no
// upload: each is refused from its headers, the server reads at most a few
// megabytes of it, and nothing lands in the temporary directory (fasthttp's
// multipart pre-parse used to spool the whole body there before any
// middleware ran).
func TestAnonymousMultipartFloodIsRefusedBeforeItIsRead(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	e := apptest.New(t, testDB)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var read atomic.Int64
	go e.App.Fiber.Listener(countingListener{inner, &read}) //nolint:errcheck // ends with Shutdown
	t.Cleanup(func() { _ = e.App.Fiber.Shutdown() })

	const size = 200 << 20
	const maxRead = 4 << 20
	for _, path := range []string{"/login", "/healthz", "/no-such-page", "/dashboard/s/anyone/products/1/files"} {
		read.Store(0)
		status, spooled := floodMultipart(t, inner.Addr().String(), path, size, tmp)
		if status != http.StatusRequestEntityTooLarge && status != http.StatusUnsupportedMediaType {
			t.Errorf("%s: status %d, want 413 or 415", path, status)
		}
		if n := read.Load(); n > maxRead {
			t.Errorf("%s: the server read %d bytes of a refused 200 MB body, want at most %d", path, n, maxRead)
		}
		if spooled != "" {
			t.Errorf("%s: the body was spooled to the temporary directory (%s)", path, spooled)
		}
	}
}

// floodMultipart POSTs a multipart body of size bytes (a file part) to path
// and returns the status, and the name of any file seen in tmp while it sent.
func floodMultipart(t *testing.T, addr, path string, size int, tmp string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const boundary = "floodfloodflood"
	head := fmt.Sprintf("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n", boundary)
	tail := fmt.Sprintf("\r\n--%s--\r\n", boundary)
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n%s",
		path, apptest.Root, boundary, size, head)

	answer := make(chan int, 1)
	go func() {
		_ = conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			answer <- 0
			return
		}
		resp.Body.Close()
		answer <- resp.StatusCode
	}()

	var spooled string
	chunk := []byte(strings.Repeat("x", 64<<10))
	left := size - len(head) - len(tail)
	_ = conn.SetWriteDeadline(time.Now().Add(2 * time.Minute))
	for i := 0; left > 0; i++ {
		n := min(left, len(chunk))
		if _, err := conn.Write(chunk[:n]); err != nil {
			break // the server answered and closed
		}
		left -= n
		if i%16 == 0 && spooled == "" {
			if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
				spooled = ents[0].Name()
			}
		}
	}
	if left == 0 {
		_, _ = io.WriteString(conn, tail)
	}
	status := <-answer
	if ents, _ := os.ReadDir(tmp); len(ents) > 0 && spooled == "" {
		spooled = ents[0].Name()
	}
	return status, spooled
}

// TestBodiesOfUnknownLengthAreRefused: a chunked body could not be capped
// before it is read, so it is a 411 on every route, uploads included.
func TestBodiesOfUnknownLengthAreRefused(t *testing.T) {
	e := apptest.New(t, testDB)
	for _, path := range []string{"/login", "/dashboard/s/anyone/products/1/files"} {
		resp := e.SendPartial(t, fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n", path, apptest.Root),
			[]byte("10000\r\n"+strings.Repeat("x", 64<<10)))
		if resp.StatusCode != http.StatusLengthRequired {
			t.Errorf("chunked POST %s: %d, want 411", path, resp.StatusCode)
		}
	}
}

// TestSignedInUsersGetTheSmallCapOutsideUploads: being signed in opens only
// the upload routes to large bodies.
func TestSignedInUsersGetTheSmallCapOutsideUploads(t *testing.T) {
	e := apptest.New(t, testDB)
	b := e.NewBrowser()
	b.SignUp(t, apptest.Email("capped"), "correct horse battery", "Capped")
	var cookie []string
	for _, c := range b.Jar.Cookies(&url.URL{Scheme: "http", Host: apptest.Root, Path: "/"}) {
		cookie = append(cookie, c.Name+"="+c.Value)
	}
	for _, path := range []string{"/dashboard/stores", "/login", "/dashboard/s/anyone/products/1"} {
		resp := e.SendPartial(t, fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: %d\r\n\r\n",
			path, apptest.Root, strings.Join(cookie, "; "), 200<<20), bytes.Repeat([]byte("x"), 64<<10))
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("signed in, 200 MB POST %s: %d, want 413", path, resp.StatusCode)
		}
	}
}
