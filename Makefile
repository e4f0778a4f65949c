# nanosupervisord — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO       ?= go
BIN      := bin
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
PREFIX   ?= $(HOME)/.local
# Root runs the cluster scripts directly; anyone else through sudo.
SUDO     := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## build nanosupervisord and the simulated trainer into bin/
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/nanosupervisord ./cmd/nsv-simtrain

.PHONY: slurm-up
slurm-up: ## bring up the local Slurm clusters, lab and snowy (root or sudo; idempotent)
	@deploy/slurm-local/status.sh >/dev/null 2>&1 || $(SUDO) deploy/slurm-local/up.sh

.PHONY: slurm-down
slurm-down: ## stop the local Slurm cluster
	$(SUDO) deploy/slurm-local/down.sh

.PHONY: test
test: slurm-up ## every test, real Slurm included (brings the local cluster up first)
	NSV_REQUIRE_SLURM=1 $(GO) test -race -count=1 -timeout 40m ./...

.PHONY: test-short
test-short: ## unit and CLI tests only (no Slurm needed)
	$(GO) test -race ./...

.PHONY: lint
lint: ## gofmt, go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: bench
bench: ## Go benchmarks, then bench/run.sh: discovery vs the baselines, Slurm load, footprint, reaction (docs/BENCHMARKS.md)
	$(GO) test -run '^$$' -bench . -benchmem ./...
	bench/run.sh

.PHONY: demo
demo: slurm-up build ## a simulated d20 run on the local Slurm: times out, crashes, is resumed, reaches its targets
	deploy/demo/run.sh

.PHONY: install
install: ## install the binary in ~/.local/bin and the systemd user unit (no root)
	$(GO) build -ldflags '$(LDFLAGS)' -o $(PREFIX)/bin/nanosupervisord ./cmd/nanosupervisord
	install -D -m 0644 deploy/systemd/nanosupervisord.service $(HOME)/.config/systemd/user/nanosupervisord.service
	@cfg=$${XDG_CONFIG_HOME:-$(HOME)/.config}/nanosupervisord/config.yaml; \
	if [ ! -e "$$cfg" ]; then install -D -m 0600 config.example.yaml "$$cfg"; echo "wrote $$cfg: edit it, then check it with: nanosupervisord check-config"; fi
	@echo "start: systemctl --user daemon-reload && systemctl --user enable --now nanosupervisord"
	@echo "to keep it running after you log out: loginctl enable-linger $$USER"
