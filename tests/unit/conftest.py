"""Shared fixtures of the helpers' unit tests.

Fits used by several test files are made once per session. Figures are drawn
with matplotlib's non-interactive backend.
"""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import helpers  # noqa: E402


def quiet_fit(*args, **kwargs):
    """fit_mixed with its (expected, tested elsewhere) warnings recorded, not shown."""
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        return helpers.fit_mixed(*args, **kwargs)


@pytest.fixture(scope="session")
def sleep_data():
    return helpers.load("sleepstudy")


@pytest.fixture(scope="session")
def sleep_fits(sleep_data):
    """sleepstudy fits: random intercept (ri) and intercept + slope (rs), by ML and REML."""
    fits = {}
    for reml in (True, False):
        tag = "reml" if reml else "ml"
        fits[f"ri_{tag}"] = quiet_fit("Reaction ~ Days", sleep_data, "Subject", reml=reml)
        fits[f"rs_{tag}"] = quiet_fit("Reaction ~ Days", sleep_data, "Subject", re_formula="~Days", reml=reml)
    return fits


@pytest.fixture(scope="session")
def dyestuff_fits():
    data = helpers.load("dyestuff")
    return {reml: quiet_fit("Yield ~ 1", data, "Batch", reml=reml) for reml in (True, False)}
