package dashboard

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
)

// WithDomains makes the dashboard use the app's custom-domain store (app.New
// builds one for the checker too). Without it, New's own store is used.
func (h *Handlers) WithDomains(d *tenants.DomainStore) *Handlers {
	h.domains = d
	return h
}

// dnsRecord is one record the creator publishes at their DNS provider, and
// what the checker saw for it last time. Copy marks a Value that is typed
// as shown (a copy button goes with it).
type dnsRecord struct {
	Name, Type, Value, Note string
	Copy                    bool
	Seen                    string // what DNS answered at the last check ("" before the first)
	Right                   bool   // the last check found this record right
}

// domainPage shows the store's custom domain: what to publish, where
// verification stands in plain words, and what DNS answered last time.
type domainPage struct {
	storePage
	Domain   *tenants.Domain // nil until the creator adds one
	Records  []dnsRecord
	Headline string
	Detail   string
	// State is the one status the page shows: waiting, checking, live,
	// broken or expired (data-state, and the badge's class).
	State     string
	NextCheck *time.Time // when the checker looks again; nil when it will not
	Input     string
	Error     string
}

// removePage asks the owner to confirm removing the domain.
type removePage struct {
	storePage
	Domain *tenants.Domain
	Live   bool // the domain is being served now: removing it moves the store
}

func (h *Handlers) showDomain(c *fiber.Ctx) error {
	page, err := h.newDomainPage(c)
	if err != nil {
		return err
	}
	switch {
	case c.Query("added") != "" && page.Domain != nil:
		page.Flash = "Added " + page.Domain.Hostname + "."
	case c.Query("removed") != "" && page.Domain == nil:
		page.Flash = "Domain removed. Your store is served at " + page.StoreURL + "."
	}
	return web.Render(c, "dashboard/domains", page)
}

func (h *Handlers) addDomain(c *fiber.Ctx) error {
	m := storeFrom(c)
	input := strings.TrimSpace(c.FormValue("domain"))
	_, err := h.domains.Add(c.UserContext(), m.ID, input)
	if err == nil {
		return c.Redirect("/dashboard/s/"+m.Slug+"/domain?added=1", fiber.StatusSeeOther)
	}
	msg, ok := domainRefusal(err)
	if !ok {
		return err
	}
	page, err := h.newDomainPage(c)
	if err != nil {
		return err
	}
	page.Input, page.Error = input, msg
	c.Status(fiber.StatusUnprocessableEntity)
	return web.Render(c, "dashboard/domains", page)
}

// confirmRemoveDomain asks before the domain goes: removal cannot be
// undone, and a live domain stops being served at once.
func (h *Handlers) confirmRemoveDomain(c *fiber.Ctx) error {
	m := storeFrom(c)
	d, err := h.domains.ForTenant(c.UserContext(), m.ID)
	if err != nil {
		return err // no domain: the 404 page
	}
	page := removePage{storePage: h.newStorePage(c, "Remove "+d.Hostname), Domain: d, Live: d.Status == tenants.DomainActive}
	return web.Render(c, "dashboard/domain_remove", page)
}

func (h *Handlers) removeDomain(c *fiber.Ctx) error {
	m := storeFrom(c)
	d, err := h.domains.ForTenant(c.UserContext(), m.ID)
	if err != nil {
		return err // no domain: the 404 page
	}
	if err := h.domains.Remove(c.UserContext(), m.ID, d.ID); err != nil {
		return err
	}
	return c.Redirect("/dashboard/s/"+m.Slug+"/domain?removed=1", fiber.StatusSeeOther)
}

func (h *Handlers) newDomainPage(c *fiber.Ctx) (domainPage, error) {
	page := domainPage{storePage: h.newStorePage(c, "Custom domain")}
	d, err := h.domains.ForTenant(c.UserContext(), page.Membership.ID)
	switch {
	case errors.Is(err, tenants.ErrNotFound):
		return page, nil
	case err != nil:
		return page, err
	}
	now := time.Now()
	page.Domain = d
	page.Records = h.records(d)
	page.State = domainState(d, now)
	page.Headline, page.Detail = describe(d, now)
	if !d.Expired(now) {
		next := d.NextCheckAt
		if next.Before(now) {
			next = now // due: the checker takes it on its next round, within a minute
		}
		page.NextCheck = &next
	}
	return page, nil
}

