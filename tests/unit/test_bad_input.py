"""Bad input gets a clear error from helpers itself, naming what is wrong."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import helpers


@pytest.fixture()
def frame():
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "y": rng.normal(size=40),
            "x": rng.normal(size=40),
            "g": np.repeat(list("abcdefgh"), 5),
            "label": ["p"] * 40,
        }
    )


def fit(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", helpers.BoundaryWarning)
        return helpers.fit_mixed(*args, **kwargs)


def test_missing_column_in_formula(frame):
    with pytest.raises(ValueError, match=r"'z', which is not a column.*Columns are: y, x, g"):
        fit("y ~ x + z", frame, "g")


def test_missing_outcome_column(frame):
    with pytest.raises(ValueError, match="'outcome'"):
        fit("outcome ~ x", frame, "g")


def test_missing_groups_column(frame):
    with pytest.raises(ValueError, match=r"`groups` names 'school'"):
        fit("y ~ x", frame, "school")


def test_missing_column_in_re_formula(frame):
    with pytest.raises(ValueError, match="re_formula.*'w'"):
        fit("y ~ x", frame, "g", re_formula="~w")


def test_groups_not_a_string(frame):
    with pytest.raises(TypeError, match="name of the column"):
        fit("y ~ x", frame, frame["g"])


def test_missing_values_in_groups(frame):
    frame.loc[3, "g"] = None
    with pytest.raises(ValueError, match=r"grouping column 'g' has 1 missing value"):
        fit("y ~ x", frame, "g")


def test_single_cluster(frame):
    with pytest.raises(ValueError, match=r"'g' has 1 cluster"):
        fit("y ~ x", frame.assign(g="a"), "g")
    # A random effect besides the variance components: still an error, with the hint.
    for re_formula in ("1", "~x", "~ 1 + x"):
        with pytest.raises(ValueError, match=r"'g' has 1 cluster.*crossed"):
            fit(
                "y ~ x",
                frame.assign(g="a", c=frame["g"]),
                "g",
                re_formula=re_formula,
                vc_formula={"c": "0 + C(c)"},
            )


@pytest.mark.parametrize("re_formula", ["0", "~0", "~ 0", "-1", None])
def test_single_cluster_allowed_for_variance_components_only(frame, re_formula):
    """The constant-group trick for crossed random effects: one group, no random effect but the
    variance components."""
    from helpers._checks import prepare_mixed_data

    data = frame.assign(one=1, c=frame["g"])
    rows = prepare_mixed_data("y ~ x", data, "one", re_formula, {"c": "0 + C(c)"})
    assert len(rows) == len(data)


def test_non_numeric_outcome(frame):
    with pytest.raises(ValueError, match="outcome 'label' must be numeric"):
        fit("label ~ x", frame, "g")
    with pytest.raises(ValueError, match="must be numeric"):
        fit("b ~ x", frame.assign(b=frame["x"] > 0), "g")


def test_empty_frame(frame):
    with pytest.raises(ValueError, match="empty"):
        fit("y ~ x", frame.iloc[:0], "g")


def test_not_a_dataframe(frame):
    with pytest.raises(TypeError, match="must be a pandas DataFrame, not dict"):
        fit("y ~ x", frame.to_dict("list"), "g")
    with pytest.raises(TypeError, match="not ndarray"):
        fit("y ~ x", frame.to_numpy(), "g")


def test_formula_not_a_string_or_unreadable(frame):
    with pytest.raises(TypeError, match="formula string"):
        fit(None, frame, "g")
    with pytest.raises(ValueError, match="Cannot read the formula"):
        fit("y ~ (x", frame, "g")
    with pytest.raises(ValueError, match="no outcome"):
        fit("~ x", frame, "g")


def test_missing_rows_are_counted_in_a_warning(frame):
    frame.loc[[1, 2], "y"] = np.nan
    frame.loc[5, "x"] = np.nan
    with pytest.warns(helpers.MissingDataWarning, match=r"Dropped 3 of 40 rows .*'y' \(2\), 'x' \(1\)"):
        res = helpers.fit_mixed("y ~ x", frame, "g")
    assert res.nobs == 37


def test_all_rows_missing(frame):
    with pytest.warns(helpers.MissingDataWarning), pytest.raises(ValueError, match="No complete rows"):
        fit("y ~ x", frame.assign(x=np.nan), "g")


def test_constant_outcome(frame):
    with pytest.raises(ValueError, match="same value"):
        fit("y ~ x", frame.assign(y=3.0), "g")


def test_infinite_values(frame):
    with pytest.raises(ValueError, match="outcome 'y' has infinite"):
        fit("y ~ x", frame.assign(y=np.r_[np.inf, frame["y"].iloc[1:]]), "g")
    with pytest.raises(ValueError, match="predictor 'x' has infinite"):
        fit("y ~ x", frame.assign(x=np.r_[np.inf, frame["x"].iloc[1:]]), "g")


def test_collinear_or_constant_predictor(frame):
    with pytest.raises(ValueError, match="'x2'"):
        fit("y ~ x + x2", frame.assign(x2=2 * frame["x"]), "g")
    with pytest.raises(ValueError, match="'c'"):
        fit("y ~ x + c", frame.assign(c=1.0), "g")


def test_every_cluster_a_single_row(frame):
    with pytest.raises(ValueError, match="single row"):
        fit("y ~ x", frame.assign(g=range(40)), "g")


def test_vc_formula_must_be_a_dict(frame):
    with pytest.raises(TypeError, match="vc_formula"):
        fit("y ~ x", frame, "g", vc_formula="0 + C(x)")


def test_tests_of_fits_to_different_data(frame):
    a = fit("y ~ x", frame, "g", reml=False)
    b = fit("y ~ x", frame.iloc[:35], "g", re_formula="~x", reml=False)
    with pytest.raises(ValueError, match="different data"):
        helpers.lrt(a, b)
    with pytest.raises(ValueError, match="different data"):
        helpers.bootstrap_lrt(a, b, n_boot=5, seed=1)
    with pytest.raises(ValueError, match="different data"):
        helpers.variance_reduction(a, b)


@pytest.mark.parametrize("name", ["icc", "eblups", "varcomp", "fitted_values", "residuals"])
def test_non_mixed_result(name, frame):
    ols = smf.ols("y ~ x", frame).fit()
    with pytest.raises(TypeError, match=r"must be a fitted mixed model \(from helpers.fit_mixed\), not"):
        getattr(helpers, name)(ols)


def test_non_mixed_result_in_pairs(frame):
    ols = smf.ols("y ~ x", frame).fit()
    mixed = fit("y ~ x", frame, "g", reml=False)
    with pytest.raises(TypeError, match="`full` must be a fitted mixed model"):
        helpers.lrt(mixed, ols)
    with pytest.raises(TypeError, match="`restricted` must be a fitted mixed model"):
        helpers.variance_reduction(ols, mixed)
    with pytest.raises(TypeError, match="fitted mixed model"):
        helpers.profile_ci(ols, "Intercept")
    with pytest.raises(TypeError, match="fitted mixed model"):
        helpers.predict(ols, frame)
    with pytest.raises(TypeError):
        helpers.lrt(smf.glm("y ~ x", frame).fit(), mixed)
