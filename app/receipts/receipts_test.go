package receipts_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/receipts"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/mailpittest"
	"github.com/claro-market/claro/testkit/moneytest"
)

// outboxRow is a receipts_outbox row as the tests read it.
type outboxRow struct {
	Attempts  int     `bun:"attempts"`
	LastError *string `bun:"last_error"`
	Sent      bool    `bun:"sent"`
}

func outbox(t *testing.T, e *moneytest.Env, storeID int64) []outboxRow {
	t.Helper()
	var rows []outboxRow
	if err := e.DB.Primary.NewRaw(`SELECT r.attempts, r.last_error, r.sent_at IS NOT NULL AS sent FROM receipts_outbox r
		JOIN orders o ON o.id = r.order_id WHERE o.tenant_id = ?`, storeID).Scan(context.Background(), &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

// drainLeftovers sends (or, with SMTP down, defers) the receipts earlier tests
// left owed in this package's database, so that the Drain a test checks
// counts its own receipts only, whatever order the tests run in.
func drainLeftovers(t *testing.T, e *moneytest.Env) {
	t.Helper()
	if _, err := e.Receipts.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestPaidOrderEmailsAReceiptWithItsLinesAmountsAndTheLibrary(t *testing.T) {
	mp := mailpittest.Start(t)
	e := moneytest.New(t, testDB, func(c *config.Config) { c.SMTPURL = mp.SMTPURL })
	store := e.Store(t, apptest.Unique("inks"))
	brushes := e.Product(t, store, "brushes", catalog.Public, func(p *catalog.Product) { p.Title = "Dry Brushes"; p.PriceCents = 1250 })
	fonts := e.Product(t, store, "fonts", catalog.Public, func(p *catalog.Product) { p.Title = "Sign Fonts"; p.PriceCents = 700 })
	buyer := e.NewBrowser()
	email := apptest.Email("reader")
	buyer.SignUp(t, email, "a long enough password", "Reader")
	drainLeftovers(t, e)
	ck := e.OpenCheckout(t, buyer, store, brushes, fonts)
	e.Pay(t, ck, "pi_"+apptest.Unique("rcpt"))
	e.Pay(t, ck, "pi_"+apptest.Unique("rcpt")) // another event for the same session owes no second receipt

	// The receipt is owed the moment the order commits, before anything sends it.
	if rows := outbox(t, e, store.ID); len(rows) != 1 || rows[0].Sent {
		t.Fatalf("outbox before sending: %+v", rows)
	}
	if n, err := e.Receipts.Drain(context.Background()); err != nil || n != 1 {
		t.Fatalf("drain: sent %d, err %v", n, err)
	}
	if n, err := e.Receipts.Drain(context.Background()); err != nil || n != 0 {
		t.Fatalf("second drain: sent %d, err %v", n, err)
	}
	msgs := mp.WaitForSubject(t, email, "receipt", 1)
	if len(msgs) != 1 {
		t.Fatalf("%d receipts arrived", len(msgs))
	}
	m := msgs[0]
	if !strings.Contains(m.Subject, store.Name) || m.From.Address != "receipts@claro.test" {
		t.Errorf("subject %q from %q", m.Subject, m.From.Address)
	}
	for _, want := range []string{"Dry Brushes", "1 x $12.50", "Sign Fonts", "1 x $7.00", "Total  $19.50", "http://claro.test/library"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "/claim?") {
		t.Errorf("an account's order came with a claim link:\n%s", m.Text)
	}
	if rows := outbox(t, e, store.ID); len(rows) != 1 || !rows[0].Sent || rows[0].Attempts != 1 {
		t.Fatalf("outbox after sending: %+v", rows)
	}
}

func TestReceiptWaitsOutAnSMTPOutageAndIsSentLater(t *testing.T) {
	mp := mailpittest.Start(t)
	down := closedPort(t)
	e := moneytest.New(t, testDB, func(c *config.Config) { c.SMTPURL = down })
	store := e.Store(t, apptest.Unique("outage"))
	p := e.Product(t, store, "zine", catalog.Public)
	buyer := e.NewBrowser()
	email := apptest.Email("patient")
	buyer.SignUp(t, email, "a long enough password", "Patient")
	drainLeftovers(t, e)
	e.Pay(t, e.OpenCheckout(t, buyer, store, p), "pi_"+apptest.Unique("out"))

	if n, err := e.Receipts.Drain(context.Background()); err != nil || n != 0 {
		t.Fatalf("drain with SMTP down: sent %d, err %v", n, err)
	}
	rows := outbox(t, e, store.ID)
	if len(rows) != 1 || rows[0].Sent || rows[0].Attempts != 1 || rows[0].LastError == nil {
		t.Fatalf("outbox after a failed send: %+v", rows)
	}
	// However long the outage has lasted, the next try is due within
	// minutes: fail it again as its 12th attempt and read when it is due.
	if _, err := e.DB.Primary.NewRaw(`UPDATE receipts_outbox r SET available_at = now(), attempts = 11 FROM orders o
		WHERE o.id = r.order_id AND o.tenant_id = ? AND r.sent_at IS NULL`, store.ID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Receipts.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	var dueIn float64
	if err := e.DB.Primary.NewRaw(`SELECT extract(epoch FROM r.available_at - now()) FROM receipts_outbox r
		JOIN orders o ON o.id = r.order_id WHERE o.tenant_id = ?`, store.ID).Scan(context.Background(), &dueIn); err != nil {
		t.Fatal(err)
	}
	if dueIn < 4*60 || dueIn > 5*60 {
		t.Fatalf("after 12 failed attempts the next is due in %.0f s, want 4-5 minutes (the cap)", dueIn)
	}
	// The retry is due later; make it due now instead of waiting for it.
	if _, err := e.DB.Primary.NewRaw(`UPDATE receipts_outbox r SET available_at = now() FROM orders o
		WHERE o.id = r.order_id AND o.tenant_id = ? AND r.sent_at IS NULL`, store.ID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A sender started afresh (after a restart, with SMTP back) sends it.
	cfg := e.Config
	cfg.SMTPURL = mp.SMTPURL
	sender, err := receipts.New(cfg, e.DB.Primary, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := sender.Drain(context.Background()); err != nil || n != 1 {
		t.Fatalf("drain with SMTP back: sent %d, err %v", n, err)
	}
	if msgs := mp.WaitForSubject(t, email, "receipt", 1); !strings.Contains(msgs[0].Text, "Title of zine") {
		t.Fatalf("receipt:\n%s", msgs[0].Text)
	}
	if rows := outbox(t, e, store.ID); !rows[0].Sent || rows[0].Attempts != 13 {
		t.Fatalf("outbox after the retry: %+v", rows)
	}
}

func TestUnpaidOrderOwesNoReceiptUntilPaid(t *testing.T) {
	e := moneytest.New(t, testDB)
	store := e.Store(t, apptest.Unique("slowpay"))
	p := e.Product(t, store, "print", catalog.Public)
	ck := e.OpenCheckout(t, e.NewBrowser(), store, p)
	pi := "pi_" + apptest.Unique("slow")
	deliver := func(typ, status string) {
		t.Helper()
		ev := moneytest.SessionEvent("evt_"+apptest.Unique("s"), typ, ck, pi, status)
		if resp, body := e.Deliver(t, "/webhooks/stripe", ev); resp.StatusCode != 200 {
			t.Fatalf("webhook %d\n%s", resp.StatusCode, body)
		}
	}
	deliver("checkout.session.completed", "unpaid")
	if rows := outbox(t, e, store.ID); len(rows) != 0 {
		t.Fatalf("receipt owed for an unpaid order: %+v", rows)
	}
	deliver("checkout.session.async_payment_succeeded", "paid")
	if rows := outbox(t, e, store.ID); len(rows) != 1 {
		t.Fatalf("receipts owed after payment: %+v", rows)
	}
}

// closedPort is an smtp:// URL nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "smtp://" + addr
}
