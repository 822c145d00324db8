package blob

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/claro-market/claro/app/config"
)

func TestLocal(t *testing.T) {
	l, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	testContract(t, l)
}

func TestLocalBlobPutByHand(t *testing.T) {
	dir := t.TempDir()
	l, err := NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A file copied in without its content type is typed by its extension.
	if err := os.MkdirAll(filepath.Join(dir, "img"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "img", "cover.png"), []byte("\x89PNG"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, info := get(t, l, "img/cover.png"); info.ContentType != "image/png" || info.Size != 4 {
		t.Fatalf("info = %+v", info)
	}
	if _, err := NewLocal(""); err == nil {
		t.Fatal("NewLocal(\"\") succeeded")
	}
}

func TestOpenChoosesTheStore(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(config.Config{BlobDir: dir})
	if _, ok := s.(*Local); !ok || err != nil {
		t.Fatalf("BLOB_DIR: %T, %v", s, err)
	}
	for endpoint, presign := range map[string]bool{
		"https://fly.storage.tigris.dev": true,
		"http://127.0.0.1:9000":          false,
	} {
		s, err = Open(config.Config{BlobDir: dir, S3Endpoint: endpoint, S3Bucket: "b", S3AccessKeyID: "k", S3SecretAccessKey: "s"})
		s3, ok := s.(*S3)
		if !ok || err != nil || s3.presign != presign {
			t.Fatalf("%s: %T, %v", endpoint, s, err)
		}
	}
	if _, err := Open(config.Config{S3Endpoint: "http://127.0.0.1:9000"}); err == nil {
		t.Fatal("S3 without bucket or keys was accepted")
	}
}

func TestParseEndpoint(t *testing.T) {
	for in, want := range map[string]struct {
		host   string
		secure bool
	}{
		"https://fly.storage.tigris.dev": {"fly.storage.tigris.dev", true},
		"http://127.0.0.1:9000":          {"127.0.0.1:9000", false},
		"HTTP://127.0.0.1:9000/":         {"127.0.0.1:9000", false},
		"s3.example.com":                 {"s3.example.com", true},
	} {
		host, secure, err := parseEndpoint(in)
		if err != nil || host != want.host || secure != want.secure {
			t.Errorf("parseEndpoint(%q) = %q, %v, %v", in, host, secure, err)
		}
	}
	for _, bad := range []string{"", "ftp://x", "https://x/bucket", "https://u:p@x", "https://x?y=1"} {
		if _, _, err := parseEndpoint(bad); err == nil {
			t.Errorf("parseEndpoint(%q) succeeded", bad)
		}
	}
}
