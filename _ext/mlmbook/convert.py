"""Turn an executed MyST chapter notebook into a clean Jupyter notebook.

Used at build time by :mod:`mlmbook.notebooks`. A chapter is a MyST-markdown
notebook; opened in Jupyter as it is, every MyST directive (``{exercise}``,
``{solution}``, admonitions) and role (``{ref}``, ``{glue:text}``, ``{cite}``) shows
as raw text, the hidden cells that glue numbers into the prose and check them are
visible, and the solutions sit right under the exercises. :func:`convert` writes
the chapter as plain Jupyter markdown instead:

- directives become plain markdown: admonitions and exercises are block quotes
  with a bold title, ``{math}`` is ``$$``, figures and images are embedded as
  cell attachments, and so on;
- roles are resolved: glue values come from the executed notebook (with their
  format specs, as myst-nb formats them), ``{ref}``/``{numref}``/``{eq}`` from the
  Sphinx environment, ``{cite}`` as author--year with a reference list at the end;
- cells tagged ``remove-cell`` are dropped (they hold ``glue`` and the hidden
  assertions; ``tests/book/test_hidden_cells.py`` checks that no visible cell
  reads a name one of them binds, so the notebook runs as the website shows it);
  ``remove-input``/``hide-input`` cells keep their code, collapsed;
- the figure caption of a code cell (``mystnb: figure: caption``) follows it as a
  markdown cell, numbered as on the website;
- ``"student"``: solutions are removed, both ``{solution}`` blocks and everything
  between ``{solution-start}`` and ``{solution-end}`` (prose *and* code cells),
  and an empty answer cell is left in their place (a code cell where the solution
  had code, so the notebook still runs top to bottom); no outputs;
- ``"instructor"``: solutions are kept under a "Solution to Exercise n" title,
  with the outputs of the build's run.

The conversion works on MyST's own parse of each markdown cell (myst-parser's
markdown-it configuration), block by block, so code in fences and inline code
spans is never rewritten.

Why not a maintained converter (measured 2026-12-01): QuantEcon's
``sphinx-tojupyter`` 0.6.0 writes notebooks from Sphinx's resolved doctree. Run
on this book (``sphinx-build -b jupyter`` with the book's ``conf.py`` from
``jupyter-book config sphinx``, ``tojupyter_lang_synonyms = ["ipython3"]`` so
that code cells stay code), it gave the same code cells as this module in all
10 chapter notebooks (e.g. 14 in ``estimate``, 19 in ``testing``), resolved glue
values, ``{ref}`` links and ``{cite}`` (as ``[Author, year](references.ipynb#id)``)
correctly, and dropped the hidden cells. It could take over the markdown
rendering (about 390 of this module's lines: directives, roles, glue, tables,
figures). It cannot do the rest, which is why this module stays:

- no student variant: it does not know sphinx-exercise's solutions (its
  ``tojupyter_drop_solutions`` is for its own markup), so every solution ships;
- exercise titles come out garbled (``##  (Half the time zero)Exercise 4.1``,
  ``## Solution to[ Exercise 4.1 ...](#testing-ex-half)``);
- no outputs (it writes sources; it would re-execute to get them) and no figure
  captions of code cells (0 of 20 ``**Fig. n.**`` captions);
- the self-check quizzes (raw HTML) are dropped unless
  ``tojuyter_drop_html_raw = False`` (sic) is set;
- it needs a second Sphinx build with its own builder and 16 more packages
  (dask, distributed, nbdime, GitPython, ...).
Post-processing its output to fix these would take about as much code as the
rendering it replaces.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import mimetypes
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat
from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

VARIANTS = ("student", "instructor")

#: Admonition directives and the title they show.
ADMONITIONS = {
    "attention": "Attention",
    "caution": "Caution",
    "danger": "Danger",
    "error": "Error",
    "hint": "Hint",
    "important": "Important",
    "note": "Note",
    "seealso": "See also",
    "tip": "Tip",
    "warning": "Warning",
    "todo": "To do",
}
#: Directives whose body is shown as a block quote with the argument as title.
QUOTE_DIRECTIVES = {
    "admonition",
    "topic",
    "sidebar",
    "margin",
    "epigraph",
    "pull-quote",
    "highlights",
    "card",
    "prf:definition",
    "prf:theorem",
    "prf:example",
    "prf:remark",
    "prf:proof",
}
#: Directives whose body is kept as it is (converted), without a frame.
PASS_DIRECTIVES = {
    "div",
    "container",
    "only",
    "tab-set",
    "grid",
    "grid-item",
    "cssclass",
    "rst-class",
    "compound",
    "table",
}
#: Directives with nothing to show in a notebook.
DROP_DIRECTIVES = {
    "toctree",
    "tableofcontents",
    "index",
    "bibliography",
    "nb-exec-table",
    "last-built",
    "meta",
    "highlight",
    "default-role",
    "contents",
}
#: Roles shown as inline code.
CODE_ROLES = {
    "code",
    "literal",
    "samp",
    "file",
    "command",
    "program",
    "envvar",
    "option",
    "kbd",
    "func",
    "class",
    "meth",
    "mod",
    "attr",
    "obj",
    "data",
    "exc",
    "const",
    "py:func",
    "py:class",
    "py:meth",
    "py:mod",
    "py:attr",
    "py:obj",
    "py:data",
    "py:exc",
    "py:const",
    "regexp",
    "makevar",
    "mailheader",
    "mimetype",
    "newsgroup",
}
#: Roles shown as their (display) text.
TEXT_ROLES = {
    "term",
    "guilabel",
    "menuselection",
    "dfn",
    "title-reference",
    "emphasis",
    "strong",
    "rfc",
    "pep",
    "download",
    "index",
    "external",
}

_ROLE_NAME = re.compile(r"\{([A-Za-z0-9_.+:\-]*)\}$")
_TEXT_TARGET = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)
_LINK = re.compile(r"(?P<bang>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)(?P<title>\s+\"[^\"]*\")?\)")
_HTML_IMG_SRC = re.compile(r"(<img\b[^>]*?\bsrc=)([\"'])(?P<src>[^\"']+)\2", re.IGNORECASE)
_SUBSTITUTION = re.compile(r"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")
_OPTION = re.compile(r"^:(?P<key>[A-Za-z0-9_\-]+):(?:\s+(?P<value>.*))?$")
_MARKDOWN_MIME = "text/markdown"


def md_parser(extensions=("amsmath", "colon_fence", "deflist", "dollarmath", "html_image", "substitution")):
    """markdown-it with MyST's syntax (directives, roles, targets, comments, math)."""
    config = MdParserConfig(enable_extensions=set(extensions))
    return create_md_parser(config, RendererHTML)


