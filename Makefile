# guard — two commands set everything up on a fresh machine:
#   make demo   run guard's story on an ephemeral PostgreSQL (or $GUARD_DATABASE_URL)
#   make serve-demo   guard serve on an ephemeral PostgreSQL: a drift event and a webhook
#   make test   lint and run the whole test suite against real PostgreSQL

GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
PKGS        := ./...

.PHONY: all build demo serve-demo test lint vet fmt-check staticcheck bench screenshots clean

all: build

build:
	$(GO) build -o bin/guard ./cmd/guard

demo:
	$(GO) run ./cmd/guard demo

# guard serve on an ephemeral PostgreSQL (or $GUARD_DATABASE_URL's server):
# prints the API's URL and a one-time key, then shows a drift event and a
# signed webhook from a scripted change; serves until Ctrl-C.
serve-demo:
	$(GO) run ./cmd/guard serve demo

test: lint
	$(GO) test -count=1 -timeout 20m $(PKGS)

lint: fmt-check vet staticcheck

fmt-check:
	@out="$$(gofmt -l .)"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

staticcheck:
	$(GO) run $(STATICCHECK) $(PKGS)

# Side-by-side figures (printed as ratios against each issue's baseline),
# then the Go micro-benchmarks, then guard serve's load (issue 13: 200
# targets of 50 tables every 10 s by 2 replicas; rate, p99, state growth).
bench:
	$(GO) run ./internal/bench
	$(GO) test -run '^$$' -bench 'BenchmarkDiff5000' -benchmem ./guard/diff/
	GUARD_SERVE_BENCH=1 $(GO) test -count=1 -timeout 15m -run '^TestServeBenchmark$$' -v ./serve/

# The Schema Explorer's pages at 1280 and 390 pixels wide, written by its
# headless-Chromium test to docs/screenshots/ (committed: the README shows
# them). Needs chromium and a PostgreSQL (or the server binaries).
screenshots:
	GUARD_SCREENSHOTS=1 $(GO) test -count=1 -run '^TestServeUIInABrowser$$' ./serve/

clean:
	rm -rf bin