// records lists what the creator publishes: the TXT record holding the
// token, and for each name a CNAME to the platform (an apex cannot hold a
// CNAME, so it gets A/AAAA records with the platform's addresses instead),
// each with what the last check saw. The checker records the TXT answer and
// the first name's CNAME and addresses; for the partner name it records
// only whether it pointed at the platform (its problem in LastError).
func (h *Handlers) records(d *tenants.Domain) []dnsRecord {
	checked := d.CheckedAt != nil
	problems := strings.Split(d.LastError, "; ")
	wrong := func(prefix string) bool {
		for _, p := range problems {
			if strings.HasPrefix(p, prefix) {
				return true
			}
		}
		return false
	}
	txt := dnsRecord{Name: d.TXTName(), Type: "TXT", Value: d.VerificationToken, Note: "proves the domain is yours", Copy: true}
	if checked {
		txt.Right = !wrong("TXT " + d.TXTName() + " ")
		txt.Seen = "nothing"
		if len(d.LastTXT) > 0 {
			txt.Seen = strings.Join(d.LastTXT, ", ")
		}
	}
	out := []dnsRecord{txt}
	for i, name := range d.Names() {
		r := dnsRecord{Name: name, Type: "CNAME", Value: h.rootHost, Copy: true}
		if name != d.Hostname {
			r.Note = "redirects to " + d.Hostname
		}
		if d.AltHostname != nil && "www."+name == *d.AltHostname {
			r = dnsRecord{Name: name, Type: "A / AAAA", Value: "the addresses of " + h.rootHost,
				Note: "a bare domain cannot hold a CNAME; use ALIAS/ANAME if your DNS provider has it"}
		}
		if checked {
			r.Right = !wrong(name + " does not point at ")
			switch {
			case i > 0 && r.Right:
				r.Seen = "points at " + h.rootHost
			case i > 0:
				r.Seen = "does not point at " + h.rootHost
			default:
				var seen []string
				if d.LastCNAME != "" {
					seen = append(seen, "CNAME "+d.LastCNAME)
				}
				if len(d.LastAddrs) > 0 {
					seen = append(seen, "addresses "+strings.Join(d.LastAddrs, ", "))
				}
				r.Seen = "nothing"
				if len(seen) > 0 {
					r.Seen = strings.Join(seen, "; ")
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// domainState is the one status a domain's page shows. A claim whose DNS
// was never verified is waiting however many checks failed (the checker
// marks it failed after a few, but it was never served, so nothing broke);
// only a domain once verified can be broken.
func domainState(d *tenants.Domain, now time.Time) string {
	switch {
	case d.Expired(now) && !d.Certified():
		return "expired"
	case d.Status == tenants.DomainActive:
		return "live"
	case d.Certified():
		return "checking"
	case d.VerifiedAt == nil, d.Status == tenants.DomainPending:
		return "waiting"
	case d.Status == tenants.DomainFailed:
		return "broken"
	}
	return "checking"
}

// describe says where a domain stands, in words a creator acts on. A claim
// not yet verified says until when it is kept (tenants.PendingTTL) and that
// another store proving the domain first takes it.
func describe(d *tenants.Domain, now time.Time) (headline, detail string) {
	if d.Expired(now) && !d.Certified() {
		return "Expired: the records were not found within 72 hours",
			"This claim is being released. Add the domain again to get a new token, then publish the records."
	}
	if until := d.ExpiresAt(); until != nil && !d.Certified() {
		return "Waiting for your DNS records", fmt.Sprintf("Publish the records below at your DNS provider. "+
			"Changes can take up to an hour to be seen; we keep checking until %s (72 hours after you added it). "+
			"Until the records are verified the domain is not yours on Claro: "+
			"if they are not in place by then, the claim is released, and a store "+
			"that publishes its own token for this domain first gets it.", until.UTC().Format("2 Jan 2006 15:04 UTC"))
	}
	switch d.Status {
	case tenants.DomainVerified:
		return "DNS is right: getting a certificate", "Your records are in place. We are obtaining an HTTPS certificate; this usually takes a minute."
	case tenants.DomainCertReady:
		return "Certificate ready: going live", "Your store moves to " + d.Hostname + " within a minute."
	case tenants.DomainActive:
		return "Live on https://" + d.Hostname,
			"Your store's pages and links use this domain, and its Claro address redirects here. Keep the records in place: if they disappear, the domain stops being served."
	case tenants.DomainFailed:
		if d.ActivatedAt != nil {
			return "Not working: " + d.Hostname + " is not served",
				fmt.Sprintf("The records were missing or wrong in %d checks in a row, so the domain is no longer served and visitors get your Claro address. Fix them below; we keep checking and serve the domain again once they are right.", d.FailureCount)
		}
		return "Not working: the records changed",
			fmt.Sprintf("The records were verified once, then missing or wrong in %d checks in a row. Fix them below; we keep checking and the domain goes live once they are right.", d.FailureCount)
	}
	return d.Status, ""
}

// domainRefusals word each reason a domain is refused for the creator.
var domainRefusals = []struct {
	err error
	msg string
}{
	{tenants.ErrDomainInvalid, "That is not a valid domain name (for example shop.example.com)."},
	{tenants.ErrDomainIP, "An IP address cannot be a store domain; use a domain name."},
	{tenants.ErrDomainPlatform, "That name belongs to the platform; use a domain you own."},
	{tenants.ErrDomainTaken, "That domain is already used by another store, which has proved it in DNS."},
	{tenants.ErrDomainLimit, "This store already has a custom domain; remove it first."},
}

// domainRefusal is the creator's sentence for a refused domain, or false
// for any other error, whose text must not reach the page.
func domainRefusal(err error) (string, bool) {
	for _, r := range domainRefusals {
		if errors.Is(err, r.err) {
			return r.msg, true
		}
	}
	return "", false
}
