package tenants

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/net/publicsuffix"
)

// Custom-domain statuses, in the order a healthy domain passes them: pending
// until DNS shows the token and the platform target, verified once it does,
// cert_ready once a certificate is in storage, active while it is served.
// failed is a domain whose records were missing too many checks in a row.
const (
	DomainPending   = "pending"
	DomainVerified  = "verified"
	DomainCertReady = "cert_ready"
	DomainActive    = "active"
	DomainFailed    = "failed"
)

// PendingTTL is how long a claim may wait for its DNS to be proven: a domain
// never verified this long after it was added is deleted by the checker, and
// no claim that is not proven ever keeps another store from adding the name.
const PendingTTL = 72 * time.Hour

// Reasons a domain is refused when a creator adds it. The dashboard words
// each for the creator; the text here is for logs.
var (
	ErrDomainInvalid  = errors.New("tenants: not a valid domain name")
	ErrDomainIP       = errors.New("tenants: an IP address is not a domain")
	ErrDomainPlatform = errors.New("tenants: domain belongs to the platform")
	ErrDomainTaken    = errors.New("tenants: domain proven by another store")
	ErrDomainLimit    = errors.New("tenants: store already has a custom domain")
)

// Domain is a creator's own domain and where its verification stands.
type Domain struct {
	bun.BaseModel `bun:"table:domains"`

	ID                int64      `bun:"id,pk,autoincrement"`
	TenantID          int64      `bun:"tenant_id"`
	Hostname          string     `bun:"hostname"`
	AltHostname       *string    `bun:"alt_hostname"`
	VerificationToken string     `bun:"verification_token"`
	Status            string     `bun:"status"`
	LastTXT           []string   `bun:"last_txt,array"`
	LastCNAME         string     `bun:"last_cname"`
	LastAddrs         []string   `bun:"last_addrs,array"`
	LastError         string     `bun:"last_error"`
	FailureCount      int        `bun:"failure_count"`
	CheckedAt         *time.Time `bun:"checked_at"`
	VerifiedAt        *time.Time `bun:"verified_at"`
	ActivatedAt       *time.Time `bun:"activated_at"`
	NextCheckAt       time.Time  `bun:"next_check_at,nullzero,default:now()"`
	CreatedAt         time.Time  `bun:"created_at,nullzero,default:now()"`
	UpdatedAt         time.Time  `bun:"updated_at,nullzero,default:now()"`
}

// TXTName is the record the creator publishes the token under.
func (d *Domain) TXTName() string { return "_claro." + d.Hostname }

// Names is every host the domain answers for: its hostname, then its partner.
func (d *Domain) Names() []string {
	if d.AltHostname != nil {
		return []string{d.Hostname, *d.AltHostname}
	}
	return []string{d.Hostname}
}

// Certified reports whether the domain may hold a certificate: its DNS was
// verified and it has not failed since. Exactly such a claim holds its names
// (domain_names): no other store can add them.
func (d *Domain) Certified() bool {
	switch d.Status {
	case DomainVerified, DomainCertReady, DomainActive:
		return true
	}
	return false
}

// provenStatuses are the statuses of a claim that holds its names.
var provenStatuses = []string{DomainVerified, DomainCertReady, DomainActive}

// ExpiresAt is when a claim whose DNS was never verified is deleted
// (CreatedAt + PendingTTL); nil once it has been verified.
func (d *Domain) ExpiresAt() *time.Time {
	if d.VerifiedAt != nil {
		return nil
	}
	t := d.CreatedAt.Add(PendingTTL)
	return &t
}

// Expired reports whether the claim was never verified and its PendingTTL
// has passed at now (the checker deletes it on its next round).
func (d *Domain) Expired(now time.Time) bool {
	e := d.ExpiresAt()
	return e != nil && !now.Before(*e)
}

// ValidateDomain checks a domain a creator typed, before any database work,
// and returns its canonical hostname and the apex/www partner served with it
// ("" when there is none). rootHost is ROOT_DOMAIN without its port: neither
// it nor any name under it may be claimed.
func ValidateDomain(raw, rootHost string) (host, alt string, err error) {
	s := strings.ToLower(strings.TrimSpace(raw))
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return "", "", ErrDomainInvalid
	}
	if net.ParseIP(strings.Trim(s, "[]")) != nil {
		return "", "", ErrDomainIP
	}
	if strings.ContainsAny(s, ":/@?# ") {
		return "", "", ErrDomainInvalid
	}
	h, ok := ParseHost(s)
	if !ok || !strings.Contains(h, ".") {
		if ok || !looksNumeric(s) {
			return "", "", ErrDomainInvalid
		}
		return "", "", ErrDomainIP
	}
	root := strings.ToLower(rootHost)
	if h == root || strings.HasSuffix(h, "."+root) || (root != "" && root == "www."+h) {
		return "", "", ErrDomainPlatform
	}
	apex, err := publicsuffix.EffectiveTLDPlusOne(h)
	if err != nil {
		return "", "", ErrDomainInvalid // a public suffix itself, such as co.uk
	}
	switch h {
	case apex:
		alt = "www." + apex
	case "www." + apex:
		alt = apex
	}
	if alt == root {
		return "", "", ErrDomainPlatform
	}
	return h, alt, nil
}

// looksNumeric spots dotted-number look-alikes of IP addresses (10.1, 1.2.3)
// that ParseHost refuses, so the creator is told why.
func looksNumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return false
		}
	}
	return true
}

// newToken is a domain's verification token: 128 random bits, hex.
func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "claro-verify-" + hex.EncodeToString(b)
}
