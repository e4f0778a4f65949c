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
	@awk 'BEGIN {FS = ":.*## "} /^[a-z0-9-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## build nanosupervisord and the simulated trainer into bin/
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/nanosupervisord ./cmd/nsv-simtrain

.PHONY: slurm-up
slurm-up: ## bring up the local Slurm clusters, lab and snowy (root or sudo; idempotent)
	@deploy/slurm-local/status.sh >/dev/null 2>&1 || $(SUDO) deploy/slurm-local/up.sh

.PHONY: slurm-down
slurm-down: ## stop the local Slurm cluster
	$(SUDO) deploy/slurm-local/down.sh

.PHONY: slurm24-up
slurm24-up: ## bring up a second cluster, Slurm 24.11 in a Debian 13 root and its own namespaces (root or sudo; idempotent)
	$(SUDO) deploy/slurm24/up.sh

.PHONY: slurm24-down
slurm24-down: ## stop the Slurm 24.11 cluster (the root stays)
	$(SUDO) deploy/slurm24/down.sh

.PHONY: test-slurm24
test-slurm24: slurm24-up ## the real-Slurm integration tests against the Slurm 24.11 cluster
	NSV_REQUIRE_SLURM=1 NSV_SLURM_DEPLOY=deploy/slurm24 $(GO) test -count=1 -v -timeout 40m ./test/integration/

.PHONY: test
test: slurm-up ## every test, real Slurm included (brings the local cluster up first)
	NSV_REQUIRE_SLURM=1 $(GO) test -race -count=1 -timeout 40m ./...

.PHONY: test-short
test-short: ## unit and CLI tests only (no Slurm needed)
	$(GO) test -race -short ./...

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

# Where install puts things; all under the user's home, no root needed.
BINDIR      ?= $(PREFIX)/bin
DATADIR     ?= $(or $(XDG_DATA_HOME),$(HOME)/.local/share)
CONFIGHOME  ?= $(or $(XDG_CONFIG_HOME),$(HOME)/.config)
GOOS        ?= $(shell $(GO) env GOOS)
GOARCH      ?= $(shell $(GO) env GOARCH)
DIST        := dist/nanosupervisord-$(VERSION)-$(GOOS)-$(GOARCH)

# A static binary: it runs on any login node of the cluster, whatever its
# C library.
.PHONY: static
static:
	CGO_ENABLED=0 GOOS=$(GOOS) GOARCH=$(GOARCH) $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/static/nanosupervisord ./cmd/nanosupervisord

.PHONY: install
install: static ## install a static binary in ~/.local/bin, shell completions and the systemd user unit (no root)
	install -D -m 0755 $(BIN)/static/nanosupervisord $(BINDIR)/nanosupervisord
	@echo "installed $(BINDIR)/nanosupervisord"
	@case ":$$PATH:" in *":$(BINDIR):"*) echo "$(BINDIR) is on your PATH";; \
	  *) echo "$(BINDIR) is NOT on your PATH: add  export PATH=\"$(BINDIR):\$$PATH\"  to ~/.bashrc";; esac
	@mkdir -p $(DATADIR)/bash-completion/completions $(DATADIR)/zsh/site-functions $(CONFIGHOME)/fish/completions
	$(BINDIR)/nanosupervisord completion bash > $(DATADIR)/bash-completion/completions/nanosupervisord
	$(BINDIR)/nanosupervisord completion zsh > $(DATADIR)/zsh/site-functions/_nanosupervisord
	$(BINDIR)/nanosupervisord completion fish > $(CONFIGHOME)/fish/completions/nanosupervisord.fish
	@echo "zsh: add  fpath=($(DATADIR)/zsh/site-functions \$$fpath)  before compinit in ~/.zshrc"
	install -D -m 0644 deploy/systemd/nanosupervisord.service $(CONFIGHOME)/systemd/user/nanosupervisord.service
	@cfg=$${NSV_CONFIG:-$(CONFIGHOME)/nanosupervisord/config.yaml}; \
	if [ ! -e "$$cfg" ]; then install -D -m 0600 config.example.yaml "$$cfg"; echo "wrote $$cfg: edit it, then check it with: nanosupervisord check-config"; fi
	@echo "start: systemctl --user daemon-reload && systemctl --user enable --now nanosupervisord"
	@echo "to keep it running after you log out: loginctl enable-linger \$$USER (or tmux / scrontab: see README)"

.PHONY: dist
dist: static ## a tarball in dist/: static binary, systemd unit, example config, completions, README
	rm -rf $(DIST) && mkdir -p $(DIST)/completions
	cp $(BIN)/static/nanosupervisord deploy/systemd/nanosupervisord.service config.example.yaml README.md $(DIST)/
	$(BIN)/static/nanosupervisord completion bash > $(DIST)/completions/nanosupervisord.bash
	$(BIN)/static/nanosupervisord completion zsh > $(DIST)/completions/_nanosupervisord
	$(BIN)/static/nanosupervisord completion fish > $(DIST)/completions/nanosupervisord.fish
	tar -C $(dir $(DIST)) -czf $(DIST).tar.gz $(notdir $(DIST))
	@echo "wrote $(DIST).tar.gz"
