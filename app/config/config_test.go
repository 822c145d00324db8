package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) Getenv {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestProductionWithoutSettingsNamesEveryMissingOne(t *testing.T) {
	_, err := LoadFrom(env(map[string]string{"APP_ENV": "production"}))
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want *config.Error", err)
	}
	for _, name := range []string{"ROOT_DOMAIN", "DATABASE_URL", "SESSION_SECRET", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_CONNECT_WEBHOOK_SECRET"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

func good() map[string]string {
	return map[string]string{
		"APP_ENV":                       "production",
		"ROOT_DOMAIN":                   "claro.example",
		"DATABASE_URL":                  "postgres://u@db:5432/claro",
		"SESSION_SECRET":                "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"STRIPE_SECRET_KEY":             "sk_live_abc",
		"STRIPE_WEBHOOK_SECRET":         "whsec_a",
		"STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_b",
	}
}

func TestValidProductionConfig(t *testing.T) {
	c, err := LoadFrom(env(good()))
	if err != nil {
		t.Fatal(err)
	}
	if c.RootHost() != "claro.example" || c.PlatformFeeBPS != 1000 || c.Scheme() != "https" {
		t.Fatalf("unexpected %+v", c)
	}
}

func TestProductionRefusesMalformedSettings(t *testing.T) {
	cases := map[string]struct{ key, value, mention string }{
		"root with port":             {"ROOT_DOMAIN", "claro.example:8080", "ROOT_DOMAIN"},
		"root with scheme":           {"ROOT_DOMAIN", "https://claro.example", "ROOT_DOMAIN"},
		"root IP":                    {"ROOT_DOMAIN", "10.0.0.1", "ROOT_DOMAIN"},
		"short secret":               {"SESSION_SECRET", "c2hvcnQ=", "SESSION_SECRET"},
		"secret not base64":          {"SESSION_SECRET", "!!!not base64!!!", "SESSION_SECRET"},
		"webhook secret prefix":      {"STRIPE_WEBHOOK_SECRET", "abc", "STRIPE_WEBHOOK_SECRET"},
		"connect secret prefix":      {"STRIPE_CONNECT_WEBHOOK_SECRET", "abc", "STRIPE_CONNECT_WEBHOOK_SECRET"},
		"fee not a number":           {"PLATFORM_FEE_BPS", "ten", "PLATFORM_FEE_BPS"},
		"fee too large":              {"PLATFORM_FEE_BPS", "20000", "PLATFORM_FEE_BPS"},
		"request timeout not a time": {"REQUEST_TIMEOUT", "ten", "REQUEST_TIMEOUT"},
		"request timeout negative":   {"REQUEST_TIMEOUT", "-1s", "REQUEST_TIMEOUT"},
		"hit sample zero":            {"LOG_HIT_SAMPLE", "0", "LOG_HIT_SAMPLE"},
		"hit sample not a number":    {"LOG_HIT_SAMPLE", "tenth", "LOG_HIT_SAMPLE"},
		"bad TLS":                    {"TLS", "on", "TLS"},
		"bad proxy":                  {"TRUSTED_PROXIES", "10.0.0.1,not-an-ip", "TRUSTED_PROXIES"},
		"dev-only switch":            {"DEV_TEST_PAYMENTS", "true", "DEV_TEST_PAYMENTS"},
		"AI without key":             {"AI_REVIEW_DRAFTS", "true", "ANTHROPIC_API_KEY"},
		"database not postgres":      {"DATABASE_URL", "mysql://x", "DATABASE_URL"},
		"bad boolean":                {"PROXY_PROTOCOL", "yes please", "PROXY_PROTOCOL"},
		"redis not a redis URL":      {"REDIS_URL", "http://x", "REDIS_URL"},
		"fly region without other":   {"FLY_REGION", "ams", "PRIMARY_REGION"},
		"metrics not host:port":      {"METRICS_ADDR", "9091", "METRICS_ADDR"},
		"metrics port not a port":    {"METRICS_ADDR", ":99999", "METRICS_ADDR"},
		"metrics on a hostname":      {"METRICS_ADDR", "metrics.example:9091", "METRICS_ADDR"},
		"metrics on the public port": {"METRICS_ADDR", "127.0.0.1:8080", "LISTEN_ADDR"},
	}
	for name, c := range cases {
		m := good()
		m[c.key] = c.value
		_, err := LoadFrom(env(m))
		if err == nil || !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%s: err = %v, want a problem naming %s", name, err, c.mention)
		}
	}
}

func TestLiveKeyRefusedOutsideProduction(t *testing.T) {
	_, err := LoadFrom(env(map[string]string{"STRIPE_SECRET_KEY": "sk_live_x"}))
	if err == nil || !strings.Contains(err.Error(), "sk_live_") {
		t.Fatalf("err = %v", err)
	}
}

func TestDevelopmentDefaults(t *testing.T) {
	c, err := LoadFrom(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Env != EnvDevelopment || c.RootDomain != "claro.localhost:8080" || c.RootHost() != "claro.localhost" ||
		c.RootPort() != ":8080" || c.ListenAddr != ":8080" || c.BlobDir != "./.data/blobs" || c.Scheme() != "http" {
		t.Fatalf("unexpected defaults %+v", c)
	}
}

func TestRequestTimeout(t *testing.T) {
	if c, err := LoadFrom(env(nil)); err != nil || c.RequestTimeout != 10*time.Second {
		t.Fatalf("default %v (%v), want 10s", c.RequestTimeout, err)
	}
	if c, err := LoadFrom(env(map[string]string{"REQUEST_TIMEOUT": "0"})); err != nil || c.RequestTimeout != 0 {
		t.Fatalf("0: %v (%v), want none", c.RequestTimeout, err)
	}
}

// Production logs one cached page hit in ten unless told otherwise;
// development logs every one.
func TestHitLogSample(t *testing.T) {
	if c, err := LoadFrom(env(nil)); err != nil || c.HitLogSample != 1 {
		t.Fatalf("development default %d (%v), want 1", c.HitLogSample, err)
	}
	if c, err := LoadFrom(env(good())); err != nil || c.HitLogSample != 10 {
		t.Fatalf("production default %d (%v), want 10", c.HitLogSample, err)
	}
	m := good()
	m["LOG_HIT_SAMPLE"] = "1"
	if c, err := LoadFrom(env(m)); err != nil || c.HitLogSample != 1 {
		t.Fatalf("1: %d (%v)", c.HitLogSample, err)
	}
}

func TestMetricsAddr(t *testing.T) {
	c, err := LoadFrom(env(nil))
	if err != nil || c.MetricsAddr != "127.0.0.1:9091" {
		t.Fatalf("development: %q, %v; want the loopback default", c.MetricsAddr, err)
	}
	if c, err = LoadFrom(env(map[string]string{"METRICS_ADDR": "off"})); err != nil || c.MetricsAddr != "" {
		t.Fatalf("off: %q, %v", c.MetricsAddr, err)
	}
	if c, err = LoadFrom(env(good())); err != nil || c.MetricsAddr != "" {
		t.Fatalf("production unset: %q, %v; want none", c.MetricsAddr, err)
	}
	m := good()
	m["METRICS_ADDR"] = ":9091"
	if c, err = LoadFrom(env(m)); err != nil || c.MetricsAddr != ":9091" {
		t.Fatalf("production :9091: %q, %v", c.MetricsAddr, err)
	}
	// With TLS=certmagic every listener the public reaches is refused.
	for _, k := range []string{"TLS_ADDR", "HTTP_ADDR", "LISTEN_ADDR"} {
		m := good()
		m["TLS"], m["ACME_EMAIL"], m["TLS_ADDR"], m["HTTP_ADDR"], m["LISTEN_ADDR"] = "certmagic", "ops@claro.example", ":8443", ":8080", ":9090"
		m["METRICS_ADDR"] = map[string]string{"TLS_ADDR": ":8443", "HTTP_ADDR": "0.0.0.0:8080", "LISTEN_ADDR": "127.0.0.1:9090"}[k]
		if _, err := LoadFrom(env(m)); err == nil || !strings.Contains(err.Error(), "METRICS_ADDR") || !strings.Contains(err.Error(), k) {
			t.Errorf("metrics on %s's port: err = %v", k, err)
		}
	}
}
