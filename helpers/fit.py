"""Fitting linear mixed models so that the estimate is the maximum of the likelihood.

statsmodels' ``MixedLM.fit()`` can stop short of the maximum: on the MLwiN
Exam data it reports convergence 0.25 log-likelihood units too low, and on
the dietox random-slope model it ends "Converged: No" far from the maximum.
:func:`fit_mixed` runs several optimisers, keeps the best converged fit, and
records what each optimiser found in ``result.fit_audit`` so that a reader
can see the check.

How it works:

1. Two searches from two starts: L-BFGS-B on the exact profile
   log-likelihood (fixed effects and residual variance profiled out,
   vectorised over clusters, see :mod:`helpers._lik`) with the variances
   bounded at zero, from statsmodels' default start; and lme4's algorithm
   through the ``mixedlm`` package (:mod:`helpers._lme4`), which is handed
   the design built and checked here, never the student's formula.
   Variances at exactly zero are probed: in this parametrisation zero is a
   stationary point, so a gradient optimiser can stop there even when the
   likelihood rises off zero; if it does, the optimiser restarts.
2. If the two do not agree, one did not converge, or the fit is on the
   boundary of a covariance matrix with more than one parameter (a variance
   at zero, a correlation at +-1: the hard case), BFGS from a second start
   and Nelder-Mead from the best point run as well. statsmodels' own
   optimisers from its default start (``DEFAULT_METHODS``) run when asked
   (``methods=``), or when ``mixedlm`` cannot be used (variance components,
   or the package missing), with statsmodels' BFGS from the best point as
   the check, as before.
3. The result is built at the best point any search found, never a lower
   one: statsmodels' own ``MixedLMResults`` (so ``summary()`` and every
   attribute are the ones students learn to read), with the fixed effects,
   scale and Hessian (for the standard errors, equal to
   ``MixedLM.hessian`` to about 1e-6) computed from the cross-products.
   statsmodels' own log-likelihood at that point is the independent check
   (the ``statsmodels (check)`` row of the audit). At a singular covariance
   matrix statsmodels' likelihood can be wrong (it inverts the matrix):
   variances at zero are moved off zero by at most 1e-4 where that costs
   nothing; if statsmodels still disagrees, the result is kept at the best
   point with the exact log-likelihood and random effects, and the
   ``BoundaryWarning`` says so (``result.fit_note``).

Decision (issue 13), with figures measured on the shared 2-core machine
(one run each, seconds; egsingle 7,230 rows in 1,721 children / a simulated
20,000 rows in 2,000 groups, random slope): ``mixedlm``'s ``lmer`` 0.17 /
0.33; the vectorised L-BFGS-B of this module 0.25 / 0.13. The search was
never the slow part: statsmodels' per-cluster Python loops were, building
a result with its Hessian 0.89 / 1.20, one BFGS run from the maximum as the
check 0.99 / 1.72, and on boundary fits the four statsmodels optimisers from
the default start (ScotsSec, 148 schools: 14 s of the old 14.2 s). So
``fit_mixed`` keeps its own vectorised likelihood, delegates the second
search to ``mixedlm`` (a maintained, independent implementation of lme4's
algorithm: agreement of two codes and two optimisers from two starts is the
audit's evidence), computes the Hessian from the cross-products, and lets
statsmodels check the estimate with one evaluation of its own likelihood
(0.07-0.11 s) instead of a BFGS run (evaluating statsmodels' gradient as
well would cost about twice that again; the two searches already confirm
the gradient). ``make bench`` (``tools/bench.py``) prints the current
figures against ``mixedlm``. On 2026-12-01, idle 2-core machine, median of
5: ratios 6.5 (sleepstudy), 6.3 (Exam), 7.3 (HSB), 2.7 (ScotsSec), 14.6
(egsingle), 15.2 (simulated 20,000 x 2,000), 0.02-0.31 s per fit;
log-likelihoods equal to 1e-9. The goal of at most 2x (median) / 5x (worst)
is not met: building statsmodels' model and its one log-likelihood check
alone cost 1.9x (sleepstudy) to 2.9x (simulated) ``mixedlm``'s whole fit.
(Under a load of 11 the same cases gave a median of 2.0: ``mixedlm`` slows
more under contention.) ``bootstrap_lrt``, 500 replicates on sleepstudy,
3.7 s against 24.5 s for a loop over ``mixedlm`` fits.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from . import _compat
from ._results import re_names
from ._checks import check_design, prepare_mixed_data
from ._lik import MixedLik, probe_boundary as _probe_boundary, single_thread

#: Optimisers run from statsmodels' default start. The gradient methods are
#: quick; Powell does not use the gradient and gets past flat regions where
#: they stop early.
DEFAULT_METHODS = ("lbfgs", "bfgs", "cg", "powell")


#: Log-likelihoods closer than this count as the same maximum.
LLF_TOL = 1e-3

#: The two fast optimisers must agree this closely to skip the full battery.
AGREE_TOL = 1e-4

#: At most this many log-likelihood evaluations per optimiser run, so that an
#: optimiser lost in a degenerate region cannot hang a chapter.
MAX_EVALS = 4000

_MAXITER = {"nm": 2000, "powell": 2000}


class _BudgetExceeded(Exception):
    pass


class OptimizerWarning(UserWarning):
    """The optimisers did not agree on the maximum, or none converged."""


class BoundaryWarning(UserWarning):
    """A variance is estimated at (or next to) zero, or a correlation at +-1."""


def _fast_hessian(lik):
    """A stand-in for ``MixedLM.hessian`` computed from the cross-products of
    ``lik`` (see :func:`helpers._lik.hessian_fe`)."""
    from ._lik import hessian_fe

    def hessian(params):
        psi = params.get_packed(use_sqrt=False, has_fe=False)
        cov = np.atleast_2d(params.cov_re)
        sing = bool(cov.size and np.linalg.matrix_rank(cov) < cov.shape[0]) or bool(
            np.any(np.asarray(params.vcomp) < 1e-10)
        )
        return hessian_fe(lik, params.fe_params, psi), sing

    return hessian


def _attempt(model, reml, method, start=None, lik=None):
    """One statsmodels optimiser run; returns (result or None, record dict).

    With ``lik`` (a :class:`helpers._lik.MixedLik` of the same model and
    method), the Hessian that statsmodels computes at the end for the
    standard errors comes from its cross-products: the same matrix, without
    statsmodels' loop over clusters. The search itself is statsmodels' own.
    """
    record = {
        "method": method,
        "start": "default" if start is None else "best so far",
        "llf": np.nan,
        "converged": False,
        "grad_norm": np.nan,
        "note": "",
    }
    calls = [0]

    def counting(loglike):
        def counted(params, profile_fe=True):
            calls[0] += 1
            if calls[0] > MAX_EVALS:
                raise _BudgetExceeded
            return loglike(params, profile_fe)

        return counted

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if lik is not None and lik.reml == bool(reml):
            model.hessian = _fast_hessian(lik)
        try:
            with _compat.loglike_hook(model, counting):
                result = model.fit(
                    reml=reml, method=method, start_params=start, maxiter=_MAXITER.get(method, 1000)
                )
        except _BudgetExceeded:
            record["note"] = f"failed: no convergence within {MAX_EVALS} log-likelihood evaluations"
            return None, record
        except (
            np.linalg.LinAlgError,
            ValueError,
            FloatingPointError,
            OverflowError,
            ZeroDivisionError,
        ) as err:
            record["note"] = f"failed: {type(err).__name__}: {err}"
            return None, record
        finally:
            model.__dict__.pop("hessian", None)
        try:
            with np.errstate(all="ignore"):
                grad = model.score(result.params_object, profile_fe=True)
            record["grad_norm"] = float(np.sqrt(np.sum(np.square(grad))))
        except (np.linalg.LinAlgError, ValueError):
            pass
    llf = float(result.llf)
    if not np.isfinite(llf) or not np.all(np.isfinite(result.fe_params)):
        record["note"] = "failed: non-finite log-likelihood or estimates"
        record["grad_norm"] = np.nan
        return None, record
    record["llf"] = llf
    record["converged"] = bool(result.converged)
    msgs = sorted({str(w.message).split(".")[0] for w in caught if "Retrying" not in str(w.message)})
    record["note"] = "; ".join(msgs)
    return result, record


def _boundary_messages(result) -> list[str]:
    """Plain-words descriptions of the boundary estimates of a fit (empty if interior)."""
    model = result.model
    names = re_names(model) if result.k_re else []
    vc_names = list(model.exog_vc.names) if model.k_vc else []
    return _boundary_from(
        np.asarray(result.cov_re, dtype=float),
        np.atleast_1d(result.vcomp),
        float(result.scale),
        names,
        vc_names,
    )


def _boundary_from(cov, vcomp, scale, names, vc_names) -> list[str]:
    def label(name):
        return "the random intercept" if name == "Intercept" else f"the random {name!r} slope"

    msgs = []
    for i, name in enumerate(names):
        if cov[i, i] <= 1e-6 * scale:
            msgs.append(f"the variance of {label(name)} is estimated at zero")
    for i in range(len(names)):
        for j in range(i):
            if cov[i, i] > 1e-6 * scale and cov[j, j] > 1e-6 * scale:
                r = cov[i, j] / np.sqrt(cov[i, i] * cov[j, j])
                if abs(r) > 0.999:
                    msgs.append(
                        f"the correlation of {label(names[j])} and {label(names[i])} is estimated at {r:+.3f}"
                    )
    for name, v in zip(vc_names, vcomp):
        if v <= 1e-6 * scale:
            msgs.append(f"the variance component {name!r} is estimated at zero")
    return msgs


def _theta_on_boundary(model, lik, theta) -> bool:
    """Whether covariance parameters ``theta`` lie on the boundary (on the relative scale)."""
    k = lik.k_re
    L = np.zeros((k, k))
    L[np.tril_indices(k)] = theta[: lik.k_re2]
    names = re_names(model) if k else []
    vc_names = list(model.exog_vc.names) if model.k_vc else []
    return bool(_boundary_from(L @ L.T, np.asarray(theta[lik.k_re2 :]) ** 2, 1.0, names, vc_names))


def _fast_attempt(lik, label, method, start, start_label, bounded):
    """Maximise the exact profile log-likelihood with scipy; returns (theta, record)."""
    from scipy import optimize

    record = {
        "method": label,
        "start": start_label,
        "llf": np.nan,
        "converged": False,
        "grad_norm": np.nan,
        "note": "",
    }
    calls = [0]

    def negll(t):
        calls[0] += 1
        if calls[0] > MAX_EVALS:
            raise _BudgetExceeded
        v, g = lik.loglike_grad(t)
        if not np.isfinite(v):
            return 1e300, np.zeros(len(t))
        return -v, -g

    options = {"maxiter": 1000}
    use_grad = method != "Nelder-Mead"
    if method == "L-BFGS-B":
        options.update(maxfun=MAX_EVALS, ftol=1e-13, gtol=1e-8)
    elif method == "Nelder-Mead":
        options = {"maxfev": MAX_EVALS, "maxiter": MAX_EVALS, "xatol": 1e-9, "fatol": 1e-11}
    else:
        options.update(gtol=1e-7)
    objective = negll if use_grad else (lambda t: negll(t)[0])
    try:
        with np.errstate(all="ignore"):
            res = optimize.minimize(
                objective,
                np.asarray(start, float),
                method=method,
                jac=use_grad,
                bounds=lik.bounds() if bounded else None,
                options=options,
            )
            # In the square-root parametrisation a variance of exactly zero is a
            # stationary point: the gradient there is zero whether or not the
            # likelihood rises when the variance moves off zero. Probe, and
            # restart from a better point if there is one.
            for _ in range(5):
                better = _probe_boundary(lik, np.asarray(res.x, dtype=float), -float(res.fun))
                if better is None:
                    break
                res = optimize.minimize(
                    objective,
                    better,
                    method=method,
                    jac=use_grad,
                    bounds=lik.bounds() if bounded else None,
                    options=options,
                )
    except _BudgetExceeded:
        record["note"] = f"failed: no convergence within {MAX_EVALS} log-likelihood evaluations"
        return None, record
    except (np.linalg.LinAlgError, ValueError, FloatingPointError, OverflowError) as err:
        record["note"] = f"failed: {type(err).__name__}: {err}"
        return None, record
    theta = np.asarray(res.x, dtype=float)
    if not bounded and lik.n_theta:
        theta = _canonical(lik, theta)
    llf = lik.loglike(theta)
    if not np.isfinite(llf):
        record["note"] = "failed: non-finite log-likelihood"
        return None, record
    grad = _projected_gradient(lik, theta)
    record["llf"] = float(llf)
    record["grad_norm"] = float(np.sqrt(np.sum(grad**2)))
    # scipy's own test, or (BFGS often ends with "precision loss" right at the
    # maximum) a small gradient of the profile log-likelihood.
    record["converged"] = bool(res.success) or record["grad_norm"] < 1e-3
    record["note"] = "" if res.success else str(res.message)
    return theta, record


def _canonical(lik, theta):
    """The same covariance with a non-negative diagonal of Lambda (signs are not identified)."""
    theta = theta.copy()
    k = lik.k_re
    if k:
        L = np.zeros((k, k))
        L[np.tril_indices(k)] = theta[: lik.k_re2]
        L = L * np.where(np.diag(L) < 0, -1.0, 1.0)[None, :]
        theta[: lik.k_re2] = L[np.tril_indices(k)]
    theta[lik.k_re2 :] = np.abs(theta[lik.k_re2 :])
    return theta


def _projected_gradient(lik, theta):
    """Gradient of the profile log-likelihood, with the components that push
    against a bound (a variance at zero, moving down) set to zero."""
    _, grad = lik.loglike_grad(theta)
    for i, (lo, _) in enumerate(lik.bounds()):
        if lo is not None and theta[i] <= lo + 1e-8 and grad[i] < 0:
            grad[i] = 0.0
    return grad


def _results_at(model, lik, reml, theta):
    """statsmodels' ``MixedLMResults`` at covariance parameters ``theta``.

    The same steps as the end of ``MixedLM.fit`` (fixed effects by GLS, the
    scale profiled out, the Hessian for standard errors), without running an
    optimiser, and computed from the per-cluster cross-products of ``lik``
    (statsmodels' own loops over clusters cost seconds on large data; the
    Hessian agrees with ``MixedLM.hessian`` to about 1e-6, see the tests).
    The log-likelihood is the exact one of ``lik``.
    """
    from statsmodels.regression.mixed_linear_model import MixedLMParams, MixedLMResults, MixedLMResultsWrapper

    from ._lik import hessian_fe

    model.reml = reml
    model.cov_pen = None
    model.fe_pen = None
    _compat.reset_fit_state(model)
    theta = np.asarray(theta, float)
    params = MixedLMParams.from_packed(theta, model.k_fe, model.k_re, use_sqrt=model.use_sqrt, has_fe=False)
    cov_re_unscaled, vcomp_unscaled = params.cov_re, params.vcomp
    parts = lik.parts(theta)
    fe_params = np.asarray(parts["beta"], dtype=float)
    params.fe_params = fe_params
    scale = float(parts["qf"]) / lik._m()
    psi = params.get_packed(use_sqrt=False, has_fe=False)
    try:
        hess = hessian_fe(lik, fe_params, psi)
        pcov = np.linalg.pinv(-hess)
    except (np.linalg.LinAlgError, ValueError):
        k = len(params.get_packed(use_sqrt=False, has_fe=True))
        pcov = np.full((k, k), np.nan)
    results = MixedLMResults(model, params.get_packed(use_sqrt=False, has_fe=True), pcov / scale)
    results.params_object = params
    results.fe_params = fe_params
    results.cov_re = scale * cov_re_unscaled
    results.vcomp = scale * vcomp_unscaled
    results.scale = scale
    results.cov_re_unscaled = cov_re_unscaled
    results.method = "REML" if reml else "ML"
    results.converged = True
    results.hist = None
    results.reml = reml
    results.cov_pen = None
    results.k_fe = model.k_fe
    results.k_re = model.k_re
    results.k_re2 = model.k_re2
    results.k_vc = model.k_vc
    results.use_sqrt = model.use_sqrt
    results.freepat = None
    _compat.cache_value(results, "llf", lik.loglike(theta))
    return MixedLMResultsWrapper(results)


def _random_effects_exact(lik, model, theta, beta):
    """Conditional means of the random effects, ``Lambda M^-1 Lambda' Z'r`` per
    cluster: defined when the covariance matrix is singular (statsmodels'
    ``random_effects`` inverts it and raises)."""
    lam = lik.lam(theta)
    Ztr = lik.Zty - lik.ZtX @ np.asarray(beta, dtype=float)
    lamT = np.swapaxes(lam, 1, 2)
    M = lamT @ lik.ZtZ @ lam + np.eye(lik.q)[None]
    u = np.linalg.solve(M, np.einsum("jab,jb->ja", lamT, Ztr)[:, :, None])[:, :, 0]
    b = np.einsum("jab,jb->ja", lam, u)
    out = {}
    for ix, group in enumerate(model.group_labels):
        names = list(model.data.exog_re_names)  # as MixedLMResults._expand_re_names
        for j, v in enumerate(model.exog_vc.names):
            names.extend(f"{v}[{s}]" for s in model.exog_vc.colnames[j][ix])
        out[group] = pd.Series(b[ix, : len(names)], index=names)
    return out


def _statsmodels_llf(model, result):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(type(model).loglike(model, result.params_object, profile_fe=False))
    except (np.linalg.LinAlgError, ValueError, FloatingPointError, ZeroDivisionError):
        return np.nan


def _results_at_checked(model, lik, reml, theta, llf):
    """:func:`_results_at`, checked against statsmodels' own log-likelihood.

    Returns ``(result, note)``. statsmodels' log-likelihood is wrong at an
    exactly singular covariance matrix (a variance at zero, a correlation at
    +-1: it inverts the matrix), so there variances at exactly zero are
    first moved off zero by a negligible amount, kept only if statsmodels
    then agrees with the exact value. If no such point exists the result is
    built at the best point all the same (never a lower one), with the exact
    log-likelihood and the random effects computed here, and ``note`` says so.
    """
    theta = np.asarray(theta, dtype=float)
    tol = 1e-8 * max(1.0, abs(llf))
    bounded = np.array([lo is not None for lo, _ in lik.bounds()], dtype=bool)
    seen = None
    for nudge in (0.0, 1e-7, 1e-6, 1e-5, 1e-4):
        trial = theta.copy()
        zero = bounded & (np.abs(trial) < nudge)
        trial[zero] = nudge
        if nudge and not zero.any():
            continue
        if abs(lik.loglike(trial) - llf) > tol:
            break  # the nudge itself costs log-likelihood
        try:
            res = _results_at(model, lik, reml, trial)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):
            continue
        sm_llf = _statsmodels_llf(model, res)
        if seen is None:
            seen = sm_llf
        if np.isfinite(sm_llf) and abs(sm_llf - llf) <= tol:
            return res, "", sm_llf
    res = _results_at(model, lik, reml, theta)
    inner = _compat.unwrap(res)
    _compat.cache_value(inner, "random_effects", _random_effects_exact(lik, model, theta, inner.fe_params))
    shown = "not finite" if seen is None or not np.isfinite(seen) else f"{seen:.4f}"
    note = (
        f"statsmodels cannot evaluate its likelihood at this singular covariance matrix "
        f"(it gives {shown}; the exact value is {llf:.4f}), so the result was built from "
        "the exact profile likelihood of helpers: llf, random_effects and the standard "
        "errors come from there; the other statsmodels methods that invert cov_re may fail"
    )
    return res, note, (np.nan if seen is None else seen)


def _statsmodels_check(model, result, sm_llf, llf, on_boundary):
    """Audit row: statsmodels' own log-likelihood at the chosen point, which must
    equal the exact one (its gradient is not evaluated: on thousands of clusters
    that costs more than the whole search)."""
    record = {
        "method": "statsmodels (check)",
        "start": "best so far",
        "llf": sm_llf if np.isfinite(sm_llf) else np.nan,
        "converged": False,
        "grad_norm": np.nan,
        "note": "",
    }
    if not (np.isfinite(sm_llf) and abs(sm_llf - llf) <= 1e-8 * max(1.0, abs(llf))):
        record["note"] = "statsmodels cannot evaluate its likelihood at this point"
        return record
    record["converged"] = True
    record["note"] = "statsmodels' own log-likelihood at the estimate"
    return record


def _lme4_attempt(model, lik, reml):
    """lme4's algorithm (the ``mixedlm`` package) on the design built here; (theta, record)."""
    from . import _lme4

    record = {
        "method": "lme4 (mixedlm)",
        "start": "lme4 default",
        "llf": np.nan,
        "converged": False,
        "grad_norm": np.nan,
        "note": "",
    }
    try:
        theta, note = _lme4.search(model, reml)
    except Exception as err:  # noqa: BLE001 - any failure of the external engine is recorded
        record["note"] = f"failed: {type(err).__name__}: {err}"
        return None, record
    llf = lik.loglike(theta)
    if not np.isfinite(llf):
        record["note"] = "failed: non-finite log-likelihood at mixedlm's estimate"
        return None, record
    grad = _projected_gradient(lik, theta)
    record.update(
        llf=float(llf), grad_norm=float(np.sqrt(np.sum(grad**2))), converged=": " not in note, note=note
    )
    return theta, record


