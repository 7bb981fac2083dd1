"""Likelihood-ratio tests of nested fits.

:func:`lrt` (chi-square, or the boundary mixture when a variance is tested at
zero) and the parametric bootstrap :func:`bootstrap_lrt`, which builds the
null distribution by simulating from the restricted fit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy import stats
from statsmodels.regression.mixed_linear_model import MixedLMResults

from ._compat import unwrap
from ._lik import MixedLik, packed_theta, single_thread
from ._results import check_mixed, check_same_data, describe


@dataclass(frozen=True)
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
    mixture: tuple = ()
    naive_p_value: float = np.nan
    llf_restricted: float = np.nan
    llf_full: float = np.nan

    def __str__(self) -> str:
        return (
            f"Likelihood-ratio test: LR = {self.statistic:.3f}, df = {self.df}, "
            f"p = {self.p_value:.3g} ({self.method})"
        )


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
    return (
        -(n - p) / 2 * np.log(rss)
        - logdet / 2
        - (n - p) / 2 * np.log(2 * np.pi)
        + (n - p) / 2 * np.log(n - p)
        - (n - p) / 2
    )


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
    return tuple(out)


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
    r, f = describe(restricted), describe(full)
    check_same_data(r, f, "a likelihood-ratio test needs both fitted to the same rows")
    if not set(r.fe) <= set(f.fe):
        raise ValueError(
            "The models are not nested: the restricted model has fixed effects the full "
            f"model lacks ({', '.join(sorted(set(r['fe']) - set(f['fe'])))})."
        )
    if r.kind == "mixed" and not set(r.re) <= set(f.re):
        r = dataclasses.replace(r, re=_match_vc_to_re(unwrap(restricted), full_inner, r.re, f.re))
    if not set(r.re) <= set(f.re):
        raise ValueError(
            "The models are not nested: the restricted model has random effects the full model lacks."
        )
    if r.kind == "mixed" and r.reml != f.reml:
        raise ValueError("One model was fitted by REML and the other by ML; refit both the same way.")
    fe_diff = len(f.fe) - len(r.fe)
    if fe_diff and f.reml:
        raise ValueError(
            "These REML fits have different fixed effects, and REML log-likelihoods of "
            "models with different fixed effects are not comparable. Refit both models "
            "with reml=False (maximum likelihood) to test fixed effects."
        )
    if fe_diff and r.kind == "ols" and f.reml:
        raise ValueError("Refit the mixed model with reml=False to compare it with this OLS fit.")

    llf_r = r.llf
    if r.kind == "ols" and f.reml:
        llf_r = _reml_llf_at_zero(full_inner)
    llf_f = f.llf
    stat = max(0.0, 2.0 * (llf_f - llf_r))

    added_re = len(f.re) - len(r.re)
    cov_diff = f.n_cov - r.n_cov
    df = fe_diff + cov_diff
    if df <= 0:
        raise ValueError("The full model has no more parameters than the restricted one.")
    naive = float(stats.chi2.sf(stat, df))
    if added_re == 0:
        mixture = ((1.0, df),)
        if cov_diff and fe_diff:
            method = (
                f"chi-square with {df} df (fixed effects, and covariances of random effects "
                "tested at zero, an interior point)"
            )
        elif cov_diff:
            what = "a covariance" if cov_diff == 1 else f"{cov_diff} covariances"
            method = (
                f"chi-square with {df} df ({what} of random effects tested at zero, an "
                "interior point: no boundary correction)"
            )
        else:
            method = f"chi-square with {df} df (fixed effects, ML fits)"
    elif added_re == 1:
        mixture = ((0.5, df - 1), (0.5, df))
        method = f"boundary mixture 0.5 chi2({df - 1}) + 0.5 chi2({df}) (a variance tested at zero)"
    else:
        mixture = ((1.0, df),)
        method = (
            f"chi-square with {df} df: conservative, because {added_re} random effects "
            "are added at once; use bootstrap_lrt for an accurate p-value"
        )
    return LRTResult(
        statistic=stat,
        df=df,
        p_value=mixture_pvalue(stat, mixture),
        method=method,
        mixture=mixture,
        naive_p_value=naive,
        llf_restricted=llf_r,
        llf_full=llf_f,
    )


# ---------------------------------------------------------------------------
# Parametric bootstrap likelihood-ratio test
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
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
        return (
            f"Parametric bootstrap LRT: LR = {self.statistic:.3f}, p = {self.p_value:.3g} "
            f"from {len(self.null_statistics)} replicates"
            + (f" ({self.n_failed} failed)" if self.n_failed else "")
            + f"; asymptotic p = {self.mixture_p_value:.3g}"
        )


def _ols_llf(X, y) -> float:
    n = len(y)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    rss = float(np.sum((y - X @ beta) ** 2))
    return -0.5 * n * (np.log(2 * np.pi * rss / n) + 1.0)


def bootstrap_lrt(
    restricted, full, n_boot: int = 500, seed=None, progress: bool = False
) -> BootstrapLRTResult:
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
    sampler = _NullSampler.from_fits(unwrap(restricted), check_mixed(full, "full"), rng)
    reps = range(int(n_boot))
    if progress:
        from tqdm import tqdm

        reps = tqdm(reps, desc="bootstrap LRT", unit="replicate")
    with single_thread():
        null_stats, failed = sampler.run(reps)
    null_stats = np.asarray(null_stats)
    if len(null_stats) == 0:
        raise RuntimeError(f"All {n_boot} bootstrap refits failed.")
    exceed = int(np.sum(null_stats >= observed.statistic - 1e-8))
    p = (1 + exceed) / (1 + len(null_stats))
    method = f"parametric bootstrap, {len(null_stats)} replicates simulated from the restricted fit" + (
        f", {failed} failed refits left out" if failed else ""
    )
    seed_out = seed if not isinstance(seed, np.random.Generator) else None
    return BootstrapLRTResult(
        statistic=observed.statistic,
        p_value=p,
        null_statistics=null_stats,
        n_boot=int(n_boot),
        method=method,
        n_failed=failed,
        seed=seed_out,
        mixture_p_value=observed.p_value,
        df=observed.df,
    )


@dataclass
class _NullSampler:
    """Simulates outcomes from the restricted fit and refits both models to each.

    The restricted model is either a mixed model (``restricted_lik`` set:
    outcomes are ``mean + Z b + e`` with ``b = lam u``) or OLS (``X_ols``
    set: outcomes are ``mean + e``, and the restricted log-likelihood is that
    of OLS, or of the full model at zero variances when it is fitted by REML).
    """

    rng: np.random.Generator
    mean: np.ndarray
    sigma: float
    full_lik: MixedLik
    full_starts: list
    restricted_lik: MixedLik | None = None
    restricted_starts: list | None = None
    lam: np.ndarray | None = None
    X_ols: np.ndarray | None = None

    @classmethod
    def from_fits(cls, r_inner, f_inner, rng) -> "_NullSampler":
        full_lik = MixedLik(f_inner.model, f_inner.reml)
        full_starts = [packed_theta(f_inner), full_lik.default_theta()]
        sigma = np.sqrt(float(r_inner.scale))
        if not isinstance(r_inner, MixedLMResults):
            return cls(
                rng,
                np.asarray(r_inner.fittedvalues, dtype=float),
                sigma,
                full_lik,
                full_starts,
                X_ols=np.asarray(r_inner.model.exog, dtype=float),
            )
        r_lik = MixedLik(r_inner.model, r_inner.reml)
        r_theta = packed_theta(r_inner)
        mean = r_inner.model.exog @ np.asarray(r_inner.fe_params, dtype=float)
        return cls(
            rng,
            mean,
            sigma,
            full_lik,
            full_starts,
            restricted_lik=r_lik,
            restricted_starts=[r_theta, r_lik.default_theta()],
            lam=r_lik.lam(r_theta) * sigma,
        )  # random effects b_j = lam_j u_j

    def draw(self) -> np.ndarray:
        """One outcome vector simulated under the restricted fit."""
        y = self.mean + self.sigma * self.rng.standard_normal(len(self.mean))
        lik = self.restricted_lik
        if lik is not None:
            u = self.rng.standard_normal((lik.J, lik.q))
            b = np.einsum("jab,jb->ja", self.lam, u)
            for ix, z in enumerate(lik.Z):
                y[lik.rows[ix]] += z @ b[ix, : z.shape[1]]
        return y

    def statistic(self, y) -> float:
        """The likelihood-ratio statistic for outcome ``y`` (NaN if a refit is not finite)."""
        with np.errstate(all="ignore"):
            self.full_lik.set_endog(y)
            _, llf_f, _, _ = self.full_lik.maximize(self.full_starts)
            if self.restricted_lik is not None:
                self.restricted_lik.set_endog(y)
                _, llf_r, _, _ = self.restricted_lik.maximize(self.restricted_starts)
            elif self.full_lik.reml:
                llf_r = self.full_lik.loglike(np.zeros(self.full_lik.n_theta))
            else:
                llf_r = _ols_llf(self.X_ols, y)
        if not (np.isfinite(llf_f) and np.isfinite(llf_r)):
            return np.nan
        return max(0.0, 2.0 * (llf_f - llf_r))

    def run(self, reps) -> tuple[list, int]:
        """The statistics of the successful replicates, and the number that failed."""
        null_stats, failed = [], 0
        for _ in reps:
            y = self.draw()
            try:
                stat = self.statistic(y)
            except (np.linalg.LinAlgError, ValueError, FloatingPointError, OverflowError):
                stat = np.nan
            if np.isnan(stat):
                failed += 1
            else:
                null_stats.append(stat)
        return null_stats, failed
