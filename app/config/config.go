// Package config reads Claro's settings from the environment once, at start-up,
// and validates them all together so that a broken deploy fails before it serves
// a single request, naming every problem at once.
package config

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Environments Claro knows. Only production insists on real secrets.
const (
	EnvDevelopment = "development"
	EnvTest        = "test"
	EnvProduction  = "production"
)

// Config holds every setting README.md lists. It is built once by Load and passed
// down as a value; nothing reads the environment after start-up.
type Config struct {
	Env        string
	RootDomain string // host[:port] of the marketplace, lower case
	ListenAddr string

	DatabaseURL        string
	DatabaseReplicaURL string

	SessionSecret []byte

	StripeSecretKey            string
	StripeWebhookSecret        string
	StripeConnectWebhookSecret string
	StripeAPIBase              string
	PlatformFeeBPS             int

	MeiliURL    string
	MeiliAPIKey string
	RedisURL    string

	TLS        string
	TLSAddr    string
	HTTPAddr   string
	ACMECA     string
	ACMEEmail  string
	ACMECARoot string
	ACMEDNS    string

	BlobDir           string
	S3Endpoint        string
	S3Bucket          string
	S3AccessKeyID     string
	S3SecretAccessKey string

	FlyRegion     string
	PrimaryRegion string
	FlyAppName    string

	ProxyProtocol  bool
	TrustedProxies []string

	AIReviewDrafts  bool
	AnthropicAPIKey string
	// AnthropicBaseURL points the review-draft helper at another Messages API
	// endpoint (tests); empty means Anthropic's own.
	AnthropicBaseURL string

	// SMTPURL is where receipts and account mail (verification, reset and
	// sign-in links) are sent; unset, mail is logged with its links instead.
	SMTPURL string

	// MetricsAddr is where GET /metrics is served, on a listener of its own
	// (METRICS_ADDR); empty: nowhere.
	MetricsAddr string

	// RequestTimeout is every request's deadline (REQUEST_TIMEOUT, a Go
	// duration; default 10s, 0 for none): past it a query or a wait for a
	// pooled connection is cancelled and the visitor gets the 503 "busy"
	// page. A file upload gets web.UploadTimeout instead.
	RequestTimeout time.Duration

	// ShutdownTimeout is how long a stopping instance drains (SHUTDOWN_TIMEOUT,
	// a Go duration; default 12s): requests in flight and the background
	// loops finish within it, and what is still running then is logged and
	// cut. Keep it under fly.toml's kill_timeout (15s), after which the
	// platform kills the process without a word.
	ShutdownTimeout time.Duration

	// HitLogSample is how many page-cache hits (an anonymous GET answered
	// 200 or 304 from the cache) one access-log line stands for
	// (LOG_HIT_SAMPLE; default 10 in production, 1 elsewhere): one hit in
	// that many, drawn at random, is logged, its line saying "sample":N.
	// Every other request is always logged: misses, errors, writes,
	// webhooks, anything a signed-in user asks. The request metrics count
	// every hit.
	HitLogSample int

	// PageCache keeps rendered anonymous pages in memory. On everywhere but in
	// tests, whose writes and reads must not wait for a cache notification.
	PageCache bool

	// DevTestPayments lets the local test-payment page stand in for Stripe
	// Checkout. A development-only switch: production refuses it.
	DevTestPayments bool

	// DevMailbox mounts GET /dev/mail, the last messages the app sent with
	// their links, for a person on `claro dev` without SMTP_URL. Only `claro
	// dev` sets it (it is read from no environment variable); production
	// refuses it.
	DevMailbox bool
}

// Getenv looks a setting up; os.LookupEnv in production, a map in tests.
type Getenv func(key string) (string, bool)

// Load reads the settings from the process environment and validates them.
func Load() (Config, error) { return LoadFrom(os.LookupEnv) }

