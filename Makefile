# IncidentBridge: `make run` starts the bot on its embedded defaults; `make test` runs every test.
SWIFT ?= swift
CONFIG ?= Examples/bridge.yaml
DB ?= var/bridge.sqlite
BIN = .build/debug/incident-bridge
# Who the console acts as in `make run` / `make chat` (`AS` would be make's assembler variable) (a person id of the config; commands are authorized as them).
PERSON ?= suzuki
# Local secrets for `make run`: random tokens for the alert route and the read-only pages, made once.
DEV_SECRETS = var/dev-secrets.env

.PHONY: deps peers pg build run chat test test-fast bench clean format fuzz

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build

$(DEV_SECRETS):
	@mkdir -p var && umask 077 && { \
	  echo "export ALERTMANAGER_TOKEN=$$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"; \
	  echo "export INCIDENT_BRIDGE_READ_TOKEN=$$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"; \
	} > $@ && echo "made $@ (alert route and page tokens for make run)"

run: build $(DEV_SECRETS)
	. ./$(DEV_SECRETS) && $(BIN) serve --config $(CONFIG) --db $(DB) --as $(PERSON)

chat: build
	$(BIN) chat --config $(CONFIG) --db $(DB) --as $(PERSON)

peers:
	@PEERS_VENV=.peers-venv ./scripts/peers/install.sh

# PostgreSQL (server binaries for the throwaway cluster of the store conformance and two-instance tests).
pg:
	@./scripts/install-deps.sh postgresql

# Every test: core, store (SQLite and PostgreSQL), adapters and system (peers, browser, kill -9, two instances).
test: deps peers pg
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel

# The edit loop: core, store on SQLite only, adapters; no peer server, no PostgreSQL, no browser, no serve process
# (the peers venv is there for the one-shot official-client checks: slack_sdk's signature).
FAST_TESTS = BridgeCoreTests|BridgeStoreTests|BridgeAdapterTests
test-fast: deps peers
	$(SWIFT) build --build-tests
	INCIDENT_BRIDGE_TEST_STORES=sqlite $(SWIFT) test --skip-build --no-parallel --filter '$(FAST_TESTS)'

clean:
	rm -rf .build var

# Formats every Swift file with swift-format (hummingbird's rules at 120 columns, `.swift-format`).
format:
	$(SWIFT) format format --configuration .swift-format --in-place --recursive Sources Tests Package.swift

# Benchmarks (release build, Swift runtime linked in as deployed: deploy/Dockerfile); results go to BENCHMARKS.md by
# hand with the command that produced them.
bench:
	@./scripts/install-deps.sh wrk time
	$(SWIFT) build -c release --static-swift-stdlib --product incident-bridge-bench
	$(SWIFT) build -c release --static-swift-stdlib --product incident-bridge
	.build/release/incident-bridge-bench timers --pending 100000 --due 500 --window 20 --idle 10
	.build/release/incident-bridge-bench slack --seconds 10 --requests 80000
	.build/release/incident-bridge-bench alerts --posts 10000 --groups 500
	.build/release/incident-bridge-bench parsers
	.build/release/incident-bridge-bench oncall --schedules 20 --layers 10 --overrides 500
	.build/release/incident-bridge-bench growth --incidents 10000 --entries 100000

# Coverage-guided fuzzing (libFuzzer) of every parser, decoder and escaper: the Fuzz/ package, built with
# --sanitize=fuzzer into .build-fuzz, each target for FUZZ_SECONDS or, when set, FUZZ_RUNS inputs (README: Fuzzing).
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=
fuzz:
	SWIFT=$(SWIFT) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) ./Fuzz/fuzz.sh