# ------------------------------------------------------------------ directives


@dataclass
class Directive:
    """A MyST directive: ``{name} argument``, its options and its body (markdown)."""

    name: str
    argument: str
    options: dict[str, str]
    body: str


def parse_directive(info: str, content: str) -> Directive:
    """Split a fence's info string and content into a :class:`Directive`."""
    info = info.strip()
    match = re.match(r"^\{([^}]*)\}\s*(.*)$", info, re.DOTALL)
    name, argument = (match.group(1).strip(), match.group(2).strip()) if match else (info, "")
    lines = content.split("\n")
    options: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        import yaml

        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            loaded = yaml.safe_load("\n".join(lines[1:end])) or {}
            options = {str(k): "" if v is None else str(v) for k, v in loaded.items()}
            lines = lines[end + 1 :]
    else:
        i = 0
        while i < len(lines):
            opt = _OPTION.match(lines[i].strip()) if lines[i].startswith(":") else None
            if not opt:
                break
            options[opt.group("key")] = (opt.group("value") or "").strip()
            i += 1
        lines = lines[i:]
    body = "\n".join(lines).strip("\n")
    return Directive(name, argument, options, body)


def directives_in(markdown: str, parser=None) -> list[Directive]:
    """Every directive in a markdown text, nested ones included, in order."""
    parser = parser or md_parser()
    found: list[Directive] = []
    for token in parser.parse(markdown):
        if token.type in ("fence", "colon_fence") and token.info.strip().startswith("{"):
            directive = parse_directive(token.info, token.content)
            found.append(directive)
            found.extend(directives_in(directive.body, parser))
    return found


# -------------------------------------------------------------------- context


