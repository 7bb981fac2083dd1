"""Convert every chapter listed in ``_toc.yml`` to a notebook for nbval.

The notebooks go to a folder under ``_build`` (never next to the chapter
sources, where Sphinx would find a second copy and the strict build fail).

Usage: ``python -m tests.book.chapter_notebooks _build/nbval``
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[2]


def toc_files(toc_path: Path = ROOT / "_toc.yml") -> list[Path]:
    """Source files of every page in the table of contents, in order."""
    toc = yaml.safe_load(toc_path.read_text())
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    paths = []
    for name in found:
        path = ROOT / name
        if path.suffix == "":
            path = next(
                (path.with_suffix(s) for s in (".md", ".ipynb") if path.with_suffix(s).exists()),
                path.with_suffix(".md"),
            )
        paths.append(path)
    return paths


def is_notebook(path: Path) -> bool:
    """True for MyST-markdown notebooks (a jupytext header), false for plain pages."""
    head = path.read_text(encoding="utf-8")[:600]
    return "jupytext:" in head and "kernelspec:" in head


def chapter_paths() -> list[Path]:
    """Every executable page of the book, in table-of-contents order."""
    return [p for p in toc_files() if p.suffix == ".md" and is_notebook(p)]


def main(out_dir: str) -> int:
    out = ROOT / out_dir
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.ipynb"):
        old.unlink()
    paths = chapter_paths()
    if not paths:
        print("No chapters found in _toc.yml", file=sys.stderr)
        return 1
    for path in paths:
        nb = jupytext.read(path)
        target = out / f"{path.stem}.ipynb"
        nbformat.write(nb, target)
        print(f"chapter for nbval: {path.relative_to(ROOT)} -> {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "_build/nbval"))
