"""variance_shares: variance partitioning of nested and crossed random-intercept fits."""

from __future__ import annotations

import numpy as np
import pytest

import helpers
from helpers.levels import variance_shares
from helpers.reference import value
from tests.unit.conftest import quiet_fit


@pytest.fixture(scope="module")
def pastes_fit():
    """Three levels: samples in casks in batches (lme4::Pastes)."""
    pastes = helpers.load("pastes")
    return quiet_fit(
        "strength ~ 1", pastes, groups="batch", re_formula="1", vc_formula={"cask": "0 + C(cask)"}
    )


@pytest.fixture(scope="module")
def penicillin_fit():
    """Crossed: plates x samples in one all-encompassing group (lme4::Penicillin)."""
    pen = helpers.load("penicillin").assign(one=1)
    return quiet_fit(
        "diameter ~ 1", pen, groups="one", vc_formula={"plate": "0 + C(plate)", "sample": "0 + C(sample)"}
    )


def test_nested_matches_lme4(pastes_fit):
    table = variance_shares(pastes_fit)
    assert list(table.index) == ["batch", "cask", "Residual"]
    ref = {
        "batch": value("pastes.nested.reml.var_batch_intercept"),
        "cask": value("pastes.nested.reml.var_batch_cask_intercept"),
        "Residual": value("pastes.nested.reml.var_residual"),
    }
    for name, expected in ref.items():
        assert table.loc[name, "variance"] == pytest.approx(expected, rel=1e-3)
    total = sum(ref.values())
    assert table.loc["batch", "share"] == pytest.approx(ref["batch"] / total, rel=1e-3)
    assert table["share"].sum() == pytest.approx(1.0)


def test_crossed_matches_lme4(penicillin_fit):
    table = variance_shares(penicillin_fit)
    assert list(table.index) == ["plate", "sample", "Residual"]
    assert table.loc["plate", "variance"] == pytest.approx(
        value("penicillin.crossed.reml.var_plate_intercept"), rel=1e-3
    )
    assert table.loc["sample", "variance"] == pytest.approx(
        value("penicillin.crossed.reml.var_sample_intercept"), rel=1e-3
    )
    assert table.loc["Residual", "variance"] == pytest.approx(
        value("penicillin.crossed.reml.var_residual"), rel=1e-3
    )
    assert np.isclose(table["share"].sum(), 1.0)


def test_group_label(pastes_fit):
    assert variance_shares(pastes_fit, group_label="batches").index[0] == "batches"


def test_two_level_random_intercept_is_the_icc(sleep_fits):
    table = variance_shares(sleep_fits["ri_reml"])
    assert table.iloc[0]["share"] == pytest.approx(helpers.icc(sleep_fits["ri_reml"]))


def test_random_slope_refused(sleep_fits):
    with pytest.raises(ValueError, match="random slope"):
        variance_shares(sleep_fits["rs_reml"])


def test_vc_slope_refused(sleep_data):
    data = sleep_data.assign(one=1)
    fit = quiet_fit(
        "Reaction ~ Days", data, groups="Subject", re_formula="1", vc_formula={"days": "0 + C(Subject):Days"}
    )
    with pytest.raises(ValueError, match="not a 0/1 indicator"):
        variance_shares(fit)


def test_not_a_fit():
    with pytest.raises(TypeError, match="fitted mixed model"):
        variance_shares("a fit")
