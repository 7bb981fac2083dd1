"""Reference values: published numbers and independent (R lme4) results.

The values live in one store, the CSV files of ``tests/reference/`` (in the course pack:
``reference/``); see the README there. Chapters and tests read them through :func:`value`
and :func:`values`, never by typing the number.
"""

from __future__ import annotations

from collections.abc import Mapping
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
        "reference/ (in the course pack) next to the helpers folder."
    )


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


def is_checked(verified: str) -> bool:
    """Whether a ``verified`` entry records a check (an address or our own run)."""
    return bool(verified) and not verified.lower().startswith("unverified")


def compare(prefix: str, ours, *, slack=None) -> pd.DataFrame:
    """A published (or reference) table next to our estimates, row by row.

    Parameters
    ----------
    prefix : str
        Start of the store ids of the table, e.g. ``"exam.mlwin.ri."``. The key of a row is
        the rest of its id (``"b0"`` for ``"exam.mlwin.ri.b0"``).
    ours : mapping
        Our values by key; or a mapping from column labels to such mappings, to show several
        columns of ours. Only the first column is judged.
    slack : mapping, optional
        Extra tolerance by key, added to half a unit of the last printed digit.

    Returns
    -------
    pandas.DataFrame
        Indexed by the store's ``quantity``: ``reported`` (the stored value), ``digits``,
        one column per column of ours, ``agrees`` (our first column, rounded to the
        printed digits, is the reported value) and ``checked`` (the reported value was seen
        in the source or a public reproduction; ``False`` means "as reported, not checked
        against the print").
    """
    rows = values(prefix)
    keys = rows["id"].str[len(prefix) :]
    if ours and all(isinstance(v, Mapping) for v in ours.values()):
        columns = dict(ours)
    else:
        columns = {"this page": ours}
    table = pd.DataFrame(
        {"reported": rows["value"].to_numpy(), "digits": rows["digits"].astype(int).to_numpy()},
        index=keys.to_numpy(),
    )
    for label, column in columns.items():
        unknown = set(column) - set(keys)
        if unknown:
            raise KeyError(f"no reference row {sorted(unknown)} under {prefix!r}; the rows are {list(keys)}")
        table[label] = pd.Series({k: float(v) for k, v in column.items()}).reindex(table.index)
    first = table[next(iter(columns))]
    extra = pd.Series(slack or {}, dtype=float).reindex(table.index).fillna(0.0)
    tolerance = 0.5 * 10.0 ** -table["digits"] + extra + 1e-12
    table["agrees"] = (first - table["reported"]).abs() <= tolerance
    table["checked"] = [is_checked(v) for v in rows["verified"]]
    table.index = pd.Index(rows["quantity"].to_numpy(), name="quantity")
    return table
