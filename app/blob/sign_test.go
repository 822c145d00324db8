package blob

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func token(link string) string { return strings.TrimPrefix(link, DownloadPrefix) }

func TestSignerRoundTrip(t *testing.T) {
	s := signerAt(t, t0)
	link := s.SignFile("files/7/12-0-album.zip", "Album — FLAC.zip", 42, 15*time.Minute)
	if !strings.HasPrefix(link, DownloadPrefix) || strings.ContainsAny(token(link), "/?#%+= ") {
		t.Fatalf("link %q is not a clean path", link)
	}
	g, err := s.Verify(token(link), 42)
	if err != nil {
		t.Fatal(err)
	}
	want := Grant{Key: "files/7/12-0-album.zip", Name: "Album — FLAC.zip", UserID: 42, Expires: t0.Add(15 * time.Minute)}
	if g != want {
		t.Fatalf("grant = %+v, want %+v", g, want)
	}
	if r := s.Remaining(g); r != 15*time.Minute {
		t.Fatalf("Remaining = %v", r)
	}
	// Sign names the download after the key's last segment.
	if g, err := s.Verify(token(s.Sign("files/7/readme.txt", 42, time.Minute)), 42); err != nil || g.Name != "readme.txt" {
		t.Fatalf("Sign: %+v, %v", g, err)
	}
}

func TestSignerRefuses(t *testing.T) {
	s := signerAt(t, t0)
	tok := token(s.Sign("files/7/a.pdf", 42, time.Minute))
	enc, mac, _ := strings.Cut(tok, ".")
	for _, tc := range []struct {
		name   string
		signer *Signer
		token  string
		user   int64
		want   error
	}{
		{"other user", s, tok, 43, ErrTokenOtherUser},
		{"signed out", s, tok, 0, ErrTokenOtherUser},
		{"negative user", s, tok, -42, ErrTokenOtherUser},
		{"a second before expiry is fine", signerAt(t, t0.Add(59*time.Second)), tok, 42, nil},
		{"at expiry", signerAt(t, t0.Add(time.Minute)), tok, 42, ErrTokenExpired},
		{"long after", signerAt(t, t0.Add(24*time.Hour)), tok, 42, ErrTokenExpired},
		{"other secret", otherSigner(t), tok, 42, ErrTokenInvalid},
		{"payload changed", s, flip(enc) + "." + mac, 42, ErrTokenInvalid},
		{"mac changed", s, enc + "." + flip(mac), 42, ErrTokenInvalid},
		{"mac cut short", s, enc + "." + mac[:20], 42, ErrTokenInvalid},
		{"mac missing", s, enc, 42, ErrTokenInvalid},
		{"extra dot", s, tok + ".x", 42, ErrTokenInvalid},
		{"line break", s, enc[:4] + "\n" + enc[4:] + "." + mac, 42, ErrTokenInvalid},
		{"padding", s, enc + "=." + mac, 42, ErrTokenInvalid},
		{"empty", s, "", 42, ErrTokenInvalid},
		{"huge", s, strings.Repeat("A", 5000) + "." + mac, 42, ErrTokenInvalid},
		{"payload of another token", s, token(s.Sign("files/7/b.pdf", 42, time.Minute))[:len(enc)] + "." + mac, 42, ErrTokenInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.signer.Verify(tc.token, tc.user)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}

	t.Run("bad keys and users never verify", func(t *testing.T) {
		for _, key := range []string{"../etc/passwd", "/abs/x", ""} {
			if _, err := s.Verify(token(s.Sign(key, 42, time.Minute)), 42); !errors.Is(err, ErrTokenInvalid) {
				t.Errorf("key %q: %v", key, err)
			}
		}
		if _, err := s.Verify(token(s.Sign("files/7/a.pdf", 0, time.Minute)), 0); err == nil {
			t.Error("a token for user 0 verified")
		}
	})
}

func TestNewSignerNeedsASecret(t *testing.T) {
	if _, err := NewSigner(make([]byte, 16), nil); err == nil {
		t.Fatal("a 16-byte secret was accepted")
	}
}

// flip changes the first character of s to another base64url letter.
func flip(s string) string {
	c := byte('A')
	if s[0] == 'A' {
		c = 'B'
	}
	return string(c) + s[1:]
}

// FuzzVerify feeds the parser arbitrary tokens and users: it never panics,
// and it accepts only a token exactly as it was signed, for its own user.
func FuzzVerify(f *testing.F) {
	s := signerAt(f, t0)
	signed := map[string]int64{}
	for i, key := range []string{"files/1/a.pdf", "img/0123abcd.png", "files/22/9-1-album.zip"} {
		uid := int64(i + 1)
		tok := token(s.SignFile(key, "name-"+key, uid, time.Hour))
		signed[tok] = uid
		f.Add(tok, uid)
		f.Add(tok, uid+1)
	}
	f.Add("", int64(0))
	f.Add("AQ.AQ", int64(1))
	f.Add(strings.Repeat("A", 40)+"."+strings.Repeat("_", 43), int64(-1))
	f.Fuzz(func(t *testing.T, tok string, uid int64) {
		g, err := s.Verify(tok, uid)
		if err != nil {
			return
		}
		want, ok := signed[tok]
		if !ok || want != uid || g.UserID != uid {
			t.Fatalf("accepted a token it did not sign for user %d: %q -> %+v", uid, tok, g)
		}
		if !ValidKey(g.Key) || !g.Expires.After(t0) {
			t.Fatalf("accepted grant %+v", g)
		}
	})
}
