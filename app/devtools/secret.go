package devtools

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// SessionSecret returns the development session secret kept in path, creating
// it (32 random bytes, base64) on first use, so sessions and cursors survive a
// restart of `claro dev`.
func SessionSecret(path string) ([]byte, error) {
	if b, err := os.ReadFile(path); err == nil {
		return base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	return secret, os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(secret)+"\n"), 0o600)
}
