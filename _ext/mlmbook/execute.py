"""Sphinx extension: execute the chapters that need it in parallel, before myst-nb reads them.

myst-nb (``execute_notebooks: cache``) executes one notebook at a time, as it reads each
page. The chapters are independent of each other, so before Sphinx reads the changed
pages (``env-before-read-docs``) this executes every one of them whose code is not in the
execution cache yet, one process per core, and stores the results in the same
jupyter-cache that myst-nb then reads. myst-nb finds each notebook in the cache and
uses it; nothing else changes.

Each notebook is read with myst-nb's own reader and configuration, so its cache key is
the one myst-nb computes, and runs as myst-nb would run it (kernel in the chapter's folder,
the configured timeout, ``allow_errors`` as configured). A notebook that fails here is not
cached: myst-nb runs it again and reports the failure as usual (so the build stays
strict). Notebooks with per-file myst-nb settings, or excluded from execution, are left
to myst-nb. Workers: ``MLMBOOK_JOBS`` if set, else the number of cores.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import suppress
from pathlib import Path, PurePosixPath
from typing import Any

import nbformat
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _run(path: str, text: str, timeout: int | None, allow_errors: bool) -> tuple[str, float, str]:
    """Worker: execute one notebook (as JSON text); (executed notebook or "", seconds, error)."""
    from jupyter_cache.executors.utils import single_nb_execution

    nb = nbformat.reads(text, as_version=4)
    result = single_nb_execution(
        nb, cwd=str(Path(path).parent), timeout=timeout, allow_errors=allow_errors, meta_override=True
    )
    if result.err is not None:
        return "", result.time, f"{type(result.err).__name__}"
    return nbformat.writes(result.nb), result.time, ""


def _jobs() -> int:
    with suppress(ValueError):
        return max(1, int(os.environ.get("MLMBOOK_JOBS", "")))
    return os.cpu_count() or 1


def _to_execute(env, docnames: list[str], cache) -> list[tuple[str, Path, Any, Any]]:
    """(docname, path, notebook, reader) of each page to read that is a notebook not yet cached."""
    from myst_nb.core.read import create_nb_reader

    nb_config = env.mystnb_config
    todo = []
    for docname in docnames:
        path = Path(env.doc2path(docname))
        if not path.is_file():
            continue
        posix = PurePosixPath(path.as_posix())
        if any(posix.match(p) for p in nb_config.execution_excludepatterns or ()):
            continue
        text = path.read_text(encoding="utf-8")
        reader = create_nb_reader(str(path), env.myst_config, nb_config, text)
        if reader is None:
            continue
        nb = reader.read(text)
        if nb_config.metadata_key in nb.metadata or nb_config.kernel_rgx_aliases:
            continue  # myst-nb would change its settings or kernel first: leave it to myst-nb
        if not any(cell.cell_type == "code" for cell in nb.cells):
            continue
        try:
            cache.match_cache_notebook(nb)
        except KeyError:
            todo.append((docname, path, nb, reader))
    return todo


def execute_in_parallel(app: Sphinx, env, docnames: list[str]) -> None:
    """env-before-read-docs: execute the uncached notebooks among ``docnames`` in parallel."""
    nb_config = getattr(env, "mystnb_config", None)
    if nb_config is None or nb_config.execution_mode != "cache" or _jobs() < 2:
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(nb_config.execution_cache_path or ".jupyter_cache")
    todo = _to_execute(env, sorted(docnames), cache)
    if len(todo) < 2:
        return  # nothing to gain: myst-nb runs it
    jobs = min(_jobs(), len(todo))
    logger.info(f"[mlmbook] executing {len(todo)} notebooks, {jobs} at a time")
    start = time.perf_counter()
    by_future = {}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for docname, path, nb, reader in todo:
            future = pool.submit(
                _run,
                str(path),
                nbformat.writes(nb),
                nb_config.execution_timeout,
                nb_config.execution_allow_errors,
            )
            by_future[future] = (docname, path, reader)
        for future in as_completed(by_future):
            docname, path, reader = by_future[future]
            try:
                text, seconds, error = future.result()
            except Exception as err:  # a crashed worker: myst-nb runs the notebook itself
                text, seconds, error = "", 0.0, f"{type(err).__name__}: {err}"
            if error:
                logger.info(
                    f"[mlmbook] {docname}: {error} after {seconds:.1f} s; myst-nb runs it again and reports"
                )
                continue
            stage = (
                cache.add_nb_to_project(str(path), read_data=reader.read_fmt)
                if reader.read_fmt is not None
                else cache.add_nb_to_project(str(path))
            )
            cache.cache_notebook_bundle(
                CacheBundleIn(
                    nbformat.reads(text, as_version=4), stage.uri, data={"execution_seconds": seconds}
                ),
                check_validity=False,
                overwrite=True,
            )
            logger.info(f"[mlmbook] executed {docname} in {seconds:.1f} s")
    logger.info(f"[mlmbook] {len(todo)} notebooks executed in {time.perf_counter() - start:.1f} s")


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("env-before-read-docs", execute_in_parallel)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
