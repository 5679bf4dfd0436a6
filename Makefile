# Switchboard. The two commands that matter: `make run` and `make test` (see README.md).
# Every target installs what it needs and is missing, so a fresh Debian machine gets there alone.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := run

# Queries are checked against the committed offline data (.sqlx/), not a live database.
export SQLX_OFFLINE := true
export PATH := $(HOME)/.cargo/bin:$(PATH)

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := build-essential pkg-config libssl-dev libdbus-1-dev curl file libwebkit2gtk-4.1-dev \
	libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev librsvg2-dev libayatana-appindicator3-dev \
	libxdo-dev xvfb xauth webkit2gtk-driver dbus keyutils gnome-keyring fonts-dejavu-core
ENGINE_DIR := src-tauri/engine
# Every Rust test, and the binaries the other suites start, come from this one build: a second cargo
# invocation over a different set of packages would resolve other features and rebuild the
# (large) native engine again.
RUST_TESTS := cargo test --workspace --exclude switchboard
SQLX_DB := $(CURDIR)/target/sqlx-check.db
E2E_OUT := $(CURDIR)/tests/e2e/screenshots-out

.PHONY: run test bench system-deps node-deps tools ui app fmt-check clippy test-rust bindings check-bindings \
	sqlx-prepare check-sqlx test-e2e test-api-fuzz openapi

## Install missing apt packages (WebKitGTK, GTK, Xvfb, keyring, …).
system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing: $$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@# Node.js may come from elsewhere than apt; only install Debian's when there is none at all.
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }

## Install the npm workspace (UI, its build tools, the WebDriver test) when the lockfile changed.
node-deps:
	@if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm install --no-audit --no-fund; fi

## Command-line tools the tests use.
tools:
	@command -v tauri-driver >/dev/null || cargo install tauri-driver --version 2.1.0 --locked
	@command -v sqlx >/dev/null || cargo install sqlx-cli --version 0.9.0 --locked --no-default-features --features sqlite,rustls

ui: node-deps
	npm run build --workspace ui

app: ui
	cargo build -p switchboard

## Build and open the app. Data: the OS app-data folder; secrets: the OS keyring.
run: system-deps app
	cargo run -p switchboard

## Every check and test, as CI runs them.
# check-sqlx comes before the builds: its `cargo check` shares the dependencies' check data with
# clippy, and running it after the test build would make that build compile the engine again.
# Each stage is timed (tests/stages.sh prints the seconds of each at the end).
TEST_STAGES := system-deps node-deps tools fmt-check ui check-sqlx clippy test-rust check-bindings \
	test-api-fuzz test-e2e
test:
	tests/stages.sh $(TEST_STAGES)
	@echo "make test: all suites passed"

fmt-check:
	cargo fmt --all -- --check

clippy: ui
	cargo clippy --workspace --all-targets -- -D warnings

## Engine, provider, store, webhook receiver: unit and integration tests (the keyring test runs
## against a real Secret Service inside a private D-Bus session). The testkit's suites include the
## real native client against the fake WhatsApp server, and the check that no build without tests
## (the app, the headless server) carries the certificate bypass that fake needs.
test-rust:
	SWITCHBOARD_TEST_KEYRING=1 tests/desktop-session.sh $(RUST_TESTS)
	cd ui && npx vitest run

## Regenerate the TypeScript bindings from the Rust commands and events.
bindings: app
	SWITCHBOARD_EXPORT_BINDINGS=$(CURDIR)/ui/src/bindings.ts target/debug/switchboard

## Fails when the committed bindings differ from what the code generates.
check-bindings: app
	SWITCHBOARD_EXPORT_BINDINGS=$(CURDIR)/target/bindings.ts target/debug/switchboard
	diff -u ui/src/bindings.ts target/bindings.ts || { echo "ui/src/bindings.ts is stale: run make bindings"; exit 1; }

$(SQLX_DB): $(wildcard $(ENGINE_DIR)/migrations/*.sql)
	mkdir -p $(dir $(SQLX_DB))
	rm -f $(SQLX_DB)
	DATABASE_URL=sqlite:$(SQLX_DB) sqlx database create
	DATABASE_URL=sqlite:$(SQLX_DB) sqlx migrate run --source $(ENGINE_DIR)/migrations

## Refresh the offline query data after changing SQL.
sqlx-prepare: tools $(SQLX_DB)
	cd $(ENGINE_DIR) && SQLX_OFFLINE=false DATABASE_URL=sqlite:$(SQLX_DB) cargo sqlx prepare -- --all-targets

## Fails when .sqlx/ does not match the queries and migrations.
check-sqlx: tools ui $(SQLX_DB)
	cd $(ENGINE_DIR) && SQLX_OFFLINE=false DATABASE_URL=sqlite:$(SQLX_DB) cargo sqlx prepare --check -- --all-targets

SCHEMATHESIS := target/schemathesis-venv/bin/schemathesis
$(SCHEMATHESIS):
	python3 -m venv target/schemathesis-venv
	target/schemathesis-venv/bin/pip install --quiet schemathesis==4.32.5

## Generated requests against the served OpenAPI document: no server errors, no answer off-schema.
test-api-fuzz: $(SCHEMATHESIS)
	$(RUST_TESTS) --no-run
	tests/desktop-session.sh tests/schemathesis/run.sh

## Rewrite the committed OpenAPI document from the code.
openapi:
	SWITCHBOARD_WRITE_OPENAPI=1 cargo test -p switchboard-server --lib openapi_document_is_committed

## The real app in a real window (Xvfb), driven by WebDriver against the fake Evolution and Cloud API servers.
test-e2e: app tools
	$(RUST_TESTS) --no-run
	rm -rf $(E2E_OUT) && mkdir -p $(E2E_OUT)
	XDG_DATA_HOME=$$(mktemp -d) SWITCHBOARD_LISTEN=127.0.0.1:0 \
	APP_PATH=$(CURDIR)/target/debug/switchboard FAKE_EVOLUTION_BIN=$(CURDIR)/target/debug/fake-evolution \
	FAKE_CLOUD_BIN=$(CURDIR)/target/debug/fake-cloud \
	SCREENSHOT_DIR=$(E2E_OUT) \
		tests/desktop-session.sh xvfb-run -a -s "-screen 0 1280x800x24" node tests/e2e/run.mjs

## Benchmarks (each prints its ratio to a baseline measured in the same run).
bench:
	cargo bench -p switchboard-engine --bench accept
	cargo bench -p switchboard-engine --bench native_memory
	cargo bench -p switchboard-engine --bench log_scale
	cargo bench -p switchboard-server --bench api_latency
