"""Tests and summaries of fitted mixed models.

Likelihood-ratio tests (:func:`lrt`, with the boundary mixture for variance
components, and the parametric bootstrap :func:`bootstrap_lrt`), the fixed
effects with model-based standard errors (:func:`fixed_effects`), the table of
variance components on the data scale (:func:`varcomp`), profile-likelihood
intervals for variances (:func:`profile_ci`, :func:`profile_loglike`), the
intraclass correlation (:func:`icc`), the design effect
(:func:`design_effect`) and the proportional reduction of a variance between
two fits (:func:`variance_reduction`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.regression.linear_model import RegressionResultsWrapper
from statsmodels.regression.mixed_linear_model import MixedLMResults, MixedLMResultsWrapper

from ._lik import MixedLik, packed_theta, single_thread


def _unwrap(result):
    return getattr(result, "_results", result)


def check_mixed(result, what: str = "result") -> MixedLMResults:
    """Return the underlying MixedLMResults, or raise a TypeError naming what was passed."""
    inner = _unwrap(result)
    if not isinstance(inner, MixedLMResults):
        raise TypeError(
            f"`{what}` must be a fitted mixed model (from helpers.fit_mixed), not "
            f"{type(result).__name__}."
        )
    return inner


@dataclass
class LRTResult:
    """Outcome of a likelihood-ratio test (see :func:`lrt`).

    Attributes
    ----------
    statistic : float
        Twice the difference in log-likelihoods, ``2 * (llf_full - llf_restricted)``.
    df : int
        Number of parameters the full model adds.
    p_value : float
        p-value under the null distribution named in ``method``.
    method : str
        The null distribution used, in words.
    mixture : tuple of (weight, df) pairs
        The chi-square mixture used as the null distribution (a single pair
        ``(1.0, df)`` for an ordinary chi-square test).
    naive_p_value : float
        The p-value of the plain chi-square with ``df`` degrees of freedom, for
        comparison (conservative for variance components).
    llf_restricted, llf_full : float
        The two log-likelihoods.
    """

    statistic: float
    df: int
    p_value: float
    method: str
    mixture: tuple = field(default=())
    naive_p_value: float = np.nan
    llf_restricted: float = np.nan
    llf_full: float = np.nan

    def __str__(self) -> str:
        return (f"Likelihood-ratio test: LR = {self.statistic:.3f}, df = {self.df}, "
                f"p = {self.p_value:.3g} ({self.method})")


def mixture_pvalue(statistic: float, mixture) -> float:
    """Upper-tail probability of a mixture of chi-square distributions.

    Parameters
    ----------
    statistic : float
        The observed likelihood-ratio statistic.
    mixture : sequence of (weight, df)
        Weights summing to one; ``df = 0`` is a point mass at zero.

    Returns
    -------
    float
    """
    p = 0.0
    for weight, df in mixture:
        if df == 0:
            p += weight * (1.0 if statistic <= 0 else 0.0)
        else:
            p += weight * float(stats.chi2.sf(statistic, df))
    return p


def term_names(result) -> list[str]:
    """Names of the random effects of a fit, the random intercept called ``"Intercept"``.

    statsmodels names the random intercept after the ``groups`` argument
    (``"Group"`` or the column name); tidy output should not depend on that.
    Variance components (``vc_formula``) follow, under their own names.
    """
    inner = check_mixed(result)
    model = inner.model
    names = []
    for i, name in enumerate(model.data.exog_re_names if inner.k_re else []):
        names.append("Intercept" if np.all(model.exog_re[:, i] == 1) else str(name))
    if model.k_vc:
        names += [str(n) for n in model.exog_vc.names]
    return names


def _describe(result):
    """Fixed-effect names, random-effect names, and counts of a fit (OLS or mixed)."""
    inner = _unwrap(result)
    if isinstance(inner, MixedLMResults):
        model = inner.model
        # Random intercept called "Intercept" whatever the groups column is called.
        k_re = inner.k_re
        names = term_names(inner)
        re_names = [("re", n) for n in names[:k_re]]
        vc_names = [("vc", n) for n in names[k_re:]]
        n_cov = k_re * (k_re + 1) // 2 + len(vc_names)
        return dict(kind="mixed", fe=list(model.exog_names), re=re_names + vc_names,
                    n_cov=n_cov, reml=bool(inner.reml), llf=float(inner.llf),
                    endog=np.asarray(model.endog), nobs=int(model.n_totobs),
                    groups=np.asarray(model.groups))
    if isinstance(inner, (RegressionResultsWrapper,)) or hasattr(inner, "model") and hasattr(inner.model, "wexog"):
        model = inner.model
        if type(model).__name__ != "OLS":
            raise TypeError(f"Only OLS results can be the restricted model, not {type(model).__name__}.")
        return dict(kind="ols", fe=list(model.exog_names), re=[], n_cov=0, reml=False,
                    llf=float(inner.llf), endog=np.asarray(model.endog), nobs=int(inner.nobs),
                    groups=None)
    raise TypeError(
        "lrt needs fitted models: a MixedLMResults (helpers.fit_mixed) or, as the "
        f"restricted model, an OLS result; got {type(result).__name__}."
    )


def _reml_llf_at_zero(full) -> float:
    """REML log-likelihood of the full model's fixed effects with no random effects.

    Comparable with ``full.llf`` (same REML constant as statsmodels' MixedLM),
    so a REML random-intercept fit can be tested against the linear model.
    """
    model = full.model
    X, y = model.exog, model.endog
    n, p = X.shape
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    rss = float(np.sum((y - X @ beta) ** 2))
    _, logdet = np.linalg.slogdet(X.T @ X)
    # statsmodels' REML log-likelihood at zero random-effect variances.
    return (-(n - p) / 2 * np.log(rss) - logdet / 2 - (n - p) / 2 * np.log(2 * np.pi)
            + (n - p) / 2 * np.log(n - p) - (n - p) / 2)


def _vc_column(model, k):
    """Variance component ``k`` of ``model`` as one column over all rows, or
    None if it has more than one column in some group."""
    col = np.zeros(int(model.n_totobs))
    for ix, label in enumerate(model.group_labels):
        mat = np.asarray(model.exog_vc.mats[k][ix], dtype=float)
        if mat.ndim != 2 or mat.shape[1] != 1:
            return None
        col[np.asarray(model.row_indices[label])] = mat[:, 0]
    return col


def _match_vc_to_re(r_inner, f_inner, r_re, f_re):
    """The restricted model's random-effect names, with each single-column
    variance component (lme4's ``(0 + x | g)``, independent of the other
    random effects) renamed to the random effect of the full model that has
    the same column (``re_formula="~x"``, correlated). A model with an
    uncorrelated intercept and slope is then nested in the correlated model:
    it holds the covariance at zero."""
    r_model, f_model = r_inner.model, f_inner.model
    if not f_inner.k_re or not r_model.k_vc:
        return r_re
    f_names = dict(enumerate(f_re[: f_inner.k_re]))
    taken = {name for name in r_re if name[0] == "re"}
    out = list(r_re)
    vc_names = [str(n) for n in r_model.exog_vc.names]
    for pos, name in enumerate(r_re):
        if name[0] != "vc" or name in f_re:
            continue
        col = _vc_column(r_model, vc_names.index(name[1]))
        if col is None:
            continue
        for i, f_name in f_names.items():
            if f_name not in taken and np.allclose(col, f_model.exog_re[:, i], rtol=1e-10, atol=1e-12):
                out[pos] = f_name
                taken.add(f_name)
                break
    return out


def lrt(restricted, full) -> LRTResult:
    """Likelihood-ratio test of two nested models fitted to the same data.

    Fixed effects (models with the same random effects, fitted by ML): the
    null distribution is chi-square with as many degrees of freedom as the full
    model adds. Variance components: the null value (a variance of zero) is on
    the boundary of the parameter space, so the null distribution is a mixture
    (Self & Liang 1987; Stram & Lee 1994): adding one random effect that
    correlates with ``q`` random effects already in the model gives
    ``0.5 chi2(q) + 0.5 chi2(q + 1)``; a random intercept added to an OLS fit
    gives ``0.5 chi2(0) + 0.5 chi2(1)``. Covariances: uncorrelated random
    effects (lme4's ``(x || g)``: ``re_formula="1"`` with
    ``vc_formula={"x": "0 + x"}``) are nested in the correlated model
    (``re_formula="~x"``), which adds the covariance; zero is an interior
    value of a covariance, so the null distribution is the plain chi-square
    with one degree of freedom per covariance.

    Parameters
    ----------
    restricted : MixedLMResults or OLS results
        The smaller model.
    full : MixedLMResults
        The larger model; it must contain every fixed and random effect of
        ``restricted``.

    Returns
    -------
    LRTResult
        With ``statistic``, ``df``, ``p_value`` and ``method`` (and the naive
        chi-square p-value for comparison).

    Raises
    ------
    ValueError
        Fits to different data; models that are not nested; REML fits whose
        fixed effects differ (REML log-likelihoods of different fixed effects
        are not comparable: refit both with ``reml=False``); a fit by ML
        compared with a fit by REML.
    TypeError
        Something other than fitted models.

    Notes
    -----
    Adding more than one random effect at once has a null distribution that is
    a mixture with weights that depend on the information matrix; then the
    plain chi-square is used (conservative) and ``method`` says so: use
    :func:`bootstrap_lrt` for an accurate p-value.
    """
    full_inner = check_mixed(full, "full")
    r, f = _describe(restricted), _describe(full)
    if r["nobs"] != f["nobs"] or not np.allclose(r["endog"], f["endog"]):
        raise ValueError(
            "The two models were fitted to different data (different rows or outcome); "
            "a likelihood-ratio test needs both fitted to the same rows. Drop missing "
            "values before fitting both."
        )
    if r["kind"] == "mixed" and not np.array_equal(r["groups"], f["groups"]):
        raise ValueError("The two models use different grouping of the rows into clusters.")
    if not set(r["fe"]) <= set(f["fe"]):
        raise ValueError(
            "The models are not nested: the restricted model has fixed effects the full "
            f"model lacks ({', '.join(sorted(set(r['fe']) - set(f['fe'])))})."
        )
    if r["kind"] == "mixed" and not set(r["re"]) <= set(f["re"]):
        r = dict(r, re=_match_vc_to_re(_unwrap(restricted), full_inner, r["re"], f["re"]))
    if not set(r["re"]) <= set(f["re"]):
        raise ValueError("The models are not nested: the restricted model has random effects the full model lacks.")
    if r["kind"] == "mixed" and r["reml"] != f["reml"]:
        raise ValueError("One model was fitted by REML and the other by ML; refit both the same way.")
    fe_diff = len(f["fe"]) - len(r["fe"])
    if fe_diff and f["reml"]:
        raise ValueError(
            "These REML fits have different fixed effects, and REML log-likelihoods of "
            "models with different fixed effects are not comparable. Refit both models "
            "with reml=False (maximum likelihood) to test fixed effects."
        )
    if fe_diff and r["kind"] == "ols" and f["reml"]:
        raise ValueError("Refit the mixed model with reml=False to compare it with this OLS fit.")

    llf_r = r["llf"]
    if r["kind"] == "ols" and f["reml"]:
        llf_r = _reml_llf_at_zero(full_inner)
    llf_f = f["llf"]
    stat = max(0.0, 2.0 * (llf_f - llf_r))

    added_re = len(f["re"]) - len(r["re"])
    cov_diff = f["n_cov"] - r["n_cov"]
    df = fe_diff + cov_diff
    if df <= 0:
        raise ValueError("The full model has no more parameters than the restricted one.")
    naive = float(stats.chi2.sf(stat, df))
    if added_re == 0:
        mixture = ((1.0, df),)
        if cov_diff and fe_diff:
            method = (f"chi-square with {df} df (fixed effects, and covariances of random effects "
                      "tested at zero, an interior point)")
        elif cov_diff:
            what = "a covariance" if cov_diff == 1 else f"{cov_diff} covariances"
            method = (f"chi-square with {df} df ({what} of random effects tested at zero, an "
                      "interior point: no boundary correction)")
        else:
            method = f"chi-square with {df} df (fixed effects, ML fits)"
    elif added_re == 1:
        mixture = ((0.5, df - 1), (0.5, df))
        method = (f"boundary mixture 0.5 chi2({df - 1}) + 0.5 chi2({df}) "
                  "(a variance tested at zero)")
    else:
        mixture = ((1.0, df),)
        method = (f"chi-square with {df} df: conservative, because {added_re} random effects "
                  "are added at once; use bootstrap_lrt for an accurate p-value")
    return LRTResult(statistic=stat, df=df, p_value=mixture_pvalue(stat, mixture), method=method,
                     mixture=mixture, naive_p_value=naive, llf_restricted=llf_r, llf_full=llf_f)


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
    out = pd.DataFrame({"estimate": est, "se": se, "z": z, "p": 2.0 * stats.norm.sf(np.abs(z)),
                        "lower": est - crit * se, "upper": est + crit * se},
                       index=pd.Index([str(n) for n in inner.model.exog_names], name="term"))
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
    for name, v in zip(names[inner.k_re:], np.atleast_1d(np.asarray(inner.vcomp, dtype=float))):
        rows.append((name, "variance", name, "", float(v), np.sqrt(max(float(v), 0.0)), np.nan))
    scale = float(inner.scale)
    rows.append(("Residual", "residual", "Residual", "", scale, np.sqrt(scale), np.nan))
    out = pd.DataFrame(rows, columns=["component", "kind", "term", "term2", "estimate", "sd", "corr"])
    return out.set_index("component")


def _variance_of(inner, term: str) -> float:
    table = varcomp(inner)
    key = _resolve_term(inner, term)
    return float(table.loc[key, "estimate"])


def _resolve_term(inner, term) -> str:
    """Map a user's name for a variance (``"Intercept"``, a slope, a group
    name, ``"Residual"``) to the name used in :func:`varcomp`."""
    names = term_names(inner)
    if not isinstance(term, str):
        raise TypeError(f"`term` must be a string such as 'Intercept' or 'Residual', not {term!r}.")
    if term in names:
        return term
    if term.lower() in ("residual", "scale", "sigma2", "error"):
        return "Residual"
    raw = [str(n) for n in inner.model.data.exog_re_names] if inner.k_re else []
    if term in raw:
        return names[raw.index(term)]
    if term.lower() == "intercept" and "Intercept" in names:
        return "Intercept"
    raise ValueError(
        f"The model has no variance called {term!r}. Its variances are: "
        f"{', '.join(repr(n) for n in names + ['Residual'])}."
    )


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
    _check_same_data(_describe(r_inner), _describe(f_inner))
    key_r, key_f = _resolve_term(r_inner, term), _resolve_term(f_inner, term)
    v_r, v_f = _variance_of(r_inner, key_r), _variance_of(f_inner, key_f)
    if v_r <= 0:
        raise ValueError(
            f"The variance of {key_r!r} in the restricted model is estimated at zero: "
            "there is no variance to reduce."
        )
    return (v_r - v_f) / v_r


def _check_same_data(r, f) -> None:
    if r["nobs"] != f["nobs"] or not np.allclose(r["endog"], f["endog"]):
        raise ValueError(
            "The two models were fitted to different data (different rows or outcome); "
            "compare fits to the same rows. Drop missing values before fitting both."
        )
    if r["groups"] is not None and f["groups"] is not None and not np.array_equal(r["groups"], f["groups"]):
        raise ValueError("The two models use different grouping of the rows into clusters.")


# ---------------------------------------------------------------------------
# Parametric bootstrap likelihood-ratio test
# ---------------------------------------------------------------------------

@dataclass
class BootstrapLRTResult:
    """Outcome of a parametric-bootstrap likelihood-ratio test (see :func:`bootstrap_lrt`).

    Attributes
    ----------
    statistic : float
        The observed likelihood-ratio statistic (as in :func:`lrt`).
    p_value : float
        ``(1 + #{null statistics >= observed}) / (1 + number of successful
        replicates)``.
    null_statistics : numpy.ndarray
        The statistic in each successful bootstrap replicate.
    n_boot : int
        Replicates asked for.
    n_failed : int
        Replicates whose refit failed (left out of the p-value).
    method : str
        What was done, in words.
    seed : int or None
        The seed used.
    mixture_p_value : float
        The asymptotic p-value from :func:`lrt`, for comparison.
    df : int
        Parameters the full model adds.
    """

    statistic: float
    p_value: float
    null_statistics: np.ndarray
    n_boot: int
    method: str
    n_failed: int = 0
    seed: object = None
    mixture_p_value: float = np.nan
    df: int = 0

    def __str__(self) -> str:
        return (f"Parametric bootstrap LRT: LR = {self.statistic:.3f}, p = {self.p_value:.3g} "
                f"from {len(self.null_statistics)} replicates"
                + (f" ({self.n_failed} failed)" if self.n_failed else "")
                + f"; asymptotic p = {self.mixture_p_value:.3g}")


def _ols_llf(X, y) -> float:
    n = len(y)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    rss = float(np.sum((y - X @ beta) ** 2))
    return -0.5 * n * (np.log(2 * np.pi * rss / n) + 1.0)


def bootstrap_lrt(restricted, full, n_boot: int = 500, seed=None, progress: bool = False) -> BootstrapLRTResult:
    """Parametric-bootstrap likelihood-ratio test of two nested fits.

    The asymptotic null distributions used by :func:`lrt` (chi-square, or
    the boundary mixture for a variance) are approximations that can be poor
    with few clusters. The bootstrap builds the null distribution from the
    data instead: simulate ``n_boot`` new outcomes from the *restricted*
    fit (the null hypothesis is true in them), refit both models to each,
    and see how often the simulated statistic is at least as large as the
    observed one.

    Parameters
    ----------
    restricted : MixedLMResults or OLS results
        The smaller model (the null hypothesis); new data are simulated
        from its estimates.
    full : MixedLMResults
        The larger model.
    n_boot : int, default 500
        Number of bootstrap replicates. The smallest p-value possible is
        ``1 / (n_boot + 1)``.
    seed : int or numpy.random.Generator, optional
        Seed of the random numbers: the same seed gives the same answer.
    progress : bool, default False
        Show a progress bar (tqdm) while the replicates run.

    Returns
    -------
    BootstrapLRTResult
        With ``statistic``, ``p_value``, ``null_statistics``, ``n_boot``,
        ``n_failed`` and ``method``.

    Raises
    ------
    ValueError, TypeError
        As :func:`lrt` (fits to different data, REML fits with different
        fixed effects, models that are not nested, non-mixed results).

    Notes
    -----
    Each replicate is refitted with the same fast, exact likelihood that
    :func:`helpers.fit_mixed` uses as one of its optimisers, started both at
    the observed estimates and at statsmodels' default start; the higher
    maximum is kept. A replicate whose refit fails is left out and counted in
    ``n_failed``.

    Examples
    --------
    >>> from helpers import load, fit_mixed, bootstrap_lrt
    >>> d = load("sleepstudy")
    >>> m0 = fit_mixed("Reaction ~ Days", d, "Subject", reml=False)
    >>> m1 = fit_mixed("Reaction ~ Days", d, "Subject", re_formula="~Days", reml=False)
    >>> bootstrap_lrt(m0, m1, n_boot=99, seed=1).p_value
    0.01
    """
    observed = lrt(restricted, full)
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"`n_boot` must be a positive whole number, got {n_boot!r}.")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    f_inner = check_mixed(full, "full")
    r_inner = _unwrap(restricted)
    r_mixed = isinstance(r_inner, MixedLMResults)

    full_lik = MixedLik(f_inner.model, f_inner.reml)
    full_starts = [packed_theta(f_inner), full_lik.default_theta()]
    if r_mixed:
        r_lik = MixedLik(r_inner.model, r_inner.reml)
        r_theta = packed_theta(r_inner)
        r_starts = [r_theta, r_lik.default_theta()]
        mean = r_inner.model.exog @ np.asarray(r_inner.fe_params, dtype=float)
        sigma = np.sqrt(float(r_inner.scale))
        lam = r_lik.lam(r_theta) * sigma  # random effects b_j = lam_j u_j
    else:
        X_r = np.asarray(r_inner.model.exog, dtype=float)
        mean = np.asarray(r_inner.fittedvalues, dtype=float)
        sigma = np.sqrt(float(r_inner.scale))
    n = len(mean)

    reps = range(int(n_boot))
    if progress:
        from tqdm import tqdm
        reps = tqdm(reps, desc="bootstrap LRT", unit="replicate")
    with single_thread():
        null_stats, failed = _bootstrap_loop(reps, rng, mean, sigma, n, r_mixed, full_lik, full_starts,
                                             r_lik if r_mixed else None, r_starts if r_mixed else None,
                                             lam if r_mixed else None, X_r if not r_mixed else None,
                                             bool(f_inner.reml))
    null_stats = np.asarray(null_stats)
    if len(null_stats) == 0:
        raise RuntimeError(f"All {n_boot} bootstrap refits failed.")
    exceed = int(np.sum(null_stats >= observed.statistic - 1e-8))
    p = (1 + exceed) / (1 + len(null_stats))
    method = (f"parametric bootstrap, {len(null_stats)} replicates simulated from the "
              "restricted fit" + (f", {failed} failed refits left out" if failed else ""))
    seed_out = seed if not isinstance(seed, np.random.Generator) else None
    return BootstrapLRTResult(statistic=observed.statistic, p_value=p, null_statistics=null_stats,
                              n_boot=int(n_boot), method=method, n_failed=failed, seed=seed_out,
                              mixture_p_value=observed.p_value, df=observed.df)


def _bootstrap_loop(reps, rng, mean, sigma, n, r_mixed, full_lik, full_starts, r_lik, r_starts,
                    lam, X_r, full_reml):
    null_stats, failed = [], 0
    for _ in reps:
        y = mean + sigma * rng.standard_normal(n)
        if r_mixed:
            u = rng.standard_normal((r_lik.J, r_lik.q))
            b = np.einsum("jab,jb->ja", lam, u)
            for ix, z in enumerate(r_lik.Z):
                y[r_lik.rows[ix]] += z @ b[ix, : z.shape[1]]
        try:
            with np.errstate(all="ignore"):
                full_lik.set_endog(y)
                _, llf_f, _, _ = full_lik.maximize(full_starts)
                if r_mixed:
                    r_lik.set_endog(y)
                    _, llf_r, _, _ = r_lik.maximize(r_starts)
                elif full_reml:
                    llf_r = full_lik.loglike(np.zeros(full_lik.n_theta))
                else:
                    llf_r = _ols_llf(X_r, y)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError, OverflowError):
            failed += 1
            continue
        if not (np.isfinite(llf_f) and np.isfinite(llf_r)):
            failed += 1
            continue
        null_stats.append(max(0.0, 2.0 * (llf_f - llf_r)))
    return null_stats, failed


# ---------------------------------------------------------------------------
# Profile likelihood of a variance component
# ---------------------------------------------------------------------------

class _Profiler:
    """Profile log-likelihood of one variance on the data scale.

    The model is written in data-scale parameters: the residual SD ``sigma``,
    the SD of each random effect, their correlations (as a unit-row
    triangular factor ``W``), and the SD of each variance component. One of
    the variances is held fixed and the likelihood is maximised over all the
    others (the fixed effects are profiled out exactly).
    """

    def __init__(self, inner, term):

        self.inner = inner
        self.key = _resolve_term(inner, term)
        self.names = term_names(inner)
        self.k_re, self.k_vc = inner.k_re, int(inner.k_vc)
        self.lik = MixedLik(inner.model, inner.reml)
        self.llf = float(inner.llf)
        self.estimate = _variance_of(inner, self.key)
        self._tril_off = np.tril_indices(self.k_re, -1)
        # Start: the estimates, in these parameters.
        cov = np.asarray(inner.cov_re, dtype=float)
        sd = np.sqrt(np.clip(np.diag(cov), 0, None)) if self.k_re else np.zeros(0)
        z = np.zeros(len(self._tril_off[0]))
        if self.k_re > 1:
            ok = sd > 0
            R = np.eye(self.k_re)
            R[np.ix_(ok, ok)] = cov[np.ix_(ok, ok)] / np.outer(sd[ok], sd[ok])
            R = 0.999 * R + 0.001 * np.eye(self.k_re)
            try:
                C = np.linalg.cholesky(R)
                z = (C / np.diag(C)[:, None])[self._tril_off]
            except np.linalg.LinAlgError:
                pass
        vc_sd = np.sqrt(np.clip(np.asarray(inner.vcomp, dtype=float), 0, None)) if self.k_vc else np.zeros(0)
        self.phi0 = np.concatenate([[0.5 * np.log(float(inner.scale))], sd, z, vc_sd])
        n_sd = self.k_re
        self.i_sd = 1
        self.i_z = 1 + n_sd
        self.i_vc = 1 + n_sd + len(z)
        if self.key == "Residual":
            self.fixed = 0
        elif self.names.index(self.key) < self.k_re:
            self.fixed = self.i_sd + self.names.index(self.key)
        else:
            self.fixed = self.i_vc + self.names.index(self.key) - self.k_re
        bounds = [(None, None)] + [(0.0, None)] * n_sd + [(None, None)] * len(z) + [(0.0, None)] * self.k_vc
        self.free = [i for i in range(len(self.phi0)) if i != self.fixed]
        self.bounds = [bounds[i] for i in self.free]
        self._warm = self.phi0[self.free].copy()

    def _theta_sigma2(self, phi):
        """Covariance parameters ``theta`` and ``sigma2`` from ``phi``, with
        their derivatives: ``(theta, sigma2, dtheta/dphi, dsigma2/dphi)``."""
        k, n_phi = self.k_re, len(phi)
        sigma = np.exp(phi[0])
        sd = phi[self.i_sd:self.i_z]
        W = np.eye(k)
        W[self._tril_off] = phi[self.i_z:self.i_vc]
        norms = np.linalg.norm(W, axis=1) if k else np.zeros(0)
        Wn = W / norms[:, None] if k else W
        L = (sd[:, None] * Wn) / sigma
        vc = phi[self.i_vc:] / sigma
        tril = np.tril_indices(k)
        theta = np.concatenate([L[tril], vc])
        jac = np.zeros((len(theta), n_phi))
        jac[:, 0] = -theta
        n_l = len(tril[0])
        for i in range(k):
            dL = np.zeros((k, k))
            dL[i] = Wn[i] / sigma
            jac[:n_l, self.i_sd + i] = dL[tril]
        for pos, (i, j) in enumerate(zip(*self._tril_off)):
            dL = np.zeros((k, k))
            e = np.zeros(k)
            e[j] = 1.0
            dL[i] = sd[i] / sigma * (e - Wn[i] * Wn[i, j]) / norms[i]
            jac[:n_l, self.i_z + pos] = dL[tril]
        for c in range(self.k_vc):
            jac[n_l + c, self.i_vc + c] = 1.0 / sigma
        dsig = np.zeros(n_phi)
        dsig[0] = 2.0 * sigma ** 2
        return theta, sigma ** 2, jac, dsig

    def _fixed_value(self, value):
        return 0.5 * np.log(value) if self.fixed == 0 else np.sqrt(value)

    def at(self, value) -> float:
        """Maximum of the log-likelihood with the variance held at ``value``."""
        from scipy import optimize

        value = float(value)
        if value < 0 or (self.fixed == 0 and value <= 0):
            raise ValueError(f"A variance must be positive; got {value}.")
        phi = self.phi0.copy()
        phi[self.fixed] = self._fixed_value(value)
        free = np.asarray(self.free)

        def negll(x):
            phi[free] = x
            theta, s2, jac, dsig = self._theta_sigma2(phi)
            ll, g_theta, g_s2 = self.lik.loglike_grad(theta, s2)
            if not np.isfinite(ll):
                return 1e300, np.zeros(len(x))
            grad = g_theta @ jac + g_s2 * dsig
            return -ll, -grad[free]

        if not self.free:
            return -negll(np.zeros(0))[0]
        best = None
        starts = [self._warm]
        if not np.allclose(self._warm, self.phi0[free]):
            starts.append(self.phi0[free])
        for start in starts:
            with np.errstate(all="ignore"):
                res = optimize.minimize(negll, start, method="L-BFGS-B", jac=True, bounds=self.bounds,
                                        options={"ftol": 1e-14, "gtol": 1e-9, "maxiter": 2000})
            if best is None or res.fun < best.fun:
                best = res
        self._warm = np.asarray(best.x)
        return -float(best.fun)


def profile_loglike(result, term: str, values) -> pd.DataFrame:
    """Profile log-likelihood of one variance component over a grid of values.

    For each value ``v`` of the chosen variance (on the data scale), the
    log-likelihood is maximised over every other parameter with that
    variance held at ``v``. The curve peaks at the estimate (where it equals
    ``result.llf``); how fast it falls off shows how precisely the data
    pin the variance down. :func:`profile_ci` reads the confidence
    interval off this curve.

    Parameters
    ----------
    result : MixedLMResults
        A fit from :func:`helpers.fit_mixed` (ML or REML: the profile is of
        the criterion the model was fitted by).
    term : str
        ``"Intercept"`` (random-intercept variance), a random slope's name,
        a ``vc_formula`` name, or ``"Residual"``.
    values : array-like of float
        Variances (data scale, not standard deviations) at which to profile;
        zero is allowed for a random-effect variance.

    Returns
    -------
    pandas.DataFrame
        Columns ``value`` and ``loglike`` (the profile log-likelihood), and
        ``lr`` = ``2 * (result.llf - loglike)``, the likelihood-ratio
        statistic for the null value ``value``.

    Examples
    --------
    >>> from helpers import load, fit_mixed, profile_loglike
    >>> res = fit_mixed("Yield ~ 1", load("dyestuff"), "Batch", reml=False)
    >>> prof = profile_loglike(res, "Intercept", [500, 1388.33, 3000])
    >>> bool(prof["loglike"].idxmax() == 1)
    True
    """
    inner = check_mixed(result)
    prof = _Profiler(inner, term)
    vals = np.atleast_1d(np.asarray(values, dtype=float))
    if vals.ndim != 1 or len(vals) == 0 or not np.all(np.isfinite(vals)):
        raise ValueError("`values` must be a non-empty list of finite variances.")
    # Profile outwards from the estimate so each fit starts near its neighbour.
    order = np.argsort(np.abs(vals - prof.estimate))
    out = np.empty(len(vals))
    with single_thread():
        for i in order:
            out[i] = prof.at(vals[i])
    return pd.DataFrame({"value": vals, "loglike": out, "lr": 2.0 * (prof.llf - out)})


class ProfileCI(tuple):
    """A confidence interval ``(lower, upper)`` that also carries
    ``estimate``, ``term`` and ``level``. Unpacks like a pair:
    ``lower, upper = profile_ci(...)``."""

    def __new__(cls, lower, upper, estimate, term, level):
        obj = super().__new__(cls, (float(lower), float(upper)))
        obj.estimate, obj.term, obj.level = float(estimate), term, float(level)
        return obj

    @property
    def lower(self) -> float:
        return self[0]

    @property
    def upper(self) -> float:
        return self[1]

    def __repr__(self) -> str:
        return (f"ProfileCI(term={self.term!r}, estimate={self.estimate:.6g}, "
                f"lower={self.lower:.6g}, upper={self.upper:.6g}, level={self.level})")


def profile_ci(result, term: str = "Intercept", level: float = 0.95) -> ProfileCI:
    """Profile-likelihood confidence interval for a variance component.

    The interval holds every value ``v`` of the variance that a
    likelihood-ratio test would not reject: those where the profile
    log-likelihood (see :func:`profile_loglike`) is within
    ``chi2_1(level) / 2`` (1.92 for 95 %) of the maximum. Unlike
    "estimate +- 1.96 SE" it respects that a variance cannot be negative and
    that its sampling distribution is skewed, and it does not depend on the
    standard errors statsmodels prints for variances (which are not
    trustworthy).

    Parameters
    ----------
    result : MixedLMResults
        A fit from :func:`helpers.fit_mixed`.
    term : str, default "Intercept"
        ``"Intercept"``, a random slope's name, a ``vc_formula`` name, or
        ``"Residual"``.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    ProfileCI
        ``(lower, upper)`` for the variance (take square roots for the
        standard deviation), with attributes ``estimate``, ``term`` and
        ``level``. The lower bound is
        0 when a variance of zero is inside the interval.

    Notes
    -----
    lme4's ``confint(profile(fit))`` gives the same interval for the
    standard deviation (its bounds squared equal these).

    Examples
    --------
    >>> from helpers import load, fit_mixed, profile_ci
    >>> res = fit_mixed("Yield ~ 1", load("dyestuff"), "Batch", reml=False)
    >>> lo, hi = profile_ci(res, "Intercept")
    >>> round(lo ** 0.5, 2), round(hi ** 0.5, 2)
    (12.2, 84.06)
    """
    with single_thread():
        return _profile_ci(result, term, level)


def _profile_ci(result, term, level):
    """The work of :func:`profile_ci` (see there)."""
    from scipy import optimize

    inner = check_mixed(result)
    if not 0 < level < 1:
        raise ValueError(f"`level` must lie between 0 and 1, got {level}.")
    prof = _Profiler(inner, term)
    cutoff = prof.llf - stats.chi2.ppf(level, 1) / 2.0
    est = prof.estimate
    scale = float(inner.scale)

    def gap(v):
        return prof.at(v) - cutoff

    tol = dict(xtol=1e-10 * max(est, scale), rtol=1e-9)
    # Upper bound: step up from the estimate until the curve is below the cutoff.
    lo_v = est
    hi_v = est * 1.5 if est > 1e-8 * scale else 1e-2 * scale
    for _ in range(200):
        if gap(hi_v) < 0:
            break
        lo_v, hi_v = hi_v, hi_v * 2.0
    else:
        raise RuntimeError(f"Could not find the upper profile bound for {prof.key!r}.")
    prof._warm = prof.phi0[prof.free].copy()
    upper = optimize.brentq(gap, lo_v, hi_v, **tol)
    # Lower bound.
    prof._warm = prof.phi0[prof.free].copy()
    if prof.key == "Residual":
        lo_v = est
        lo2 = est / 1.5
        for _ in range(200):
            if gap(lo2) < 0:
                break
            lo_v, lo2 = lo2, lo2 / 2.0
        lower = optimize.brentq(gap, lo2, lo_v, **tol)
    elif est <= 1e-8 * scale or gap(0.0) >= 0:
        lower = 0.0
    else:
        prof._warm = prof.phi0[prof.free].copy()
        lower = optimize.brentq(gap, 0.0, est, **tol)
    return ProfileCI(lower, upper, est, prof.key, level)
