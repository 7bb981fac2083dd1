"""The book's chapters: the table of contents and what each chapter source holds.

Shared by the Sphinx extension (:mod:`mlmbook.notebooks`, which writes the
notebooks and the instructor guide's chapter list) and by ``tests/book/test_course.py``
(the form check), so both read the chapters the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
#: Caption of the table-of-contents part that holds the core chapters.
CORE_PART = "Core chapters"
#: Notebook pages in the table of contents that get no student/instructor notebook.
DEFAULT_EXCLUDE = ("chapters/status",)

_QUIZ_DIV = re.compile(
    r"<div\s+class=[\"'][^\"']*\bquiz\b[^\"']*[\"']\s*>(?P<body>.*?)</div>", re.DOTALL | re.IGNORECASE
)
_DETAILS = re.compile(
    r"<details>\s*<summary>(?P<option>.*?)</summary>(?P<feedback>.*?)</details>", re.DOTALL | re.IGNORECASE
)
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class TocEntry:
    """A page of the table of contents: its docname and the caption of its part."""

    docname: str
    part: str | None


def toc_entries(toc_path: Path | str = ROOT / "_toc.yml") -> list[TocEntry]:
    """Every page of a Jupyter Book 1.x table of contents, in order, root first."""
    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    entries = [TocEntry(_docname(toc["root"]), None)]

    def walk(node, part):
        if isinstance(node, dict):
            if "file" in node:
                entries.append(TocEntry(_docname(node["file"]), part))
            for key in ("sections", "chapters", "entries"):
                if key in node:
                    walk(node[key], part)
            if "parts" in node:
                for p in node["parts"]:
                    walk(p, p.get("caption"))
        elif isinstance(node, list):
            for item in node:
                walk(item, part)

    walk({k: v for k, v in toc.items() if k != "root"}, None)
    return entries


def _docname(name: str) -> str:
    return re.sub(r"\.(md|ipynb|rst)$", "", str(name)).strip("/")


def source_path(docname: str, root: Path = ROOT) -> Path:
    for suffix in (".md", ".ipynb"):
        path = root / f"{docname}{suffix}"
        if path.exists():
            return path
    return root / f"{docname}.md"


def is_notebook(path: Path) -> bool:
    """A MyST-markdown notebook (a jupytext header with a kernel) or an ``.ipynb``."""
    if path.suffix == ".ipynb":
        return True
    if not path.exists():
        return False
    head = path.read_text(encoding="utf-8")[:800]
    return head.startswith("---") and "jupytext:" in head and "kernelspec:" in head


def notebook_docnames(
    toc_path: Path | str = ROOT / "_toc.yml", root: Path = ROOT, exclude=DEFAULT_EXCLUDE
) -> list[str]:
    """Chapters that get a student and an instructor notebook, in book order."""
    seen, names = set(), []
    for entry in toc_entries(toc_path):
        if entry.docname in seen or entry.docname in exclude:
            continue
        seen.add(entry.docname)
        if is_notebook(source_path(entry.docname, root)):
            names.append(entry.docname)
    return names


def core_docnames(toc_path: Path | str = ROOT / "_toc.yml") -> list[str]:
    """The chapters of the "Core chapters" part."""
    return [e.docname for e in toc_entries(toc_path) if e.part == CORE_PART]


def notebook_filename(docname: str) -> str:
    """``chapters/why`` -> ``why.ipynb``."""
    return docname.rsplit("/", 1)[-1] + ".ipynb"


# ----------------------------------------------------------------- chapter form


@dataclass
class Exercise:
    label: str
    title: str
    body: str


@dataclass
class QuizQuestion:
    text: str
    options: list = field(default_factory=list)  # (option, feedback) plain text


@dataclass
class ChapterInfo:
    """What a chapter source holds, as far as the course form is concerned."""

    docname: str
    label: str | None = None
    title: str | None = None
    objectives: str | None = None  # markdown body of the learning-objectives admonition
    has_summary: bool = False
    exercises: list = field(default_factory=list)
    #: exercise label -> the solution's text (markdown and solution code, joined)
    solutions: dict = field(default_factory=dict)
    quiz: list = field(default_factory=list)
    words: int = 0


def read_chapter(docname: str, root: Path = ROOT) -> ChapterInfo:
    """Read a chapter source (MyST markdown notebook or plain MyST page)."""
    from .convert import directives_in, md_parser, parse_directive

    path = source_path(docname, root)
    info = ChapterInfo(docname)
    if not path.exists():
        return info
    text = path.read_text(encoding="utf-8")
    if text.startswith("---"):
        end = text.find("\n---", 3)
        text = text[end + 4 :] if end > 0 else text
    parser = md_parser()
    tokens = parser.parse(text)
    lines = text.split("\n")
    info.words = len(re.findall(r"\w+", text))
    open_solution: str | None = None
    solution_lines: list[str] = []
    for i, token in enumerate(tokens):
        if token.level != 0 or token.map is None:
            continue
        raw = "\n".join(lines[token.map[0] : token.map[1]])
        if token.type == "myst_target" and info.label is None:
            info.label = token.content.strip()
        elif token.type == "heading_open":
            heading = tokens[i + 1].content.strip()
            if token.tag == "h1" and info.title is None:
                info.title = heading
            if token.tag == "h2" and heading.lower() == "summary":
                info.has_summary = True
        if token.type in ("fence", "colon_fence") and token.info.strip().startswith("{"):
            d = parse_directive(token.info, token.content)
            if d.name == "solution-end":
                if open_solution is not None:
                    info.solutions[open_solution] = "\n".join(solution_lines).strip()
                open_solution = None
                continue
            if d.name == "solution-start":
                open_solution, solution_lines = d.argument.strip(), []
                continue
            if open_solution is not None:
                solution_lines.append(raw)
            for nested in [d] + directives_in(d.body, parser):
                _note_directive(info, nested)
        elif open_solution is not None:
            solution_lines.append(raw)
        if token.type == "html_block":
            for quiz in _QUIZ_DIV.finditer(raw):
                info.quiz.append(_quiz_question(quiz.group("body")))
    if open_solution is not None:
        info.solutions[open_solution] = "\n".join(solution_lines).strip()
    return info


def _note_directive(info: ChapterInfo, d) -> None:
    if d.name in ("exercise", "exercise-start"):
        info.exercises.append(Exercise(d.options.get("label", ""), d.argument, d.body))
    elif d.name == "solution":
        info.solutions[d.argument.strip()] = d.body
    elif (
        d.name == "admonition"
        and d.argument.strip().lower() == "learning objectives"
        and info.objectives is None
    ):
        info.objectives = d.body.strip()


def _quiz_question(body: str) -> QuizQuestion:
    first = body.split("<details", 1)[0]
    question = QuizQuestion(_plain(first))
    for option in _DETAILS.finditer(body):
        question.options.append((_plain(option.group("option")), _plain(option.group("feedback"))))
    return question


def _plain(html_text: str) -> str:
    import html

    return re.sub(r"\s+", " ", html.unescape(_TAGS.sub(" ", html_text))).strip()
