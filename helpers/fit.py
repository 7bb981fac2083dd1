"""Fitting linear mixed models so that the estimate is the maximum of the likelihood.

statsmodels' ``MixedLM.fit()`` can stop short of the maximum: on the MLwiN
Exam data it reports convergence 0.25 log-likelihood units too low, and on
the dietox random-slope model it ends "Converged: No" far from the maximum.
:func:`fit_mixed` runs several optimisers, keeps the best converged fit, and
records what each optimiser found in ``result.fit_audit`` so that a reader
can see the check.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from ._checks import prepare_mixed_data

#: Optimisers run from statsmodels' default start. The gradient methods are
#: quick; Powell does not use the gradient and gets past flat regions where
#: they stop early.
DEFAULT_METHODS = ("lbfgs", "bfgs", "cg", "powell")

#: Run from the best point found, to confirm it (Nelder-Mead from the
#: default start is slow and can wander off; from a maximum it stops at once).
CONFIRM_METHODS = ("nm",)

#: Log-likelihoods closer than this count as the same maximum.
LLF_TOL = 1e-3

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


def _attempt(model, reml, method, start=None):
    """One optimiser run; returns (result or None, record dict)."""
    record = {"method": method, "start": "default" if start is None else "best so far",
              "llf": np.nan, "converged": False, "grad_norm": np.nan, "note": ""}
    calls = [0]
    loglike = type(model).loglike

    def counted(params, profile_fe=True):
        calls[0] += 1
        if calls[0] > MAX_EVALS:
            raise _BudgetExceeded
        return loglike(model, params, profile_fe)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.loglike = counted
        try:
            result = model.fit(reml=reml, method=method, start_params=start,
                               maxiter=_MAXITER.get(method, 1000))
        except _BudgetExceeded:
            record["note"] = f"failed: no convergence within {MAX_EVALS} log-likelihood evaluations"
            return None, record
        except (np.linalg.LinAlgError, ValueError, FloatingPointError, OverflowError, ZeroDivisionError) as err:
            record["note"] = f"failed: {type(err).__name__}: {err}"
            return None, record
        finally:
            del model.loglike
        try:
            with np.errstate(all="ignore"):
                grad = model.score(result.params_object, profile_fe=True)
            record["grad_norm"] = float(np.sqrt(np.sum(np.square(grad))))
        except (np.linalg.LinAlgError, ValueError):
            pass
    llf = float(result.llf)
    record["llf"] = llf
    record["converged"] = bool(result.converged)
    if not np.isfinite(llf) or not np.all(np.isfinite(result.fe_params)):
        record["note"] = "failed: non-finite log-likelihood or estimates"
        record["converged"] = False
        return None, record
    msgs = sorted({str(w.message).split(".")[0] for w in caught
                   if "Retrying" not in str(w.message)})
    record["note"] = "; ".join(msgs)
    return result, record


def _boundary_messages(result) -> list[str]:
    msgs = []
    cov = np.asarray(result.cov_re)
    names = [str(n) for n in result.model.data.exog_re_names] if result.k_re else []
    scale = float(result.scale)
    for i, name in enumerate(names):
        if cov[i, i] <= 1e-6 * scale:
            msgs.append(f"the variance of the random effect {name!r} is estimated at zero")
    for i in range(len(names)):
        for j in range(i):
            if cov[i, i] > 1e-6 * scale and cov[j, j] > 1e-6 * scale:
                r = cov[i, j] / np.sqrt(cov[i, i] * cov[j, j])
                if abs(r) > 0.999:
                    msgs.append(f"the correlation of {names[j]!r} and {names[i]!r} is estimated at {r:+.3f}")
    for name, v in zip(result.model.exog_vc.names if result.model.k_vc else [], np.atleast_1d(result.vcomp)):
        if v <= 1e-6 * scale:
            msgs.append(f"the variance component {name!r} is estimated at zero")
    return msgs


def fit_mixed(formula, data, groups, re_formula=None, reml=True, vc_formula=None,
              methods=DEFAULT_METHODS, warn=True):
    """Fit a linear mixed model and make sure the estimate is the maximum.

    Several optimisers are run from statsmodels' default start; if the best
    log-likelihood came from a run that did not converge, the gradient
    optimisers are restarted from there. The converged fit with the highest
    log-likelihood is returned.

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
    methods : sequence of str
        Optimisers to try (statsmodels/scipy names).
    warn : bool, default True
        Warn (:class:`OptimizerWarning`) when the best maximum was reached by
        one optimiser only or no optimiser converged, and
        (:class:`BoundaryWarning`) when a variance is estimated at zero.

    Returns
    -------
    statsmodels.regression.mixed_linear_model.MixedLMResults
        The best fit. ``result.fit_audit`` is a DataFrame with one row per
        optimiser run: ``method``, ``start``, ``llf``, ``converged``,
        ``grad_norm`` (norm of the gradient of the profile log-likelihood),
        ``gap`` (how far below the best log-likelihood the run ended),
        ``chosen`` and ``note`` (statsmodels' warnings or the error).

    Raises
    ------
    ValueError, TypeError
        For data that cannot be fitted, with a message that names the problem
        (a column not in the data, missing cluster labels, a single cluster,
        a non-numeric outcome, an empty frame).
    RuntimeError
        If every optimiser failed.

    Examples
    --------
    >>> from helpers import load, fit_mixed
    >>> res = fit_mixed("Reaction ~ Days", load("sleepstudy"), groups="Subject", re_formula="~Days")
    >>> round(res.llf, 3)
    -871.814
    """
    rows = prepare_mixed_data(formula, data, groups, re_formula, vc_formula)
    model = smf.mixedlm(formula, rows, groups=groups, re_formula=re_formula, vc_formula=vc_formula)

    results, records = [], []
    for method in methods:
        res, rec = _attempt(model, reml, method)
        results.append(res)
        records.append(rec)

    ok = [i for i, r in enumerate(results) if r is not None]
    if not ok:
        detail = "; ".join(f"{r['method']}: {r['note']}" for r in records)
        raise RuntimeError(f"Every optimiser failed for {formula!r}: {detail}")

    # Confirm from the highest point found (and polish it with a gradient
    # method if the run that found it did not converge).
    best_any = max(ok, key=lambda i: records[i]["llf"])
    start = results[best_any].params_object.get_packed(use_sqrt=model.use_sqrt, has_fe=False)
    confirm = list(CONFIRM_METHODS)
    if not records[best_any]["converged"]:
        confirm += ["bfgs", "lbfgs"]
    for method in confirm:
        res, rec = _attempt(model, reml, method, start=start)
        results.append(res)
        records.append(rec)
    ok = [i for i, r in enumerate(results) if r is not None]
    conv = [i for i in ok if records[i]["converged"]]

    pool = conv if conv else ok
    chosen = max(pool, key=lambda i: records[i]["llf"])
    best = results[chosen]
    best_llf = records[chosen]["llf"]

    audit = pd.DataFrame(records)
    audit["gap"] = best_llf - audit["llf"]
    audit["chosen"] = False
    audit.loc[chosen, "chosen"] = True
    audit = audit[["method", "start", "llf", "converged", "grad_norm", "gap", "chosen", "note"]]
    best.fit_audit = audit
    best.groups_name = groups

    if warn:
        agree = audit[(audit["gap"].abs() <= LLF_TOL) & audit["converged"]]
        if not conv:
            warnings.warn(
                f"No optimiser converged for {formula!r}; the fit with the highest "
                f"log-likelihood ({best_llf:.4f}) is returned but may not be the maximum. "
                "Look at result.fit_audit, simplify the random effects, or rescale predictors.",
                OptimizerWarning, stacklevel=2)
        elif len(agree) < 2:
            warnings.warn(
                f"Only {audit.loc[chosen, 'method']} reached the highest log-likelihood "
                f"({best_llf:.4f}) for {formula!r}; the other optimisers stopped lower. "
                "Check result.fit_audit before trusting this fit.",
                OptimizerWarning, stacklevel=2)
        msgs = _boundary_messages(best)
        if msgs:
            warnings.warn(
                "The fit is on the boundary of the parameter space: " + "; ".join(msgs)
                + ". The data carry no evidence for that part of the random effects; "
                "consider the simpler model.",
                BoundaryWarning, stacklevel=2)
    return best

