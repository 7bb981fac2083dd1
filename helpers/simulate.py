"""Simulators that make the course data sets in ``data/``.

Every simulator takes a ``seed`` and returns a :class:`pandas.DataFrame`; the
same seed always gives the same frame, and :func:`write_course_data` writes
the same bytes. The true parameter values live in the ``*_TRUTH``
dictionaries so that the codebook (``data/README.md``) and the chapters can
quote them from one place.

Run ``python -m helpers`` (or ``make data``) to regenerate ``data/``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

# The ESS case study's simulator lives in its own module (which imports nothing from helpers).
from .ess import ESS_TRUTH, simulate_ess  # noqa: F401

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: True values of the hospitals generating model.
HOSPITALS_TRUTH = {
    "n_patients": (38, 52, 45, 60, 41),
    "severity_mean": (3.0, 4.5, 6.0, 7.5, 9.0),
    "staff_quality": (2.0, 3.5, 5.5, 7.0, 9.0),
    "intercept": 40.0,
    "severity": -2.0,  # within-hospital slope
    "staff_quality_effect": 5.0,
    "resilience": 3.0,
    "hospital_sd": 1.0,
    "residual_sd": 3.0,
}

#: True values of the schools generating model.
SCHOOLS_TRUTH = {
    "n_schools": 20,
    "n_students": 30,
    "intercept": 55.0,
    "SchoolQuality": 4.5,
    "StudentAge": -0.74,
    "male": -0.4,
    "school_intercept_var": 4.0,
    "male_slope_var": 0.0,  # no true gender slope variance: a boundary case
    "residual_var": 100.0,
}


def simulate_hospitals(seed: int = 20260101) -> pd.DataFrame:
    """Patients nested in five hospitals.

    Severe patients go to the specialist hospitals, which also have the best
    staff. Within every hospital, more severe symptoms mean less will to live;
    across hospitals the relationship is positive because staff quality lifts
    the hospitals that treat the most severe patients.

    Parameters
    ----------
    seed : int
        Seed of the random number generator.

    Returns
    -------
    pandas.DataFrame
        Columns ``hospital``, ``patient``, ``severity`` (0-10 scale),
        ``resilience`` (standardised score), ``staff_quality`` (0-10 rating,
        hospital level) and ``will_to_live`` (0-100 scale).
    """
    t = HOSPITALS_TRUTH
    rng = np.random.default_rng(seed)
    rows = []
    patient = 0
    for h, (n, mu, sq) in enumerate(zip(t["n_patients"], t["severity_mean"], t["staff_quality"]), start=1):
        u = rng.normal(0.0, t["hospital_sd"])
        severity = np.clip(rng.normal(mu, 1.0, size=n), 0, 10)
        resilience = rng.normal(0.0, 1.0, size=n)
        e = rng.normal(0.0, t["residual_sd"], size=n)
        wtl = (
            t["intercept"]
            + t["staff_quality_effect"] * sq
            + t["severity"] * severity
            + t["resilience"] * resilience
            + u
            + e
        )
        for i in range(n):
            patient += 1
            rows.append(
                {
                    "hospital": f"H{h}",
                    "patient": patient,
                    "severity": round(float(severity[i]), 1),
                    "resilience": round(float(resilience[i]), 2),
                    "staff_quality": sq,
                    "will_to_live": round(float(np.clip(wtl[i], 0, 100)), 1),
                }
            )
    return pd.DataFrame(rows)


def simulate_schools(seed: int = 1221) -> pd.DataFrame:
    """Students in 20 schools, 30 students each.

    Parameters
    ----------
    seed : int
        Seed of the random number generator.

    Returns
    -------
    pandas.DataFrame
        Columns ``SchoolID``, ``StudentID``, ``SchoolQuality`` (1-10 rating),
        ``StudentGender`` (``"Female"``/``"Male"``), ``StudentAge`` (years) and
        ``ExamScore`` (points).
    """
    t = SCHOOLS_TRUTH
    rng = np.random.default_rng(seed)
    rows = []
    student = 0
    for s in range(1, t["n_schools"] + 1):
        quality = int(rng.integers(1, 11))
        u0 = rng.normal(0.0, np.sqrt(t["school_intercept_var"]))
        u1 = rng.normal(0.0, np.sqrt(t["male_slope_var"]))
        for _ in range(t["n_students"]):
            student += 1
            male = int(rng.random() < 0.5)
            age = int(rng.integers(14, 19))
            score = (
                t["intercept"]
                + t["SchoolQuality"] * quality
                + t["StudentAge"] * age
                + (t["male"] + u1) * male
                + u0
                + rng.normal(0.0, np.sqrt(t["residual_var"]))
            )
            rows.append(
                {
                    "SchoolID": s,
                    "StudentID": student,
                    "SchoolQuality": quality,
                    "StudentGender": "Male" if male else "Female",
                    "StudentAge": age,
                    "ExamScore": round(float(score), 1),
                }
            )
    return pd.DataFrame(rows)


#: True values of the clinics generating model (chapter 5, diagnostics).
CLINICS_TRUTH = {
    "n_clinics": 30,
    "cluster_size": (10, 40),  # patients per clinic, drawn uniformly (inclusive)
    "wait_range": (5, 90),  # waiting time in minutes, drawn uniformly (inclusive)
    "intercept": 9.0,  # latent satisfaction at zero waiting time
    "wait": -0.04,  # change in satisfaction per minute of waiting
    "clinic_sd": 0.5,
    "residual_sd": 1.4,
    # The planted problem: this clinic's forms printed the 0-10 scale the other
    # way round (0 = very satisfied), so its recorded score is 10 - satisfaction.
    "odd_clinic": "C17",
}


def simulate_clinics(seed: int = 5150) -> pd.DataFrame:
    """Patients' satisfaction (0-10) with their visit, in 30 clinics.

    Satisfaction falls with waiting time. One clinic (``CLINICS_TRUTH["odd_clinic"]``)
    used forms with the scale printed the other way round, so its scores are
    recorded as ``10 - satisfaction``: the planted problem cluster that the
    diagnostics chapter finds.

    Parameters
    ----------
    seed : int
        Seed of the random number generator.

    Returns
    -------
    pandas.DataFrame
        Columns ``clinic`` (``C01`` to ``C30``), ``patient``, ``wait``
        (minutes, integer) and ``satisfaction`` (integer 0-10).
    """
    t = CLINICS_TRUTH
    rng = np.random.default_rng(seed)
    rows = []
    patient = 0
    for c in range(1, t["n_clinics"] + 1):
        label = f"C{c:02d}"
        n = int(rng.integers(t["cluster_size"][0], t["cluster_size"][1] + 1))
        u = rng.normal(0.0, t["clinic_sd"])
        wait = rng.integers(t["wait_range"][0], t["wait_range"][1] + 1, size=n)
        latent = t["intercept"] + t["wait"] * wait + u + rng.normal(0.0, t["residual_sd"], size=n)
        score = np.clip(np.rint(latent), 0, 10).astype(int)
        if label == t["odd_clinic"]:
            score = 10 - score
        for i in range(n):
            patient += 1
            rows.append(
                {"clinic": label, "patient": patient, "wait": int(wait[i]), "satisfaction": int(score[i])}
            )
    return pd.DataFrame(rows)


#: Course data sets: name -> simulator. Later simulators register here.
SIMULATORS = {
    "hospitals": simulate_hospitals,
    "schools": simulate_schools,
    "clinics": simulate_clinics,
    "ess": simulate_ess,
}


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_course_data(directory: Path | str = DATA_DIR) -> dict[str, str]:
    """Write every course data set and its SHA-256 checksum to ``directory``.

    Parameters
    ----------
    directory : path-like
        Where to write ``<name>.csv`` files and ``SHA256SUMS``.

    Returns
    -------
    dict
        File name -> SHA-256 hex digest of what was written.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    sums = {}
    for name, simulate in SIMULATORS.items():
        content = _csv_bytes(simulate())
        (directory / f"{name}.csv").write_bytes(content)
        sums[f"{name}.csv"] = hashlib.sha256(content).hexdigest()
    lines = "".join(f"{digest}  {fname}\n" for fname, digest in sorted(sums.items()))
    (directory / "SHA256SUMS").write_text(lines)
    return sums