def _fit_model(model, reml, methods):
    """Run the optimisers on a built MixedLM.

    Returns
    -------
    (result, audit, any_converged, note)
    """
    from . import _lme4

    results, records, thetas = [], [], []

    def add(res, rec, theta=None):
        if res is not None and theta is None:
            theta = res.params_object.get_packed(use_sqrt=model.use_sqrt, has_fe=False)
        results.append(res)
        records.append(rec)
        thetas.append(theta)

    lik = MixedLik(model, reml)
    default = lik.default_theta()
    use_lme4 = _lme4.supports(model) and _lme4.available()

    # 1. Two searches from two starts: L-BFGS-B on the exact profile
    #    likelihood, and lme4's algorithm (mixedlm) -- or, where mixedlm
    #    cannot take the model, BFGS on the profile from a second start.
    theta, rec = _fast_attempt(lik, "L-BFGS-B (profile)", "L-BFGS-B", default, "default", True)
    add(None, rec, theta)
    if use_lme4:
        theta, rec = _lme4_attempt(model, lik, reml)
        add(None, rec, theta)
    else:
        theta, rec = _fast_attempt(lik, "BFGS (profile)", "BFGS", 0.5 * default, "half default", False)
        add(None, rec, theta)
    fast = [i for i in range(len(records)) if thetas[i] is not None and records[i]["converged"]]
    best_fast = max(
        (i for i in range(len(records)) if thetas[i] is not None),
        key=lambda i: records[i]["llf"],
        default=None,
    )

    # 2. Do the two searches agree? Without mixedlm, statsmodels' own BFGS
    #    from the best point checks an interior maximum (with mixedlm, the
    #    check by statsmodels' code is its log-likelihood and gradient at the
    #    chosen point, below: a BFGS run costs seconds on thousands of
    #    clusters, and its first step evaluates exactly those).
    confirmed = False
    on_boundary = False
    if best_fast is not None:
        llfs = [records[i]["llf"] for i in fast]
        top = records[best_fast]["llf"]
        on_boundary = _theta_on_boundary(model, lik, thetas[best_fast])
        agree = len(fast) == 2 and max(llfs) - min(llfs) <= AGREE_TOL
        if use_lme4 or on_boundary:
            # statsmodels cannot start from a singular covariance matrix; the
            # searches below check boundary fits instead.
            confirmed = agree
        else:
            res, rec = _attempt(model, reml, "bfgs", start=thetas[best_fast], lik=lik)
            add(res, rec)
            confirmed = agree and res is not None and rec["converged"] and rec["llf"] >= top - AGREE_TOL

    # 3. In doubt, or on the boundary of a covariance with more than one
    #    parameter (where the optimisers' traps are): more searches on the
    #    exact profile (BFGS from a second start, Nelder-Mead and L-BFGS-B
    #    from the best point). statsmodels' optimisers from its default start
    #    run when asked (``methods``), or when mixedlm is not there.
    in_doubt = not confirmed or (on_boundary and lik.n_theta > 1)
    if in_doubt or methods is not None:
        sm_methods = methods if methods is not None else (() if use_lme4 else DEFAULT_METHODS)
        for method in sm_methods:
            add(*_attempt(model, reml, method, lik=lik))
    if in_doubt:
        if use_lme4:
            theta, rec = _fast_attempt(lik, "BFGS (profile)", "BFGS", 0.5 * default, "half default", False)
            add(None, rec, theta)
        cand = [i for i in range(len(records)) if thetas[i] is not None]
        if cand:
            best_any = max(cand, key=lambda i: records[i]["llf"])
            theta, rec = _fast_attempt(
                lik, "Nelder-Mead (profile)", "Nelder-Mead", thetas[best_any], "best so far", True
            )
            add(None, rec, theta)
            if not records[best_any]["converged"]:
                theta, rec = _fast_attempt(
                    lik, "L-BFGS-B (profile)", "L-BFGS-B", thetas[best_any], "best so far", True
                )
                add(None, rec, theta)

    usable = [i for i in range(len(records)) if thetas[i] is not None and np.isfinite(records[i]["llf"])]
    if not usable:
        detail = "; ".join(f"{r['method']}: {r['note']}" for r in records)
        raise RuntimeError(f"every optimiser failed: {detail}")
    conv = [i for i in usable if records[i]["converged"]]
    pool = conv if conv else usable
    chosen = max(pool, key=lambda i: records[i]["llf"])
    note = ""
    if results[chosen] is not None:
        best = results[chosen]
    else:
        # Never less than the best point found: built there, checked against
        # statsmodels' log-likelihood, or built another way if statsmodels
        # cannot represent the point.
        best, note, sm_llf = _results_at_checked(model, lik, reml, thetas[chosen], records[chosen]["llf"])
        _compat.set_converged(best, conv)
        if use_lme4:
            check = _statsmodels_check(model, best, sm_llf, records[chosen]["llf"], on_boundary)
            check["converged"] = check["converged"] and bool(conv)
            records.append(check)
    best_llf = float(records[chosen]["llf"])

    audit = pd.DataFrame(records)
    audit["gap"] = best_llf - audit["llf"]
    audit["chosen"] = False
    audit.loc[chosen, "chosen"] = True
    audit = audit[["method", "start", "llf", "converged", "grad_norm", "gap", "chosen", "note"]]
    return best, audit, bool(conv), note


