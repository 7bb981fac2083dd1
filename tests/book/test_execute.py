"""The parallel pre-execution (``_ext/mlmbook/execute.py``) on a two-page book in a temporary folder.

What must hold: myst-nb finds every notebook the extension executed in its cache (the cache key
is the one myst-nb computes, so nothing runs twice), and a failing notebook still fails the
strict build with its error.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

"""


def _book(tmp_path: Path, second: str) -> Path:
    book = tmp_path / "book"
    book.mkdir()
    (book / "_config.yml").write_text(
        "title: t\nonly_build_toc_files: true\n"
        "execute:\n  execute_notebooks: cache\n  raise_on_error: true\n"
        f"sphinx:\n  local_extensions:\n    mlmbook.execute: {ROOT / '_ext'}\n"
    )
    (book / "_toc.yml").write_text("format: jb-book\nroot: one\nchapters:\n  - file: two\n")
    (book / "one.md").write_text(HEADER + "# One\n\n```{code-cell} ipython3\nx = 6 * 7\nx\n```\n")
    (book / "two.md").write_text(HEADER + f"# Two\n\n```{{code-cell}} ipython3\n{second}\n```\n")
    return book


def _build(book: Path) -> subprocess.CompletedProcess:
    jb = Path(sys.executable).with_name("jupyter-book")
    return subprocess.run(
        [str(jb), "build", str(book), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "MLMBOOK_JOBS": "2"},
    )


@pytest.mark.slow
def test_parallel_execution_fills_the_cache_myst_nb_reads(tmp_path):
    book = _book(tmp_path, "print('two')")
    out = _build(book)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert "[mlmbook] executing 2 notebooks, 2 at a time" in log
    assert log.count("Using cached notebook") == 2, "myst-nb executed a notebook again"
    assert "Executing notebook using" not in log
    assert "42" in (book / "_build" / "html" / "one.html").read_text()


@pytest.mark.slow
def test_a_failing_notebook_still_fails_the_strict_build(tmp_path):
    out = _build(_book(tmp_path, "assert 1 == 2, 'planted'"))
    log = out.stdout + out.stderr
    assert out.returncode != 0
    assert "AssertionError" in log and "planted" in log
    assert "[mlmbook] two: CellExecutionError" in log
