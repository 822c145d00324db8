package edge

import (
	"context"
	"crypto/x509"
	"slices"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/tenants/edge/rfc2136"
)

// WildcardDNS is how the *.ROOT_DOMAIN certificate answers DNS-01: a libdns
// provider that writes the _acme-challenge TXT record, and the servers asked
// whether it is there yet before the CA is told to look.
type WildcardDNS struct {
	Provider certmagic.DNSProvider
	// Resolvers are asked for the TXT record (and the zone's SOA) before the
	// CA is told to look; empty uses the system's and the zone's own servers.
	Resolvers []string
	// PropagationTimeout bounds that wait (CertMagic's default, 2 minutes,
	// when zero).
	PropagationTimeout time.Duration
}

// WildcardFrom builds the RFC 2136 provider from ACME_DNS. Propagation is
// checked on the update server itself: it is authoritative for the zone and
// the first to know. (A hidden primary whose secondaries lag would need
// Resolvers pointed at the public servers instead.)
func WildcardFrom(u config.DNSUpdate) *WildcardDNS {
	return &WildcardDNS{
		Provider:  &rfc2136.Provider{Server: u.Server, KeyName: u.KeyName, Secret: u.Secret, Algorithm: u.Algorithm, Zone: u.Zone},
		Resolvers: []string{u.Server},
	}
}

// WildcardName is the one certificate name that covers every store
// subdomain: *.ROOT_DOMAIN.
func (s *Server) WildcardName() string { return "*." + s.opt.RootHost }

// newWildcardConfig is a second CertMagic config on the same cache and
// storage, without on-demand issuance (so Manage really obtains) and with an
// issuer that solves DNS-01 only. Handshakes use the main config, whose cache
// lookup finds the wildcard for any <slug>.ROOT_DOMAIN.
func (s *Server) newWildcardConfig(roots *x509.CertPool) *certmagic.Config {
	w := s.opt.Wildcard
	cfg := certmagic.New(s.cache, certmagic.Config{
		Storage: s.opt.Storage,
		Logger:  s.opt.Zap,
		OnEvent: s.magic.OnEvent,
	})
	cfg.Issuers = []certmagic.Issuer{certmagic.NewACMEIssuer(cfg, certmagic.ACMEIssuer{
		CA: s.opt.CA, Email: s.opt.Email, Agreed: true, TrustedRoots: roots, Logger: s.opt.Zap,
		DNS01Solver: &certmagic.DNS01Solver{DNSManager: certmagic.DNSManager{
			DNSProvider:        w.Provider,
			Resolvers:          w.Resolvers,
			TTL:                time.Minute,
			PropagationTimeout: w.PropagationTimeout,
			Logger:             s.opt.Zap,
		}},
	})}
	return cfg
}

// ManageWildcard obtains the wildcard certificate now (or loads it from
// storage) and keeps renewing it until ctx ends. Serve does the same in the
// background; this synchronous form is for start-up checks and tests.
func (s *Server) ManageWildcard(ctx context.Context) error {
	if s.wild == nil {
		return nil
	}
	return s.wild.ManageSync(ctx, []string{s.WildcardName()})
}

// configFor is the CertMagic config that maintains a cached certificate:
// the wildcard's own config for the wildcard, the on-demand one otherwise.
func (s *Server) configFor(c certmagic.Certificate) *certmagic.Config {
	if s.wild != nil && slices.Contains(c.Names, s.WildcardName()) {
		return s.wild
	}
	return s.magic
}