def fit_mixed(formula, data, groups, re_formula=None, reml=True, vc_formula=None, methods=None, warn=True):
    """Fit a linear mixed model and make sure the estimate is the maximum.

    statsmodels' default ``fit()`` can stop short of the maximum of the
    likelihood and still say "Converged: Yes". This function runs more than
    one optimiser from more than one start, checks that they agree, and
    returns the converged fit with the highest log-likelihood. What each
    optimiser found is kept in ``result.fit_audit`` so you can see the check.

    Parameters
    ----------
    formula : str
        Fixed-effects formula, e.g. ``"Reaction ~ Days"``.
    data : pandas.DataFrame
        The data, one row per level-1 unit.
    groups : str
        Name of the column that identifies the clusters (level-2 units).
    re_formula : str, optional
        Random-effects formula, e.g. ``"~Days"`` for a random intercept and a
        random slope of ``Days`` with their covariance. ``None`` (default)
        fits a random intercept only.
    reml : bool, default True
        Restricted maximum likelihood (``True``) or maximum likelihood
        (``False``). Compare models with different fixed effects by
        likelihood-ratio test only with ``reml=False``.
    vc_formula : dict, optional
        Independent variance components, passed to statsmodels.
    methods : sequence of str, optional
        statsmodels/scipy optimiser names to run from statsmodels' default
        start as well (for example ``("lbfgs", "bfgs", "cg", "powell")`` to
        show in a chapter how the individual optimisers fare). By default
        they run only when ``mixedlm`` cannot take the model.
    warn : bool, default True
        Warn (:class:`OptimizerWarning`) when the best maximum was reached by
        one optimiser only or no optimiser converged, and
        (:class:`BoundaryWarning`) when a variance is estimated at zero or a
        correlation at +-1.

    Returns
    -------
    statsmodels.regression.mixed_linear_model.MixedLMResults
        The best fit. ``result.fit_audit`` is a DataFrame with one row per
        optimiser run: ``method``, ``start`` (``"default"`` is statsmodels'
        default starting point), ``llf``, ``converged``, ``grad_norm`` (norm
        of the gradient of the profile log-likelihood where the run ended),
        ``gap`` (how far below the best log-likelihood the run ended),
        ``chosen`` and ``note`` (statsmodels' warnings or the error); its
        last row, ``statsmodels (check)``, is statsmodels' own
        log-likelihood at the estimate. ``result.fit_spec`` records the
        arguments (used by :func:`helpers.predict`); ``result.fit_note`` is
        empty unless the result had to be built without statsmodels'
        likelihood (see the module docstring).

    Raises
    ------
    ValueError, TypeError
        For data that cannot be fitted, with a message that names the problem
        (a column not in the data, missing cluster labels, a single cluster,
        a non-numeric outcome, an empty frame, a data argument that is not a
        DataFrame, a Python keyword used as a column name in a formula).
    RuntimeError
        If every optimiser failed.

    See Also
    --------
    varcomp : the variance components on the data scale.
    lrt : likelihood-ratio tests between fits.

    Notes
    -----
    Two searches, L-BFGS-B on the exact profile log-likelihood from
    statsmodels' default start and lme4's algorithm (the ``mixedlm``
    package, given the design built here), must agree; on the boundary of
    a covariance matrix with more than one parameter, or when they do not
    agree, BFGS from a second start and Nelder-Mead from the best point run
    too. The result is built at the best point found and checked against
    statsmodels' own log-likelihood there (see the module docstring).

    A level of a categorical column that has no rows (after a subset, or
    after rows with missing values are dropped) is dropped from the design,
    as R's ``model.frame`` does; no row is dropped by this. A column whose
    name is a Python keyword (``class``, ``yield``, ``lambda``, ...) must be
    quoted in a formula, ``Q("class")``: the error says so.

    Examples
    --------
    >>> from helpers import load, fit_mixed
    >>> res = fit_mixed("Reaction ~ Days", load("sleepstudy"), groups="Subject", re_formula="~Days")
    >>> round(float(res.llf), 3)
    -871.814
    """
    rows = prepare_mixed_data(formula, data, groups, re_formula, vc_formula)
    model = _build_model(formula, rows, groups, re_formula, vc_formula)
    with single_thread(), np.errstate(all="ignore"):
        try:
            best, audit, any_converged, engine_note = _fit_model(model, reml, methods)
        except RuntimeError as err:
            raise RuntimeError(f"Could not fit {formula!r}: {err}") from None
    best_llf = float(best.llf)
    chosen = int(np.flatnonzero(audit["chosen"].to_numpy())[0])
    endog = np.asarray(model.endog, dtype=float)
    if not float(best.scale) > 1e-10 * float(np.var(endog)):
        raise ValueError(
            f"The model {formula!r} reproduces the outcome exactly (the residual variance is "
            f"zero): {len(endog)} complete rows are too few for its parameters, or the outcome "
            "is a function of the predictors."
        )

    # Set on the inner results so that the wrapper and the unwrapped object both see them.
    inner = _compat.unwrap(best)
    inner.fit_audit = audit
    inner.fit_note = engine_note
    inner.groups_name = groups
    inner.fit_spec = {
        "formula": formula,
        "groups": groups,
        "re_formula": re_formula,
        "vc_formula": vc_formula,
        "reml": bool(reml),
    }

    if warn:
        agree = audit[(audit["gap"].abs() <= LLF_TOL) & audit["converged"]]
        if not any_converged:
            warnings.warn(
                f"No optimiser converged for {formula!r}; the fit with the highest "
                f"log-likelihood ({best_llf:.4f}) is returned but may not be the maximum. "
                "Look at result.fit_audit, simplify the random effects, or rescale predictors.",
                OptimizerWarning,
                stacklevel=2,
            )
        elif len(agree) < 2:
            warnings.warn(
                f"Only {audit.loc[chosen, 'method']} reached the highest log-likelihood "
                f"({best_llf:.4f}) for {formula!r}; the other optimisers stopped lower. "
                "Check result.fit_audit before trusting this fit.",
                OptimizerWarning,
                stacklevel=2,
            )
        msgs = _boundary_messages(best)
        extra = f" Note: {engine_note}." if engine_note else ""
        if msgs:
            warnings.warn(
                "The fit is on the boundary of the parameter space: "
                + "; ".join(msgs)
                + ". The data carry no evidence for that part of the random effects; "
                "consider the simpler model." + extra,
                BoundaryWarning,
                stacklevel=2,
            )
        elif extra:
            warnings.warn(extra.strip(), BoundaryWarning, stacklevel=2)
    return best


def _build_model(formula, rows, groups, re_formula, vc_formula):
    """statsmodels' MixedLM, with formula errors turned into a clear ValueError."""
    from patsy import PatsyError

    try:
        model = smf.mixedlm(formula, rows, groups=groups, re_formula=re_formula, vc_formula=vc_formula)
    except PatsyError as err:
        raise ValueError(f"Cannot build the model {formula!r} from the data: {err.message}") from None
    check_design(model.exog, model.exog_names, f"fixed-effects design of {formula!r}")
    if model.k_re:
        check_design(
            model.exog_re, model.data.exog_re_names, f"random-effects design of {re_formula or '~1'!r}"
        )
    return model
