package accounts

import (
	"strings"
	"testing"
)

func TestPasswordHashIsArgon2idWithOWASPParameters(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not carry the expected parameters", h)
	}
	ok, err := CheckPassword(h, "correct horse battery staple")
	if err != nil || !ok {
		t.Fatalf("right password refused: %v %v", ok, err)
	}
	ok, err = CheckPassword(h, "correct horse battery stapler")
	if err != nil || ok {
		t.Fatalf("wrong password accepted: %v %v", ok, err)
	}
	h2, _ := HashPassword("correct horse battery staple")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

func TestCheckPasswordRefusesMalformedHashes(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=19456,t=2,p=1$!!$AAAA"} {
		if ok, err := CheckPassword(h, "x"); err == nil || ok {
			t.Errorf("%q: ok=%v err=%v, want an error", h, ok, err)
		}
	}
}
