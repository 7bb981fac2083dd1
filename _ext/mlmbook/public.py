"""Sphinx extension: the solutions switch, for a public website without solutions.

``course_solutions`` (``sphinx: config:`` in ``_config.yml``, or the environment variable
``SOLUTIONS``, so ``make book SOLUTIONS=hidden``) is ``"shown"`` (the default: solutions as
collapsed dropdowns, instructor notebooks in the site) or ``"hidden"``: a site to publish
for students, in which

- every exercise solution (sphinx-exercise's ``{solution}`` and gated ``{solution-start}``
  blocks, code cells and figures included) is removed from the pages before anything is
  collected from them, so no solution text, figure or search-index entry reaches the site;
- no instructor notebook is written or linked (:mod:`mlmbook.notebooks` asks
  :func:`solutions_shown`); the student notebooks and the course pack are as always;
- the pages' sources are not copied (``_sources/`` holds the chapters' MyST, solutions
  included), and whatever an earlier build left in the output folder that could hold a
  solution (``_sources``, ``_images``, ``notebooks/instructor``) is deleted first.

Switching the value re-reads every page (a config value with rebuild ``"env"``).
``tests/book/test_public.py`` builds a small public book and searches it for solution text.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ConfigError

CONFIG = "course_solutions"
ENV_VAR = "SOLUTIONS"
CHOICES = ("shown", "hidden")
#: Output folders that can hold a solution from an earlier build.
STALE = ("_sources", "_images", "notebooks/instructor")


def solutions_shown(app: Sphinx) -> bool:
    """True unless the build is a public one (``course_solutions = "hidden"``)."""
    return getattr(app.config, CONFIG, "shown") != "hidden"


def _configure(app: Sphinx, config) -> None:
    value = os.environ.get(ENV_VAR, "").strip().lower() or str(config[CONFIG]).strip().lower()
    if value not in CHOICES:
        raise ConfigError(f"{CONFIG} (or ${ENV_VAR}) must be one of {CHOICES}, not {value!r}")
    config[CONFIG] = value
    if value == "hidden":
        config.html_copy_source = False
        config.html_show_sourcelink = False


def _clear_output(app: Sphinx) -> None:
    if solutions_shown(app) or app.builder.format != "html":
        return
    for name in STALE:
        shutil.rmtree(Path(app.outdir) / name, ignore_errors=True)


def _solution_nodes():
    from sphinx_exercise.nodes import solution_end_node, solution_node, solution_start_node

    return (solution_node, solution_start_node, solution_end_node)


def remove_solutions(app: Sphinx, doctree: nodes.document) -> None:
    """doctree-read (early): drop every solution, before images or the index see it."""
    if solutions_shown(app):
        return
    kinds = _solution_nodes()
    for node in list(doctree.findall(lambda n: isinstance(n, kinds))):
        if node.parent is not None:
            node.parent.remove(node)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value(CONFIG, "shown", "env", [str])
    app.connect("config-inited", _configure)
    app.connect("builder-inited", _clear_output)
    # Before the image collector and sphinx-exercise's registry (both at the default 500).
    app.connect("doctree-read", remove_solutions, priority=100)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
