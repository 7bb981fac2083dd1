"""helpers.glmm: maximum-likelihood GLMMs checked against lme4's glmer (tests/reference/lme4_glmm.csv,
made by tests/reference/r/glmm.R), the checks of bad outcomes, and the GLMM summaries."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import helpers
from helpers import reference

FORMULA = "uses ~ age + I(age**2) + urban + C(livch)"
#: patsy's names of the fixed effects -> the names in the reference store
TERMS = {
    "Intercept": "intercept",
    "age": "age",
    "I(age ** 2)": "age2",
    "urban[T.Y]": "urbanY",
    "C(livch)[T.1]": "livch1",
    "C(livch)[T.2]": "livch2",
    "C(livch)[T.3+]": "livch3",
    "C(period)[T.2]": "period2",
    "C(period)[T.3]": "period3",
    "C(period)[T.4]": "period4",
}


def quiet(*args, **kwargs):
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        return helpers.fit_glmm(*args, **kwargs)


@pytest.fixture(scope="module")
def contra():
    data = helpers.load("contraception")
    data["uses"] = (data["use"] == "Y").astype(int)
    return data


@pytest.fixture(scope="module")
def fits(contra):
    cbpp = helpers.load("cbpp")
    return {
        "contraception.ri.laplace": quiet(FORMULA, contra, "district"),
        "contraception.ri.agq20": quiet(FORMULA, contra, "district", nagq=20),
        "contraception.rs.laplace": quiet(FORMULA, contra, "district", re_formula="~urban"),
        "cbpp.ri.laplace": quiet("incidence ~ C(period)", cbpp, "herd", trials="size"),
        "cbpp.ri.agq20": quiet("incidence ~ C(period)", cbpp, "herd", trials="size", nagq=20),
    }


MODELS = [
    "contraception.ri.laplace",
    "contraception.ri.agq20",
    "contraception.rs.laplace",
    "cbpp.ri.laplace",
    "cbpp.ri.agq20",
]


@pytest.mark.parametrize("key", MODELS)
def test_fixed_effects_match_lme4(fits, key):
    fit = fits[key]
    for term, estimate in fit.params.items():
        expected = reference.value(f"{key}.beta.{TERMS[term]}")
        # within 1 % of a standard error: far closer than any inference could notice
        assert abs(estimate - expected) < 0.01 * fit.bse[term], term


@pytest.mark.parametrize("key", MODELS)
def test_variances_match_lme4(fits, key):
    fit = fits[key]
    assert fit.converged and not fit.singular
    tau2 = fit.cov_re.iloc[0, 0]
    assert tau2 == pytest.approx(reference.value(f"{key}.var.intercept"), rel=2e-3)
    if key.startswith("contraception.rs"):
        slope = fit.cov_re.loc["urban[T.Y]", "urban[T.Y]"]
        assert slope == pytest.approx(reference.value(f"{key}.var.urbanY"), rel=5e-3)
        cov = fit.cov_re.loc["Intercept", "urban[T.Y]"]
        assert cov == pytest.approx(reference.value(f"{key}.cov"), rel=5e-3)


@pytest.mark.parametrize("key", [m for m in MODELS if m != "cbpp.ri.agq20"])
def test_loglik_matches_lme4(fits, key):
    # cbpp with nAGQ > 1 is left out on purpose: lme4 drops constant terms (the binomial
    # coefficients) from that log-likelihood, so only its estimates are comparable.
    assert fits[key].llf == pytest.approx(reference.value(f"{key}.loglik"), abs=2e-3)


@pytest.mark.parametrize("key", MODELS)
def test_standard_errors_are_lme4s_use_hessian_false(fits, key):
    fit = fits[key]
    for term, se in fit.bse.items():
        no_hessian = reference.value(f"{key}.se_nohess.{TERMS[term]}")
        assert se == pytest.approx(no_hessian, rel=5e-3), term
    assert "use.hessian = FALSE" in fit.se_note and "use.hessian = FALSE" in fit.summary()


def test_lme4_default_se_differs_from_ours_by_a_few_percent(fits):
    """What the chapter says: lme4's default SEs are a little larger for these fits."""
    ratios = [
        reference.value(f"contraception.ri.laplace.se.{TERMS[t]}") / se
        for t, se in fits["contraception.ri.laplace"].bse.items()
    ]
    assert 0.99 < min(ratios) and max(ratios) < 1.15


def test_random_slope_lr_matches_lme4(fits):
    lr = 2 * (fits["contraception.rs.laplace"].llf - fits["contraception.ri.laplace"].llf)
    assert lr == pytest.approx(reference.value("contraception.ri_vs_rs.lr"), abs=5e-3)


