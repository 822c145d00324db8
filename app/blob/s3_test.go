package blob

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestS3(t *testing.T) {
	srv := startS3(t)
	s := srv.store(t, "claro-test", false)
	if err := s.EnsureBucket(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureBucket(t.Context()); err != nil {
		t.Fatalf("EnsureBucket on an existing bucket: %v", err)
	}
	testContract(t, s)

	t.Run("presigned download redirects", func(t *testing.T) {
		ps := srv.store(t, "claro-test", true)
		body := "PK\x03\x04 album bytes"
		put(t, ps, "files/5/8-0-album.zip", body, "application/zip")
		signer := signerAt(t, t0)
		app := downloadApp(ps, signer)
		link := signer.SignFile("files/5/8-0-album.zip", "Album.zip", 7, 5*time.Minute)

		resp := fetch(t, app, link, 7)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, srv.endpoint+"/claro-test/files/5/8-0-album.zip?") {
			t.Fatalf("status %d, Location %q", resp.StatusCode, loc)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "private, no-store" {
			t.Errorf("Cache-Control = %q", cc)
		}
		u, _ := url.Parse(loc)
		if exp := u.Query().Get("X-Amz-Expires"); exp != "300" {
			t.Errorf("presigned URL lives %ss, want the token's remaining 300s", exp)
		}
		got, err := http.Get(loc)
		if err != nil {
			t.Fatal(err)
		}
		defer got.Body.Close()
		b, _ := io.ReadAll(got.Body)
		if got.StatusCode != http.StatusOK || string(b) != body {
			t.Fatalf("presigned GET: %d %q", got.StatusCode, b)
		}
		if cd := got.Header.Get("Content-Disposition"); cd != "attachment; filename=Album.zip" {
			t.Errorf("presigned Content-Disposition = %q", cd)
		}

		for name, tc := range map[string]struct {
			path string
			user int64
		}{
			"other user":   {link, 8},
			"missing blob": {signer.Sign("files/5/none.zip", 7, time.Minute), 7},
		} {
			if resp := fetch(t, app, tc.path, tc.user); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", name, resp.StatusCode)
			}
		}
	})

	t.Run("missing bucket is an error, not a missing blob", func(t *testing.T) {
		nb := srv.store(t, "no-such-bucket", false)
		_, _, err := nb.Open(t.Context(), "files/1/a.txt")
		if err == nil || errors.Is(err, ErrNotFound) {
			t.Fatalf("Open in a missing bucket = %v", err)
		}
	})

	t.Run("wrong secret is an error", func(t *testing.T) {
		bad, err := NewS3(S3Config{Endpoint: srv.endpoint, Bucket: "claro-test", AccessKeyID: srv.access, SecretAccessKey: "wrong-secret-key", Region: "us-east-1"})
		if err != nil {
			t.Fatal(err)
		}
		err = bad.Put(t.Context(), "files/1/x.txt", strings.NewReader("x"), 1, "text/plain")
		if err == nil || errors.Is(err, ErrNotFound) {
			t.Fatalf("Put with a wrong secret = %v", err)
		}
	})
}
