# Claro: `make run` for the whole product on this machine, `make test` for every test.
GO      ?= go
export GOFLAGS ?= -buildvcs=false

.PHONY: run test check alerts bench bench-scale audit screenshots assets build vet fmt fuzz clean tools stripe-mock

GOBIN := $(shell $(GO) env GOPATH)/bin
STATICCHECK_VERSION := v0.8.2
# The packages that run goroutines against each other: tested again under -race.
RACE_PKGS := ./app/orders/ ./app/web/ ./tenants/edge/ ./search/
# Tests pass in any order; CI also runs them twice (-count=2) to catch a test
# that depends on rows an earlier run left.
TESTFLAGS ?= -shuffle=on -count=1

## stripe-mock: Stripe's API mock, the release nearest stripe-go v79's API version
stripe-mock:
	@test -x $(GOBIN)/stripe-mock || command -v stripe-mock >/dev/null || $(GO) install github.com/stripe/stripe-mock@v0.190.0

## tools: the Go-installed test peers and checkers (each built once, then reused):
## stripe-mock, versitygw (S3), mailpit (SMTP), staticcheck (2026.2, for Go 1.26)
tools: stripe-mock
	@test -x $(GOBIN)/versitygw || command -v versitygw >/dev/null || $(GO) install github.com/versity/versitygw/cmd/versitygw@v1.8.0
	@test -x $(GOBIN)/mailpit || command -v mailpit >/dev/null || $(GO) install github.com/axllent/mailpit@v1.33.1
	@test -x $(GOBIN)/staticcheck || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## assets: copy htmx from its pinned npm package into static/
assets: static/htmx.min.js

# npm writes node_modules/.package-lock.json on every install: older than the
# lockfile means node_modules holds other versions, so install again; htmx is
# copied again whenever node_modules changed.
static/htmx.min.js: node_modules/.package-lock.json
	cp node_modules/htmx.org/dist/htmx.min.js static/htmx.min.js

node_modules/.package-lock.json: package-lock.json package.json
	npm ci --no-audit --no-fund
	@touch $@

## run: the whole product on embedded defaults (private PostgreSQL, demo data)
run: assets stripe-mock
	$(GO) run . dev

## build: the claro binary
build: assets
	$(GO) build -o bin/claro .

## test: the checks and the alerting rules, then every test, then the concurrent packages under -race.
## PostgreSQL: TEST_DATABASE_URL, else DATABASE_URL, else 127.0.0.1:5432, else
## the private cluster of `make run` (started in .data/postgres, left running).
test: assets tools check alerts
	@url=$$($(GO) run . test-database) && \
	echo "== go test $(TESTFLAGS) ./..." && \
	TEST_DATABASE_URL="$$url" $(GO) test $(TESTFLAGS) ./... && \
	echo "== go test -race $(RACE_PKGS)" && \
	TEST_DATABASE_URL="$$url" $(GO) test -race -count=1 $(RACE_PKGS)

## check: gofmt, vet, staticcheck, and no package of ours linked into claro
## importing testing (test helpers live in testkit/, which only tests import)
check: tools
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt -l: run make fmt:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GOBIN)/staticcheck ./...
	@leak=$$($(GO) list -deps -f '{{if not .Standard}}{{.ImportPath}} {{.Imports}}{{end}}' . | \
		grep '^github.com/claro-market' | grep -w testing | cut -d' ' -f1); \
	if [ -n "$$leak" ]; then echo "these packages of the claro binary import testing:"; echo "$$leak"; exit 1; fi

## alerts: deploy/alerts.yml parses (promtool check rules) and each rule fires, or stays
## quiet, as deploy/alerts_test.yml says (promtool test rules). promtool comes with
## Debian's prometheus package; without it this is skipped, except in CI (CI=true).
alerts:
	@if ! command -v promtool >/dev/null 2>&1; then \
		if [ "$$CI" = true ]; then echo "alerts: promtool not installed (apt-get install prometheus)"; exit 1; fi; \
		echo "== alerts: skipped, promtool not installed (apt-get install prometheus)"; exit 0; fi; \
	echo "== promtool check rules deploy/alerts.yml" && promtool check rules deploy/alerts.yml && \
	echo "== promtool test rules deploy/alerts_test.yml" && promtool test rules deploy/alerts_test.yml

