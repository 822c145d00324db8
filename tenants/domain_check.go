package tenants

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// DNS is what the checker asks of DNS. *net.Resolver satisfies it; tests point
// one at a DNS server they start.
type DNS interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupCNAME(ctx context.Context, host string) (string, error)
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// CertObtainer gets a certificate for a verified domain's names before the
// domain goes active; the edge package provides one over CertMagic. Without
// one (Caddy in front), verified domains go active at once.
type CertObtainer interface {
	Obtain(ctx context.Context, names []string) error
}

// CheckerOptions configure the domain checker; zero values take the defaults.
type CheckerOptions struct {
	// Target is the name creators point their CNAME at (the platform's edge
	// host, e.g. ROOT_DOMAIN). Addrs are the platform's addresses an apex's
	// A/AAAA may hold instead; when empty, Target's own addresses are used.
	Target string
	Addrs  []netip.Addr
	Certs  CertObtainer
	// MaxFailures is how many checks in a row may fail before a domain is
	// failed and, if it was active, stops being served (default 3).
	MaxFailures int
	// Recheck is how often a healthy domain is checked again (default 1 hour);
	// failing ones back off from Retry (default 1 minute) up to Recheck.
	Recheck, Retry time.Duration
	// OnChange, when set, is told the store whose domain changed status
	// (after the change is committed and announced to the caches).
	OnChange func(tenantID int64)
	Log      *slog.Logger
}

// Checker verifies and re-verifies custom domains: the TXT record
// _claro.<domain> must hold the domain's token, and every name of the domain
// must point at the platform by CNAME or A/AAAA. It moves domains along
// pending -> verified -> cert_ready -> active, records what DNS answered, and
// fails a domain after repeated failed checks.
type Checker struct {
	store *DomainStore
	dns   DNS
	opt   CheckerOptions
}

