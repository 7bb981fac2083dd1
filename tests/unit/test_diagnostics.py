"""EBLUPs, fitted values, residuals and predictions, checked against lme4."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import helpers
from helpers.reference import value
from tests.unit.conftest import quiet_fit

# lme4's ranef, conditional SDs, fitted values, residuals and predictions of
# lmer(Reaction ~ Days + (Days | Subject), sleepstudy): tests/reference/lme4_chapters.csv.
_REF = "sleepstudy.rs.reml."
LME4_RANEF = {
    s: (value(f"{_REF}ranef_{s}_intercept"), value(f"{_REF}ranef_{s}_days")) for s in (308, 309, 310)
}
LME4_SE = (value(f"{_REF}condsd_308_intercept"), value(f"{_REF}condsd_308_days"))
LME4_FITTED = tuple(value(f"{_REF}fitted_row{k}") for k in (1, 2, 3))
LME4_RESID = tuple(value(f"{_REF}resid_row{k}") for k in (1, 2, 3))
LME4_PREDICT = (value(f"{_REF}predict_308_day0"), value(f"{_REF}predict_new_day5"))


def test_eblups_match_lme4(sleep_fits):
    table = helpers.eblups(sleep_fits["rs_reml"])
    assert list(table.columns) == ["group", "term", "estimate", "se", "n"]
    assert set(table["term"]) == {"Intercept", "Days"}
    assert len(table) == 2 * 18 and (table["n"] == 10).all()
    wide = table.pivot(index="group", columns="term", values="estimate")
    for subject, (b0, b1) in LME4_RANEF.items():
        assert wide.loc[subject, "Intercept"] == pytest.approx(b0, abs=2e-3)
        assert wide.loc[subject, "Days"] == pytest.approx(b1, abs=2e-4)
    se = table.pivot(index="group", columns="term", values="se")
    assert se.loc[308, "Intercept"] == pytest.approx(LME4_SE[0], rel=1e-4)
    assert se.loc[308, "Days"] == pytest.approx(LME4_SE[1], rel=1e-4)
    # the EBLUPs agree with statsmodels' own random_effects
    sm = sleep_fits["rs_reml"].random_effects
    assert wide.loc[308, "Intercept"] == pytest.approx(float(sm[308].iloc[0]), abs=1e-8)


def test_eblups_term_names_do_not_depend_on_groups_name(sleep_data):
    res = quiet_fit("Reaction ~ Days", sleep_data.rename(columns={"Subject": "person"}), "person")
    assert set(helpers.eblups(res)["term"]) == {"Intercept"}


def test_eblups_zero_variance_gives_zero():
    rng = np.random.default_rng(11)
    data = pd.DataFrame({"g": np.repeat(np.arange(10), 6), "y": rng.normal(size=60)})
    res = quiet_fit("y ~ 1", data, "g")
    if float(res.cov_re.iloc[0, 0]) < 1e-8:
        assert np.allclose(helpers.eblups(res)["estimate"], 0, atol=1e-6)
    assert np.isfinite(helpers.eblups(res)["se"]).all()


def test_fitted_and_residuals_match_lme4(sleep_fits):
    res = sleep_fits["rs_reml"]
    fitted = helpers.fitted_values(res)
    resid = helpers.residuals(res)
    np.testing.assert_allclose(fitted.iloc[:3], LME4_FITTED, rtol=1e-6)
    np.testing.assert_allclose(resid.iloc[:3], LME4_RESID, atol=2e-4)
    marginal = helpers.fitted_values(res, conditional=False)
    np.testing.assert_allclose(marginal.to_numpy(), res.model.exog @ res.fe_params.to_numpy())
    np.testing.assert_allclose(
        (helpers.residuals(res, conditional=False) + marginal).to_numpy(), res.model.endog
    )
    assert fitted.name == "fitted" and resid.name == "resid"


def test_predict_known_and_new_clusters(sleep_fits, sleep_data):
    res = sleep_fits["rs_reml"]
    new = pd.DataFrame({"Days": [0, 5], "Subject": [308, 999]}, index=["a", "b"])
    pred = helpers.predict(res, new)
    assert list(pred.index) == ["a", "b"]
    assert pred["a"] == pytest.approx(LME4_PREDICT[0], rel=1e-6)
    assert pred["b"] == pytest.approx(LME4_PREDICT[1], rel=1e-6)  # a new subject: the average line
    marginal = helpers.predict(res, new, conditional=False)
    assert marginal["a"] == pytest.approx(res.fe_params["Intercept"])
    # on the fitted rows, conditional predictions are the fitted values
    np.testing.assert_allclose(
        helpers.predict(res, sleep_data).to_numpy(), helpers.fitted_values(res).to_numpy(), atol=1e-8
    )
    # and statsmodels' own predict is the marginal one
    np.testing.assert_allclose(
        helpers.predict(res, sleep_data, conditional=False).to_numpy(),
        np.asarray(res.predict(sleep_data)),
        atol=1e-8,
    )


def test_predict_with_categorical_predictor():
    schools = helpers.load("schools")
    res = quiet_fit("ExamScore ~ SchoolQuality + StudentGender", schools, "SchoolID")
    pred = helpers.predict(res, schools.head(3))
    np.testing.assert_allclose(pred.to_numpy(), helpers.fitted_values(res).iloc[:3].to_numpy(), atol=1e-8)


def test_predict_errors(sleep_fits, sleep_data):
    res = sleep_fits["rs_reml"]
    with pytest.raises(ValueError, match="'Days'"):
        helpers.predict(res, pd.DataFrame({"Subject": [308]}))
    with pytest.raises(ValueError, match="'Subject'"):
        helpers.predict(res, pd.DataFrame({"Days": [1]}))
    assert helpers.predict(res, pd.DataFrame({"Days": [1]}), conditional=False).iloc[0] == pytest.approx(
        res.fe_params.sum()
    )
    with pytest.raises(ValueError, match="missing values"):
        helpers.predict(res, pd.DataFrame({"Days": [np.nan], "Subject": [308]}))
    with pytest.raises(TypeError, match="DataFrame"):
        helpers.predict(res, [1, 2])
    with pytest.raises(TypeError, match="fitted mixed model"):
        helpers.predict(smf.ols("Reaction ~ Days", sleep_data).fit(), sleep_data)


@pytest.mark.parametrize("func", [helpers.eblups, helpers.fitted_values, helpers.residuals, helpers.varcomp])
def test_non_mixed_results_get_a_type_error(func, sleep_data):
    with pytest.raises(TypeError, match="fitted mixed model"):
        func(smf.ols("Reaction ~ Days", sleep_data).fit())


def test_docstring_examples():
    """The examples in the helpers' docstrings run and give what they show."""
    import doctest

    import helpers.data
    import helpers.diagnostics
    import helpers.fit
    import helpers.profiles
    import helpers.summaries
    import helpers.testing
    import helpers.plots

    for module in (
        helpers.data,
        helpers.fit,
        helpers.testing,
        helpers.profiles,
        helpers.summaries,
        helpers.diagnostics,
        helpers.plots,
    ):
        failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert failed == 0, module.__name__
