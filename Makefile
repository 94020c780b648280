# IncidentBridge: `make run` starts the bot on its embedded defaults; `make test` runs every test.
SWIFT ?= swift
CONFIG ?= Examples/bridge.yaml
DB ?= var/bridge.sqlite
BIN = .build/debug/incident-bridge

.PHONY: deps peers build run chat test bench clean format

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build

run: build
	$(BIN) serve --config $(CONFIG) --db $(DB)

chat: build
	$(BIN) chat --config $(CONFIG) --db $(DB)

peers:
	@PEERS_VENV=.peers-venv ./scripts/peers/install.sh

test: deps peers
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel

clean:
	rm -rf .build var

# Formats every Swift file with swift-format (hummingbird's rules at 120 columns, `.swift-format`).
format:
	$(SWIFT) format format --configuration .swift-format --in-place --recursive Sources Tests Package.swift

# Benchmarks (release build); results go to BENCHMARKS.md by hand with the command that produced them.
bench:
	@./scripts/install-deps.sh wrk
	$(SWIFT) build -c release --product incident-bridge-bench
	.build/release/incident-bridge-bench timers --pending 100000 --due 500 --window 20 --idle 10
	.build/release/incident-bridge-bench slack --seconds 10 --requests 80000
	.build/release/incident-bridge-bench alerts --posts 10000 --groups 500
	.build/release/incident-bridge-bench parsers
