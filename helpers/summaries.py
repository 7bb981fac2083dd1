"""Summaries of fitted mixed models, on the scale of the data.

The fixed effects with model-based standard errors (:func:`fixed_effects`),
the variance components (:func:`varcomp`), the intraclass correlation
(:func:`icc`), Kish's design effect (:func:`design_effect`) and the
proportional reduction of a variance between two fits
(:func:`variance_reduction`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ._lik import MixedLik, packed_theta, single_thread
from ._results import check_mixed, check_same_data, describe, resolve_term, term_names


def icc(result) -> float:
    """Intraclass correlation of a random-intercept model.

    ``tau^2 / (tau^2 + sigma^2)``: the share of the variance that lies between
    clusters, and the correlation of two observations in the same cluster.

    Parameters
    ----------
    result : MixedLMResults
        A random-intercept fit (no random slopes, no variance components).

    Returns
    -------
    float
    """
    inner = check_mixed(result)
    if inner.k_re != 1 or inner.model.k_vc:
        raise ValueError(
            "The ICC is defined here for a random-intercept model only: with random "
            "slopes the share of variance between clusters depends on the predictor."
        )
    tau2 = float(np.asarray(inner.cov_re)[0, 0])
    return tau2 / (tau2 + float(inner.scale))


def design_effect(icc_value: float, cluster_size: float) -> float:
    """Kish's design effect ``1 + (m - 1) * ICC`` for clusters of average size ``m``.

    The variance of a mean (or of a between-cluster regression coefficient)
    is this many times larger than under simple random sampling; the effective
    sample size is ``n / design_effect``.
    """
    if not 0 <= icc_value <= 1:
        raise ValueError(f"An ICC must lie between 0 and 1, got {icc_value}.")
    if cluster_size < 1:
        raise ValueError(f"The cluster size must be at least 1, got {cluster_size}.")
    return 1.0 + (cluster_size - 1.0) * icc_value


# ---------------------------------------------------------------------------
# Fixed effects with model-based standard errors
# ---------------------------------------------------------------------------


def fixed_effects(result, level: float = 0.95) -> pd.DataFrame:
    """The fixed effects of a fit as a tidy table, with model-based standard errors.

    The standard errors are the square roots of the diagonal of
    ``(X' V^-1 X)^-1``, the covariance matrix of the generalised
    least-squares estimator of the fixed effects at the estimated variances
    (``V`` is the marginal covariance of the outcome). This is what lme4
    (``vcov(fit)``), HLM and MLwiN report.

    Parameters
    ----------
    result : MixedLMResults
        A fit from :func:`helpers.fit_mixed` (ML or REML).
    level : float, default 0.95
        Confidence level of the Wald intervals.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``term`` (the names of ``result.fe_params``), with columns
        ``estimate``, ``se`` (model-based standard error), ``z``
        (``estimate / se``), ``p`` (two-sided, standard normal) and
        ``lower``, ``upper`` (``estimate -+ z_{(1+level)/2} se``).

    Raises
    ------
    TypeError
        A result that is not a mixed model.
    ValueError
        A ``level`` outside (0, 1).

    See Also
    --------
    varcomp : the variance components of the same fit.

    Notes
    -----
    statsmodels' ``result.bse_fe`` comes from another matrix: the inverse of
    the observed information of *all* parameters together, fixed effects and
    variance parameters. In balanced designs with a random intercept the two
    agree; with random slopes in unbalanced data, or when a variance is
    estimated on the boundary (at zero), the fixed effects and the variance
    parameters are not orthogonal in the observed information and ``bse_fe``
    differs from ``(X' V^-1 X)^-1`` (usually in the second or third digit,
    sometimes more). Use this table to compare with published HLM, MLwiN or
    lme4 output.

    The ``z`` test treats the variances as known; with few clusters it is
    too optimistic (there is no Satterthwaite or Kenward-Roger correction).

    Examples
    --------
    >>> from helpers import load, fit_mixed, fixed_effects
    >>> res = fit_mixed("Reaction ~ Days", load("sleepstudy"), "Subject", re_formula="~Days")
    >>> round(float(fixed_effects(res).loc["Days", "se"]), 4)
    1.5458
    """
    inner = check_mixed(result)
    if not 0 < level < 1:
        raise ValueError(f"`level` must lie between 0 and 1, got {level}.")
    lik = MixedLik(inner.model, inner.reml)
    with single_thread(), np.errstate(all="ignore"):
        xvx = lik.parts(packed_theta(inner))["xvx"]
    cov = float(inner.scale) * np.linalg.inv(xvx)
    est = np.asarray(inner.fe_params, dtype=float)
    se = np.sqrt(np.diag(cov))
    z = est / se
    crit = float(stats.norm.ppf(0.5 + level / 2.0))
    out = pd.DataFrame(
        {
            "estimate": est,
            "se": se,
            "z": z,
            "p": 2.0 * stats.norm.sf(np.abs(z)),
            "lower": est - crit * se,
            "upper": est + crit * se,
        },
        index=pd.Index([str(n) for n in inner.model.exog_names], name="term"),
    )
    return out


# ---------------------------------------------------------------------------
# Variance components on the data scale
# ---------------------------------------------------------------------------


def varcomp(result) -> pd.DataFrame:
    """The variance components of a fit on the data scale, as a tidy table.

    statsmodels keeps the variances in several places and in two scales
    (``res.params`` holds them *divided by the residual variance*). This
    table gathers them on the scale of the outcome, the way they are written
    in the model and reported in papers: the variance of each random effect,
    the covariance and correlation of each pair, any variance components from
    ``vc_formula``, and the residual (level-1) variance.

    Parameters
    ----------
    result : MixedLMResults
        A fit from :func:`helpers.fit_mixed`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``component``: ``"Intercept"`` (the random-intercept
        variance, whatever the grouping column is called), the name of each
        random slope (e.g. ``"Days"``), ``"Cov(Intercept, Days)"`` for each
        covariance, each ``vc_formula`` name, and ``"Residual"``. Columns:

        ``kind``
            ``"variance"``, ``"covariance"`` or ``"residual"``.
        ``term``, ``term2``
            The random effect(s) the row is about (``term2`` only for
            covariances).
        ``estimate``
            The variance or covariance, on the data scale.
        ``sd``
            Standard deviation (square root of a variance); empty for a
            covariance.
        ``corr``
            Correlation (for a covariance row); empty otherwise.

    See Also
    --------
    profile_ci : a confidence interval for one of these variances.

    Notes
    -----
    There is no standard-error column on purpose: the standard errors
    statsmodels prints for variance components are not trustworthy, and a
    variance's sampling distribution is skewed. Use :func:`profile_ci`.

    Examples
    --------
    >>> from helpers import load, fit_mixed, varcomp
    >>> res = fit_mixed("Reaction ~ Days", load("sleepstudy"), "Subject", re_formula="~Days")
    >>> round(float(varcomp(res).loc["Intercept", "estimate"]), 1)
    612.1
    """
    inner = check_mixed(result)
    names = term_names(inner)
    cov = np.asarray(inner.cov_re, dtype=float)
    rows = []
    for i in range(inner.k_re):
        v = float(cov[i, i])
        rows.append((names[i], "variance", names[i], "", v, np.sqrt(max(v, 0.0)), np.nan))
    for i in range(inner.k_re):
        for j in range(i):
            c = float(cov[i, j])
            den = np.sqrt(cov[i, i] * cov[j, j])
            r = c / den if den > 0 else np.nan
            rows.append((f"Cov({names[j]}, {names[i]})", "covariance", names[j], names[i], c, np.nan, r))
    for name, v in zip(names[inner.k_re :], np.atleast_1d(np.asarray(inner.vcomp, dtype=float))):
        rows.append((name, "variance", name, "", float(v), np.sqrt(max(float(v), 0.0)), np.nan))
    scale = float(inner.scale)
    rows.append(("Residual", "residual", "Residual", "", scale, np.sqrt(scale), np.nan))
    out = pd.DataFrame(rows, columns=["component", "kind", "term", "term2", "estimate", "sd", "corr"])
    return out.set_index("component")


def variance_reduction(restricted, full, term: str = "Intercept") -> float:
    """Proportional reduction of a variance component between two fits.

    ``(var_restricted - var_full) / var_restricted``: the share of, say, the
    between-cluster variance of the intercept that the predictors added in
    ``full`` "explain" (the Raudenbush & Bryk "proportion of variance
    explained"). If the school-intercept variance falls from 2 to 1 when a
    school-level predictor is added, the reduction is 0.5.

    Parameters
    ----------
    restricted : MixedLMResults
        The model without the predictors (often the empty model).
    full : MixedLMResults
        The same model with the predictors added, fitted to the same rows.
    term : str, default "Intercept"
        The variance to compare: ``"Intercept"``, a random slope's name,
        a ``vc_formula`` name, or ``"Residual"`` (the level-1 variance).

    Returns
    -------
    float
        Between 0 and 1 when the variance fell. It can be negative: adding a
        level-1 predictor can *increase* the estimated level-2 variance, a
        known quirk of this measure (Snijders & Bosker 2012, sec. 7.1).

    Raises
    ------
    ValueError
        Fits to different data, a term one of the models lacks, or a
        restricted variance of zero.
    TypeError
        A result that is not a mixed model.
    """
    r_inner, f_inner = check_mixed(restricted, "restricted"), check_mixed(full, "full")
    check_same_data(describe(r_inner), describe(f_inner))
    key_r, key_f = resolve_term(r_inner, term), resolve_term(f_inner, term)
    v_r, v_f = variance_of(r_inner, key_r), variance_of(f_inner, key_f)
    if v_r <= 0:
        raise ValueError(
            f"The variance of {key_r!r} in the restricted model is estimated at zero: "
            "there is no variance to reduce."
        )
    return (v_r - v_f) / v_r


def variance_of(inner, term: str) -> float:
    """The estimate of one variance of a fit (a name :func:`resolve_term` accepts)."""
    return float(varcomp(inner).loc[resolve_term(inner, term), "estimate"])
