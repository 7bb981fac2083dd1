"""Reference values: published numbers and independent (R lme4) results.

The values live in one store, the CSV files of ``tests/reference/`` (in the course pack:
``reference/``); see the README there. Chapters and tests read them through :func:`value`
and :func:`values`, never by typing the number.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

_COLUMNS = ["id", "source", "table", "quantity", "value", "digits", "verified"]


def _store_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "tests" / "reference", here.parent / "reference"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "The reference store was not found: expected tests/reference/ (in the repository) or "
        "reference/ (in the course pack) next to the helpers folder.")


@lru_cache(maxsize=1)
def _store() -> pd.DataFrame:
    frames = []
    for path in sorted(_store_dir().glob("*.csv")):
        frame = pd.read_csv(path, dtype={"id": str}, keep_default_na=False)
        missing = set(_COLUMNS) - set(frame.columns)
        if missing:
            raise ValueError(f"{path.name} lacks the columns {sorted(missing)} of the store")
        frames.append(frame.assign(file=path.name))
    store = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=_COLUMNS + ["file"])
    duplicated = store["id"][store["id"].duplicated()]
    if len(duplicated):
        raise ValueError(f"reference ids used twice: {sorted(set(duplicated))}")
    store["value"] = pd.to_numeric(store["value"])
    return store


def values(prefix: str = "") -> pd.DataFrame:
    """All reference rows whose ``id`` starts with `prefix`, in store order.

    Parameters
    ----------
    prefix : str
        Start of the dotted ids, e.g. ``"sleepstudy.rs.reml."``; ``""`` gives the whole store.

    Returns
    -------
    pandas.DataFrame
        Columns ``id, source, table, quantity, value, digits, verified, file``.
    """
    store = _store()
    rows = store[store["id"].str.startswith(prefix)]
    if rows.empty:
        raise KeyError(f"no reference value has an id starting with {prefix!r}")
    return rows.reset_index(drop=True)


def value(id: str) -> float:
    """The one reference value stored under `id` (a ``KeyError`` names near misses)."""
    store = _store()
    match = store.loc[store["id"] == id, "value"]
    if match.empty:
        stem = id.rsplit(".", 1)[0]
        near = store.loc[store["id"].str.startswith(stem), "id"].tolist()[:8]
        raise KeyError(f"no reference value {id!r}" + (f"; ids under {stem!r}: {near}" if near else ""))
    return float(match.iloc[0])
