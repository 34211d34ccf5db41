# guard — two commands set everything up on a fresh machine:
#   make demo   run guard's story on an ephemeral PostgreSQL (or $GUARD_DATABASE_URL)
#   make test   lint and run the whole test suite against real PostgreSQL

GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
PKGS        := ./...

.PHONY: all build demo test lint vet fmt-check staticcheck bench clean

all: build

build:
	$(GO) build -o bin/guard ./cmd/guard

demo:
	$(GO) run ./cmd/guard demo

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
# then the Go micro-benchmarks.
bench:
	$(GO) run ./internal/bench
	$(GO) test -run '^$$' -bench 'BenchmarkDiff5000' -benchmem ./guard/diff/

clean:
	rm -rf bin
