# Multilevel Models with Python -- build, test and data.
# `make book` and `make test` work on a fresh machine: they create .venv
# and install the pinned requirements when they are missing.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
JB     := $(VENV)/bin/jupyter-book
STAMP  := $(VENV)/.installed
BUILD_FLAGS := -W -n --keep-going

# Figures must come out of the kernels inline; an inherited MPLBACKEND (e.g. Agg)
# would stop them appearing in the book.
unexport MPLBACKEND

.PHONY: help book test data bench clean env check lint

help:
	@echo "make book   build the HTML book strictly (creates .venv if needed)"
	@echo "make test   the whole suite: clean strict build, helpers tests, every chapter under nbval"
	@echo "make check  the inner loop, under a minute: lint, unit tests and doctests without the slow ones"
	@echo "make lint   ruff check"
	@echo "make data   regenerate data/ from helpers (fixed seeds, byte for byte)"
	@echo "make bench  timing figures for fit_mixed and the book build"
	@echo "make clean  remove _build and caches (keeps .venv)"
	@echo "make browser-deps  what the browser test needs: chromium (apt-get, as root), axe-core (npm)"

env: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

# Authors: uses the execution cache, so unchanged chapters are not re-run.
book: $(STAMP)
	$(JB) build . $(BUILD_FLAGS)

# The browser test's tools: Debian's chromium (apt-get, as root) and a pinned axe-core from npm
# into .venv/share/axe-core; fails with how to install them when it cannot.
.PHONY: browser-deps
browser-deps:
	bash tools/browser_deps.sh

# From clean, so a stale cache cannot hide a failing chapter.
test: $(STAMP) browser-deps
	rm -rf _build
	$(JB) build . $(BUILD_FLAGS)
	$(PY) -m tests.book.chapter_notebooks _build/nbval
	BOOK_SITE=_build/html $(PY) -m pytest tests _build/nbval --nbval-lax --nbval-current-env

# The inner loop (see CONTRIBUTING.md): lint, then the fast unit tests and doctests
# and the chapters' hidden-cell check (no build); `make test` runs the slow ones too.
lint: $(STAMP)
	$(VENV)/bin/ruff check .

check: lint
	$(PY) -m pytest tests/unit tests/book/test_hidden_cells.py -m "not slow" -q

data: $(STAMP)
	$(PY) -m helpers

bench: $(STAMP)
	$(PY) -m tools.bench

clean:
	rm -rf _build .pytest_cache .hypothesis
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
