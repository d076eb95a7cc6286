# pdr-audit build, test and demo entry points. `make test` is the one test
# command: developers and CI (.ci/run) both run exactly it.

GO      ?= go
BIN     := bin/pdr-audit
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/pdr-audit/pdr-audit/internal/cli.version=$(VERSION)
# Go sources to format-check: everything but hidden dirs, testdata and bin.
GOFILES  = $(shell find . -name '*.go' -not -path './.*' -not -path '*/testdata/*' -not -path './bin/*')

.PHONY: all build test demo fmt lint bench clean

all: build

## build: compile bin/pdr-audit, stamped with the git version (or "dev")
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/pdr-audit

## test: vet, then run every test; end-to-end tests share the binary built here
test: build
	$(GO) vet ./...
	PDR_AUDIT_BIN=$(CURDIR)/$(BIN) $(GO) test ./...

## demo: serve the demo estate with the simulator, list it through the AWS SDK, collect it, then audit it
demo: build
	./$(BIN) sim demo --estate testdata/estates/demo
	@echo
	./$(BIN) import testdata/estates/demo --quiet -o bin/demo-snapshot.json
	@status=0; ./$(BIN) audit --snapshot bin/demo-snapshot.json || status=$$?; \
	if [ $$status -eq 3 ] || [ $$status -eq 4 ]; then echo "(exit $$status: the demo estate has findings, as its story says)"; status=0; fi; \
	exit $$status

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
