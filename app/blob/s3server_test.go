package blob

import (
	"bytes"
	"go/build"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/testkit/peertest"
)

// s3Install is how a machine gets the S3 server the tests run against.
const s3Install = "go install github.com/versity/versitygw/cmd/versitygw@v1.8.0"

// s3Server is a real S3-compatible server run by a test: versitygw serving a
// temporary directory, or MinIO when only that is installed.
type s3Server struct {
	endpoint, access, secret string
}

// store returns an S3 store on the server's bucket.
func (srv s3Server) store(t *testing.T, bucket string, presign bool) *S3 {
	t.Helper()
	s, err := NewS3(S3Config{
		Endpoint: srv.endpoint, Bucket: bucket, AccessKeyID: srv.access,
		SecretAccessKey: srv.secret, Presign: presign,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// findS3Binary looks on PATH, then in each GOPATH's bin, where go install
// puts it.
func findS3Binary() (path, kind string) {
	for _, name := range []string{"versitygw", "minio"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, name
		}
		for _, gp := range filepath.SplitList(build.Default.GOPATH) {
			p := filepath.Join(gp, "bin", name)
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
				return p, name
			}
		}
	}
	return "", ""
}

// startS3 starts the server on a free loopback port over a temporary
// directory and stops it when the test ends. Without a server installed the
// test is skipped, except in CI (CI=true), where it fails.
func startS3(t *testing.T) s3Server {
	t.Helper()
	bin, kind := findS3Binary()
	if bin == "" {
		msg := "no S3-compatible server installed (versitygw or minio); install one with:\n  " + s3Install
		peertest.Missing(t, msg)
	}
	addr := peertest.FreeAddr(t)
	srv := s3Server{endpoint: "http://" + addr, access: "claro-test-access", secret: "claro-test-secret-key"}
	dir := t.TempDir()
	var cmd *exec.Cmd
	switch kind {
	case "versitygw":
		cmd = exec.Command(bin, "--access", srv.access, "--secret", srv.secret,
			"--port", addr, "--quiet", "posix", dir)
	case "minio":
		cmd = exec.Command(bin, "server", dir, "--address", addr, "--quiet")
		cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+srv.access,
			"MINIO_ROOT_PASSWORD="+srv.secret, "MINIO_BROWSER=off")
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := sync.OnceFunc(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	t.Cleanup(stop)

	// Wait until it listens: a readiness deadline, not an assertion on time.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			break
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("%s exited before listening: %v\n%s", kind, err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("%s did not listen on %s within a minute\n%s", kind, addr, out.String())
		}
	}
	t.Logf("%s (%s) serving %s on %s", kind, bin, dir, srv.endpoint)
	return srv
}
