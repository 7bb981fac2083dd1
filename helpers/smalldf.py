"""Small-sample tests of fixed effects: Satterthwaite and Kenward-Roger.

The Wald z test of a fixed effect refers ``estimate / SE`` to the normal
distribution, as if the standard error were known. With few clusters it is not:
the SE depends on estimated variances. Two corrections refer the statistic to a
t (or F) distribution with estimated denominator degrees of freedom:

- :func:`satterthwaite`: the df of a Satterthwaite (1946) approximation, from the
  sampling variance of the estimated variance parameters (the inverse Hessian of the
  criterion) and the gradient of ``Var(L beta)`` with respect to them, as R's
  lmerTest (Kuznetsova, Brockhoff & Christensen 2017);
- :func:`kenward_roger`: Kenward & Roger (1997): also inflates the covariance of the
  fixed effects for the uncertainty in the variances (small-sample bias of the
  plug-in SE), and scales the F statistic, as R's pbkrtest (Halekoh & Hojsgaard 2014).

:func:`small_sample_tests` tabulates both beside the Wald z test for every fixed
effect. Both need a REML fit (Kenward-Roger is defined for REML); both are checked
against lmerTest and pbkrtest in ``tests/unit/test_smalldf.py``. (statsmodels'
``MixedLM`` has no such tests; and a "Kenward-Roger" elsewhere that only changes the
df, not the standard errors, is not Kenward-Roger.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._blocks import Blocks, check_fit, one_blas_thread


@dataclass
class SmallSampleTest:
    """A t or F test of fixed effects with small-sample degrees of freedom.

    Attributes
    ----------
    statistic : float
        F statistic (for one contrast, the square of the t statistic ``t``).
    t : float
        Signed t statistic for a single contrast (NaN for several).
    num_df, den_df : float
        Numerator (number of contrasts) and denominator degrees of freedom.
    p_value : float
    se : float
        Standard error of a single contrast (Kenward-Roger: the adjusted one).
    method : str
    """

    statistic: float
    t: float
    num_df: int
    den_df: float
    p_value: float
    se: float
    method: str

    def __str__(self) -> str:
        if self.num_df == 1:
            return (
                f"{self.method}: t = {self.t:.3f}, df = {self.den_df:.2f}, "
                f"p = {self.p_value:.3g} (SE {self.se:.4g})"
            )
        return (
            f"{self.method}: F = {self.statistic:.3f} on {self.num_df} and "
            f"{self.den_df:.2f} df, p = {self.p_value:.3g}"
        )


def _contrast(inner, L):
    names = list(inner.model.exog_names)
    if isinstance(L, str):
        if L not in names:
            raise ValueError(f"no fixed effect {L!r}; the fixed effects are {names}.")
        row = np.zeros(len(names))
        row[names.index(L)] = 1.0
        return row[None, :]
    if isinstance(L, (list, tuple)) and L and all(isinstance(x, str) for x in L):
        return np.vstack([_contrast(inner, x) for x in L])
    L = np.atleast_2d(np.asarray(L, float))
    if L.shape[1] != len(names):
        raise ValueError(f"L needs {len(names)} columns, one per fixed effect {names}.")
    if np.linalg.matrix_rank(L) < L.shape[0]:
        raise ValueError("the rows of L are linearly dependent; drop the redundant ones.")
    return L


def _reml_fit(result):
    inner = check_fit(result)
    if not getattr(inner.model, "reml", True):
        raise ValueError(
            "small-sample tests need a REML fit (fit_mixed(..., reml=True)): "
            "the df approximations are derived for REML."
        )
    return inner


# --- Satterthwaite --------------------------------------------------------------------------


def _varpar_functions(blocks):
    """Deviance and Var(beta) as functions of varpar = (theta, sigma), as lmerTest."""
    n, p = blocks.n, blocks.p

    def pieces(vp):
        sol = blocks.solve(vp[:-1])
        return sol, vp[-1] ** 2

    def deviance(vp):
        sol, s2 = pieces(vp)
        dof = n - p if blocks.reml else n
        dev = sol["logdetM"] + dof * np.log(2 * np.pi * s2) + sol["r2"] / s2
        if blocks.reml:
            dev += np.linalg.slogdet(sol["A"])[1]
        return dev

    def vcov(vp):
        sol, s2 = pieces(vp)
        return s2 * np.linalg.inv(sol["A"])

    return deviance, vcov


def _hessian(f, x, rel=3e-3):
    """Central-difference Hessian (steps ``rel * max(|x|, 0.1)``) with one Richardson step."""
    k = len(x)

    def once(h):
        H = np.empty((k, k))
        for i in range(k):
            for j in range(i, k):
                ei, ej = np.eye(k)[i] * h[i], np.eye(k)[j] * h[j]
                val = f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)
                H[i, j] = H[j, i] = val / (4 * h[i] * h[j])
        return H

    h = rel * np.maximum(np.abs(x), 0.1)
    return (4 * once(h / 2) - once(h)) / 3


def _jacobian(f, x, rel=3e-3):
    h = rel * np.maximum(np.abs(x), 0.1)
    out = []
    for i in range(len(x)):
        e = np.eye(len(x))[i] * h[i]
        d1 = (f(x + e) - f(x - e)) / (2 * h[i])
        d2 = (f(x + e / 2) - f(x - e / 2)) / h[i]
        out.append((4 * d2 - d1) / 3)
    return np.array(out)  # (k, p, p)


def _satterthwaite_parts(inner):
    blocks = Blocks(inner)
    vp = np.r_[blocks.theta0, np.sqrt(float(inner.scale))]
    deviance, vcov = _varpar_functions(blocks)
    with one_blas_thread():
        H = _hessian(deviance, vp)
        jac = _jacobian(vcov, vp)
        V = vcov(vp)
        beta = blocks.solve(blocks.theta0)["beta"]
    cov_vp = 2 * np.linalg.inv(H)  # -2 log L: information = H / 2
    return beta, V, jac, cov_vp


def _satt_df(l, V, jac, cov_vp):
    var = float(l @ V @ l)
    grad = np.array([l @ J @ l for J in jac])
    return 2 * var**2 / float(grad @ cov_vp @ grad), var


def satterthwaite(result, L) -> SmallSampleTest:
    """Test ``L beta = 0`` with Satterthwaite's degrees of freedom (as lmerTest).

    Parameters
    ----------
    result : MixedLMResults
        A REML fit from :func:`helpers.fit_mixed`.
    L : str, list of str, or array
        A fixed effect's name (a t test of that coefficient), several names (an F test
        that all are zero), or a contrast matrix with one column per fixed effect.

    Returns
    -------
    SmallSampleTest

    Notes
    -----
    For one contrast ``l``: ``df = 2 Var(l'b)^2 / (g' A g)``, where ``g`` is the
    gradient of ``Var(l'b)`` with respect to the variance parameters and ``A`` their
    asymptotic covariance (twice the inverse Hessian of -2 log L_R). For several, the
    contrasts are rotated to independent ones and their df combined, as lmerTest's
    ``contestMD``. The standard error is the conventional one, unadjusted.

    Examples
    --------
    >>> from helpers import load, fit_mixed
    >>> from helpers.smalldf import satterthwaite
    >>> res = fit_mixed("Reaction ~ Days", load("sleepstudy"), "Subject", re_formula="~Days")
    >>> round(satterthwaite(res, "Days").den_df, 1)
    17.0
    """
    inner = _reml_fit(result)
    L = _contrast(inner, L)
    beta, V, jac, cov_vp = _satterthwaite_parts(inner)
    q = L.shape[0]
    if q == 1:
        df, var = _satt_df(L[0], V, jac, cov_vp)
        t = float(L[0] @ beta) / np.sqrt(var)
        return SmallSampleTest(t**2, t, 1, df, 2 * stats.t.sf(abs(t), df), np.sqrt(var), "Satterthwaite")
    d, P = np.linalg.eigh(L @ V @ L.T)
    rotated = P.T @ L
    t2 = (rotated @ beta) ** 2 / d
    nus = np.array([_satt_df(r, V, jac, cov_vp)[0] for r in rotated])
    F = float(t2.sum() / q)
    E = float(np.sum(nus / (nus - 2)[nus > 2]) if np.all(nus > 2) else np.nan)
    ddf = 2 * E / (E - q) if E > q else float(nus.min())
    return SmallSampleTest(F, np.nan, q, ddf, stats.f.sf(F, q, ddf), np.nan, "Satterthwaite")


# --- Kenward-Roger ------------------------------------------------------------------------------


def _kr_parts(inner):
    """Phi, the adjusted Phi_A, the P_r matrices and W (as pbkrtest's vcovAdj)."""
    model = inner.model
    X = np.asarray(model.exog, float)
    Z = np.asarray(model.exog_re, float)
    D = np.asarray(inner.cov_re, float)
    s2 = float(inner.scale)
    q = Z.shape[1]
    # Variance parameters: the unique elements of D, then sigma^2 (Sigma is linear in them).
    pairs = [(a, b) for a in range(q) for b in range(a + 1)]
    rows = [np.asarray(model.row_indices[g]) for g in model.group_labels]
    k = len(pairs) + 1
    p = X.shape[1]
    info = np.zeros((p, p))
    P = np.zeros((k, p, p))
    Q = np.zeros((k, k, p, p))
    K = np.zeros((k, k))
    with one_blas_thread():
        for r in rows:
            Xj, Zj = X[r], Z[r]
            Si = np.linalg.inv(Zj @ D @ Zj.T + s2 * np.eye(len(r)))
            G = []
            for a, b in pairs:
                E = np.zeros((q, q))
                E[a, b] = E[b, a] = 1.0
                G.append(Zj @ E @ Zj.T)
            G.append(np.eye(len(r)))
            SiG = [Si @ g for g in G]
            SiX = Si @ Xj
            info += Xj.T @ SiX
            for i in range(k):
                P[i] -= Xj.T @ SiG[i] @ SiX
                for j in range(k):
                    Q[i, j] += Xj.T @ SiG[i] @ SiG[j] @ SiX
                    K[i, j] += np.sum(SiG[i] * SiG[j].T)
    Phi = np.linalg.inv(info)
    IE2 = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            IE2[i, j] = K[i, j] - 2 * np.sum(Phi * Q[i, j]) + np.trace(Phi @ P[i] @ Phi @ P[j])
    W = 2 * np.linalg.inv(IE2)
    U = sum(W[i, j] * (Q[i, j] - P[i] @ Phi @ P[j]) for i in range(k) for j in range(k))
    Phi_A = Phi + 2 * Phi @ U @ Phi
    return Phi, Phi_A, P, W


def _kr_ddf(L, Phi, P, W):
    """Kenward-Roger denominator df and scaling for contrasts L (as pbkrtest's Lb_ddf)."""
    q = L.shape[0]
    Theta = L.T @ np.linalg.solve(L @ Phi @ L.T, L)
    ThetaV = Theta @ Phi
    u = [ThetaV @ Pi @ Phi for Pi in P]
    A1 = sum(W[i, j] * np.trace(u[i]) * np.trace(u[j]) for i in range(len(P)) for j in range(len(P)))
    A2 = sum(W[i, j] * np.sum(u[i] * u[j].T) for i in range(len(P)) for j in range(len(P)))
    B = (A1 + 6 * A2) / (2 * q)
    g = ((q + 1) * A1 - (q + 4) * A2) / ((q + 2) * A2)
    c1 = g / (3 * q + 2 * (1 - g))
    c2 = (q - g) / (3 * q + 2 * (1 - g))
    c3 = (q + 2 - g) / (3 * q + 2 * (1 - g))
    E_star = 1 / (1 - A2 / q)
    V_star = (2 / q) * (1 + c1 * B) / ((1 - c2 * B) ** 2 * (1 - c3 * B))
    rho = V_star / (2 * E_star**2)
    m = 4 + (q + 2) / (q * rho - 1)
    lam = m / (E_star * (m - 2))
    return m, lam


def kenward_roger(result, L) -> SmallSampleTest:
    """Test ``L beta = 0`` by Kenward & Roger's method (as pbkrtest and lmerTest).

    Parameters
    ----------
    result : MixedLMResults
        A REML fit from :func:`helpers.fit_mixed`.
    L : str, list of str, or array
        As for :func:`satterthwaite`.

    Returns
    -------
    SmallSampleTest
        For one contrast, ``se`` is the *adjusted* standard error and ``t`` uses it,
        with the Kenward-Roger df (as lmerTest's ``ddf = "Kenward-Roger"``). For
        several, ``statistic`` is the scaled F of ``KRmodcomp``.

    Notes
    -----
    The covariance of the fixed effects is inflated for the estimation of the
    variances (``Phi_A = Phi + 2 Phi U Phi``, Kenward & Roger 1997, eq. 4, with the
    second-derivative term zero because the covariance is linear in its parameters),
    and the F statistic is scaled and referred to an F distribution with estimated
    denominator df.
    """
    inner = _reml_fit(result)
    L = _contrast(inner, L)
    Phi, Phi_A, P, W = _kr_parts(inner)
    beta = np.asarray(inner.fe_params, float)
    q = L.shape[0]
    m, lam = _kr_ddf(L, Phi, P, W)
    Lb = L @ beta
    F = float(Lb @ np.linalg.solve(L @ Phi_A @ L.T, Lb)) / q
    if q == 1:
        se = float(np.sqrt(L[0] @ Phi_A @ L[0]))
        t = float(Lb[0]) / se
        return SmallSampleTest(t**2, t, 1, m, 2 * stats.t.sf(abs(t), m), se, "Kenward-Roger")
    Fs = lam * F
    return SmallSampleTest(Fs, np.nan, q, m, stats.f.sf(Fs, q, m), np.nan, "Kenward-Roger")


def small_sample_tests(result) -> pd.DataFrame:
    """Every fixed effect tested three ways: Wald z, Satterthwaite and Kenward-Roger.

    Parameters
    ----------
    result : MixedLMResults
        A REML fit from :func:`helpers.fit_mixed`.

    Returns
    -------
    pandas.DataFrame
        One row per fixed effect: ``estimate``, ``se`` (conventional), ``z`` and
        ``p (z)``, ``df (Satt.)`` and ``p (Satt.)``, ``se (KR)``, ``df (KR)`` and
        ``p (KR)``.
    """
    inner = _reml_fit(result)
    beta, V, jac, cov_vp = _satterthwaite_parts(inner)
    Phi, Phi_A, P, W = _kr_parts(inner)
    rows = []
    for i, name in enumerate(inner.model.exog_names):
        l = np.eye(len(beta))[i]
        se = np.sqrt(V[i, i])
        z = beta[i] / se
        df_s, _ = _satt_df(l, V, jac, cov_vp)
        m, _ = _kr_ddf(l[None, :], Phi, P, W)
        se_kr = np.sqrt(Phi_A[i, i])
        rows.append(
            {
                "term": name,
                "estimate": beta[i],
                "se": se,
                "z": z,
                "p (z)": 2 * stats.norm.sf(abs(z)),
                "df (Satt.)": df_s,
                "p (Satt.)": 2 * stats.t.sf(abs(z), df_s),
                "se (KR)": se_kr,
                "df (KR)": m,
                "p (KR)": 2 * stats.t.sf(abs(beta[i] / se_kr), m),
            }
        )
    return pd.DataFrame(rows).set_index("term")
