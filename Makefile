# pdr-audit build, test and demo entry points. `make test` is the one test
# command: developers and CI (.ci/run) both run exactly it.

GO      ?= go
BIN     := bin/pdr-audit
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/pdr-audit/pdr-audit/internal/cli.version=$(VERSION)
# Go sources to format-check: everything but hidden dirs, testdata and bin.
GOFILES  = $(shell find . -name '*.go' -not -path './.*' -not -path '*/testdata/*' -not -path './bin/*')

.PHONY: all build test race fuzz demo fmt lint bench clean

all: build

## build: compile bin/pdr-audit, stamped with the git version (or "dev")
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/pdr-audit

## test: vet, then run every test; end-to-end tests share the binary built here
test: build
	$(GO) vet ./...
	PDR_AUDIT_BIN=$(CURDIR)/$(BIN) $(GO) test ./...

## race: every test under the race detector; CI runs it after test
race:
	$(GO) test -race ./...

## demo: the whole story on the demo estate, served by the simulator: audit,
## plan, show, apply, audit again, SARIF and HTML reports, what changed
demo: build
	./scripts/demo.sh

## fmt: format all Go packages
fmt:
	$(GO) fmt ./...

## lint: fail on unformatted files, then go vet
lint:
	@unformatted="$$(gofmt -l $(GOFILES))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

## bench: measure collection against AWS's throttling floor (issue 8): one line
## per goal, and bench/results.json; about 10 minutes on 2 cores. `make test`
## runs only its smoke version (go test ./bench).
bench:
	$(GO) run ./bench/cmd/pdr-bench -results bench/results.json

clean:
	rm -rf bin
