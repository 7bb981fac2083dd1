"""Tests and summaries of fitted mixed models: likelihood-ratio tests, ICC, design effect."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from statsmodels.regression.linear_model import RegressionResultsWrapper
from statsmodels.regression.mixed_linear_model import MixedLMResults, MixedLMResultsWrapper


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


def _describe(result):
    """Fixed-effect names, random-effect names, and counts of a fit (OLS or mixed)."""
    inner = _unwrap(result)
    if isinstance(inner, MixedLMResults):
        model = inner.model
        re_names = [("re", str(n)) for n in model.data.exog_re_names] if inner.k_re else []
        # The random intercept is named after the groups; make it comparable.
        re_names = [("re", "Intercept") if np.all(model.exog_re[:, i] == 1) else n
                    for i, n in enumerate(re_names)]
        vc_names = [("vc", str(n)) for n in model.exog_vc.names] if model.k_vc else []
        k_re = inner.k_re
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


def lrt(restricted, full) -> LRTResult:
    """Likelihood-ratio test of two nested models fitted to the same data.

    Fixed effects (models with the same random effects, fitted by ML): the
    null distribution is chi-square with as many degrees of freedom as the full
    model adds. Variance components: the null value (a variance of zero) is on
    the boundary of the parameter space, so the null distribution is a mixture
    (Self & Liang 1987; Stram & Lee 1994): adding one random effect that
    correlates with ``q`` random effects already in the model gives
    ``0.5 chi2(q) + 0.5 chi2(q + 1)``; a random intercept added to an OLS fit
    gives ``0.5 chi2(0) + 0.5 chi2(1)``.

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
