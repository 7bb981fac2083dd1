"""Leverage and influence against lme4's hatvalues(), cooks.distance() and influence()
(tests/reference/r/depth.R)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import statsmodels.formula.api as smf

import helpers
from helpers.influence import cooks_distance, hat_values, influence, influence_plot
from helpers.reference import value as ref
from helpers.reference import values as refs
from tests.unit.conftest import quiet_fit


@pytest.fixture(scope="module")
def sleep_influence(sleep_fits):
    return influence(sleep_fits["rs_reml"])


@pytest.fixture(scope="module")
def ess_published():
    ess = helpers.load("ess")
    published = ess[~ess["pplhlp"].isin([77, 88, 99])]  # as the ESS chapter prepares it
    fit = quiet_fit("pplhlp ~ trstplc", published, "intnum", re_formula="~trstplc")
    return published, fit


def test_hat_values_match_lme4(sleep_fits):
    h = hat_values(sleep_fits["rs_reml"])
    assert len(h) == 180 and ((h > 0) & (h < 1)).all()
    assert h.iloc[0] == pytest.approx(ref("sleepstudy.rs.reml.hat.1"), rel=1e-5)
    assert h.max() == pytest.approx(ref("sleepstudy.rs.reml.hat.max"), rel=1e-5)
    assert np.argmax(h.to_numpy()) + 1 == ref("sleepstudy.rs.reml.hat.which")
    assert h.sum() == pytest.approx(ref("sleepstudy.rs.reml.hat.sum"), rel=1e-5)


def test_cooks_distance_matches_lme4(sleep_fits):
    d = cooks_distance(sleep_fits["rs_reml"])
    assert d.iloc[0] == pytest.approx(ref("sleepstudy.rs.reml.cooks.1"), rel=1e-4)
    assert d.max() == pytest.approx(ref("sleepstudy.rs.reml.cooks.max"), rel=1e-4)
    assert np.argmax(d.to_numpy()) + 1 == ref("sleepstudy.rs.reml.cooks.which")


def test_hat_values_by_brute_force(sleep_fits):
    """H_ii = d(conditional fitted value i) / d(y_i) with the variances held fixed."""
    from helpers._blocks import Blocks
    from helpers.influence import _conditional

    blocks = Blocks(sleep_fits["rs_reml"])
    sol = blocks.solve(blocks.theta0)
    _, r0 = _conditional(blocks, sol)
    i, eps = 17, 1.0
    blocks.y = blocks.y.copy()
    blocks.y[i] += eps
    blocks.XZy[:, -1] = blocks.y
    blocks.C[:] = 0
    np.add.at(blocks.C, blocks.cluster_of, blocks.XZy[:, :, None] * blocks.XZy[:, None, :])
    _, r1 = _conditional(blocks, blocks.solve(blocks.theta0))
    # fitted = y - resid, so d fitted_i = eps - (r1_i - r0_i)
    assert (eps - (r1[i] - r0[i])) / eps == pytest.approx(hat_values(sleep_fits["rs_reml"]).iloc[i], rel=1e-8)


def test_group_deletion_matches_lme4(sleep_influence):
    infl = sleep_influence
    scale = ref("sleepstudy.rs.reml.infl.cooks_scale")  # lme4's (J - p) / J
    assert len(infl) == 18 and infl["converged"].all() and (infl["n_deleted"] == 10).all()
    for subject in infl.index:
        stem = f"sleepstudy.rs.reml.infl.{subject}"
        row = infl.loc[subject]
        assert row["cooks_distance"] * scale == pytest.approx(ref(stem + ".cooks"), rel=1e-3)
        assert row["dfbetas:Days"] == pytest.approx(ref(stem + ".dfbetas_Days"), rel=1e-3, abs=1e-4)
    # the deleted fits' variances themselves (full values from the fit, not typed)
    fit_vc = helpers.varcomp(
        quiet_fit("Reaction ~ Days", helpers.load("sleepstudy"), "Subject", re_formula="~Days")
    )["estimate"]
    for subject in infl.index:
        stem = f"sleepstudy.rs.reml.infl.{subject}"
        for col, key, comp in (
            ("change:Intercept", "var_intercept", "Intercept"),
            ("change:Days", "var_slope", "Days"),
            ("change:Residual", "var_residual", "Residual"),
        ):
            # lme4's influence() refits stop early (maxfun = 1000): for subject 372 its
            # intercept variance is about 0.02 % above a fresh lmer() fit's; the criterion
            # is flat there. Agreement to 5e-4 relative.
            assert fit_vc[comp] + infl.loc[subject, col] == pytest.approx(ref(stem + "." + key), rel=5e-4)
    assert len(refs("sleepstudy.rs.reml.infl.")) == 18 * 5 + 1


def test_group_deletion_is_an_exact_refit(sleep_data, sleep_fits, sleep_influence):
    """Leaving subject 308 out equals fitting without it (fit_mixed, from scratch)."""
    without = quiet_fit(
        "Reaction ~ Days", sleep_data[sleep_data["Subject"] != 308], "Subject", re_formula="~Days"
    )
    full = sleep_fits["rs_reml"]
    change = without.fe_params - full.fe_params
    se = np.sqrt(np.diag(without.cov_params().loc[change.index, change.index]))
    assert sleep_influence.loc[308, "dfbetas:Days"] == pytest.approx((change / se)["Days"], rel=1e-4)
    vc_full, vc_without = helpers.varcomp(full)["estimate"], helpers.varcomp(without)["estimate"]
    assert sleep_influence.loc[308, "change:Cov(Intercept, Days)"] == pytest.approx(
        vc_without["Cov(Intercept, Days)"] - vc_full["Cov(Intercept, Days)"], rel=1e-3
    )


def test_observation_deletion_is_an_exact_refit(sleep_data, sleep_fits):
    rows = [0, 59]
    infl = influence(sleep_fits["rs_reml"], level="observation", rows=rows)
    assert list(infl.index) == rows and (infl["n_deleted"] == 1).all()
    without = quiet_fit("Reaction ~ Days", sleep_data.drop(index=59), "Subject", re_formula="~Days")
    full = sleep_fits["rs_reml"]
    resid = helpers.varcomp(without)["estimate"]["Residual"] - helpers.varcomp(full)["estimate"]["Residual"]
    assert infl.loc[59, "change:Residual"] == pytest.approx(resid, rel=1e-4)


def test_ess_the_coded_88_stands_out(ess_published):
    published, fit = ess_published
    row88 = published.index[published["trstplc"] == 88][0]
    h, d = hat_values(fit), cooks_distance(fit)
    assert list(h.index) == list(published.index)
    assert h[row88] == pytest.approx(ref("ess.pub.rs.reml.hat.row88"), rel=1e-4)
    assert h.drop(row88).max() == pytest.approx(ref("ess.pub.rs.reml.hat.max_other"), rel=1e-4)
    assert d[row88] == pytest.approx(ref("ess.pub.rs.reml.cooks.row88"), rel=1e-3)
    assert d.drop(row88).max() == pytest.approx(ref("ess.pub.rs.reml.cooks.max_other"), rel=1e-3)
    assert h.sum() == pytest.approx(ref("ess.pub.rs.reml.hat.sum"), rel=1e-4)


def test_ess_interviewer_deletion(ess_published):
    _, fit = ess_published
    infl = influence(fit, rows=[7519, 4976])
    scale = ref("ess.pub.rs.reml.infl.cooks_scale")
    assert infl.loc[7519, "cooks_distance"] * scale == pytest.approx(
        ref("ess.pub.rs.reml.infl.7519.cooks"), rel=2e-3
    )
    assert infl.loc[7519, "dfbetas:trstplc"] == pytest.approx(
        ref("ess.pub.rs.reml.infl.7519.dfbetas_trstplc"), rel=2e-3
    )
    vc = helpers.varcomp(fit)["estimate"]
    assert vc["trstplc"] + infl.loc[7519, "change:trstplc"] == pytest.approx(
        ref("ess.pub.rs.reml.infl.7519.var_slope"), rel=2e-3
    )
    assert vc["Intercept"] + infl.loc[4976, "change:Intercept"] == pytest.approx(
        ref("ess.pub.rs.reml.infl.4976.var_intercept"), rel=2e-3
    )


def test_influence_plot(sleep_influence):
    fig, ax = plt.subplots()
    out = influence_plot(sleep_influence, measure="dfbetas:Days", label=2, ax=ax)
    assert out is ax
    assert len(ax.texts) == 2
    labelled = {t.get_text() for t in ax.texts}
    assert labelled == {str(s) for s in sleep_influence["dfbetas:Days"].abs().nlargest(2).index}
    plt.close(fig)
    ax2 = influence_plot(sleep_influence)
    assert ax2.get_xlabel() == "cooks distance"
    plt.close(ax2.figure)
    with pytest.raises(ValueError, match="no column"):
        influence_plot(sleep_influence, measure="cook")


def test_bad_input(sleep_data, sleep_fits):
    with pytest.raises(TypeError, match="fitted mixed model"):
        hat_values(smf.ols("Reaction ~ Days", sleep_data).fit())
    with pytest.raises(ValueError, match="level"):
        influence(sleep_fits["rs_reml"], level="cluster")
    with pytest.raises(ValueError, match="unknown clusters"):
        influence(sleep_fits["rs_reml"], rows=[999])
    with pytest.raises(ValueError, match="not rows the model used"):
        influence(sleep_fits["rs_reml"], level="observation", rows=[1000])


@pytest.mark.parametrize("case", ["pub", "clean"])
def test_ess_profile_intervals_match_lme4(case):
    """The ESS chapter's profile intervals: lme4's confint(profile()) profiles the ML deviance."""
    ess = helpers.load("ess")
    if case == "pub":
        data = ess[~ess["pplhlp"].isin([77, 88, 99])]
    else:
        data = ess[ess["pplhlp"].le(10) & ess["trstplc"].le(10)]
    fit = quiet_fit("pplhlp ~ trstplc", data, "intnum", re_formula="~trstplc", reml=False)
    for term, key in (("Intercept", "var_intercept"), ("trstplc", "var_slope")):
        lo, hi = helpers.profile_ci(fit, term)
        assert lo == pytest.approx(ref(f"ess.{case}.rs.ml.profile.{key}.lower"), rel=2e-3)
        assert hi == pytest.approx(ref(f"ess.{case}.rs.ml.profile.{key}.upper"), rel=2e-3)
