# avi-dsr: `make demo` runs the main job on the local default; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: venv sysdeps engine demo destroy test lint lab lab-image bench render

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

sysdeps:
	bash scripts/system-deps.sh

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# Every test: unit, simulator, renderers (real netplan/cloud-init), mocks, the real engine, the lab.
test: venv sysdeps engine lab-image
	$(PY) -m pytest -q

# The Pulumi engine: a pulumi on PATH, else built from Go modules into ~/.cache/avi-dsr/pulumi/.
engine:
	bash scripts/ensure-pulumi.sh

# Simulator + loopback sshd + `pulumi up` of the local stack; both helpers stay up for destroy.
demo: venv engine
	bash scripts/demo.sh up

destroy: venv engine
	bash scripts/demo.sh destroy

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

# Offline review of a stack: server files and Avi payloads under out/<stack>/ (STACK=lab|prod|local).
STACK ?= local
render: venv
	$(VENV)/bin/avi-dsr render --stack stacks/Pulumi.$(STACK).yaml --out out/$(STACK)
