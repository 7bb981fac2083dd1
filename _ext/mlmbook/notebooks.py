"""Sphinx extension: student and instructor notebooks, a course pack, an instructor guide.

Loaded from ``_config.yml`` (``sphinx: extra_extensions: [mlmbook.notebooks]``),
so ``make book`` and the build inside ``make test`` both run it. At the end of an
HTML build it writes, for every notebook page in ``_toc.yml`` (except the pages in
``course_notebooks_exclude``, by default the status page):

- ``<html>/notebooks/student/<chapter>.ipynb``: the chapter as a clean Jupyter
  notebook, solutions removed, an empty answer cell per exercise, no outputs;
- ``<html>/notebooks/instructor/<chapter>.ipynb``: the same with the solutions and
  the outputs of the build's run;
- ``<html>/course-pack.zip``: the student notebooks with ``helpers/``, ``data/``, a
  pinned ``requirements.txt`` and a README (see :mod:`mlmbook.coursepack`).

The conversion (:mod:`mlmbook.convert`) starts from the notebook myst-nb
executed for the page (``_build/jupyter_execute/<doc>.ipynb`` and its glue values),
so numbers in the prose are the ones on the website; if that file is missing the
chapter is executed here.

The step does nothing when none of its inputs changed since it last ran (a hash of
them is kept beside the HTML folder, see :func:`_inputs_digest`), so a rebuild with
nothing changed stays quick.

It also puts a "Run this chapter as a notebook" line under each chapter's title
and the two notebooks into the theme's download menu, and provides the directives
the instructor guide (``chapters/instructor.md``) uses:

- ``{course-chapters}``: per core chapter, its learning objectives (read from the
  chapter source at build time), its number of exercises and quiz questions, and
  links to its two notebooks;
- ``{course-notebooks}``: a table of every notebook, both versions, and the pack.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import time
from pathlib import Path
from typing import Any

import nbformat
from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from . import chapters as chapters_mod
from .convert import VARIANTS, Context, convert
from .public import solutions_shown

logger = logging.getLogger(__name__)

NOTEBOOK_DIR = "notebooks"
PACK_FILE = "course-pack.zip"
STATIC_DIR = Path(__file__).resolve().parent / "static"
CSS_FILE = "course.css"
GUIDE_DOC = "chapters/instructor"


def _book_title(app: Sphinx) -> str:
    """The book's title (Jupyter Book sets ``html_title``; ``project`` may be Sphinx's default)."""
    title = app.config.html_title or ""
    if not title or title.endswith(" documentation"):
        title = app.config.project or ""
    return "" if title == "Project name not set" else title


def variants(app: Sphinx) -> tuple[str, ...]:
    """The notebook sets this build writes: no instructor notebooks in a public build."""
    return VARIANTS if solutions_shown(app) else ("student",)


def _warn(message: str) -> None:
    logger.warning(message, type="course", subtype="notebooks")


# ---------------------------------------------------------------- which pages


def _toc_path(app: Sphinx) -> Path:
    path = Path(str(app.config["external_toc_path"] if "external_toc_path" in app.config else "_toc.yml"))
    return path if path.is_absolute() else Path(app.srcdir) / path


def notebook_docs(app: Sphinx) -> list[str]:
    """Docnames that get notebooks, in book order (cached per build)."""
    if getattr(app, "_course_notebook_docs", None) is None:
        names = chapters_mod.notebook_docnames(
            _toc_path(app), Path(app.srcdir), exclude=tuple(app.config.course_notebooks_exclude)
        )
        found = app.env.found_docs if app.env else set(names)
        app._course_notebook_docs = [n for n in names if n in found]  # type: ignore[attr-defined]
        stems = [chapters_mod.notebook_filename(n) for n in app._course_notebook_docs]
        for stem in {s for s in stems if stems.count(s) > 1}:
            _warn(f"two chapters would both be written as {stem}; rename one of them")
    return app._course_notebook_docs  # type: ignore[attr-defined]


def _relative(from_doc: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(from_doc) or ".")


def notebook_url(from_doc: str, docname: str, variant: str) -> str:
    return _relative(from_doc, f"{NOTEBOOK_DIR}/{variant}/{chapters_mod.notebook_filename(docname)}")


# ------------------------------------------------------------ build context


def _bibliography(app: Sphinx):
    if getattr(app, "_course_bib", None) is None:
        import pybtex.database

        entries = {}
        for name in app.config.bibtex_bibfiles if "bibtex_bibfiles" in app.config else []:
            path = Path(app.srcdir) / name
            if path.exists():
                entries.update(pybtex.database.parse_file(str(path)).entries)
        app._course_bib = entries  # type: ignore[attr-defined]
    return app._course_bib  # type: ignore[attr-defined]


def _plain_latex(text: str) -> str:
    from pybtex.richtext import Text

    try:
        return Text.from_latex(text).render_as("text")
    except Exception:  # pragma: no cover - odd LaTeX
        return text.replace("{", "").replace("}", "")


def _author_year(entry) -> tuple[str, str]:
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_plain_latex(" ".join(p.prelast_names + p.last_names)) for p in persons]
    if not names:
        author = _plain_latex(entry.fields.get("title", "?"))
    elif len(names) == 1:
        author = names[0]
    elif len(names) == 2:
        author = f"{names[0]} and {names[1]}"
    else:
        author = f"{names[0]} et al."
    return author, entry.fields.get("year", "n.d.")


def _make_cite(app: Sphinx, docname: str):
    bib = _bibliography(app)

    def cite(keys: list[str], role: str) -> str:
        items = []
        for key in keys:
            if key not in bib:
                _warn(f"{docname}: unknown citation key {key!r}")
                items.append((key, "n.d."))
            else:
                items.append(_author_year(bib[key]))
        kind = role.split(":", 1)[1] if ":" in role else "p"
        if kind in ("t", "ts", "ct", "cts"):
            return "; ".join(f"{a} ({y})" for a, y in items)
        if kind == "author":
            return "; ".join(a for a, _ in items)
        if kind == "year":
            return "; ".join(y for _, y in items)
        if kind in ("label", "empty"):
            return "" if kind == "empty" else "; ".join(keys)
        if kind == "alp":
            return "; ".join(f"{a}, {y}" for a, y in items)
        return "(" + "; ".join(f"{a}, {y}" for a, y in items) + ")"

    def reference_list(keys: list[str]) -> str:
        import pybtex.plugin

        known = [bib[k] for k in keys if k in bib]
        if not known:
            return ""
        style = pybtex.plugin.find_plugin("pybtex.style.formatting", "plain")()
        return "\n".join(
            "- " + e.text.render_as("markdown").replace("\n", " ") for e in style.format_entries(known)
        )

    return cite, reference_list


def _numbers(app: Sphinx) -> tuple[dict, dict, dict]:
    """label -> (docname, title); label -> "Fig. 1.1"; label -> equation number."""
    env = app.env
    std = env.get_domain("std")
    labels: dict[str, tuple[str, str]] = {}
    ids: dict[str, tuple[str, str]] = {}
    for name, (doc, labelid) in std.anonlabels.items():
        labels[name] = (doc, "")
        ids[name] = (doc, labelid)
    for name, (doc, labelid, title) in std.labels.items():
        labels[name] = (doc, title)
        ids[name] = (doc, labelid)
    for name, entry in (getattr(env, "sphinx_exercise_registry", {}) or {}).items():
        doc = entry.get("docname")
        if doc and name not in ids:
            ids[name] = (doc, name)
            labels.setdefault(name, (doc, ""))
    fmt = dict(app.config.numfig_format or {})
    numbers: dict[str, str] = {}
    for name, (doc, labelid) in ids.items():
        for figtype, by_id in env.toc_fignumbers.get(doc, {}).items():
            if labelid in by_id:
                number = ".".join(str(n) for n in by_id[labelid])
                numbers[name] = fmt.get(figtype, "%s") % number
                break
    equations: dict[str, str] = {}
    math = env.get_domain("math")
    for name, (doc, eqno) in math.data.get("objects", {}).items():
        by_id = env.toc_fignumbers.get(doc, {}).get("displaymath", {})
        number = by_id.get(f"equation-{name}")
        equations[name] = ".".join(str(n) for n in number) if number else str(eqno)
    return labels, numbers, equations


def _exercise_numbers(app: Sphinx, docname: str) -> list[str]:
    by_id = app.env.toc_fignumbers.get(docname, {}).get("exercise", {})
    return [".".join(str(n) for n in number) for number in sorted(by_id.values())]


def _executed(app: Sphinx, docname: str) -> tuple[Any, dict]:
    """The executed notebook of a page and its glue values (executing it if need be)."""
    folder = Path(app.outdir).parent / "jupyter_execute"
    path = folder / f"{docname}.ipynb"
    glue_path = folder / f"{docname}.glue.json"
    source = Path(app.env.doc2path(docname))
    if path.exists():
        nb = nbformat.read(path, as_version=4)
        glue = json.loads(glue_path.read_text(encoding="utf-8")) if glue_path.exists() else {}
        return nb, glue or glue_from_notebook(nb)
    logger.info(f"[course] executing {docname} (no executed notebook from myst-nb)")
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(source)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(source.parent)}}
    ).execute()
    return nb, glue_from_notebook(nb)


def glue_from_notebook(nb) -> dict:
    """Glue values of an executed notebook, as myst-nb stores them in ``<doc>.glue.json``."""
    found = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if not meta:
                continue
            prefix = meta.get("mime_prefix", "")
            data = {
                k[len(prefix) :] if k.startswith(prefix) else k: v for k, v in output.get("data", {}).items()
            }
            found[meta["name"]] = {"output_type": output.get("output_type"), "data": data}
    return found


def _context(app: Sphinx, docname: str, glue: dict, shared: tuple) -> Context:
    labels, numbers, equations = shared
    cite, reference_list = _make_cite(app, docname)
    source = Path(app.env.doc2path(docname))
    folder = Path(app.outdir).parent / "jupyter_execute"

    def other_glue(doc: str) -> dict:
        path = folder / f"{doc}.glue.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    return Context(
        docname=docname,
        source_dir=source.parent,
        root_dir=Path(app.srcdir),
        glue=glue,
        other_glue=other_glue,
        labels=labels,
        numbers=numbers,
        equations=equations,
        titles={d: t.astext() for d, t in app.env.titles.items()},
        exercise_numbers=_exercise_numbers(app, docname),
        numfig_format=dict(app.config.numfig_format or {}),
        notebooks={d: chapters_mod.notebook_filename(d) for d in notebook_docs(app)},
        cite=cite,
        reference_list=reference_list,
        substitutions=dict(getattr(app.config, "myst_substitutions", {}) or {}),
        book_title=_book_title(app),
        warn=_warn,
    )


# ------------------------------------------------------------------ the build


#: Beside the HTML folder (not published): the digest of the inputs of the last run.
DIGEST_FILE = ".mlmbook-notebooks.sha256"
#: Folders and files of the repository the notebooks and the pack are made from.
_PACK_INPUTS = ("helpers", "data", "requirements.txt", "pyproject.toml", "LICENSE")


def _inputs_digest(app: Sphinx, docs: list[str]) -> str:
    """A hash of everything the notebooks and the pack are made from.

    The executed notebooks and glue values, every page's source (titles, labels and
    citations cross pages), the book's configuration, this package's code, and what the
    pack ships (``helpers``, ``data``, the lock).
    """
    root = Path(app.srcdir)
    execute = Path(app.outdir).parent / "jupyter_execute"
    files: list[Path] = []
    for docname in docs:
        files += [execute / f"{docname}.ipynb", execute / f"{docname}.glue.json"]
    files += sorted(Path(app.env.doc2path(d)) for d in app.env.found_docs)
    files += [root / name for name in ("_toc.yml", "_config.yml")]
    files += [root / name for name in (app.config.bibtex_bibfiles if "bibtex_bibfiles" in app.config else [])]
    files += sorted(Path(__file__).parent.glob("*.py"))
    for name in _PACK_INPUTS:
        path = root / name
        files += (
            sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
            if path.is_dir()
            else [path]
        )
    digest = hashlib.sha256(repr((docs, sorted(VARIANTS))).encode())
    for path in files:
        digest.update(str(path).encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
    return digest.hexdigest()


def _outputs_present(app: Sphinx, docs: list[str]) -> bool:
    out = Path(app.outdir)
    return (out / PACK_FILE).is_file() and all(
        (out / NOTEBOOK_DIR / v / chapters_mod.notebook_filename(d)).is_file() for v in VARIANTS for d in docs
    )


def write_notebooks(app: Sphinx, exception: Exception | None) -> None:
    """build-finished: write both notebook sets and the course pack (if an input changed)."""
    if exception is not None or app.builder.format != "html":
        return
    start = time.perf_counter()
    docs = notebook_docs(app)
    out = Path(app.outdir) / NOTEBOOK_DIR
    digest_path = Path(app.outdir).parent / DIGEST_FILE
    digest = _inputs_digest(app, docs)
    if (
        _outputs_present(app, docs)
        and digest_path.is_file()
        and digest_path.read_text(encoding="utf-8").strip() == digest
    ):
        logger.info(
            f"[course] notebooks and {PACK_FILE} up to date ({time.perf_counter() - start:.1f} s to check)"
        )
        return
    digest_path.unlink(missing_ok=True)
    shared = _numbers(app)
    written: dict[str, list[Path]] = {v: [] for v in VARIANTS}
    for docname in docs:
        nb, glue = _executed(app, docname)
        context = _context(app, docname, glue, shared)
        for variant in variants(app):
            clean = convert(nb, context, variant)
            nbformat.validate(clean)
            target = out / variant / chapters_mod.notebook_filename(docname)
            target.parent.mkdir(parents=True, exist_ok=True)
            text = nbformat.writes(clean) + "\n"
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                target.write_text(text, encoding="utf-8")
            written[variant].append(target)
    for variant in VARIANTS:
        folder = out / variant
        if folder.is_dir():
            for stale in set(folder.glob("*.ipynb")) - set(written[variant]):
                stale.unlink()
    from .coursepack import build_course_pack

    build_course_pack(
        Path(app.srcdir),
        Path(app.outdir) / PACK_FILE,
        written["student"],
        [app.env.titles[d].astext() for d in docs],
        _book_title(app),
        warn=_warn,
    )
    digest_path.write_text(digest + "\n", encoding="utf-8")
    logger.info(
        f"[course] {len(docs)} chapters -> {out} ({', '.join(variants(app))}) and "
        f"{PACK_FILE} in {time.perf_counter() - start:.1f} s"
    )


# ------------------------------------------------------------- page links


def add_page_links(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """doctree-resolved: a line under a chapter's title linking its notebooks."""
    if app.builder.format != "html" or docname not in notebook_docs(app):
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not section.children or not isinstance(section[0], nodes.title):
        return
    stem = chapters_mod.notebook_filename(docname)[: -len(".ipynb")]
    student = notebook_url(docname, docname, "student")
    instructor = notebook_url(docname, docname, "instructor")
    pack = _relative(docname, PACK_FILE)
    guide = ""
    if GUIDE_DOC in app.env.found_docs and docname != GUIDE_DOC:
        guide = (
            f' See the <a href="{app.builder.get_relative_uri(docname, GUIDE_DOC)}">'
            "instructor guide</a> for how they are made."
        )
    instructor_link = (
        (
            f'<a class="course-instructor-notebook" href="{instructor}" download="{stem}-instructor.ipynb">'
            "instructor notebook</a> (with solutions and outputs) &middot; "
        )
        if solutions_shown(app)
        else ""
    )
    html = (
        '<div class="course-notebooks">\n<p><strong>Run this chapter as a notebook:</strong> '
        f'<a class="course-student-notebook" href="{student}" download="{stem}.ipynb">student notebook</a> '
        "(exercises without solutions) &middot; "
        f"{instructor_link}"
        f'<a class="course-pack" href="{pack}" download>course pack</a> (every notebook with the '
        f"helpers and the data, for one offline install).{guide}</p>\n</div>\n"
    )
    section.insert(1, nodes.raw("", html, format="html"))