def test_tables_and_summary(fits):
    fit = fits["contraception.rs.laplace"]
    table = fit.fixed_effects()
    assert list(table.index) == list(fit.params.index)
    assert np.allclose(table["odds_ratio"], np.exp(fit.params))
    assert np.allclose(table["z"], fit.params / fit.bse)
    vc = fit.varcomp()
    assert list(vc["kind"]) == ["variance", "covariance", "variance"]
    assert vc["sd_or_cor"].iloc[1] == pytest.approx(reference.value("contraception.rs.laplace.cor"), abs=5e-3)
    text = fit.summary()
    assert "Laplace" in text and "district" in text and "1934" in text
    assert "adaptive Gauss-Hermite quadrature, 20 points" in fits["contraception.ri.agq20"].summary()


def test_predictions_and_eblups(fits):
    fit = fits["contraception.ri.laplace"]
    p = fit.predict()
    assert p.between(0, 1).all() and len(p) == fit.nobs
    typical = fit.predict(conditional=False)
    eta = fit._X.to_numpy() @ fit.params.to_numpy()
    assert np.allclose(typical, 1 / (1 + np.exp(-eta)))
    eb = fit.eblups()
    assert len(eb) == fit.n_groups and (eb["se"] > 0).all()
    # the conditional modes are what the conditional predictions add to the linear predictor
    re = eb.set_index("group")["estimate"]
    diff = fit.linear_predictor() - fit.linear_predictor(conditional=False)
    assert np.allclose(diff, fit.data["district"].map(re))
    # shrinkage: the predicted effects vary less than the variance says clusters do
    assert re.var() < fit.cov_re.iloc[0, 0]


def test_latent_icc_and_median_odds_ratio(fits):
    fit = fits["contraception.ri.laplace"]
    tau2 = fit.cov_re.iloc[0, 0]
    assert helpers.latent_icc(fit) == pytest.approx(tau2 / (tau2 + np.pi**2 / 3))
    assert helpers.median_odds_ratio(fit) == pytest.approx(np.exp(np.sqrt(2 * tau2) * stats.norm.ppf(0.75)))
    assert helpers.median_odds_ratio(0.0) == 1.0
    # the MOR is the median of exp|u1 - u2| for two clusters' effects drawn from N(0, tau2)
    rng = np.random.default_rng(1)
    u = rng.normal(0, np.sqrt(tau2), (200_000, 2))
    assert np.median(np.exp(np.abs(u[:, 0] - u[:, 1]))) == pytest.approx(
        helpers.median_odds_ratio(fit), rel=5e-3
    )
    with pytest.raises(ValueError, match="random-intercept"):
        helpers.latent_icc(fits["contraception.rs.laplace"])


def test_binned_residuals(fits):
    fit = fits["contraception.ri.laplace"]
    table = helpers.binned_residuals(fit, bins=20)
    assert len(table) == 20 and table["n"].sum() == fit.nobs
    assert table["predicted"].is_monotonic_increasing
    # mean residual over all rows: near zero at the maximum of the likelihood
    assert abs(np.average(table["residual"], weights=table["n"])) < 0.01
    cbpp = fits["cbpp.ri.laplace"]
    assert helpers.binned_residuals(cbpp, bins=5)["n"].sum() == helpers.load("cbpp")["size"].sum()


def test_simulated_residuals_are_uniform_under_the_model(fits):
    fit = fits["contraception.ri.laplace"]
    u = helpers.simulated_residuals(fit, n_sim=200, seed=3)
    assert u.between(0, 1).all() and len(u) == fit.nobs
    assert stats.kstest(u, "uniform").pvalue > 0.001
    assert np.allclose(u, helpers.simulated_residuals(fit, n_sim=200, seed=3))
    sims = fits["cbpp.ri.laplace"].simulate(5, seed=1)
    size = helpers.load("cbpp")["size"].to_numpy()[:, None]
    assert sims.shape == (56, 5) and (sims <= size).all() and np.allclose(sims, np.round(sims))


def test_bootstrap_variance_test(fits):
    fit = fits["cbpp.ri.laplace"]
    test = helpers.bootstrap_variance_test(fit, n_boot=9, seed=2)
    expected = 2 * (fit.llf - reference.value("cbpp.glm.loglik"))
    assert test.statistic == pytest.approx(expected, abs=2e-3)
    assert test.p_value_mixture == pytest.approx(0.5 * stats.chi2.sf(test.statistic, 1))
    assert len(test.boot_statistics) == 9 and (test.boot_statistics >= 0).all()
    assert test.p_value_bootstrap == pytest.approx((1 + (test.boot_statistics >= test.statistic).sum()) / 10)
    again = helpers.bootstrap_variance_test(fit, n_boot=9, seed=2)
    assert np.array_equal(again.boot_statistics, test.boot_statistics)


def test_glm_loglik_in_the_variance_test_matches_r(fits):
    big = fits["contraception.ri.laplace"]
    test = helpers.bootstrap_variance_test(big, n_boot=1, seed=0)
    expected = 2 * (
        reference.value("contraception.ri.laplace.loglik") - reference.value("contraception.glm.loglik")
    )
    assert test.statistic == pytest.approx(expected, abs=5e-3)