## bench: the in-process webhook ingestion and page benchmarks, then the load run (wrk
## against claro serve on a 100,000-product catalog, next to a bare Fiber ceiling;
## writes docs/bench.md), with the in-process figures added to docs/bench.md. The
## webhooks go first: after minutes of load, PostgreSQL is still writing out what the
## load dirtied, and that was the webhook figure's spread (1,478 after, 1,686 to 1,934 alone).
bench: assets stripe-mock
	@mkdir -p bin
	$(GO) test -count=1 -run '^$$' -bench WebhookIngestion -benchtime 6000x ./app/orders/ > bin/bench-webhooks.txt; st=$$?; cat bin/bench-webhooks.txt; exit $$st
	@grep -q '^BenchmarkWebhookIngestion' bin/bench-webhooks.txt || { echo "make bench: the webhook benchmark did not run (see its SKIP line above)"; exit 1; }
	$(GO) test -count=1 -run '^$$' -bench Pages -benchtime 3s ./app/ > bin/bench-pages.txt; st=$$?; cat bin/bench-pages.txt; exit $$st
	@grep -q '^BenchmarkPages/' bin/bench-pages.txt || { echo "make bench: the page benchmarks did not run (see their SKIP line above)"; exit 1; }
	CLARO_LOAD=1 $(GO) test -count=1 -timeout 60m -run TestLoad -v ./testkit/loadtest/
	@{ printf '## In-process benchmarks, same run\n\n```\n'; grep -h '^Benchmark' bin/bench-pages.txt bin/bench-webhooks.txt; printf '```\n\n'; } > bin/bench-inprocess.md
	@# before the first marker (the cost curve's, else the earlier runs'): the block is this run's, not history
	@awk 'FNR == NR { block = block $$0 "\n"; next } !done && /^<!-- / { printf "%s", block; done = 1 } { print } END { if (!done) printf "\n%s", block }' bin/bench-inprocess.md docs/bench.md > bin/bench.md && mv bin/bench.md docs/bench.md

## bench-scale: the search targets at 10,000, 100,000 and 1,000,000 products (CLARO_BENCH_SCALES to
## choose), each size seeded once into a database of its own and reused; writes the cost curve to
## docs/bench.md. The first run seeds 1.1 million products: count on half an hour.
bench-scale: assets
	CLARO_LOAD_SCALE=1 $(GO) test -count=1 -timeout 180m -run TestLoadScale -v ./testkit/loadtest/

## audit: Lighthouse (npm) on Debian's Chromium (CHROME_PATH, else /usr/bin/chromium) against a
## claro dev it starts: the marketplace home, search, a storefront, a product page, the cart and a
## library item; writes the four scores of each to docs/audit.md
audit: assets stripe-mock
	CLARO_AUDIT=1 CHROME_PATH=$${CHROME_PATH:-/usr/bin/chromium} $(GO) test -count=1 -timeout 30m -run TestAudit -v ./testkit/audit/

## screenshots: the main pages at 360 and 1280 px on the demo data, into docs/screenshots/
screenshots: assets
	CLARO_SCREENSHOTS=1 $(GO) test -count=1 -timeout 10m -run TestScreenshots -v ./testkit/pagetour/

## fuzz: a short run of each fuzz target
fuzz: assets
	$(GO) test ./tenants -run '^$$' -fuzz FuzzParseHost -fuzztime 30s
	$(GO) test ./tenants -run '^$$' -fuzz FuzzResolve -fuzztime 30s
	$(GO) test ./app/cursor -run '^$$' -fuzz FuzzCursorDecode -fuzztime 30s
	$(GO) test ./app/blob -run '^$$' -fuzz FuzzVerify -fuzztime 30s
	$(GO) test ./app/cart -run '^$$' -fuzz FuzzCartCookie -fuzztime 30s
	$(GO) test ./app/web -run '^$$' -fuzz FuzzSafeNext -fuzztime 30s
	$(GO) test ./app/web -run '^$$' -fuzz FuzzETagList -fuzztime 30s
	$(GO) test ./app/web -run '^$$' -fuzz FuzzAcceptsGzip -fuzztime 30s

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin static/htmx.min.js