// LoadFrom reads the settings through get, fills development defaults and
// returns every problem found, joined, so an operator fixes them in one go.
func LoadFrom(get Getenv) (Config, error) {
	var problems []string
	str := func(key, def string) string {
		if v, ok := get(key); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		return def
	}
	boolean := func(key string) bool {
		v := str(key, "false")
		b, err := strconv.ParseBool(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %q is not true or false", key, v))
		}
		return b
	}

	c := Config{
		Env:                        str("APP_ENV", EnvDevelopment),
		ListenAddr:                 str("LISTEN_ADDR", ":8080"),
		DatabaseURL:                str("DATABASE_URL", ""),
		DatabaseReplicaURL:         str("DATABASE_REPLICA_URL", ""),
		StripeSecretKey:            str("STRIPE_SECRET_KEY", ""),
		StripeWebhookSecret:        str("STRIPE_WEBHOOK_SECRET", ""),
		StripeConnectWebhookSecret: str("STRIPE_CONNECT_WEBHOOK_SECRET", ""),
		StripeAPIBase:              str("STRIPE_API_BASE", ""),
		MeiliURL:                   str("MEILI_URL", ""),
		MeiliAPIKey:                str("MEILI_API_KEY", ""),
		RedisURL:                   str("REDIS_URL", ""),
		TLS:                        str("TLS", "off"),
		TLSAddr:                    str("TLS_ADDR", ":443"),
		HTTPAddr:                   str("HTTP_ADDR", ":80"),
		ACMECA:                     str("ACME_CA", "https://acme-v02.api.letsencrypt.org/directory"),
		ACMEEmail:                  str("ACME_EMAIL", ""),
		ACMECARoot:                 str("ACME_CA_ROOT", ""),
		ACMEDNS:                    str("ACME_DNS", ""),
		BlobDir:                    str("BLOB_DIR", ""),
		S3Endpoint:                 str("S3_ENDPOINT", ""),
		S3Bucket:                   str("S3_BUCKET", ""),
		S3AccessKeyID:              str("S3_ACCESS_KEY_ID", ""),
		S3SecretAccessKey:          str("S3_SECRET_ACCESS_KEY", ""),
		FlyRegion:                  str("FLY_REGION", ""),
		PrimaryRegion:              str("PRIMARY_REGION", ""),
		FlyAppName:                 str("FLY_APP_NAME", ""),
		AnthropicAPIKey:            str("ANTHROPIC_API_KEY", ""),
		AnthropicBaseURL:           str("ANTHROPIC_BASE_URL", ""),
		SMTPURL:                    str("SMTP_URL", ""),
	}
	c.ProxyProtocol = boolean("PROXY_PROTOCOL")
	c.AIReviewDrafts = boolean("AI_REVIEW_DRAFTS")
	c.DevTestPayments = boolean("DEV_TEST_PAYMENTS")

	switch c.Env {
	case EnvDevelopment, EnvTest, EnvProduction:
	default:
		problems = append(problems, fmt.Sprintf("APP_ENV: %q must be development, test or production", c.Env))
	}
	prod := c.Env == EnvProduction
	c.PageCache = c.Env != EnvTest

	defRoot := ""
	if !prod {
		defRoot = "claro.localhost:8080"
	}
	c.RootDomain = strings.ToLower(str("ROOT_DOMAIN", defRoot))
	c.MetricsAddr = metricsAddr(str, prod)
	if c.BlobDir == "" && c.S3Endpoint == "" {
		c.BlobDir = "./.data/blobs"
	}

	rt := str("REQUEST_TIMEOUT", "10s")
	if d, err := time.ParseDuration(rt); err != nil || d < 0 {
		problems = append(problems, fmt.Sprintf("REQUEST_TIMEOUT: %q must be a duration such as 10s (0 for none)", rt))
	} else {
		c.RequestTimeout = d
	}

	st := str("SHUTDOWN_TIMEOUT", "12s")
	if d, err := time.ParseDuration(st); err != nil || d <= 0 {
		problems = append(problems, fmt.Sprintf("SHUTDOWN_TIMEOUT: %q must be a positive duration such as 12s (under the platform's kill timeout)", st))
	} else {
		c.ShutdownTimeout = d
	}

	defSample := "1"
	if prod {
		defSample = "10"
	}
	sample := str("LOG_HIT_SAMPLE", defSample)
	if n, err := strconv.Atoi(sample); err != nil || n < 1 || n > 1000 {
		problems = append(problems, fmt.Sprintf("LOG_HIT_SAMPLE: %q must be a whole number from 1 (log every cached page hit) to 1000", sample))
	} else {
		c.HitLogSample = n
	}

	fee := str("PLATFORM_FEE_BPS", "1000")
	if n, err := strconv.Atoi(fee); err != nil || n < 0 || n > 10000 {
		problems = append(problems, fmt.Sprintf("PLATFORM_FEE_BPS: %q must be a whole number of basis points from 0 to 10000", fee))
	} else {
		c.PlatformFeeBPS = n
	}

	if raw := str("SESSION_SECRET", ""); raw != "" {
		b, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			b, err = base64.RawURLEncoding.DecodeString(raw)
		}
		switch {
		case err != nil:
			problems = append(problems, "SESSION_SECRET: not valid base64")
		case len(b) < 32:
			problems = append(problems, fmt.Sprintf("SESSION_SECRET: %d bytes; at least 32 random bytes are needed", len(b)))
		default:
			c.SessionSecret = b
		}
	}

	if raw := str("TRUSTED_PROXIES", ""); raw != "" {
		for _, p := range strings.Split(raw, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if net.ParseIP(p) == nil {
				if _, _, err := net.ParseCIDR(p); err != nil {
					problems = append(problems, fmt.Sprintf("TRUSTED_PROXIES: %q is neither an address nor a CIDR", p))
					continue
				}
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}

	problems = append(problems, c.validate()...)
	if len(problems) > 0 {
		return c, &Error{Problems: problems}
	}
	return c, nil
}

// Error lists every invalid or missing setting found at start-up.
type Error struct{ Problems []string }

func (e *Error) Error() string {
	return "invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// IsProduction reports whether real secrets and real peers are required.
func (c Config) IsProduction() bool { return c.Env == EnvProduction }

// RootHost is ROOT_DOMAIN without its port: what Host headers are compared with.
func (c Config) RootHost() string {
	if h, _, err := net.SplitHostPort(c.RootDomain); err == nil {
		return h
	}
	return c.RootDomain
}

// RootPort is the port part of ROOT_DOMAIN (":8080"), or "" when there is none.
func (c Config) RootPort() string {
	if _, p, err := net.SplitHostPort(c.RootDomain); err == nil {
		return ":" + p
	}
	return ""
}

// Scheme is the scheme the platform's own links use.
func (c Config) Scheme() string {
	if c.TLS == "certmagic" || c.IsProduction() {
		return "https"
	}
	return "http"
}

// SessionTTL is how long a signed-in session may live at most.
const SessionTTL = 30 * 24 * time.Hour

func (c Config) validate() []string {
	var p []string
	prod := c.IsProduction()
	req := func(name, v string) {
		if prod && v == "" {
			p = append(p, name+": required in production")
		}
	}
	req("ROOT_DOMAIN", c.RootDomain)
	req("DATABASE_URL", c.DatabaseURL)
	if prod && len(c.SessionSecret) == 0 {
		p = append(p, "SESSION_SECRET: required in production (at least 32 random bytes, base64)")
	}
	req("STRIPE_SECRET_KEY", c.StripeSecretKey)
	req("STRIPE_WEBHOOK_SECRET", c.StripeWebhookSecret)
	req("STRIPE_CONNECT_WEBHOOK_SECRET", c.StripeConnectWebhookSecret)

	if c.RootDomain != "" {
		if prod && !IsBareDomain(c.RootDomain) {
			p = append(p, fmt.Sprintf("ROOT_DOMAIN: %q must be a bare domain such as example.com (no scheme, port or path)", c.RootDomain))
		} else if !prod && !IsBareDomain(c.RootHost()) {
			p = append(p, fmt.Sprintf("ROOT_DOMAIN: %q must be a domain, optionally with a port", c.RootDomain))
		}
	}
	for _, u := range []struct{ name, v string }{
		{"DATABASE_URL", c.DatabaseURL}, {"DATABASE_REPLICA_URL", c.DatabaseReplicaURL},
	} {
		if u.v == "" {
			continue
		}
		if pu, err := url.Parse(u.v); err != nil || (pu.Scheme != "postgres" && pu.Scheme != "postgresql") {
			p = append(p, u.name+": must be a postgres:// URL")
		}
	}
	if strings.HasPrefix(c.StripeSecretKey, "sk_live_") && !prod {
		p = append(p, "STRIPE_SECRET_KEY: a live key (sk_live_) is refused outside production")
	}
	if c.StripeSecretKey != "" && !strings.HasPrefix(c.StripeSecretKey, "sk_") && !strings.HasPrefix(c.StripeSecretKey, "rk_") {
		p = append(p, "STRIPE_SECRET_KEY: must start with sk_ or rk_")
	}
	for _, s := range []struct{ name, v string }{
		{"STRIPE_WEBHOOK_SECRET", c.StripeWebhookSecret},
		{"STRIPE_CONNECT_WEBHOOK_SECRET", c.StripeConnectWebhookSecret},
	} {
		if s.v != "" && !strings.HasPrefix(s.v, "whsec_") {
			p = append(p, s.name+": must start with whsec_")
		}
	}
	if c.StripeAPIBase != "" {
		if u, err := url.Parse(c.StripeAPIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p = append(p, "STRIPE_API_BASE: must be an http(s) URL")
		}
	}
	switch c.TLS {
	case "off", "certmagic":
	default:
		p = append(p, fmt.Sprintf("TLS: %q must be off or certmagic", c.TLS))
	}
	if prod && c.TLS == "certmagic" && c.ACMEEmail == "" {
		p = append(p, "ACME_EMAIL: required when TLS=certmagic in production")
	}
	if c.MeiliURL != "" {
		if u, err := url.Parse(c.MeiliURL); err != nil || u.Host == "" {
			p = append(p, "MEILI_URL: must be an http(s) URL")
		}
		if prod && c.MeiliAPIKey == "" {
			p = append(p, "MEILI_API_KEY: required in production when MEILI_URL is set")
		}
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			p = append(p, "REDIS_URL: must be a redis:// or rediss:// URL")
		}
	}
	if c.S3Endpoint != "" {
		for _, s := range []struct{ name, v string }{
			{"S3_BUCKET", c.S3Bucket}, {"S3_ACCESS_KEY_ID", c.S3AccessKeyID}, {"S3_SECRET_ACCESS_KEY", c.S3SecretAccessKey},
		} {
			if s.v == "" {
				p = append(p, s.name+": required when S3_ENDPOINT is set")
			}
		}
	}
	if c.AnthropicBaseURL != "" {
		if u, err := url.Parse(c.AnthropicBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p = append(p, "ANTHROPIC_BASE_URL: must be an http(s) URL")
		}
	}
	if c.AIReviewDrafts && c.AnthropicAPIKey == "" {
		p = append(p, "ANTHROPIC_API_KEY: required when AI_REVIEW_DRAFTS=true")
	}
	if (c.FlyRegion != "" || c.PrimaryRegion != "") && (c.FlyRegion == "" || c.PrimaryRegion == "") {
		p = append(p, "FLY_REGION and PRIMARY_REGION: set both or neither")
	}
	for _, msg := range []string{c.acmeDNSProblem(), c.flyProblem(), c.metricsProblem()} {
		if msg != "" {
			p = append(p, msg)
		}
	}
	if prod && c.DevTestPayments {
		p = append(p, "DEV_TEST_PAYMENTS: a development-only switch; it cannot be on in production")
	}
	if prod && c.DevMailbox {
		p = append(p, "the development mailbox (/dev/mail) cannot be on in production")
	}
	return p
}

// IsBareDomain reports whether s is a plain DNS name with at least two labels:
// no scheme, port, path, IP literal or trailing dot.
func IsBareDomain(s string) bool {
	if s == "" || len(s) > 253 || net.ParseIP(s) != nil || !strings.Contains(s, ".") {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if !validLabel(label) {
			return false
		}
	}
	return true
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		b := l[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-') {
			return false
		}
	}
	return true
}
