# Claro: `make run` for the whole product on this machine, `make test` for every test.
GO      ?= go
export GOFLAGS ?= -buildvcs=false

.PHONY: run test bench assets build vet fmt fuzz clean tools stripe-mock

GOBIN := $(shell $(GO) env GOPATH)/bin

## stripe-mock: Stripe's API mock, the release nearest stripe-go v79's API version
stripe-mock:
	@test -x $(GOBIN)/stripe-mock || command -v stripe-mock >/dev/null || $(GO) install github.com/stripe/stripe-mock@v0.190.0

## tools: the Go-installed test peers (each built once, then reused): stripe-mock,
## versitygw (S3), mailpit (SMTP)
tools: stripe-mock
	@test -x $(GOBIN)/versitygw || command -v versitygw >/dev/null || $(GO) install github.com/versity/versitygw/cmd/versitygw@v1.8.0
	@test -x $(GOBIN)/mailpit || command -v mailpit >/dev/null || $(GO) install github.com/axllent/mailpit@v1.33.1

## assets: copy htmx from its pinned npm package into static/
assets: static/htmx.min.js

static/htmx.min.js: package-lock.json
	@test -d node_modules/htmx.org || npm ci --no-audit --no-fund
	cp node_modules/htmx.org/dist/htmx.min.js static/htmx.min.js

## run: the whole product on embedded defaults (private PostgreSQL, demo data)
run: assets stripe-mock
	$(GO) run . dev

## build: the claro binary
build: assets
	$(GO) build -o bin/claro .

## test: every test, against PostgreSQL at DATABASE_URL or 127.0.0.1:5432
test: assets tools
	$(GO) vet ./...
	$(GO) test -count=1 ./...

## bench: the load run (wrk against claro serve on a 100,000-product catalog, next to a
## bare Fiber ceiling; writes docs/bench.md), then the in-process page and webhook
## ingestion benchmarks, appended to docs/bench.md
bench: assets
	CLARO_LOAD=1 $(GO) test -count=1 -timeout 60m -run TestLoad -v ./testkit/loadtest/
	@mkdir -p bin
	$(GO) test -count=1 -run '^$$' -bench Pages -benchtime 3s ./app/ > bin/bench-pages.txt; st=$$?; cat bin/bench-pages.txt; exit $$st
	$(GO) test -count=1 -run '^$$' -bench WebhookIngestion -benchtime 6000x ./app/orders/ > bin/bench-webhooks.txt; st=$$?; cat bin/bench-webhooks.txt; exit $$st
	@{ printf '\n## In-process benchmarks, same run\n\n```\n'; grep -h '^Benchmark' bin/bench-pages.txt bin/bench-webhooks.txt; printf '```\n'; } >> docs/bench.md

## fuzz: a short run of each fuzz target
fuzz: assets
	$(GO) test ./tenants -run '^$$' -fuzz FuzzParseHost -fuzztime 30s
	$(GO) test ./tenants -run '^$$' -fuzz FuzzResolve -fuzztime 30s
	$(GO) test ./app/cursor -run '^$$' -fuzz FuzzCursorDecode -fuzztime 30s
	$(GO) test ./app/blob -run '^$$' -fuzz FuzzVerify -fuzztime 30s
	$(GO) test ./app/cart -run '^$$' -fuzz FuzzCartCookie -fuzztime 30s

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin static/htmx.min.js