@dataclass
class Context:
    """What the converter needs to know beyond the notebook itself.

    The Sphinx extension fills it from the build environment; every field has a
    harmless default, so the converter also runs on its own (tests).
    """

    docname: str = "chapter"
    #: Folder of the chapter source, for relative image paths.
    source_dir: Path = Path(".")
    #: Root of the book's sources, for ``/``-rooted image paths.
    root_dir: Path = Path(".")
    #: Glue data of this chapter: key -> mime bundle (myst-nb's ``<doc>.glue.json``).
    glue: dict = field(default_factory=dict)
    #: Glue data of another document by docname (for ``{glue:text}`doc::key```).
    other_glue: Callable[[str], dict] = lambda docname: {}
    #: label -> (docname, title): sections, figures, exercises, equations.
    labels: dict = field(default_factory=dict)
    #: label -> "Fig. 1.1"-style text of numbered things (numref).
    numbers: dict = field(default_factory=dict)
    #: label -> equation number (eq).
    equations: dict = field(default_factory=dict)
    #: docname -> title, for {doc}.
    titles: dict = field(default_factory=dict)
    #: Numbers ("1.2") of this chapter's numbered exercises, in order.
    exercise_numbers: list = field(default_factory=list)
    #: numfig_format of the build.
    numfig_format: dict = field(
        default_factory=lambda: {
            "figure": "Fig. %s",
            "table": "Table %s",
            "code-block": "Listing %s",
            "exercise": "Exercise %s",
        }
    )
    #: docname -> notebook file name, for the chapters that get a notebook.
    notebooks: dict = field(default_factory=dict)
    #: (keys, role) -> citation text, e.g. "(Robinson, 1950)".
    cite: Callable[[list, str], str] = lambda keys, role: "(" + "; ".join(keys) + ")"
    #: keys -> markdown list of full references.
    reference_list: Callable[[list], str] = lambda keys: ""
    #: MyST substitutions.
    substitutions: dict = field(default_factory=dict)
    #: Title of the book, for the note under the chapter title.
    book_title: str = ""
    #: Called with a message for everything that cannot be converted.
    warn: Callable[[str], None] = lambda message: None


def format_plain_text(text: str, fmt_spec: str) -> str:
    """Format glued ``text/plain`` data as myst-nb's ``{glue:text}`` does."""
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        value = text
    if fmt_spec == "":
        return str(value)
    type_char = fmt_spec[-1]
    if type_char == "s":
        value = str(value)
    elif type_char in ("b", "c", "d", "o", "x", "X"):
        value = int(value)
    elif type_char in ("e", "E", "f", "F", "g", "G", "n", "%"):
        value = float(value)
    return format(value, fmt_spec)


# ------------------------------------------------------------------ converter


