"""The pipeline itself: layout, strict configuration, and that failures fail.

The slow checks (a planted failing assertion must fail both the strict build
and nbval) build a one-chapter book in a temporary folder.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import statsmodels.formula.api as smf
import yaml

import helpers
from helpers.simulate import HOSPITALS_TRUTH, SCHOOLS_TRUTH
from tests.book.chapter_notebooks import ROOT, chapter_paths, toc_files

CORE = ["why", "specify", "estimate", "testing", "diagnostics", "ess"]


def test_layout():
    for name in ["_config.yml", "_toc.yml", "chapters", "figures", "data", "helpers", "tests",
                 "requirements.txt", "README.md", "Makefile", "pyproject.toml", ".ci/run",
                 "references.bib", "LICENSE"]:
        assert (ROOT / name).exists(), name


def test_toc_lists_existing_files_and_core_chapters_in_order():
    paths = toc_files()
    for path in paths:
        assert path.exists(), f"{path} is in _toc.yml but does not exist"
    stems = [p.stem for p in paths]
    assert [s for s in stems if s in CORE] == CORE


def test_every_chapter_is_a_notebook_with_label_and_hidden_checks():
    chapters = {p.stem: p for p in chapter_paths()}
    for stem in CORE:
        assert stem in chapters, f"chapters/{stem}.md is not an executable chapter"
        text = chapters[stem].read_text()
        assert f"({stem})=\n# " in text, f"chapters/{stem}.md lacks the '({stem})=' label before its title"
        assert "remove-cell" in text, f"chapters/{stem}.md has no hidden assertion cell"
        assert "assert " in text


def test_no_notebook_next_to_a_chapter_source():
    assert not list((ROOT / "chapters").glob("*.ipynb"))


def test_strict_configuration():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["only_build_toc_files"] is True
    execute = config["execute"]
    assert execute["raise_on_error"] is True
    assert not execute.get("allow_errors", False)
    assert execute["execute_notebooks"] == "cache"
    for pattern in [".venv", "_build", "tests", "helpers"]:
        assert pattern in config["exclude_patterns"]
    makefile = (ROOT / "Makefile").read_text()
    assert "-W -n --keep-going" in makefile
    assert re.search(r"^test:.*\n(\t.*\n)*\trm -rf _build", makefile, re.M), "make test must build from clean"
    assert "make test" in (ROOT / ".ci/run").read_text()


def test_requirements_are_pinned():
    lines = [ln.strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()]
    reqs = [ln for ln in lines if ln and not ln.startswith("#")]
    assert "-e ." in reqs
    for req in reqs:
        if req != "-e .":
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+\-]+", req), req
    jb = next(r for r in reqs if r.lower().startswith("jupyter-book=="))
    assert jb.split("==")[1].startswith("1.")


def test_codebook_states_the_generating_values():
    codebook = (ROOT / "data" / "README.md").read_text()
    assert "simulated" in codebook
    t = HOSPITALS_TRUTH
    assert ", ".join(str(n) for n in t["n_patients"][:-1]) + f" and {t['n_patients'][-1]}" in codebook
    assert (f"{t['intercept']:g} + {t['staff_quality_effect']:g}\\,\\text{{staff\\_quality}}_j "
            f"- {-t['severity']:g}\\,\\text{{severity}}") in codebook
    s = SCHOOLS_TRUTH
    assert (f"{s['intercept']:g} + {s['SchoolQuality']:g}\\,\\text{{SchoolQuality}}_j "
            f"- {-s['StudentAge']:g}\\,\\text{{StudentAge}}") in codebook
    # The OLS estimates the codebook quotes for the chosen seed.
    ols = smf.ols("ExamScore ~ SchoolQuality + StudentAge + StudentGender", helpers.load("schools")).fit()
    quoted = (f"intercept\n{ols.params['Intercept']:.1f}, `SchoolQuality` {ols.params['SchoolQuality']:.2f}, "
              f"age {ols.params['StudentAge']:.2f}, male {ols.params['StudentGender[T.Male]']:.2f}, "
              f"residual variance {ols.scale:.1f})")
    assert quoted in codebook


def test_hospitals_tell_the_story():
    h = helpers.load("hospitals")
    assert 3 <= h["hospital"].nunique() <= 5
    assert smf.ols("will_to_live ~ severity", h).fit().params["severity"] > 0
    for _, part in h.groupby("hospital"):
        assert smf.ols("will_to_live ~ severity", part).fit().params["severity"] < 0


def _planted_book(tmp_path: Path) -> Path:
    """A one-chapter copy of the book whose chapter 1 has a failing hidden assertion."""
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    for name in ["_config.yml", "references.bib"]:
        shutil.copy(ROOT / name, book / name)
    shutil.copytree(ROOT / "figures", book / "figures")
    text = (ROOT / "chapters" / "why.md").read_text()
    planted = text.replace(":tags: [remove-cell]\n", ":tags: [remove-cell]\n\nassert 1 == 2\n", 1)
    assert planted != text
    # Only the planted chapter: drop cross-references to pages this small book lacks.
    planted = re.sub(r"\{ref\}`(\w+)`", r"\1", planted)
    (book / "chapters" / "why.md").write_text(planted)
    (book / "_toc.yml").write_text("format: jb-book\nroot: chapters/why\n")
    return book


@pytest.mark.slow
def test_planted_assertion_fails_build_and_nbval(tmp_path):
    book = _planted_book(tmp_path)
    jb = Path(sys.executable).with_name("jupyter-book")
    build = subprocess.run([str(jb), "build", str(book), "-W", "-n", "--keep-going"],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode != 0, "a failing hidden assertion must fail the strict build"
    assert "AssertionError" in build.stdout + build.stderr

    nb = tmp_path / "why.ipynb"
    subprocess.run([sys.executable, "-m", "jupytext", "--to", "ipynb", "-o", str(nb),
                    str(book / "chapters" / "why.md")], check=True, capture_output=True)
    nbval = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
                            "-p", "no:cacheprovider", "-q", str(nb)],
                           capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert nbval.returncode != 0, "a failing hidden assertion must fail nbval"
    assert "AssertionError" in nbval.stdout
