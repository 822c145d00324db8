package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/app/accounts"
)

func TestEmailTokenWorksOnceForItsPurposeUntilItExpires(t *testing.T) {
	ctx := context.Background()
	tokens := accounts.NewTokens(testDB.Primary)
	email := fmt.Sprintf("Token-%d@Example.com", time.Now().UnixNano())

	live, err := tokens.Issue(ctx, accounts.Token{Purpose: accounts.PurposeVerify, Email: email}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Redeem(ctx, accounts.PurposeReset, live); !errors.Is(err, accounts.ErrTokenInvalid) {
		t.Fatalf("a verify link redeemed as a reset link: %v", err)
	}
	// Opened twice at once, the link works for exactly one of them.
	var wg sync.WaitGroup
	results := make([]error, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = tokens.Redeem(ctx, accounts.PurposeVerify, live)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range results {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, accounts.ErrTokenInvalid):
			t.Fatal(err)
		}
	}
	if ok != 1 {
		t.Fatalf("one link redeemed %d times", ok)
	}

	expired, err := tokens.Issue(ctx, accounts.Token{Purpose: accounts.PurposeVerify, Email: email}, -time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Redeem(ctx, accounts.PurposeVerify, expired); !errors.Is(err, accounts.ErrTokenInvalid) {
		t.Fatalf("an expired link redeemed: %v", err)
	}
	for _, bad := range []string{"", "x", live[:42] + "A", "\x00" + live[1:]} {
		if _, err := tokens.Redeem(ctx, accounts.PurposeVerify, bad); !errors.Is(err, accounts.ErrTokenInvalid) {
			t.Fatalf("%q redeemed: %v", bad, err)
		}
	}
}
