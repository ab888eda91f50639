# Harm Outside the Home triage assistant. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
RASA      := $(VENV)/bin/rasa
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 3
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Python 3.10: $(PYTHON310), else python3.10 on PATH (pyenv resolves it through
# .python-version), else pyenv's own 3.10.x.
PYTHON310 ?= $(shell command -v python3.10 2>/dev/null || \
	ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10.*/bin/python3.10 2>/dev/null | tail -n 1)
INSTALL_STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
TRAIN_INPUTS  := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null | sort) \
	$(wildcard bot/nlu_component.py bot/understanding/*.py)
MODEL         := models/hoth.tar.gz

.PHONY: help install check-python train run test lint validate unit e2e stories evaluate bench browser-deps clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: $(INSTALL_STAMP) ## create .venv with Python 3.10 and install (quick when nothing changed)

check-python: ## say clearly if no Python 3.10 is available
	@if [ -z "$(PYTHON310)" ] || ! "$(PYTHON310)" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then \
	  echo "error: Python 3.10 not found (Rasa 3.6 needs >=3.8,<3.11). Install it (pyenv install 3.10.13) or set PYTHON310=/path/to/python3.10" >&2; \
	  exit 1; fi

$(INSTALL_STAMP): pyproject.toml
	@$(MAKE) --no-print-directory check-python
	@[ -x $(PY) ] || { echo "creating $(VENV) with $(PYTHON310)"; "$(PYTHON310)" -m venv $(VENV); }
	@echo "installing dependencies into $(VENV) (first time: a few minutes)"
	@$(PY) -m pip install -q --upgrade "pip<25" 2>&1 | grep -v "is ignored" || true
	@$(PY) -m pip install -q -e ".[dev]" 2>&1 | grep -v "is ignored: it is neither" || true
	@$(PY) -c 'import rasa, rasa_sdk, sqlalchemy, alembic, holidays' || { echo "error: install failed; see the pip output above" >&2; exit 1; }
	@rm -f $(VENV)/.installed-* && touch $@

.env:
	@cp .env.example .env && echo "created .env from .env.example"

train: $(MODEL) ## train a model if data, config or domain changed

$(MODEL): $(INSTALL_STAMP) $(TRAIN_INPUTS)
	@mkdir -p var models
	@echo "training (data, config or domain changed)"
	@rm -f $@; start=$$(date +%s); \
	  $(RASA) train --quiet --out models --fixed-model-name hoth > var/train.log 2>&1 \
	  || { tail -30 var/train.log >&2; echo "error: training failed (full log: var/train.log)" >&2; exit 1; }; \
	  [ -f $@ ] || { echo "error: training produced no model (see var/train.log)" >&2; exit 1; }; \
	  echo "trained in $$(( $$(date +%s) - start )) s"
	@touch $@

run: $(INSTALL_STAMP) .env $(MODEL) ## start action server, Rasa and the web page (Ctrl-C stops all)
	@$(PY) -m bot migrate || echo "warning: outcome database not migrated; outcomes are queued until it answers"
	@$(PY) -m bot run

lint: $(INSTALL_STAMP) ## ruff
	@$(VENV)/bin/ruff check bot actions tests
	@$(VENV)/bin/ruff format --check bot actions tests

validate: $(INSTALL_STAMP) ## rasa data validate + knowledge files
	@$(RASA) data validate --fail-on-warnings --quiet 2>&1 | grep -v "is ignored" ; test $${PIPESTATUS[0]} -eq 0
	@$(PY) -m bot check

unit: $(INSTALL_STAMP) ## unit tests (no trained model needed)
	@$(PY) -m pytest -q -m "not e2e and not browser"

stories: $(MODEL) ## rasa test on the test stories
	@$(RASA) test core --stories tests --fail-on-prediction-errors --out results --quiet 2>&1 | grep -vE "is ignored" ; \
	  test $${PIPESTATUS[0]} -eq 0

browser-deps: ## Debian chromium and axe-core for the browser tests
	@command -v chromium >/dev/null || { echo "installing Debian chromium"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "error: could not install chromium (apt-get install chromium)" >&2; exit 1; }; }
	@if [ -f package-lock.json ] && [ ! -d node_modules ]; then npm ci --no-audit --no-fund --silent; fi

e2e: $(MODEL) browser-deps ## end-to-end and browser tests against the real servers
	@$(PY) -m pytest -q -m "e2e or browser"

evaluate: $(INSTALL_STAMP) ## evaluate the dev set against a running assistant (make run first)
	@$(PY) -m bot evaluate tests/triage_cases.yml

bench: $(INSTALL_STAMP) ## latency benchmark against a running assistant (make run first)
	@$(PY) -m bot bench

test: ## everything a release needs: lint, validation, unit, training, stories, e2e, browser
	@$(MAKE) --no-print-directory install
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory validate
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory train
	@$(MAKE) --no-print-directory stories
	@$(MAKE) --no-print-directory e2e

clean: ## remove trained models, results and caches (keeps .venv and .env)
	rm -rf models/*.tar.gz results .pytest_cache .ruff_cache