def add_header_buttons(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """html-page-context: the notebooks in the theme's download menu, in place of the page's
    MyST source (raw ``{glue:text}`` roles are no use to a reader)."""
    for button in context.get("header_buttons") or []:
        if button.get("label") == "download-buttons":
            button["buttons"][:] = [
                b for b in button["buttons"] if b.get("label") != "download-source-button"
            ]
    if pagename not in notebook_docs(app):
        return
    for button in context.get("header_buttons") or []:
        if button.get("label") == "download-buttons":
            button["buttons"][:0] = [
                b
                for b in [
                    {
                        "type": "link",
                        "url": notebook_url(pagename, pagename, "student"),
                        "text": "student .ipynb",
                        "tooltip": "Download the student notebook (no solutions)",
                        "icon": "fas fa-user-graduate",
                        "label": "download-student-notebook-button",
                    },
                    {
                        "type": "link",
                        "url": notebook_url(pagename, pagename, "instructor"),
                        "text": "instructor .ipynb",
                        "tooltip": "Download the instructor notebook (with solutions)",
                        "icon": "fas fa-chalkboard-user",
                        "label": "download-instructor-notebook-button",
                    },
                ]
                if solutions_shown(app) or b["label"] != "download-instructor-notebook-button"
            ]


# --------------------------------------------------------------- directives


def _counts(info: chapters_mod.ChapterInfo) -> str:
    ex, qz = len(info.exercises), len(info.quiz)
    return f"{ex} exercise{'s' if ex != 1 else ''}, {qz} quiz question{'s' if qz != 1 else ''}"


class _CourseDirective(SphinxDirective):
    has_content = False

    def parse_markdown(self, text: str) -> list[nodes.Node]:
        container = nodes.container()
        self.state.nested_parse(
            StringList(text.split("\n"), source=self.env.docname), self.content_offset, container
        )
        return container.children

    def links(self, docname: str) -> str:
        here = self.env.docname
        stem = chapters_mod.notebook_filename(docname)[: -len(".ipynb")]
        student = f'<a href="{notebook_url(here, docname, "student")}" download="{stem}.ipynb">student</a>'
        if not solutions_shown(self.env.app):
            return student
        return (
            f'{student} &middot; <a href="{notebook_url(here, docname, "instructor")}" '
            f'download="{stem}-instructor.ipynb">instructor</a>'
        )

    def chapter(self, docname: str) -> chapters_mod.ChapterInfo:
        root = Path(self.env.srcdir)
        self.env.note_dependency(str(chapters_mod.source_path(docname, root)))
        return chapters_mod.read_chapter(docname, root)


class CourseChapters(_CourseDirective):
    """``{course-chapters}``: objectives, exercises, quiz and notebooks per chapter of a part.

    ``:part:`` names the table-of-contents part (its caption; default "Core chapters").
    A part that does not exist gives nothing (``tests/book/test_course.py`` checks that the
    guide shows the objectives of every chapter).
    """

    option_spec = {"part": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        app = self.env.app
        toc = _toc_path(app)
        self.env.note_dependency(str(toc))
        with_notebooks = set(notebook_docs(app))
        caption = self.options.get("part", chapters_mod.CORE_PART).strip()
        parts = []
        for docname in [e.docname for e in chapters_mod.toc_entries(toc) if e.part == caption]:
            info = self.chapter(docname)
            ref = f"{{ref}}`{info.label}`" if info.label else (info.title or docname)
            head = f"**{ref}** ({_counts(info)})"
            if docname in with_notebooks:
                head += f". Notebooks: {self.links(docname)}"
            objectives = info.objectives or "*The learning objectives of this chapter are not written yet.*"
            objectives = re.sub(
                r"^After this (chapter|page) you (can|will be able to):?\s*", "", objectives
            ).strip()
            parts.append(f"{head}\n\n{objectives}")
        return self.parse_markdown("\n\n".join(parts))


class CourseNotebooks(_CourseDirective):
    """``{course-notebooks}``: a table linking both notebooks of every chapter, and the pack."""

    def run(self) -> list[nodes.Node]:
        app = self.env.app
        self.env.note_dependency(str(_toc_path(app)))
        shown = solutions_shown(app)
        rows = (
            ["| Chapter | Student notebook | Instructor notebook |", "| --- | --- | --- |"]
            if shown
            else ["| Chapter | Student notebook |", "| --- | --- |"]
        )
        for docname in notebook_docs(app):
            info = self.chapter(docname)
            ref = f"{{ref}}`{info.label}`" if info.label else (info.title or docname)
            stem = chapters_mod.notebook_filename(docname)[: -len(".ipynb")]
            here = self.env.docname
            row = (
                f'| {ref} | <a href="{notebook_url(here, docname, "student")}" download="{stem}.ipynb">'
                f"{stem}.ipynb</a> |"
            )
            if shown:
                row += (
                    f' <a href="{notebook_url(here, docname, "instructor")}" '
                    f'download="{stem}-instructor.ipynb">{stem}-instructor.ipynb</a> |'
                )
            rows.append(row)
        pack = _relative(self.env.docname, PACK_FILE)
        text = "\n".join(rows) + (
            f"\n\nAll student notebooks with the helpers, the data and the requirements: "
            f'<a href="{pack}" download>{PACK_FILE}</a>.'
        )
        return self.parse_markdown(text)


# ------------------------------------------------------------------- setup


def _configure(app: Sphinx, config) -> None:
    static = str(STATIC_DIR)
    if static not in [str(Path(app.confdir, p)) for p in config.html_static_path]:
        config.html_static_path.append(static)


def _reset(app: Sphinx, env, docnames) -> None:
    app._course_notebook_docs = None  # type: ignore[attr-defined]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("course_notebooks_exclude", list(chapters_mod.DEFAULT_EXCLUDE), "env")
    app.connect("config-inited", _configure)
    app.add_css_file(CSS_FILE)
    app.connect("env-before-read-docs", _reset)
    app.connect("doctree-resolved", add_page_links)
    app.connect("html-page-context", add_header_buttons, priority=600)
    app.connect("build-finished", write_notebooks)
    app.add_directive("course-chapters", CourseChapters)
    app.add_directive("course-notebooks", CourseNotebooks)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
