"""The solutions switch: a public build (``SOLUTIONS=hidden``) holds no solution anywhere.

Builds a small book (chapter 1 and the instructor guide) in a temporary folder with
``SOLUTIONS=hidden``, then searches every file of the built site, the search index included,
for text that only the solutions contain, and checks that no instructor notebook is
written or linked. See ``_ext/mlmbook/public.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.book.chapter_notebooks import ROOT
from tests.book.test_course import (
    _code_fragments,
    _norm,
    _prose_fragments,
    outside_solutions,
    source_solutions,
)

CHAPTER = "chapters/why"


def _public_book(tmp_path: Path) -> Path:
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    # What the book and its course pack are made from (the pack needs the requirements,
    # helpers and data).
    for name in ["_config.yml", "references.bib", "requirements.txt", "pyproject.toml"]:
        shutil.copy(ROOT / name, book / name)
    for folder in ["figures", "_ext", "helpers", "data"]:
        shutil.copytree(ROOT / folder, book / folder, ignore=shutil.ignore_patterns("__pycache__"))
    text = (ROOT / f"{CHAPTER}.md").read_text(encoding="utf-8")
    # Only chapter 1 and the guide: cross-references to other pages become plain words.
    keep = {"why", "instructor", "references"}
    text = re.sub(r"\{ref\}`([\w-]+)`", lambda m: m.group(0) if m.group(1) in keep else m.group(1), text)
    (book / f"{CHAPTER}.md").write_text(text, encoding="utf-8")
    guide = (ROOT / "chapters" / "instructor.md").read_text(encoding="utf-8")
    guide = re.sub(
        r"\{(ref|numref)\}`([\w-]+)`",
        lambda m: m.group(0) if m.group(2) in {"why", "instructor", "references"} else m.group(2),
        guide,
    )
    (book / "chapters" / "instructor.md").write_text(guide, encoding="utf-8")
    shutil.copy(ROOT / "chapters" / "references.md", book / "chapters" / "references.md")
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: chapters/why\nparts:\n  - caption: For instructors\n"
        "    chapters:\n      - file: chapters/instructor\n      - file: chapters/references\n"
    )
    return book


@pytest.fixture(scope="module")
def public_site(tmp_path_factory) -> Path:
    book = _public_book(tmp_path_factory.mktemp("public"))
    jb = Path(sys.executable).with_name("jupyter-book")
    env = {**os.environ, "SOLUTIONS": "hidden"}
    build = subprocess.run(
        [str(jb), "build", str(book), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert build.returncode == 0, f"the public build fails:\n{build.stdout[-4000:]}\n{build.stderr[-2000:]}"
    return book / "_build" / "html"


def _site_text(site: Path) -> str:
    parts = []
    for path in site.rglob("*"):
        if (
            path.is_file()
            and path.suffix in {".html", ".js", ".txt", ".md", ".ipynb", ".json"}
            and "mathjax" not in path.parts
        ):
            parts.append(path.read_text(encoding="utf-8", errors="replace"))
    return _norm("\n".join(parts))


@pytest.mark.slow
def test_public_build_has_no_solution_text(public_site):
    solutions = source_solutions(CHAPTER)
    assert solutions, "chapter 1 has no solutions to hide"
    rest = outside_solutions(CHAPTER)
    text = _site_text(public_site)
    checked = 0
    for label, parts in solutions.items():
        fragments = [
            f
            for f in _prose_fragments(parts["prose"]) + _code_fragments(parts["code"])
            if _norm(f) not in rest
        ]
        for fragment in fragments:
            checked += 1
            assert _norm(fragment) not in text, f"solution {label} is in the public site: {fragment!r}"
    assert checked >= len(solutions)
    page = (public_site / f"{CHAPTER}.html").read_text(encoding="utf-8")
    assert 'class="solution' not in page
    # The exercises themselves stay.
    assert 'class="exercise' in page


@pytest.mark.slow
def test_public_build_has_no_instructor_notebooks_or_sources(public_site):
    assert not (public_site / "_sources").exists(), "the page sources (with solutions) are copied"
    assert not (public_site / "notebooks" / "instructor").exists()
    assert (public_site / "notebooks" / "student" / "why.ipynb").is_file()
    assert (public_site / "course-pack.zip").is_file()
    for path in public_site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "notebooks/instructor" not in html, f"{path.name} links an instructor notebook"
        assert "instructor .ipynb" not in html
