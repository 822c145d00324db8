package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/claro-market/claro/testkit/dbtest"
)

// `claro admin grant EMAIL` gives an existing account the platform role and
// writes the audit row; a second grant changes nothing; an unknown address
// is refused with a clear message; `revoke` takes the role away.
func TestAdminGrantAndRevokeCommands(t *testing.T) {
	ctx := context.Background()
	td, err := dbtest.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = td.Drop(context.WithoutCancel(ctx)) })
	t.Setenv("DATABASE_URL", td.URL)
	const email = "staff-cli@example.com"
	if _, err := td.Primary.NewRaw(`INSERT INTO users (email, name, password_hash) VALUES (?, 'Staff', 'x')`, email).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	claro := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(args, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	role := func() string {
		var r *string
		if err := td.Primary.NewRaw(`SELECT platform_role FROM users WHERE email = ?`, email).Scan(ctx, &r); err != nil {
			t.Fatal(err)
		}
		if r == nil {
			return ""
		}
		return *r
	}
	audits := func(action string) int {
		var n int
		if err := td.Primary.NewRaw(`SELECT count(*) FROM staff_actions WHERE action = ? AND target = ?`, action, "user "+email).Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	if code, out, errOut := claro("admin", "grant", "Staff-CLI@example.com"); code != 0 || !strings.Contains(out, "is staff now") {
		t.Fatalf("grant: exit %d\n%s%s", code, out, errOut)
	}
	if role() != "staff" || audits("grant_staff") != 1 {
		t.Fatalf("after grant: role %q, %d audit rows", role(), audits("grant_staff"))
	}
	if code, out, _ := claro("admin", "grant", email); code != 0 || !strings.Contains(out, "nothing changed") || audits("grant_staff") != 1 {
		t.Fatalf("second grant: exit %d %q", code, out)
	}
	if code, _, errOut := claro("admin", "grant", "nobody-cli@example.com"); code != 1 || !strings.Contains(errOut, "no account has the address") {
		t.Fatalf("unknown address: exit %d %q", code, errOut)
	}
	if code, _, errOut := claro("admin", "promote", email); code != 1 || !strings.Contains(errOut, "usage: claro admin grant|revoke EMAIL") {
		t.Fatalf("bad subcommand: exit %d %q", code, errOut)
	}
	if code, out, _ := claro("admin", "revoke", email); code != 0 || !strings.Contains(out, "no longer staff") {
		t.Fatalf("revoke: exit %d %q", code, out)
	}
	if role() != "" || audits("revoke_staff") != 1 {
		t.Fatalf("after revoke: role %q", role())
	}
}
