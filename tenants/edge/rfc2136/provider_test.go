package rfc2136

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/claro-market/claro/testkit/dnstest"
	"github.com/libdns/libdns"
	"github.com/miekg/dns"
)

const zone = "claro-dns.test."

func provider(s *dnstest.Server) *Provider {
	return &Provider{Server: s.Addr, KeyName: dnstest.KeyName, Secret: s.Secret, Zone: zone}
}

// txt asks the server for name's TXT records, each joined into one string.
func txt(t *testing.T, s *dnstest.Server, name string) []string {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, dns.TypeTXT)
	r, _, err := (&dns.Client{Net: "tcp"}).Exchange(q, s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, rr := range r.Answer {
		if t, ok := rr.(*dns.TXT); ok {
			out = append(out, strings.Join(t.Txt, ""))
		}
	}
	slices.Sort(out)
	return out
}

func TestAppendAndDeleteTXTRecordsOnBIND(t *testing.T) {
	s := dnstest.StartBIND(t, strings.TrimSuffix(zone, "."))
	p, ctx := provider(s), context.Background()
	name := "_acme-challenge." + zone
	rec := func(text string) []libdns.Record {
		return []libdns.Record{libdns.TXT{Name: "_acme-challenge", TTL: 1e9, Text: text}}
	}

	got, err := p.AppendRecords(ctx, zone, rec("token-one"))
	if err != nil {
		t.Fatal(err)
	}
	if tx, ok := got[0].(libdns.TXT); len(got) != 1 || !ok || tx.Name != "_acme-challenge" || tx.Text != "token-one" {
		t.Fatalf("AppendRecords returned %#v", got)
	}
	// A second challenge for the same name (example.com and *.example.com)
	// sits beside the first.
	long := strings.Repeat("x", 300)
	if _, err := p.AppendRecords(ctx, zone, rec(long)); err != nil {
		t.Fatal(err)
	}
	if got := txt(t, s, name); !slices.Equal(got, []string{"token-one", long}) {
		t.Fatalf("after two appends: %q", got)
	}
	if _, err := p.DeleteRecords(ctx, zone, rec("token-one")); err != nil {
		t.Fatal(err)
	}
	if got := txt(t, s, name); !slices.Equal(got, []string{long}) {
		t.Fatalf("after deleting one: %q", got)
	}
	// Empty text deletes every TXT record of the name.
	if _, err := p.DeleteRecords(ctx, zone, rec("")); err != nil {
		t.Fatal(err)
	}
	if got := txt(t, s, name); len(got) != 0 {
		t.Fatalf("after deleting all: %q", got)
	}
}

func TestUpdatesAreRefusedWithoutTheRightKeyOrOutsideTheZone(t *testing.T) {
	s := dnstest.StartBIND(t, strings.TrimSuffix(zone, "."))
	ctx := context.Background()
	rec := []libdns.Record{libdns.TXT{Name: "_acme-challenge", Text: "t"}}

	wrong := provider(s)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	wrong.Secret = base64.StdEncoding.EncodeToString(key)
	if _, err := wrong.AppendRecords(ctx, zone, rec); err == nil {
		t.Fatal("an update signed with the wrong secret was accepted")
	}
	if got := txt(t, s, "_acme-challenge."+zone); len(got) != 0 {
		t.Fatalf("refused update still wrote %q", got)
	}

	p := provider(s)
	if _, err := p.AppendRecords(ctx, "elsewhere.test.", rec); err == nil || !strings.Contains(err.Error(), "outside the zone") {
		t.Fatalf("name outside the zone: %v", err)
	}
	a := []libdns.Record{libdns.RR{Name: "www", Type: "A", Data: "127.0.0.1"}}
	if _, err := p.AppendRecords(ctx, zone, a); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("A record: %v", err)
	}
}
