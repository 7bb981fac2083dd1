# Multilevel Models with Python -- build, test and data.
# `make book` and `make test` work on a fresh machine: they create .venv and
# install the locked requirements (requirements.txt) with uv when they are missing.
#
# Dependencies: ranges in pyproject.toml, the lock in requirements.txt (every platform,
# with environment markers, made by uv). To change one, edit pyproject.toml, then
# `make lock` (keeps every other pin; `make lock LOCK_FLAGS=--upgrade` moves them all
# to the newest versions the ranges allow) and commit both files.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
JB     := $(VENV)/bin/jupyter-book
STAMP  := $(VENV)/.installed
BUILD_FLAGS := -W -n --keep-going
# The uv that installs the lock is the one the lock pins.
UV_VERSION := $(shell sed -n 's/^uv==\([^ ;]*\).*/\1/p' requirements.txt)
# What the lock holds: helpers and every extra (a universal lock, Python 3.11 and newer).
LOCK_INPUT := -e .[notebook,book,test]
LOCK_FLAGS ?=
# pytest over both cores (pytest-xdist); a notebook's cells stay together on one worker.
TEST_FLAGS ?= -n 2 --dist loadfile --durations=15

# Figures must come out of the kernels inline; an inherited MPLBACKEND (e.g. Agg)
# would stop them appearing in the book.
unexport MPLBACKEND

.PHONY: help book test data bench clean env lock browser-deps check lint

help:
	@echo "make book   build the HTML book strictly (creates .venv if needed)"
	@echo "make test   the whole suite: clean strict build, helpers tests, every chapter under nbval"
	@echo "make check  the inner loop, under a minute: lint, unit tests and doctests without the slow ones"
	@echo "make lint   ruff check"
	@echo "make data   regenerate data/ from helpers (fixed seeds, byte for byte)"
	@echo "make bench  timing figures for fit_mixed and the book build, with their goals"
	@echo "make lock   re-make requirements.txt from pyproject.toml (uv, every platform)"
	@echo "make clean  remove _build and caches (keeps .venv)"
	@echo "make browser-deps  what the browser test needs: chromium (apt-get, as root), axe-core (npm)"

env: $(STAMP)

# uv itself comes from PyPI with pip, once; everything else is installed by uv, exactly
# as locked (`uv pip sync` also removes what the lock does not list), with bytecode
# compiled at install (on all cores) rather than by every kernel that imports a package.
$(UV):
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip --default-pip >/dev/null
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): requirements.txt pyproject.toml | $(UV)
	$(UV) pip sync --quiet --compile-bytecode --python $(PY) requirements.txt
	touch $(STAMP)

lock: | $(UV)
	echo "$(LOCK_INPUT)" | $(UV) pip compile - --universal --python-version 3.11 \
	    --custom-compile-command "make lock" $(LOCK_FLAGS) -o requirements.txt

# Authors: uses the execution cache, so unchanged chapters are not re-run; chapters that
# need running run in parallel (_ext/mlmbook/execute.py).
book: $(STAMP)
	$(JB) build . $(BUILD_FLAGS)

# The browser test's tools: Debian's chromium (apt-get, as root) and a pinned axe-core from npm
# into .venv/share/axe-core; fails with how to install them when it cannot.
browser-deps:
	bash tools/browser_deps.sh

# From clean, so a stale cache cannot hide a failing chapter. Each chapter runs twice: in
# the build and under nbval; the student notebooks (the course pack) run once.
test: $(STAMP) browser-deps
	rm -rf _build
	$(JB) build . $(BUILD_FLAGS)
	$(PY) -m tests.book.chapter_notebooks _build/nbval
	BOOK_SITE=_build/html $(PY) -m pytest $(TEST_FLAGS) tests _build/nbval --nbval-lax --nbval-current-env

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
