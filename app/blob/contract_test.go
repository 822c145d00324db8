package blob

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
)

// testContract is what every Store promises; it runs against Local and
// against S3 on a real server. Each case uses keys of its own, so the cases
// share one store.
func testContract(t *testing.T, s Store) {
	t.Run("put and open round trip", func(t *testing.T) {
		body := "Chapter one.\n"
		put(t, s, "files/1/round-trip.txt", body, "text/plain; charset=utf-8")
		got, info := get(t, s, "files/1/round-trip.txt")
		if got != body {
			t.Fatalf("body = %q, want %q", got, body)
		}
		if info.Size != int64(len(body)) || info.ContentType != "text/plain; charset=utf-8" || info.ModTime.IsZero() {
			t.Fatalf("info = %+v", info)
		}
		st, err := s.Stat(t.Context(), "files/1/round-trip.txt")
		if err != nil || st.Size != info.Size || st.ContentType != info.ContentType {
			t.Fatalf("Stat = %+v, %v; Open said %+v", st, err, info)
		}
	})

	t.Run("put replaces", func(t *testing.T) {
		put(t, s, "files/1/replace.txt", "first", "text/plain")
		put(t, s, "files/1/replace.txt", "second version", "application/pdf")
		got, info := get(t, s, "files/1/replace.txt")
		if got != "second version" || info.ContentType != "application/pdf" || info.Size != 14 {
			t.Fatalf("got %q %+v", got, info)
		}
	})

	t.Run("empty content type is octet-stream", func(t *testing.T) {
		put(t, s, "files/1/untyped.bin", "\x00\x01", "")
		if _, info := get(t, s, "files/1/untyped.bin"); info.ContentType != DefaultContentType {
			t.Fatalf("content type = %q", info.ContentType)
		}
	})

	t.Run("8 MiB object keeps every byte", func(t *testing.T) {
		body := make([]byte, 8<<20)
		rand.NewChaCha8([32]byte{7}).Read(body)
		if err := s.Put(t.Context(), "files/2/large.bin", bytes.NewReader(body), int64(len(body)), "application/zip"); err != nil {
			t.Fatal(err)
		}
		rc, info, err := s.Open(t.Context(), "files/2/large.bin")
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		h := sha256.New()
		n, err := io.Copy(h, rc)
		if err != nil || n != int64(len(body)) || info.Size != n {
			t.Fatalf("read %d bytes (info %d), err %v; want %d", n, info.Size, err, len(body))
		}
		if want := sha256.Sum256(body); !bytes.Equal(h.Sum(nil), want[:]) {
			t.Fatal("content differs from what was put")
		}
	})

	t.Run("unknown size", func(t *testing.T) {
		body := strings.Repeat("streamed ", 1000)
		r := iotest.OneByteReader(strings.NewReader(body))
		if err := s.Put(t.Context(), "files/2/streamed.txt", r, -1, "text/plain"); err != nil {
			t.Fatal(err)
		}
		if got, _ := get(t, s, "files/2/streamed.txt"); got != body {
			t.Fatalf("got %d bytes, want %d", len(got), len(body))
		}
	})

	t.Run("short body stores nothing", func(t *testing.T) {
		err := s.Put(t.Context(), "files/2/short.txt", strings.NewReader("12345"), 10, "text/plain")
		if !errors.Is(err, ErrSizeMismatch) {
			t.Fatalf("Put of 5 bytes declared as 10 = %v, want ErrSizeMismatch", err)
		}
		if _, _, err := s.Open(t.Context(), "files/2/short.txt"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Open after failed Put = %v, want ErrNotFound", err)
		}
	})

	t.Run("missing key is ErrNotFound", func(t *testing.T) {
		if _, _, err := s.Open(t.Context(), "files/3/never-put.txt"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Open = %v", err)
		}
		if _, err := s.Stat(t.Context(), "files/3/never-put.txt"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Stat = %v", err)
		}
		// A directory of other blobs is not a blob either.
		put(t, s, "files/3/dir/inner.txt", "x", "text/plain")
		if _, _, err := s.Open(t.Context(), "files/3/dir"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Open of a prefix = %v", err)
		}
	})

	t.Run("delete", func(t *testing.T) {
		put(t, s, "files/4/gone.txt", "bye", "text/plain")
		if err := s.Delete(t.Context(), "files/4/gone.txt"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Open(t.Context(), "files/4/gone.txt"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Open after Delete = %v", err)
		}
		if err := s.Delete(t.Context(), "files/4/gone.txt"); err != nil {
			t.Fatalf("second Delete = %v, want nil", err)
		}
	})

	t.Run("bad keys are refused", func(t *testing.T) {
		for _, key := range badKeys {
			if err := s.Put(t.Context(), key, strings.NewReader("x"), 1, "text/plain"); !errors.Is(err, ErrBadKey) {
				t.Errorf("Put(%q) = %v", key, err)
			}
			if _, _, err := s.Open(t.Context(), key); !errors.Is(err, ErrBadKey) {
				t.Errorf("Open(%q) = %v", key, err)
			}
			if _, err := s.Stat(t.Context(), key); !errors.Is(err, ErrBadKey) {
				t.Errorf("Stat(%q) = %v", key, err)
			}
			if err := s.Delete(t.Context(), key); !errors.Is(err, ErrBadKey) {
				t.Errorf("Delete(%q) = %v", key, err)
			}
		}
	})

	t.Run("downloads", func(t *testing.T) { testDownloads(t, s) })
}

// badKeys escape the store, are empty, or are otherwise malformed.
var badKeys = []string{
	"", "img", "/img/a.png", "/etc/passwd", "../secret", "img/../../etc/passwd",
	"img/../files/x", "img/..", "img//a.png", "img/a.png/", "img/.hidden",
	"img/.put-123", "IMG/a.png", "img/a b.png", "img/a\x00.png", `img\a.png`,
	"img/" + strings.Repeat("a", 300),
}

func put(t *testing.T, s Store, key, body, ct string) {
	t.Helper()
	if err := s.Put(t.Context(), key, strings.NewReader(body), int64(len(body)), ct); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func get(t *testing.T, s Store, key string) (string, Info) {
	t.Helper()
	rc, info, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return string(b), info
}
