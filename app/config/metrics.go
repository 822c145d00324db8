package config

import (
	"fmt"
	"net"
	"strconv"
)

// DefaultMetricsAddr is METRICS_ADDR outside production: loopback only.
const DefaultMetricsAddr = "127.0.0.1:9091"

// metricsAddr reads METRICS_ADDR: the private listener that serves GET
// /metrics. Outside production it defaults to DefaultMetricsAddr; in
// production it is off unless set (fly.toml sets ":9091", a port no Fly
// service exposes, so only the private network's scraper reaches it). "off"
// turns it off anywhere.
func metricsAddr(get func(key, def string) string, prod bool) string {
	def := DefaultMetricsAddr
	if prod {
		def = ""
	}
	v := get("METRICS_ADDR", def)
	if v == "off" {
		return ""
	}
	return v
}

// metricsProblem refuses a METRICS_ADDR that is not host:port, or that
// shares a port with a public listener: metrics are never served where the
// public app is.
func (c Config) metricsProblem() string {
	if c.MetricsAddr == "" {
		return ""
	}
	host, port, err := net.SplitHostPort(c.MetricsAddr)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 1 || n > 65535 {
		return fmt.Sprintf("METRICS_ADDR: %q must be host:port (such as 127.0.0.1:9091 or :9091), or off", c.MetricsAddr)
	}
	if host != "" && host != "localhost" && net.ParseIP(host) == nil {
		return fmt.Sprintf("METRICS_ADDR: %q: the host must be an IP address, localhost or empty (every interface)", c.MetricsAddr)
	}
	public := []struct{ name, addr string }{{"LISTEN_ADDR", c.ListenAddr}}
	if c.TLS == "certmagic" {
		public = append(public, struct{ name, addr string }{"TLS_ADDR", c.TLSAddr}, struct{ name, addr string }{"HTTP_ADDR", c.HTTPAddr})
	}
	for _, l := range public {
		if _, p, err := net.SplitHostPort(l.addr); err == nil && p == port {
			return fmt.Sprintf("METRICS_ADDR: %q uses the port of %s (%q); metrics are never served on a public listener", c.MetricsAddr, l.name, l.addr)
		}
	}
	return ""
}
