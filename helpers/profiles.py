"""Profile likelihood of a variance component, and the interval read off it.

:func:`profile_loglike` computes the curve; :func:`profile_ci` the
likelihood-ratio confidence interval (a :class:`ProfileCI`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._lik import MixedLik, single_thread
from ._results import check_mixed, resolve_term, term_names
from .summaries import variance_of


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
        self.key = resolve_term(inner, term)
        self.names = term_names(inner)
        self.k_re, self.k_vc = inner.k_re, int(inner.k_vc)
        self.lik = MixedLik(inner.model, inner.reml)
        self.llf = float(inner.llf)
        self.estimate = variance_of(inner, self.key)
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
        sd = phi[self.i_sd : self.i_z]
        W = np.eye(k)
        W[self._tril_off] = phi[self.i_z : self.i_vc]
        norms = np.linalg.norm(W, axis=1) if k else np.zeros(0)
        Wn = W / norms[:, None] if k else W
        L = (sd[:, None] * Wn) / sigma
        vc = phi[self.i_vc :] / sigma
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
        dsig[0] = 2.0 * sigma**2
        return theta, sigma**2, jac, dsig

    def restart(self) -> None:
        """Start the next maximisation from the estimates again."""
        self._warm = self.phi0[self.free].copy()

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
                res = optimize.minimize(
                    negll,
                    start,
                    method="L-BFGS-B",
                    jac=True,
                    bounds=self.bounds,
                    options={"ftol": 1e-14, "gtol": 1e-9, "maxiter": 2000},
                )
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


@dataclass(frozen=True)
class ProfileCI:
    """A profile confidence interval for a variance (see :func:`profile_ci`).

    Unpacks like a pair, ``lower, upper = profile_ci(...)``, and indexes like
    one (``ci[0]`` is ``ci.lower``).

    Attributes
    ----------
    lower, upper : float
        The ends of the interval for the variance (data scale).
    estimate : float
        The variance's estimate.
    term : str
        The variance, named as in :func:`helpers.varcomp`.
    level : float
        The confidence level.
    """

    lower: float
    upper: float
    estimate: float
    term: str
    level: float

    def __post_init__(self):
        for name in ("lower", "upper", "estimate", "level"):
            object.__setattr__(self, name, float(getattr(self, name)))

    def __iter__(self):
        return iter((self.lower, self.upper))

    def __len__(self) -> int:
        return 2

    def __getitem__(self, i):
        return (self.lower, self.upper)[i]

    def __repr__(self) -> str:
        return (
            f"ProfileCI(term={self.term!r}, estimate={self.estimate:.6g}, "
            f"lower={self.lower:.6g}, upper={self.upper:.6g}, level={self.level})"
        )


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
    The profile is of the criterion the model was fitted by. For a fit by
    ML, lme4's ``confint(profile(fit))`` gives the same interval for the
    standard deviation (its bounds squared equal these). For a fit by REML
    the two differ: lme4 refits the model by ML before profiling, so its
    interval is the ML one, while this is the REML profile. For the
    sleepstudy random-slope model fitted by REML, the intercept-variance
    interval here is about 226 to 1562, lme4's about 207 to 1422; fit with
    ``reml=False`` to reproduce lme4.

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
    prof.restart()
    upper = optimize.brentq(gap, lo_v, hi_v, **tol)
    # Lower bound.
    prof.restart()
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
        prof.restart()
        lower = optimize.brentq(gap, 0.0, est, **tol)
    return ProfileCI(lower, upper, est, prof.key, level)
