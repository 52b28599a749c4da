# avi-dsr: `make demo` runs the main job on the local default; `make test` runs every test.
SHELL := /bin/bash
STACK ?= local
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: venv sysdeps demo-deps engine demo destroy up test lint lab lab-image bench render

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

sysdeps:
	bash scripts/system-deps.sh

# What `make demo` needs from Debian: curl (simulator health), and for STACK=existing a
# loopback sshd whose staged apply runs `netplan generate`.
demo-deps:
	bash scripts/system-deps.sh curl openssh-server openssh-client netplan.io

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# `pulumi up --stack STACK` after `avi-dsr doctor --fix`, which repairs what a killed run left in a
# file backend (stale lock, empty .attrs sidecar, interrupted creates), with the settings of
# `avi-dsr run-settings` (no per-step checkpoints for stacks without VMs). ARGS go to pulumi up.
up: venv engine
	@eval "$$(bash scripts/ensure-pulumi.sh --env)"; \
	if [ "$(STACK)" = local ] && [ -z "$${PULUMI_CONFIG_PASSPHRASE:-}$${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then \
	  export PULUMI_CONFIG_PASSPHRASE=avi-dsr-local; fi; \
	$(VENV)/bin/avi-dsr-install-plugin >/dev/null && \
	settings=$$($(VENV)/bin/avi-dsr run-settings --stack stacks/Pulumi.$(STACK).yaml) && \
	{ [ -z "$$settings" ] || export $$settings; } && \
	$(VENV)/bin/avi-dsr doctor --fix --stack $(STACK) && pulumi up --stack $(STACK) $(ARGS)

# Every test: unit, simulator, renderers (real netplan/cloud-init), mocks, the real engine, the lab.
test: venv sysdeps engine lab-image
	$(PY) -m pytest -q

# The Pulumi engine, its vsphere and command plugins, vcsim and govc: what the machine has, else
# built from upstream sources into ~/.cache/avi-dsr/ (scripts/ensure-pulumi.sh).
# Also: the YAML language host (for examples/yaml) next to a built pulumi, and the avi-dsr provider
# plugin of this checkout's virtualenv installed in the engine's PULUMI_HOME.
engine: venv
	bash scripts/ensure-pulumi.sh >/dev/null
	bash scripts/ensure-yaml.sh --into "$$(bash scripts/ensure-pulumi.sh)" >/dev/null
	eval "$$(bash scripts/ensure-pulumi.sh --env)" && $(VENV)/bin/avi-dsr-install-plugin

# The write-up's setup: two VMs in vcsim + the Avi simulator, `pulumi up`, then what the VMs
# report and the VS oper status (STACK=existing: existing servers over a loopback sshd). The
# simulators stay up for `pulumi` by hand; `make destroy` tears everything down.
demo: venv demo-deps engine
	bash scripts/demo.sh up $(STACK)

destroy: venv engine
	bash scripts/demo.sh destroy $(STACK)

# Scale benchmark against the simulator, next to the engine's floor (prints a table; not a test).
# BENCH_ARGS=--full adds 100 services x 20 servers (README, Benchmarks).
bench: venv engine
	$(PY) bench/scale.py $(BENCH_ARGS)

# QEMU datapath lab (lab/README.md): builds/caches the guest image, boots it once, prints the checks.
lab-image:
	bash lab/setup.sh
	bash lab/build-image.sh

lab: venv lab-image
	$(PY) -m lab.runner

# Offline review of a stack: server files and Avi payloads under out/<stack>/
# (STACK=lab|prod|local|existing).
render: venv
	$(VENV)/bin/avi-dsr render --stack stacks/Pulumi.$(STACK).yaml --out out/$(STACK)
