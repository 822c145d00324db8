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

// dnsRecord is one record the creator publishes at their DNS provider.
type dnsRecord struct {
	Name, Type, Value, Note string
}

// domainPage shows the store's custom domain: what to publish, where
// verification stands in plain words, and what DNS answered last time.
type domainPage struct {
	storePage
	Domain   *tenants.Domain // nil until the creator adds one
	Records  []dnsRecord
	Headline string
	Detail   string
	Input    string
	Error    string
}

func (h *Handlers) showDomain(c *fiber.Ctx) error {
	page, err := h.newDomainPage(c)
	if err != nil {
		return err
	}
	switch {
	case c.Query("added") != "":
		page.Flash = "Domain added. Publish the records below within 72 hours; we check them every minute at first."
	case c.Query("removed") != "":
		page.Flash = "Domain removed. Your store is served on its Claro address again."
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
	page.Domain = d
	page.Records = h.records(d)
	page.Headline, page.Detail = describe(d, time.Now())
	return page, nil
}

// records lists what the creator publishes: the TXT record holding the
// token, and for each name a CNAME to the platform (an apex cannot hold a
// CNAME, so it gets A/AAAA records with the platform's addresses instead).
func (h *Handlers) records(d *tenants.Domain) []dnsRecord {
	out := []dnsRecord{{Name: d.TXTName(), Type: "TXT", Value: d.VerificationToken, Note: "proves the domain is yours"}}
	for _, name := range d.Names() {
		if d.AltHostname != nil && "www."+name == *d.AltHostname {
			out = append(out, dnsRecord{Name: name, Type: "A / AAAA", Value: "the addresses of " + h.rootHost,
				Note: "a bare domain cannot hold a CNAME; use ALIAS/ANAME if your DNS provider has it"})
			continue
		}
		note := ""
		if name != d.Hostname {
			note = "redirects to " + d.Hostname
		}
		out = append(out, dnsRecord{Name: name, Type: "CNAME", Value: h.rootHost, Note: note})
	}
	return out
}

// describe says where a domain stands, in words a creator acts on. A claim
// not yet verified says until when it is kept (tenants.PendingTTL) and that
// another store proving the domain first takes it.
func describe(d *tenants.Domain, now time.Time) (headline, detail string) {
	if d.Expired(now) {
		return "Expired: the records were not found within 72 hours",
			"This claim is being released. Add the domain again to get a new token, then publish the records."
	}
	if until := d.ExpiresAt(); until != nil {
		headline, detail = describeStatus(d)
		return headline, detail + " " + fmt.Sprintf("Until the records are verified the domain is not yours on Claro: "+
			"if they are not in place by %s (72 hours after you added it), the claim is released, and a store "+
			"that publishes its own token for this domain first gets it.", until.UTC().Format("2 Jan 2006 15:04 UTC"))
	}
	return describeStatus(d)
}

func describeStatus(d *tenants.Domain) (headline, detail string) {
	switch d.Status {
	case tenants.DomainPending:
		return "Waiting for your DNS records",
			"Publish the records below at your DNS provider. We check them every minute at first, then less often; changes can take up to an hour to be seen."
	case tenants.DomainVerified:
		return "DNS is right: getting a certificate", "Your records are in place. We are obtaining an HTTPS certificate; this usually takes a minute."
	case tenants.DomainCertReady:
		return "Certificate ready: going live", "Your store moves to " + d.Hostname + " within a minute."
	case tenants.DomainActive:
		return "Live on https://" + d.Hostname,
			"Your store's pages and links use this domain, and its Claro address redirects here. Keep the records in place: if they disappear, the domain stops being served."
	case tenants.DomainFailed:
		return "Not working",
			fmt.Sprintf("The records were missing or wrong in %d checks in a row, so the domain is not served. Fix them below; we keep checking and it goes live again once they are right.", d.FailureCount)
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
