# xecm-bridge: the two commands are `make demo` and `make test`.
SHELL := /bin/bash
GO ?= go
GOBIN := $(shell $(GO) env GOPATH)/bin
TEMPORAL_VERSION := v1.5.1
# The Temporal CLI (dev server + Web UI). Installed with `go install` when
# missing: about 7 minutes to build once on 2 cores, then cached.
TEMPORAL_CLI ?= $(shell command -v temporal 2>/dev/null || echo $(GOBIN)/temporal)
WORKFLOWCHECK := $(GOBIN)/workflowcheck
# The Helm CLI (v4) the chart is linted and rendered with; `go install` when
# missing (a few minutes on 2 cores, then cached).
HELM_VERSION := v4.3.2
HELM ?= $(shell command -v helm 2>/dev/null || echo $(GOBIN)/helm)
export TEMPORAL_CLI

.PHONY: demo dev test vet workflowcheck fuzz bench chaos build tools clean pandoc render-tools chart test-chart

build:
	$(GO) build ./...

$(GOBIN)/temporal:
	@echo "Installing the Temporal CLI $(TEMPORAL_VERSION) (dev server and Web UI; first time only, several minutes)..."
	$(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_VERSION)

$(WORKFLOWCHECK):
	$(GO) install go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0

$(GOBIN)/helm:
	@echo "Installing the Helm CLI $(HELM_VERSION) (chart lint and render; first time only, several minutes)..."
	$(GO) install helm.sh/helm/v4/cmd/helm@$(HELM_VERSION)

## pandoc: the DOCX converter of the template flow (Debian's pandoc package),
## installed with apt-get when missing (as root, or through sudo).
pandoc:
	@command -v pandoc >/dev/null || { \
	  echo "Installing pandoc (Debian package; converts DOCX templates)..."; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq pandoc >/dev/null; } \
	  || { echo "pandoc is missing and could not be installed: apt-get install pandoc" >&2; exit 1; }

## render-tools: what PDF/A renditions (mapping rendition: pdf) run at run time:
## Debian's chromium (prints the page) and ghostscript (makes it PDF/A), with
## Noto fonts for Latin, Arabic, Hebrew, CJK and other scripts.
RENDER_PACKAGES := chromium ghostscript fonts-noto-core fonts-noto-cjk fonts-dejavu-core
render-tools:
	@{ command -v chromium >/dev/null && command -v gs >/dev/null && [ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] && [ -d /usr/share/fonts/truetype/noto ]; } || { \
	  echo "Installing Chromium, Ghostscript and Noto fonts (Debian packages; PDF/A renditions)..."; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(RENDER_PACKAGES) >/dev/null; } \
	  || { echo "Chromium or Ghostscript is missing and could not be installed: apt-get install $(RENDER_PACKAGES)" >&2; exit 1; }

tools: $(TEMPORAL_CLI) $(WORKFLOWCHECK) $(HELM) pandoc render-tools

## demo: start Temporal, the simulators and the workers, publish the seeded approved page, show the result, stop.
demo: $(TEMPORAL_CLI) pandoc render-tools
	./scripts/demo.sh demo

## dev: the same as demo, but keep everything running until Ctrl-C.
dev: $(TEMPORAL_CLI) pandoc render-tools
	./scripts/demo.sh dev

## test: the whole suite (vet, workflowcheck, unit, client/simulator, third-party clients, end-to-end on a real dev server).
test: vet workflowcheck $(TEMPORAL_CLI) thirdparty/node_modules pandoc render-tools test-chart
	XECM_REQUIRE_PANDOC=1 XECM_REQUIRE_TOOLS=1 XECM_ARTEFACTS=$(CURDIR)/.artefacts $(GO) test -count=1 -timeout 30m ./...

## test-chart: helm lint and template of deploy/helm/xecm-bridge, every object checked against the
## Kubernetes API types, KEDA's and the Prometheus Operator's CRDs and the binaries' settings
## (a module of its own: deploy/helm).
test-chart: $(HELM) $(TEMPORAL_CLI)
	cd deploy/helm && $(GO) vet ./... && PATH="$(dir $(HELM)):$$PATH" XECM_REQUIRE_TOOLS=1 $(GO) test -count=1 ./...

## chart: render the chart with its defaults (a trial against in-cluster simulators) into .chart/.
chart: $(HELM)
	mkdir -p .chart && $(HELM) lint --strict deploy/helm/xecm-bridge && $(HELM) template bridge deploy/helm/xecm-bridge > .chart/xecm-bridge.yaml
	@echo "rendered .chart/xecm-bridge.yaml"

## thirdparty/node_modules: the pinned npm API clients (confluence.js, @kweli/cs-rest) that ./thirdparty runs against the simulators.
thirdparty/node_modules: thirdparty/package.json thirdparty/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js >= 20 with npm (Debian/Ubuntu: apt-get install nodejs npm) for the third-party client checks" >&2; exit 1; }
	npm ci --prefix thirdparty --no-audit --no-fund --ignore-scripts
	@touch $@

vet:
	$(GO) vet ./...

workflowcheck: $(WORKFLOWCHECK)
	$(WORKFLOWCHECK) ./workflows/...

## fuzz: fuzz the webhook parser for a minute (seed corpus in internal/webhook/testdata/fuzz).
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 60s ./internal/webhook

## bench: throughput, actions per publish and worker memory; figures go into docs/benchmarks.md.
bench: $(TEMPORAL_CLI) pandoc render-tools
	./scripts/bench.sh

## chaos: both chaos scenarios, one after the other, while workers are SIGKILLed, the dev server restarts,
## OTCS goes down and requests fail with 429/503: c2o publishes 200 pages, o2c syncs 400 OTCS documents
## that are edited meanwhile; each checks its invariants. One scenario: make chaos CHAOS_FLAGS=--scenario=o2c
CHAOS_FLAGS ?=
chaos: $(TEMPORAL_CLI)
	./scripts/chaos.sh $(CHAOS_FLAGS)

clean:
	rm -rf .demo .chart
