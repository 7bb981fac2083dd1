"""Satterthwaite and Kenward-Roger tests against lmerTest and pbkrtest.

Reference values: tests/reference/r/depth.R.
"""

from __future__ import annotations

import pytest
import statsmodels.formula.api as smf

import helpers
from helpers.reference import value as ref
from helpers.smalldf import kenward_roger, satterthwaite, small_sample_tests
from tests.unit.conftest import quiet_fit

TERMS = {
    "Intercept": "Intercept",
    "Days": "Days",
    "SchoolQuality": "SchoolQuality",
    "StudentAge": "StudentAge",
    "StudentGender[T.Male]": "StudentGenderMale",
}


@pytest.fixture(scope="module")
def fits(sleep_data, sleep_fits):
    unbalanced = sleep_data.drop(sleep_data.index[::7])  # rows 1, 8, 15, ... as in depth.R
    schools = helpers.load("schools")
    return {
        "sleepstudy.rs.reml": sleep_fits["rs_reml"],
        "sleepstudy_unb.rs.reml": quiet_fit("Reaction ~ Days", unbalanced, "Subject", re_formula="~Days"),
        "schools.ri.reml": quiet_fit(
            "ExamScore ~ SchoolQuality + StudentAge + StudentGender", schools, "SchoolID"
        ),
    }


CASES = [
    ("sleepstudy.rs.reml", "Intercept"),
    ("sleepstudy.rs.reml", "Days"),
    ("sleepstudy_unb.rs.reml", "Intercept"),
    ("sleepstudy_unb.rs.reml", "Days"),
    ("schools.ri.reml", "SchoolQuality"),
    ("schools.ri.reml", "StudentAge"),
    ("schools.ri.reml", "StudentGender[T.Male]"),
]


@pytest.mark.parametrize("key,term", CASES)
def test_satterthwaite_matches_lmertest(fits, key, term):
    out = satterthwaite(fits[key], term)
    stem = f"{key}.satt.{TERMS[term]}"
    # lmerTest differentiates numerically too: agreement to about 1e-5 relative.
    assert out.den_df == pytest.approx(ref(stem + ".df"), rel=1e-4)
    assert out.se == pytest.approx(ref(stem + ".se"), rel=2e-5)
    assert out.p_value == pytest.approx(ref(stem + ".p"), rel=1e-3)
    assert out.num_df == 1 and out.statistic == pytest.approx(out.t**2)


@pytest.mark.parametrize("key,term", CASES)
def test_kenward_roger_matches_pbkrtest(fits, key, term):
    out = kenward_roger(fits[key], term)
    stem = f"{key}.kr.{TERMS[term]}"
    assert out.den_df == pytest.approx(ref(stem + ".df"), rel=1e-5)
    assert out.se == pytest.approx(ref(stem + ".se"), rel=1e-5)  # the adjusted SE
    assert out.p_value == pytest.approx(ref(stem + ".p"), rel=1e-3)


def test_sleepstudy_days_17_df():
    """The figures the testing chapter quotes: 17 df, p = 3.26e-6 (lmerTest)."""
    assert round(ref("sleepstudy.rs.reml.satt.Days.df")) == 17
    assert round(ref("sleepstudy.rs.reml.satt.Days.p"), 8) == pytest.approx(3.26e-6, abs=0.005e-6)


def test_kr_adjusts_the_se_when_unbalanced(fits):
    """Kenward-Roger inflates the SE (here slightly); Satterthwaite keeps the plug-in SE."""
    fit = fits["sleepstudy_unb.rs.reml"]
    kr, st = kenward_roger(fit, "Days"), satterthwaite(fit, "Days")
    assert kr.se > st.se
    assert st.se == pytest.approx(float(helpers.fixed_effects(fit).loc["Days", "se"]), rel=1e-6)


def test_two_df_f_tests(fits):
    fit = fits["schools.ri.reml"]
    kr = kenward_roger(fit, ["SchoolQuality", "StudentAge"])
    st = satterthwaite(fit, ["SchoolQuality", "StudentAge"])
    assert kr.num_df == st.num_df == 2
    assert kr.den_df == pytest.approx(ref("schools.ri.reml.kr.F2.ddf"), rel=1e-5)
    assert kr.statistic == pytest.approx(ref("schools.ri.reml.kr.F2.F"), rel=1e-5)
    assert kr.p_value == pytest.approx(ref("schools.ri.reml.kr.F2.p"), rel=1e-3)
    assert st.den_df == pytest.approx(ref("schools.ri.reml.satt.F2.ddf"), rel=1e-4)
    assert st.statistic == pytest.approx(ref("schools.ri.reml.satt.F2.F"), rel=1e-5)


def test_table_agrees_with_the_single_tests(fits):
    fit = fits["schools.ri.reml"]
    table = small_sample_tests(fit)
    assert list(table.index) == list(fit.model.exog_names)
    row = table.loc["SchoolQuality"]
    assert row["df (Satt.)"] == pytest.approx(satterthwaite(fit, "SchoolQuality").den_df)
    assert row["df (KR)"] == pytest.approx(kenward_roger(fit, "SchoolQuality").den_df)
    assert row["p (z)"] < row["p (Satt.)"]  # the normal reference is anti-conservative


def test_bad_input(fits, sleep_fits, sleep_data):
    fit = fits["sleepstudy.rs.reml"]
    with pytest.raises(ValueError, match="no fixed effect 'days'"):
        satterthwaite(fit, "days")
    with pytest.raises(ValueError, match="REML"):
        kenward_roger(sleep_fits["rs_ml"], "Days")
    with pytest.raises(ValueError, match="columns"):
        satterthwaite(fit, [[1, 0, 0]])
    with pytest.raises(ValueError, match="linearly dependent"):
        kenward_roger(fit, [[0, 1], [0, 2]])
    with pytest.raises(TypeError, match="fitted mixed model"):
        satterthwaite(smf.ols("Reaction ~ Days", sleep_data).fit(), "Days")