// NewChecker returns a checker over the domain store and a DNS resolver.
func NewChecker(store *DomainStore, dns DNS, opt CheckerOptions) *Checker {
	if opt.MaxFailures <= 0 {
		opt.MaxFailures = 3
	}
	if opt.Recheck <= 0 {
		opt.Recheck = time.Hour
	}
	if opt.Retry <= 0 {
		opt.Retry = time.Minute
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	opt.Target = normName(opt.Target)
	return &Checker{store: store, dns: dns, opt: opt}
}

// Run checks due domains every interval until ctx ends. Several instances may
// run it at once: each domain is claimed by one of them.
func (c *Checker) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := c.RunOnce(ctx); err != nil && ctx.Err() == nil {
			c.opt.Log.Error("domain check", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce deletes the claims left unverified past PendingTTL, then checks
// every domain whose check is due and returns how many it checked.
func (c *Checker) RunOnce(ctx context.Context) (int, error) {
	gone, err := c.store.expire(ctx)
	if err != nil {
		return 0, err
	}
	for _, id := range gone {
		c.opt.Log.Info("domain claim expired", "tenant", id, "after", PendingTTL)
		c.changed(id)
	}
	ds, err := c.store.claimDue(ctx, 50, 10*time.Minute)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, d := range ds {
		errs = append(errs, c.Check(ctx, d))
	}
	return len(ds), errors.Join(errs...)
}

// Check looks the domain up in DNS now, moves it along its statuses and saves
// what it saw.
func (c *Checker) Check(ctx context.Context, d *Domain) error {
	before := d.Status
	now := time.Now()
	d.CheckedAt = &now
	problem := c.look(ctx, d)
	if problem == "" {
		problem = c.advance(ctx, d, now)
	}
	next := c.opt.Recheck
	if problem == "" {
		d.FailureCount = 0
	} else {
		d.FailureCount++
		next = min(c.opt.Retry<<min(d.FailureCount-1, 10), c.opt.Recheck)
	}
	if problem != "" && d.FailureCount >= c.opt.MaxFailures && !strings.HasPrefix(problem, certProblem) {
		d.Status = DomainFailed
	}
	d.LastError = problem
	outbid, err := c.store.save(ctx, d, next)
	switch {
	case errors.Is(err, ErrDomainTaken):
		// Another store proved this domain first: its claim holds the
		// names, and this one (never to be served) goes.
		c.opt.Log.Info("domain claim outbid", "domain", d.Hostname, "tenant", d.TenantID)
		if err := c.store.drop(ctx, d); err != nil {
			return fmt.Errorf("domain %s: %w", d.Hostname, err)
		}
		c.changed(d.TenantID)
		return nil
	case errors.Is(err, ErrNotFound):
		return nil // removed, expired or outbid while it was being checked
	case err != nil:
		return fmt.Errorf("domain %s: %w", d.Hostname, err)
	}
	for _, id := range outbid {
		c.opt.Log.Info("domain claim outbid", "domain", d.Hostname, "tenant", id, "by", d.TenantID)
		c.changed(id)
	}
	if d.Status != before {
		c.opt.Log.Info("domain status", "domain", d.Hostname, "tenant", d.TenantID, "from", before, "to", d.Status, "problem", problem)
		c.changed(d.TenantID)
	}
	return nil
}

func (c *Checker) changed(tenantID int64) {
	if c.opt.OnChange != nil {
		c.opt.OnChange(tenantID)
	}
}

// certProblem prefixes a failure to obtain a certificate: DNS is right, so it
// never fails the domain, it is only retried.
const certProblem = "certificate: "

// advance moves a domain whose DNS is right towards active.
func (c *Checker) advance(ctx context.Context, d *Domain, now time.Time) string {
	if d.Status == DomainPending || d.Status == DomainFailed {
		d.Status, d.VerifiedAt = DomainVerified, &now
	}
	if d.Status == DomainVerified && c.opt.Certs != nil {
		if err := c.opt.Certs.Obtain(ctx, d.Names()); err != nil {
			// The creator reads LastError on the dashboard: the CA's own
			// words go to the log, the page gets a sentence.
			c.opt.Log.Warn("domain certificate", "domain", d.Hostname, "tenant", d.TenantID, "err", err)
			return certProblem + "not obtained yet; we keep trying"
		}
		d.Status = DomainCertReady
	}
	if d.Status == DomainCertReady || d.Status == DomainVerified {
		d.Status, d.ActivatedAt = DomainActive, &now
	}
	return ""
}

// look queries DNS for the domain, records the answers on d and returns what
// is wrong with them, or "" when the domain is correctly set up.
func (c *Checker) look(ctx context.Context, d *Domain) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	txt, err := c.dns.LookupTXT(ctx, d.TXTName())
	d.LastTXT = append([]string{}, txt...)
	var problems []string
	if err != nil || !slices.Contains(trimAll(txt), d.VerificationToken) {
		problems = append(problems, fmt.Sprintf("TXT %s does not hold the token", d.TXTName()))
	}
	platform := slices.Clone(c.opt.Addrs)
	if len(platform) == 0 && c.opt.Target != "" {
		platform, _ = c.dns.LookupNetIP(ctx, "ip", c.opt.Target)
	}
	for i := range platform {
		platform[i] = platform[i].Unmap()
	}
	d.LastCNAME, d.LastAddrs = "", []string{}
	for i, name := range d.Names() {
		cname, _ := c.dns.LookupCNAME(ctx, name)
		addrs, _ := c.dns.LookupNetIP(ctx, "ip", name)
		if i == 0 {
			d.LastCNAME = normName(cname)
			for _, a := range addrs {
				d.LastAddrs = append(d.LastAddrs, a.Unmap().String())
			}
		}
		if !c.pointsAtPlatform(normName(cname), addrs, platform) {
			problems = append(problems, fmt.Sprintf("%s does not point at %s", name, c.opt.Target))
		}
	}
	return strings.Join(problems, "; ")
}

func (c *Checker) pointsAtPlatform(cname string, addrs, platform []netip.Addr) bool {
	if c.opt.Target != "" && cname == c.opt.Target {
		return true
	}
	if len(addrs) == 0 {
		return false
	}
	for _, a := range addrs {
		if !slices.Contains(platform, a.Unmap()) {
			return false // every address must be ours, or some visitors go elsewhere
		}
	}
	return true
}

func normName(s string) string { return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".") }

func trimAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.TrimSpace(s)
	}
	return out
}