class _Converter:
    def __init__(self, notebook, context: Context, variant: str):
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, not {variant!r}")
        self.nb = notebook
        self.ctx = context
        self.variant = variant
        self.student = variant == "student"
        self.parser = md_parser()
        self.cells: list = []
        self.md_parts: list[str] = []
        self.attachments: dict = {}
        self.cited: list[str] = []
        self.exercises: dict[str, str] = {}  # label -> "Exercise 1.2 (title)"
        self.exercise_count = 0
        # gated solution state
        self.in_solution = False
        self.solution_label = ""
        self.solution_has_code = False
        self.solution_has_prose = False
        self.title_done = False
        self.number_exercises()

    # ----------------------------------------------------------- bookkeeping

    def number_exercises(self) -> None:
        """Give every exercise its number as on the website, in order."""
        numbers = iter(self.ctx.exercise_numbers)
        for cell in self.nb.cells:
            if cell.cell_type != "markdown":
                continue
            for d in directives_in(cell.source, self.parser):
                if d.name not in ("exercise", "exercise-start"):
                    continue
                number = None if "nonumber" in d.options else next(numbers, None)
                self.exercise_count += 1
                fmt = self.ctx.numfig_format.get("exercise", "Exercise %s")
                name = fmt % number if number else "Exercise"
                title = self.inline(d.argument) if d.argument else ""
                text = f"{name} ({title})" if title else name
                label = d.options.get("label") or f"__exercise-{self.exercise_count}"
                self.exercises[label] = text

    def flush_markdown(self) -> None:
        text = "\n\n".join(part.strip("\n") for part in self.md_parts if part.strip())
        self.md_parts = []
        if not text.strip():
            self.attachments = {}
            return
        cell = nbformat.v4.new_markdown_cell(text)
        used = {name: data for name, data in self.attachments.items() if f"attachment:{name}" in text}
        if used:
            cell["attachments"] = used
        self.attachments = {}
        self.cells.append(cell)

    def add_code(self, source: str, metadata=None, outputs=None, execution_count=None) -> None:
        self.flush_markdown()
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata = metadata or {}
        if outputs is not None:  # the instructor variant: the build's run
            cell.outputs = outputs
            cell.execution_count = execution_count
        self.cells.append(cell)

    def warn(self, message: str) -> None:
        self.ctx.warn(f"{self.ctx.docname}: {message}")

    # ------------------------------------------------------------ the walk

    def run(self):
        for cell in self.nb.cells:
            if cell.cell_type == "markdown":
                self.markdown_cell(cell.source)
                self.flush_markdown()
            elif cell.cell_type == "code":
                self.code_cell(cell)
            elif cell.cell_type == "raw":
                continue
        if self.in_solution:
            self.warn("a {solution-start} has no {solution-end}")
        if self.cited:
            refs = self.ctx.reference_list(self.cited)
            if refs.strip():
                self.md_parts.append("## References\n\n" + refs)
        self.flush_markdown()
        return self.build_notebook()

    def build_notebook(self):
        out = nbformat.v4.new_notebook()
        meta = self.nb.metadata
        out.metadata = {
            "kernelspec": dict(
                meta.get("kernelspec")
                or {"display_name": "Python 3", "language": "python", "name": "python3"}
            )
        }
        if meta.get("language_info"):
            out.metadata["language_info"] = dict(meta["language_info"])
        # Stable cell ids, so a rebuild of an unchanged chapter writes the same file.
        seen: dict[str, int] = {}
        for cell in self.cells:
            digest = hashlib.sha1((cell.cell_type + cell.source).encode("utf-8")).hexdigest()[:8]
            seen[digest] = seen.get(digest, 0) + 1
            cell["id"] = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
        out.cells = self.cells
        return out

    def code_cell(self, cell) -> None:
        tags = list(cell.metadata.get("tags", []))
        if "remove-cell" in tags:
            return
        if self.in_solution:
            self.solution_has_code = True
            if self.student:
                return
        metadata = {}
        kept_tags = [t for t in tags if not t.startswith("remove-")]
        if kept_tags:
            metadata["tags"] = kept_tags
        if "remove-input" in tags or "hide-input" in tags:
            metadata["jupyter"] = {"source_hidden": True}
        if "hide-output" in tags:
            metadata.setdefault("jupyter", {})["outputs_hidden"] = True
        outputs = None
        if not self.student and "remove-output" not in tags:
            outputs = self.clean_outputs(cell.get("outputs", []), tags)
        self.add_code(cell.source, metadata, outputs, cell.get("execution_count"))
        self.figure_caption(cell)

    def clean_outputs(self, outputs, tags):
        kept = []
        for output in outputs:
            output = nbformat.from_dict(dict(output))
            if (
                output.get("output_type") == "stream"
                and output.get("name") == "stderr"
                and "remove-stderr" in tags
            ):
                continue
            if output.get("output_type") in ("display_data", "execute_result"):
                meta = dict(output.get("metadata", {}))
                meta.pop("scrapbook", None)
                data = {
                    k: v
                    for k, v in output.get("data", {}).items()
                    if not k.startswith("application/papermill.record/")
                }
                if not data:
                    continue
                output["data"] = data
                output["metadata"] = meta
            kept.append(output)
        return kept

    def figure_caption(self, cell) -> None:
        mystnb = cell.metadata.get("mystnb") or {}
        figure = mystnb.get("figure") or {}
        caption = figure.get("caption")
        if not caption:
            return
        number = self.ctx.numbers.get(figure.get("name", ""), "")
        caption = self.convert_markdown(str(caption)).strip()
        self.md_parts.append(f"**{number}.** {caption}" if number else caption)
        self.flush_markdown()

    # ---------------------------------------------------------- markdown

    def markdown_cell(self, source: str) -> None:
        lines = source.split("\n")
        for token in self.parser.parse(source):
            if token.level != 0 or token.map is None:
                continue
            start, end = token.map
            raw = "\n".join(lines[start:end])
            self.block(token, raw)

    def block(self, token, raw: str) -> None:
        kind = token.type
        if kind in ("fence", "colon_fence") and token.info.strip().startswith("{"):
            self.directive(parse_directive(token.info, token.content), raw)
            return
        if self.in_solution and kind == "paragraph_open":
            self.solution_has_prose = True  # a written answer: the student gets a markdown cell
        if self.in_solution and self.student:
            return
        if kind in ("myst_target", "myst_line_comment", "front_matter"):
            return
        if kind == "myst_block_break":
            self.flush_markdown()
            return
        text = self.convert_block(token, raw)
        if text.strip():
            self.md_parts.append(text)
        if kind == "heading_open" and token.tag == "h1" and not self.title_done:
            self.title_done = True
            self.md_parts.append(self.title_note())

    def title_note(self) -> str:
        book = f" of *{self.ctx.book_title}*" if self.ctx.book_title else ""
        if self.student:
            return (
                f"> **Student notebook**{book}. Run the cells from the top. Each exercise "
                "leaves you a cell for your answer; the worked solutions are not included."
            )
        return (
            f"> **Instructor notebook**{book}: the chapter with the worked solutions to its "
            "exercises and the outputs of a complete run."
        )

    def convert_markdown(self, text: str) -> str:
        """Convert a markdown fragment (a directive body, a caption)."""
        lines = text.split("\n")
        parts = []
        for token in self.parser.parse(text):
            if token.level != 0 or token.map is None:
                continue
            start, end = token.map
            raw = "\n".join(lines[start:end])
            if token.type in ("fence", "colon_fence") and token.info.strip().startswith("{"):
                parts.append(self.nested_directive(parse_directive(token.info, token.content)))
            elif token.type in ("myst_target", "myst_line_comment", "myst_block_break"):
                continue
            else:
                parts.append(self.convert_block(token, raw))
        return "\n\n".join(p.strip("\n") for p in parts if p.strip())

    def convert_block(self, token, raw: str) -> str:
        kind = token.type
        if kind in ("fence", "code_block", "html_block", "math_block", "amsmath"):
            if kind == "html_block":
                return self.html(raw)
            return raw
        if kind == "math_block_label":
            return f"$$\n{token.content.strip()}\n$$"
        if kind == "dl_open":
            return self.deflist(raw)
        return self.inline(raw)

    def deflist(self, raw: str) -> str:
        out, term = [], None
        for line in raw.split("\n"):
            if line.startswith(":") and line[1:2] in (" ", "\t"):
                out.append(
                    f"- **{term}**: {self.inline(line[1:].strip())}"
                    if term is not None
                    else self.inline(line[1:].strip())
                )
            elif line.startswith((" ", "\t")) and out:
                out[-1] += " " + self.inline(line.strip())
            elif line.strip():
                term = self.inline(line.strip())
        return "\n".join(out)

    def html(self, raw: str) -> str:
        def repl(match):
            src = match.group("src")
            name = self.attach(src)
            return (
                f"{match.group(1)}{match.group(2)}{('attachment:' + name) if name else src}{match.group(2)}"
            )

        return _HTML_IMG_SRC.sub(repl, raw)

    # --------------------------------------------------------- directives

    def directive(self, d: Directive, raw: str) -> None:
        name = d.name
        if name == "solution-start":
            if self.in_solution:
                self.warn("nested {solution-start}")
            self.in_solution, self.solution_label, self.solution_has_code = True, d.argument, False
            self.solution_has_prose = False
            if not self.student:
                self.md_parts.append(self.solution_title(d.argument))
            return
        if name == "solution-end":
            if not self.in_solution:
                self.warn("a {solution-end} without {solution-start}")
            self.in_solution = False
            if self.student:
                self.answer_placeholder(
                    self.solution_label, self.solution_has_code, prose=self.solution_has_prose
                )
            return
        if self.in_solution and self.student:
            return
        if name == "solution":
            if self.student:
                self.answer_placeholder(d.argument, code=False)
            else:
                self.md_parts.append(self.solution_title(d.argument) + "\n\n" + self.convert_markdown(d.body))
            return
        if name == "exercise-start":
            label = d.options.get("label", "")
            self.md_parts.append(
                f"**{self.exercise_text(label, d)}**"
                + ("\n\n" + self.convert_markdown(d.body) if d.body.strip() else "")
            )
            return
        if name == "exercise-end":
            return
        self.md_parts.append(self.nested_directive(d))

    def exercise_text(self, label: str, d: Directive) -> str:
        if label and label in self.exercises:
            return self.exercises[label]
        # an exercise without a label: find it by its title
        title = self.inline(d.argument) if d.argument else ""
        for key, text in self.exercises.items():
            if key.startswith("__exercise-") and text.endswith(f"({title})" if title else "Exercise"):
                return text
        return f"Exercise ({title})" if title else "Exercise"

    def solution_title(self, label: str) -> str:
        target = self.exercises.get(label.strip())
        if target is None:
            self.warn(f"a solution refers to an unknown exercise {label!r}")
            target = "Exercise"
        return f"**Solution to {target}**"

    def answer_placeholder(self, label: str, code: bool, prose: bool = True) -> None:
        """An empty answer cell: code where the solution has code, markdown for a written
        answer (both when the solution has both)."""
        target = self.exercises.get(label.strip(), "the exercise")
        short = target.split(" (")[0]
        if code:
            self.add_code(f"# {short}: your code here\n")
        if not code or prose:
            self.flush_markdown()  # the answer cell is a cell of its own
            self.md_parts.append(f"*Your answer to {short} (double-click to edit):*")
            self.flush_markdown()

    def nested_directive(self, d: Directive) -> str:
        """Markdown for a directive that needs no cross-cell state."""
        name = d.name
        body = self.convert_markdown(d.body) if d.body.strip() else ""
        if name == "exercise":
            title = self.exercise_text(d.options.get("label", ""), d)
            return quote(f"**{title}**" + ("\n\n" + body if body else ""))
        if name == "solution":
            if self.student:
                return ""
            return self.solution_title(d.argument) + ("\n\n" + body if body else "")
        if name in ADMONITIONS or name in QUOTE_DIRECTIVES:
            title = ADMONITIONS.get(name) or self.inline(d.argument)
            if name == "epigraph" or name == "pull-quote":
                title = ""
            return quote((f"**{title}**\n\n" if title else "") + body)
        if name == "dropdown":
            title = self.inline(d.argument) or "Details"
            return f"<details>\n<summary>{title}</summary>\n\n{body}\n\n</details>"
        if name in ("tab-item", "grid-item-card"):
            return (f"**{self.inline(d.argument)}**\n\n" if d.argument else "") + body
        if name == "rubric":
            return f"**{self.inline(d.argument)}**"
        if name in ("math", "amsmath"):
            return f"$$\n{d.body.strip()}\n$$"
        if name in ("code-block", "code", "sourcecode", "code-cell"):
            return f"```{d.argument}\n{d.body}\n```"
        if name in ("figure", "image", "glue:figure"):
            return self.figure(d, body)
        if name in ("glue", "glue:", "glue:any", "glue:md", "glue:math", "glue:text"):
            return self.glue_block(d)
        if name == "raw":
            return d.body if "html" in d.argument else ""
        if name == "list-table":
            return self.list_table(d)
        if name in PASS_DIRECTIVES:
            return body
        if name in DROP_DIRECTIVES:
            return ""
        self.warn(f"no notebook form for the directive {{{name}}}: its body is kept as it is")
        return body

    def figure(self, d: Directive, body: str) -> str:
        alt = d.options.get("alt", "")
        if d.name == "glue:figure":
            key = d.argument
            bundle = self.glue_bundle(key)
            image = None
            for mime in ("image/png", "image/jpeg", "image/svg+xml", "image/gif"):
                if bundle and mime in bundle:
                    data = bundle[mime]
                    name = f"{re.sub(r'[^A-Za-z0-9_.-]', '-', key)}{mimetypes.guess_extension(mime) or ''}"
                    self.attachments[name] = {mime: data if isinstance(data, str) else "".join(data)}
                    image = f"![{alt}](attachment:{name})"
                    break
            if image is None:
                self.warn(f"glue figure {key!r} has no image data")
                image = ""
        else:
            name = self.attach(d.argument)
            image = f"![{alt}](attachment:{name})" if name else f"![{alt}]({d.argument})"
        if d.name == "image" or not body:
            return image
        number = self.ctx.numbers.get(d.options.get("name", ""), "")
        return f"{image}\n\n" + (f"**{number}.** {body}" if number else body)

    def glue_bundle(self, key: str) -> dict | None:
        if "::" in key:
            doc, key = key.split("::", 1)
            data = self.ctx.other_glue(
                posixpath.normpath(posixpath.join(posixpath.dirname(self.ctx.docname), doc))
            )
        else:
            data = self.ctx.glue
        entry = data.get(key)
        if entry is None:
            self.warn(f"no glue value {key!r}")
            return None
        return entry.get("data", entry)

    def glue_block(self, d: Directive) -> str:
        key = d.argument
        bundle = self.glue_bundle(key) or {}
        if d.name == "glue:math" and "text/latex" in bundle:
            return f"$$\n{_strip_math(bundle['text/latex'])}\n$$"
        if _MARKDOWN_MIME in bundle:
            return "".join(bundle[_MARKDOWN_MIME])
        if "text/html" in bundle:
            return "".join(bundle["text/html"])
        return format_plain_text("".join(bundle.get("text/plain", "")), "")

    def list_table(self, d: Directive) -> str:
        rows: list[list[str]] = []
        for line in d.body.split("\n"):
            stripped = line.strip()
            if stripped.startswith("* - ") or stripped == "* -":
                rows.append([stripped[3:].strip()])
            elif stripped.startswith("- ") and rows:
                rows[-1].append(stripped[2:].strip())
            elif stripped and rows:
                rows[-1][-1] += " " + stripped
        if not rows:
            return ""
        width = max(len(r) for r in rows)
        rows = [[self.inline(c).replace("|", "\\|") for c in r] + [""] * (width - len(r)) for r in rows]
        header_rows = int(d.options.get("header-rows", "0") or 0)
        head = rows[0] if header_rows else [""] * width
        body = rows[1:] if header_rows else rows
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(r) + " |" for r in body]
        title = f"**{self.inline(d.argument)}**\n\n" if d.argument else ""
        return title + "\n".join(lines)

    def attach(self, path: str) -> str | None:
        """Embed a local image as a cell attachment; its attachment name, or None."""
        if re.match(r"^[a-z]+:", path) or path.startswith("#"):
            return None
        file = (
            (self.ctx.root_dir / path.lstrip("/")) if path.startswith("/") else (self.ctx.source_dir / path)
        )
        if not file.is_file():
            self.warn(f"image {path!r} not found")
            return None
        mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        data = file.read_bytes()
        name = file.name
        if mime == "image/svg+xml":
            payload = data.decode("utf-8")
        else:
            payload = base64.b64encode(data).decode("ascii")
        self.attachments[name] = {mime: payload}
        return name

    # ------------------------------------------------------------- inline

    def inline(self, text: str) -> str:
        out = []
        for kind, *rest in scan_inline(text):
            if kind == "code":
                out.append(rest[0])
            elif kind == "role":
                out.append(self.role(*rest))
            else:
                out.append(self.plain(rest[0]))
        return "".join(out)

    def plain(self, text: str) -> str:
        if self.ctx.substitutions:
            text = _SUBSTITUTION.sub(lambda m: str(self.ctx.substitutions.get(m.group(1), m.group(0))), text)

        def link(match):
            target = match.group("target")
            if match.group("bang"):
                name = self.attach(target)
                return f"![{match.group('text')}](attachment:{name})" if name else match.group(0)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                return match.group(0)
            path = target.split("#", 1)[0]
            doc = posixpath.normpath(
                posixpath.join(posixpath.dirname(self.ctx.docname), re.sub(r"\.(md|ipynb)$", "", path))
            )
            notebook = self.ctx.notebooks.get(doc)
            text = match.group("text") or self.ctx.titles.get(doc, path)
            return f"[{text}]({notebook})" if notebook else text

        return _LINK.sub(link, text)

    def role(self, name: str, content: str) -> str:
        content = content.strip() if content.startswith(" ") and content.endswith(" ") else content
        if name in ("glue:text", "glue", "glue:", "glue:any", "glue:md", "glue:math"):
            return self.glue_role(name, content)
        if name.startswith("cite"):
            keys = [k.strip() for k in content.split(",") if k.strip()]
            for key in keys:
                if key not in self.cited:
                    self.cited.append(key)
            return self.ctx.cite(keys, name)
        if name in ("ref", "numref", "doc", "eq", "term", "download", "any", "std:ref", "external"):
            return self.xref(name, content)
        if name == "math":
            return f"${content}$"
        if name in ("sub", "sup"):
            return f"<{name}>{content}</{name}>"
        if name == "abbr":
            m = re.match(r"^(.*?)\s*\((.*)\)$", content)
            return f"{m.group(1)} ({m.group(2)})" if m else content
        if name in CODE_ROLES:
            target = _TEXT_TARGET.match(content)
            text = target.group("text") if target else content.lstrip("~.!")
            return f"`{text}`"
        if name in TEXT_ROLES:
            target = _TEXT_TARGET.match(content)
            return target.group("text") if target and target.group("text") else content
        if name == "":
            return content
        self.warn(f"no notebook form for the role {{{name}}}: its text is kept")
        return content

    def glue_role(self, name: str, content: str) -> str:
        key, fmt = content, ""
        if name == "glue:text" and ":" in content.replace("::", "\0"):
            key, fmt = content.replace("::", "\0").rsplit(":", 1)
            key = key.replace("\0", "::")
        bundle = self.glue_bundle(key)
        if bundle is None:
            return f"[missing value {key}]"
        if name == "glue:md":
            return "".join(bundle.get(_MARKDOWN_MIME, bundle.get("text/plain", "")))
        if name == "glue:math":
            return f"${_strip_math(''.join(bundle.get('text/latex', bundle.get('text/plain', ''))))}$"
        plain = "".join(bundle.get("text/plain", ""))
        try:
            return format_plain_text(plain, fmt)
        except (ValueError, TypeError) as err:
            self.warn(f"glue value {key!r} cannot be formatted with {fmt!r}: {err}")
            return plain

    def xref(self, name: str, content: str) -> str:
        target = _TEXT_TARGET.match(content)
        text, label = (target.group("text"), target.group("target")) if target else ("", content)
        label = label.strip()
        if name in ("term", "download", "external"):
            return text or label
        if name == "eq":
            number = self.ctx.equations.get(label)
            if number is None:
                self.warn(f"unknown equation {label!r}")
                return text or label
            return f"({number})"
        if name == "doc":
            doc = posixpath.normpath(posixpath.join(posixpath.dirname(self.ctx.docname), label.lstrip("/")))
            if label.startswith("/"):
                doc = label.lstrip("/")
            title = text or self.ctx.titles.get(doc, label)
            return self.link_to(doc, title)
        entry = self.ctx.labels.get(label) or self.ctx.labels.get(label.lower())
        if entry is None:
            self.warn(f"unknown label {label!r}")
            return text or label
        doc, title = entry
        if name == "numref":
            number = self.ctx.numbers.get(label)
            if number:
                plain_number = number.split(" ", 1)[-1]
                if text:
                    shown = (
                        text.replace("%s", plain_number)
                        .replace("{number}", plain_number)
                        .replace("{name}", title or "")
                    )
                else:
                    shown = number
            else:
                shown = text or title or label
            return self.link_to(doc, shown) if doc != self.ctx.docname else shown
        shown = self.inline(text) if text else (title or label)
        return self.link_to(doc, shown) if doc != self.ctx.docname else shown

    def link_to(self, doc: str, text: str) -> str:
        notebook = self.ctx.notebooks.get(doc)
        if notebook and doc != self.ctx.docname:
            return f"[{text}]({notebook})"
        return text


