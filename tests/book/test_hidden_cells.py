"""No visible cell reads a name that a hidden (``remove-cell``) cell binds.

Hidden cells glue numbers into the prose and assert what the prose claims;
the student and instructor notebooks drop them. If a visible cell read a
name that only a hidden cell binds (or that a hidden cell rebinds or
changes), the notebook would fail, or silently differ from the website.
Reads the chapter sources only: no build needed.
"""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import jupytext
import nbformat
import pytest


def _notebooks():
    """The chapters that are notebooks (a jupytext header with a kernel), read once."""
    out = {}
    for path in sorted((Path(__file__).resolve().parents[2] / "chapters").glob("*.md")):
        nb = jupytext.read(path)
        if nb.metadata.get("kernelspec"):
            out[path.stem] = nb
    return out


NOTEBOOKS = _notebooks()


def _target_names(target, out: set) -> None:
    """Names an assignment target binds or changes (``x``, ``x[i]``, ``x.a`` all give ``x``)."""
    while isinstance(target, (ast.Subscript, ast.Attribute, ast.Starred)):
        target = target.value
    if isinstance(target, ast.Name):
        out.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            _target_names(elt, out)


def bound_names(stmt) -> set:
    """Module-level names a statement binds or changes by assignment."""
    out: set = set()
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    for node in ast.walk(stmt):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                _target_names(target, out)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.NamedExpr)):
            _target_names(node.target, out)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            _target_names(node.optional_vars, out)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
    return out


def read_names(stmt) -> set:
    """Names a statement reads (a function's own parameters and locals excluded)."""
    local: set = set()
    for node in ast.walk(stmt):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            local |= {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
            local |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
            if not isinstance(node, ast.Lambda):
                for inner in node.body:
                    local |= bound_names(inner)
        elif isinstance(node, (ast.comprehension, ast.For, ast.AsyncFor)):
            # a loop binds its target before its body reads it
            _target_names(node.target, local)
    reads = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    if isinstance(stmt, ast.AugAssign):
        _target_names(stmt.target, reads)
    return reads - local - set(dir(builtins))


def hidden_names_read(cells) -> list[str]:
    """Each place where a visible code cell reads a name whose last binding was in a hidden cell."""
    last_bound_by: dict[str, int] = {}  # name -> index of the hidden cell, or -1 for a visible one
    problems = []
    for index, cell in enumerate(c for c in cells if c.cell_type == "code"):
        hidden = "remove-cell" in cell.metadata.get("tags", [])
        source = "\n".join(
            "" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.split("\n")
        )  # IPython magics
        for stmt in ast.parse(source).body:
            if not hidden:
                for name in sorted(read_names(stmt)):
                    if last_bound_by.get(name, -1) >= 0:
                        problems.append(
                            f"code cell {index + 1} reads {name!r}, bound by the hidden "
                            f"code cell {last_bound_by[name] + 1}"
                        )
            for name in bound_names(stmt):
                last_bound_by[name] = index if hidden else -1
    return problems


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_no_visible_cell_reads_a_hidden_name(name):
    assert hidden_names_read(NOTEBOOKS[name].cells) == []


def _cell(source, hidden=False):
    return nbformat.v4.new_code_cell(source, metadata={"tags": ["remove-cell"]} if hidden else {})


@pytest.mark.parametrize(
    "cells, expected",
    [
        # a name bound only in a hidden cell
        (
            [_cell("x = 1", hidden=True), _cell("print(x)")],
            ["code cell 2 reads 'x', bound by the hidden code cell 1"],
        ),
        # rebound, or changed in place, by a hidden cell after a visible definition
        (
            [_cell("d = {}"), _cell("d['a'] = 1\nglue('a', 1)", hidden=True), _cell("d")],
            ["code cell 3 reads 'd', bound by the hidden code cell 2"],
        ),
        # a hidden import
        (
            [_cell("import numpy as np", hidden=True), _cell("def f(a):\n    return np.sqrt(a)")],
            ["code cell 2 reads 'np', bound by the hidden code cell 1"],
        ),
    ],
)
def test_a_planted_hidden_name_is_found(cells, expected):
    assert hidden_names_read(cells) == expected


def test_what_hidden_cells_may_do():
    """Hidden cells may read visible names; visible cells may rebind a name first; a
    function's own parameters and comprehension variables are not reads."""
    cells = [
        _cell("fit = 1\nx = 2"),
        _cell("assert fit > 0\nx = 3\ny = [x]", hidden=True),
        _cell("x = 4\nprint(x, fit)\ndef g(y):\n    return y\n[y for y in range(3)]"),
    ]
    assert hidden_names_read(cells) == []
