// Package rfc2136 is a libdns provider that writes TXT records through RFC
// 2136 dynamic updates signed with TSIG (RFC 8945), on github.com/miekg/dns.
// It is all CertMagic's DNS01Solver needs to answer DNS-01 challenges for the
// wildcard certificate: AppendRecords and DeleteRecords, for TXT only.
package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"
)

// Provider sends signed updates to one DNS server. Its zero value is not
// usable; fill Server, KeyName, Secret and Zone (config.DNSUpdate has them).
// It holds no state, so it is safe for concurrent use.
type Provider struct {
	Server    string // host:port of the primary accepting updates
	KeyName   string // TSIG key name
	Secret    string // TSIG secret, base64
	Algorithm string // "hmac-sha256" (default), "hmac-sha512", …
	// Zone is the zone every update is sent to. The zone CertMagic passes
	// (found by asking DNS for the SOA) only places relative names; a name
	// outside Zone is refused rather than written somewhere unexpected.
	Zone    string
	Timeout time.Duration // per exchange; 10 s when zero
}

// ErrUnsupported is returned for record types other than TXT.
var ErrUnsupported = errors.New("rfc2136: only TXT records are supported")

// AppendRecords adds the TXT records to the zone (RFC 2136 "add to an
// RRset"), leaving other values of the same name in place: CertMagic may
// present two challenges for one name at once (example.com and
// *.example.com).
func (p *Provider) AppendRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	rrs, out, err := p.convert(zone, recs)
	if err != nil {
		return nil, err
	}
	m := p.newUpdate()
	m.Insert(rrs)
	if err := p.exchange(ctx, m); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteRecords removes the TXT records. A record with empty text removes
// every TXT record of its name. The server does not say which records
// existed, so the records asked for are returned.
func (p *Provider) DeleteRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	rrs, out, err := p.convert(zone, recs)
	if err != nil {
		return nil, err
	}
	m := p.newUpdate()
	for i, rr := range rrs {
		if recs[i].RR().Data == "" {
			m.RemoveRRset([]dns.RR{rr})
		} else {
			m.Remove([]dns.RR{rr})
		}
	}
	if err := p.exchange(ctx, m); err != nil {
		return nil, err
	}
	return out, nil
}

// convert turns libdns records relative to zone into dns.TXT records and
// the typed libdns.TXT values the interface returns.
func (p *Provider) convert(zone string, recs []libdns.Record) ([]dns.RR, []libdns.Record, error) {
	own := dns.CanonicalName(p.Zone)
	rrs := make([]dns.RR, 0, len(recs))
	out := make([]libdns.Record, 0, len(recs))
	for _, rec := range recs {
		r := rec.RR()
		if r.Type != "" && !strings.EqualFold(r.Type, "TXT") {
			return nil, nil, fmt.Errorf("%w (got %s)", ErrUnsupported, r.Type)
		}
		name := dns.CanonicalName(libdns.AbsoluteName(r.Name, dns.Fqdn(zone)))
		if !dns.IsSubDomain(own, name) {
			return nil, nil, fmt.Errorf("rfc2136: %s is outside the zone %s", name, own)
		}
		ttl := uint32(r.TTL / time.Second)
		rrs = append(rrs, &dns.TXT{
			Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: ttl},
			Txt: chunks(r.Data),
		})
		out = append(out, libdns.TXT{Name: libdns.RelativeName(name, dns.Fqdn(zone)), TTL: r.TTL, Text: r.Data})
	}
	return rrs, out, nil
}

// chunks splits text into the 255-byte character-strings a TXT record holds.
func chunks(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for len(s) > 255 {
		out = append(out, s[:255])
		s = s[255:]
	}
	return append(out, s)
}

func (p *Provider) newUpdate() *dns.Msg {
	m := new(dns.Msg)
	m.SetUpdate(dns.CanonicalName(p.Zone))
	return m
}

// exchange signs m with the TSIG key, sends it over TCP and checks that the
// server answered NOERROR with a valid signature of its own.
func (p *Provider) exchange(ctx context.Context, m *dns.Msg) error {
	alg := p.Algorithm
	if alg == "" {
		alg = "hmac-sha256"
	}
	key := dns.CanonicalName(p.KeyName)
	m.SetTsig(key, dns.Fqdn(strings.ToLower(alg)), 300, time.Now().Unix())
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	c := &dns.Client{Net: "tcp", Timeout: timeout, TsigSecret: map[string]string{key: p.Secret}}
	r, _, err := c.ExchangeContext(ctx, m, p.Server)
	if err != nil {
		return fmt.Errorf("rfc2136: update via %s: %w", p.Server, err)
	}
	if r.Rcode != dns.RcodeSuccess {
		msg := dns.RcodeToString[r.Rcode]
		if t := r.IsTsig(); t != nil && t.Error != dns.RcodeSuccess {
			msg += " (TSIG " + dns.RcodeToString[int(t.Error)] + ")"
		}
		return fmt.Errorf("rfc2136: update of zone %s refused by %s: %s", p.Zone, p.Server, msg)
	}
	return nil
}