def quote(text: str) -> str:
    """A markdown block quote of ``text``."""
    return "\n".join("> " + line if line.strip() else ">" for line in text.strip("\n").split("\n"))


def _strip_math(text: str) -> str:
    text = text.strip()
    for left, right in (("$$", "$$"), ("$", "$"), (r"\[", r"\]"), (r"\(", r"\)")):
        if text.startswith(left) and text.endswith(right) and len(text) >= len(left) + len(right):
            return text[len(left) : len(text) - len(right)].strip()
    return text


def scan_inline(text: str) -> list[tuple]:
    """Split markdown text into ("text", s), ("code", span) and ("role", name, content)."""
    parts: list[tuple] = []
    buf: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            buf.append(text[i : i + 2])
            i += 2
            continue
        if ch == "`":
            j = i
            while j < n and text[j] == "`":
                j += 1
            ticks = j - i
            close = re.compile(r"(?<!`)`{%d}(?!`)" % ticks).search(text, j)
            if close is None:
                buf.append(text[i:j])
                i = j
                continue
            content = text[j : close.start()]
            before = "".join(buf)
            role = _ROLE_NAME.search(before)
            if role:
                parts.append(("text", before[: role.start()]))
                parts.append(("role", role.group(1), content))
            else:
                parts.append(("text", before))
                parts.append(("code", text[i : close.end()]))
            buf = []
            i = close.end()
            continue
        buf.append(ch)
        i += 1
    parts.append(("text", "".join(buf)))
    return [p for p in parts if not (p[0] == "text" and p[1] == "")]


def convert(notebook, context: Context, variant: str):
    """The clean ``variant`` ("student" or "instructor") notebook of an executed chapter."""
    return _Converter(notebook, context, variant).run()
