# avi-dsr: `make demo` runs the main job on the local default; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: venv sysdeps engine demo test lint lab bench render clean

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

test: venv sysdeps
	$(PY) -m pytest -q
