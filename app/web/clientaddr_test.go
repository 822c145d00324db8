package web

import (
	"net/netip"
	"testing"
)

func TestClientAddrWalksFromTheRightPastTrustedProxiesOnly(t *testing.T) {
	proxies := ParseProxies([]string{"10.0.0.0/8", "192.0.2.1", "2001:db8::/32"})
	cases := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy: the peer", "203.0.113.9", []string{"1.1.1.1"}, "203.0.113.9"},
		{"untrusted peer's header is ignored", "203.0.113.9", []string{"10.0.0.1"}, "203.0.113.9"},
		{"one trusted proxy", "10.0.0.1", []string{"198.51.100.7"}, "198.51.100.7"},
		{"forged left-most entry is ignored", "10.0.0.1", []string{"6.6.6.6, 198.51.100.7"}, "198.51.100.7"},
		{"forged entries, two proxies", "10.0.0.1", []string{"6.6.6.6, 7.7.7.7, 198.51.100.7, 192.0.2.1"}, "198.51.100.7"},
		{"several headers, in order", "10.0.0.1", []string{"6.6.6.6", "198.51.100.7, 10.1.2.3"}, "198.51.100.7"},
		{"spaces and IPv6", "10.0.0.1", []string{" 6.6.6.6 ,  2001:db9::1 "}, "2001:db9::1"},
		{"trusted IPv6 hop", "10.0.0.1", []string{"198.51.100.7, 2001:db8::5"}, "198.51.100.7"},
		{"IPv4-mapped peer", "::ffff:10.0.0.1", []string{"198.51.100.7"}, "198.51.100.7"},
		{"all trusted: the left-most", "10.0.0.1", []string{"10.0.0.3, 10.0.0.2"}, "10.0.0.3"},
		{"no header: the proxy", "10.0.0.1", nil, "10.0.0.1"},
		{"malformed right-most stops at the proxy", "10.0.0.1", []string{"198.51.100.7, not-an-ip"}, "10.0.0.1"},
		{"malformed behind a trusted hop stops there", "10.0.0.1", []string{"junk, 10.0.0.2"}, "10.0.0.2"},
		{"a port is malformed", "10.0.0.1", []string{"198.51.100.7:4444"}, "10.0.0.1"},
		{"an empty entry is malformed", "10.0.0.1", []string{"6.6.6.6,,198.51.100.7"}, "198.51.100.7"},
		{"empty hop next to proxy", "10.0.0.1", []string{"6.6.6.6, , 10.0.0.2"}, "10.0.0.2"},
		{"zone is malformed", "10.0.0.1", []string{"fe80::1%eth0"}, "10.0.0.1"},
	}
	for _, tc := range cases {
		got := ClientAddr(netip.MustParseAddr(tc.peer), tc.xff, proxies)
		if got.String() != tc.want {
			t.Errorf("%s: peer %s, X-Forwarded-For %q → %s, want %s", tc.name, tc.peer, tc.xff, got, tc.want)
		}
	}
}
