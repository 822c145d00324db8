// Package promtest runs a real Prometheus server for tests: it scrapes the
// targets a test names and the test reads series back through Prometheus's
// HTTP API, as an operator's dashboards and alerts would. Debian's
// `prometheus` package provides the binary (`apt-get install prometheus`,
// which .ci/run does); without it a test is skipped, except in CI (CI=true),
// where that fails. Gather and Value read a registry directly, for tests that
// need no server.
package promtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/localproc"
	"github.com/claro-market/claro/testkit/peertest"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Install is how the tests' Prometheus is installed.
const Install = "apt-get install prometheus"

// Prometheus is a running server; API is http://127.0.0.1:port.
type Prometheus struct {
	API string
	out *localproc.Buffer
}

// Binary finds prometheus on PATH (Debian installs /usr/bin/prometheus).
func Binary() (string, error) {
	if p, err := exec.LookPath("prometheus"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("prometheus not installed (%s)", Install)
}

// Start runs Prometheus on a free loopback port, scraping each target
// (host:port, path /metrics) every second as job "claro", with its storage in
// a temporary directory; it stops when tb ends.
func Start(tb testing.TB, targets ...string) *Prometheus {
	tb.Helper()
	bin, err := Binary()
	if err != nil {
		peertest.Missing(tb, err.Error())
	}
	dir := tb.TempDir()
	quoted := make([]string, len(targets))
	for i, t := range targets {
		quoted[i] = strconv.Quote(t)
	}
	conf := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: claro
    metrics_path: /metrics
    static_configs:
      - targets: [%s]
`, strings.Join(quoted, ", "))
	confPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		tb.Fatal(err)
	}
	addr := peertest.FreeAddr(tb)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--config.file="+confPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	out := &localproc.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cancel(); _ = cmd.Wait() })
	p := &Prometheus{API: "http://" + addr, out: out}
	for range 150 { // 30 s at most
		if resp, err := http.Get(p.API + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	tb.Fatalf("prometheus was not ready within 30 s:\n%s", out.String())
	return nil
}

// Sample is one series of an instant query's answer.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// Query runs an instant query (GET /api/v1/query) and returns its vector.
func (p *Prometheus) Query(tb testing.TB, query string) []Sample {
	tb.Helper()
	resp, err := http.Get(p.API + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		tb.Fatalf("prometheus %q: %v", query, err)
	}
	if body.Status != "success" || body.Data.ResultType != "vector" {
		tb.Fatalf("prometheus %q: %s %s (%s)", query, body.Status, body.Error, body.Data.ResultType)
	}
	out := make([]Sample, 0, len(body.Data.Result))
	for _, r := range body.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			tb.Fatalf("prometheus %q: value %v", query, r.Value[1])
		}
		out = append(out, Sample{Labels: r.Metric, Value: v})
	}
	return out
}

// WaitFor polls query for at most 30 s (scrapes come every second) until
// its answer has exactly one sample whose value ok accepts, and returns that
// value; it fails tb with the last answer otherwise.
func (p *Prometheus) WaitFor(tb testing.TB, query string, ok func(float64) bool) float64 {
	tb.Helper()
	var last []Sample
	for range 150 {
		last = p.Query(tb, query)
		if len(last) == 1 && ok(last[0].Value) {
			return last[0].Value
		}
		time.Sleep(200 * time.Millisecond)
	}
	tb.Fatalf("prometheus %q: %+v after 30 s\n%s", query, last, p.out.String())
	return 0
}

// Value is the value of the one series named name whose labels include
// labels (name, value pairs) in g's current answer, and whether there is one.
func Value(tb testing.TB, g prometheus.Gatherer, name string, labels ...string) (float64, bool) {
	tb.Helper()
	families, err := g.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if hasLabels(m, labels) {
				return sampleValue(m), true
			}
		}
	}
	return 0, false
}

func hasLabels(m *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func sampleValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return 0
}
