// Package loadtest is `make bench`: it seeds (or reuses) a 100,000-product
// catalog, starts `claro serve` in production mode on loopback, and drives each
// hot path with wrk next to a bare Fiber server answering a static page of the
// storefront's size, the ceiling, measured in the same run. It prints one
// table and writes it to docs/bench.md.
package loadtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Result is one target's load run.
type Result struct {
	Target   string
	Conns    int
	Requests int64
	RPS      float64
	P50, P95 time.Duration
	P99      time.Duration
	Errors   int64
	Ceiling  float64 // the ceiling's requests/s in this run, for the ratio
}

// Ratio is the target's throughput as a share of the ceiling's.
func (r Result) Ratio() float64 {
	if r.Ceiling == 0 {
		return 0
	}
	return r.RPS / r.Ceiling
}

// Request is what wrk sends.
type Request struct {
	Method  string
	URL     string // http://127.0.0.1:port/path
	Host    string
	Headers map[string]string
	Body    string
	// Unique, when set, is a format with a %s (one of UniqueWords) and a %d:
	// each request gets its own path, never sent before in the run (up to
	// 25,000 requests per wrk thread), so no cache can answer it.
	Unique      string
	UniqueWords []string
	// UniqueFrom is the first request number: a warm-up starts past the
	// numbers the measured run uses, so it never answers the run's paths.
	UniqueFrom int
}

// uniqueLua numbers every request across wrk's threads (25,000 numbers per
// thread) and turns the number k into a path: word k mod len(words), and
// 3000 + k / len(words) for the %d, which is distinct for every k.
const uniqueLua = `
local threads = 0
function setup(thread) thread:set("first", %d + threads * 25000); threads = threads + 1 end
local words = {%s}
local i = -1
request = function()
  i = i + 1
  local k = (first or 0) + i
  return wrk.format(nil, string.format(%q, words[k %% #words + 1], 3000 + math.floor(k / #words)))
end
`

// luaTemplate sets the request and prints the latency percentiles and error
// counts as one JSON line wrk's summary lacks.
const luaTemplate = `
wrk.method = %q
wrk.body = %q
wrk.headers["Host"] = %q
%s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\nRESULT {"requests":%%d,"duration_us":%%d,"p50":%%d,"p95":%%d,"p99":%%d,"errors":%%d,"non2xx":%%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
`

// Wrk runs wrk against req with conns connections for d.
func Wrk(dir, target string, req Request, conns int, d time.Duration) (Result, error) {
	var hdr strings.Builder
	for k, v := range req.Headers {
		fmt.Fprintf(&hdr, "wrk.headers[%q] = %q\n", k, v)
	}
	method := req.Method
	if method == "" {
		method = "GET"
	}
	if req.Unique != "" {
		var quoted []string
		for _, w := range req.UniqueWords {
			quoted = append(quoted, fmt.Sprintf("%q", w))
		}
		fmt.Fprintf(&hdr, uniqueLua, req.UniqueFrom, strings.Join(quoted, ","), req.Unique)
	}
	script := filepath.Join(dir, strings.NewReplacer(" ", "_", "/", "_").Replace(target)+".lua")
	if err := os.WriteFile(script, []byte(fmt.Sprintf(luaTemplate, method, req.Body, req.Host, hdr.String())), 0o644); err != nil {
		return Result{}, err
	}
	threads := 2
	if conns < threads {
		threads = conns
	}
	cmd := exec.Command("wrk", fmt.Sprintf("-t%d", threads), fmt.Sprintf("-c%d", conns), fmt.Sprintf("-d%ds", int(d.Seconds())),
		"--timeout", "30s", "-s", script, req.URL)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("wrk %s: %w\n%s", target, err, out.String())
	}
	i := strings.LastIndex(out.String(), "RESULT ")
	if i < 0 {
		return Result{}, fmt.Errorf("wrk %s: no result line\n%s", target, out.String())
	}
	var raw struct {
		Requests, DurationUS, P50, P95, P99, Errors, Non2xx int64
	}
	line := out.String()[i+len("RESULT "):]
	line = line[:strings.IndexByte(line, '\n')]
	if err := json.Unmarshal([]byte(strings.NewReplacer(`"duration_us"`, `"DurationUS"`).Replace(line)), &raw); err != nil {
		return Result{}, fmt.Errorf("wrk %s: %w: %s", target, err, line)
	}
	secs := float64(raw.DurationUS) / 1e6
	return Result{
		Target: target, Conns: conns, Requests: raw.Requests, RPS: float64(raw.Requests) / secs,
		P50: time.Duration(raw.P50) * time.Microsecond, P95: time.Duration(raw.P95) * time.Microsecond,
		P99: time.Duration(raw.P99) * time.Microsecond, Errors: raw.Errors + raw.Non2xx,
	}, nil
}

// Combine is one result for rounds of the same target: requests/s over all
// of them, the median round's latencies, every error.
func Combine(rs []Result) Result {
	if len(rs) == 0 {
		return Result{}
	}
	out := Result{Target: rs[0].Target, Conns: rs[0].Conns}
	var secs float64
	p50, p95, p99 := make([]time.Duration, len(rs)), make([]time.Duration, len(rs)), make([]time.Duration, len(rs))
	for i, r := range rs {
		out.Requests += r.Requests
		out.Errors += r.Errors
		if r.RPS > 0 {
			secs += float64(r.Requests) / r.RPS
		}
		p50[i], p95[i], p99[i] = r.P50, r.P95, r.P99
	}
	if secs > 0 {
		out.RPS = float64(out.Requests) / secs
	}
	median := func(ds []time.Duration) time.Duration { slices.Sort(ds); return ds[len(ds)/2] }
	out.P50, out.P95, out.P99 = median(p50), median(p95), median(p99)
	return out
}

// Table renders results as a Markdown table.
func Table(rs []Result) string {
	var b strings.Builder
	b.WriteString("| target | conns | requests/s | p50 | p95 | p99 | ratio to ceiling | errors |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| %s | %d | %.0f | %s | %s | %s | %.2f | %d |\n", r.Target, r.Conns, r.RPS,
			ms(r.P50), ms(r.P95), ms(r.P99), r.Ratio(), r.Errors)
	}
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