def test_plots_return_axes(fits):
    fit = fits["contraception.ri.laplace"]
    fig, (a1, a2) = plt.subplots(2)
    assert helpers.plot_binned_residuals(helpers.binned_residuals(fit), ax=a1, marker="s") is a1
    u = helpers.simulated_residuals(fit, n_sim=20)
    assert helpers.plot_simulated_residuals(u, ax=a2) is a2
    assert len(a1.collections) == 1 and len(a2.collections) == 1
    plt.close(fig)


# ------------------------------------------------------------------------ bad input


def small(rng=None):
    rng = rng or np.random.default_rng(0)
    g = np.repeat(np.arange(12), 10)
    x = rng.normal(size=120)
    y = (rng.uniform(size=120) < 1 / (1 + np.exp(-(x + rng.normal(size=12)[g])))).astype(int)
    return pd.DataFrame({"y": y, "x": x, "g": g, "group": np.where(g < 6, "a", "b")})


def test_text_outcome_gets_a_recoding_hint(contra):
    with pytest.raises(ValueError, match=r"not numeric.*0/1 column"):
        helpers.fit_glmm("use ~ urban", contra, "district")


def test_counts_without_trials(contra):
    cbpp = helpers.load("cbpp")
    with pytest.raises(ValueError, match=r"must be 0 or 1.*trials="):
        helpers.fit_glmm("incidence ~ C(period)", cbpp, "herd")


def test_successes_above_trials():
    cbpp = helpers.load("cbpp")
    cbpp.loc[0, "incidence"] = cbpp.loc[0, "size"] + 1
    with pytest.raises(ValueError, match="between 0 and the trials"):
        helpers.fit_glmm("incidence ~ C(period)", cbpp, "herd", trials="size")


def test_negative_and_fractional_counts():
    data = small()
    data["count"] = data["y"] * 3.0
    data.loc[0, "count"] = -1
    with pytest.raises(ValueError, match="negative"):
        helpers.fit_glmm("count ~ x", data, "g", family="poisson")
    data.loc[0, "count"] = 1.5
    with pytest.raises(ValueError, match="whole numbers"):
        helpers.fit_glmm("count ~ x", data, "g", family="poisson")


def test_constant_outcome_and_all_zero_clusters():
    data = small()
    data["zero"] = 0
    with pytest.raises(ValueError, match="every row"):
        helpers.fit_glmm("zero ~ x", data, "g")
    with pytest.raises(ValueError, match="every row"):
        helpers.fit_glmm("zero ~ x", data, "g", family="poisson")


def test_all_zero_clusters_are_kept_and_counted():
    data = small()
    data.loc[data["g"] < 3, "y"] = 0
    fit = quiet("y ~ x", data, "g")
    assert fit.n_constant_clusters >= 3 and "same outcome in every row" in fit.summary()


def test_perfect_separation():
    data = small()
    data["y"] = (data["x"] > 0).astype(int)
    with pytest.raises(ValueError, match="Perfect separation"):
        helpers.fit_glmm("y ~ x", data, "g")
    data = small()
    data.loc[data["group"] == "a", "y"] = 1  # quasi-complete: every 'a' row is 1
    with pytest.raises(ValueError, match="Perfect separation.*group"):
        helpers.fit_glmm("y ~ x + C(group)", data, "g")


def test_other_bad_input(contra):
    with pytest.raises(ValueError, match="family"):
        helpers.fit_glmm(FORMULA, contra, "district", family="gaussian")
    with pytest.raises(ValueError, match="single random intercept"):
        helpers.fit_glmm(FORMULA, contra, "district", re_formula="~urban", nagq=5)
    with pytest.raises(ValueError, match="not a column"):
        helpers.fit_glmm("uses ~ nosuch", contra, "district")
    with pytest.raises(ValueError, match="trials"):
        helpers.fit_glmm("uses ~ age", contra, "district", family="poisson", trials="age")


def test_missing_values_are_dropped_and_counted():
    data = small()
    data.loc[[0, 5], "x"] = np.nan
    with pytest.warns(helpers.MissingDataWarning, match="Dropped 2 of 120"):
        fit = helpers.fit_glmm("y ~ x", data, "g")
    assert fit.nobs == 118


def test_bool_outcome_and_poisson_fit():
    data = small()
    data["yb"] = data["y"].astype(bool)
    assert quiet("yb ~ x", data, "g").nobs == 120
    rng = np.random.default_rng(5)
    data["count"] = rng.poisson(np.exp(0.5 + 0.3 * data["x"] + rng.normal(0, 0.5, 12)[data["g"]]))
    fit = quiet("count ~ x", data, "g", family="poisson")
    assert "rate_ratio" in fit.fixed_effects() and fit.params["x"] == pytest.approx(0.3, abs=0.2)
