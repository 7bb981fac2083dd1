"""Cluster-wise cross-products of a linear mixed model, and its profiled criterion.

:mod:`helpers.influence` and :mod:`helpers.smalldf` need the (RE)ML criterion of a
fit many times: at deleted data (influence) and near the estimate (derivatives for
Satterthwaite's degrees of freedom). Both only need, for each cluster j, the
cross-products of ``[X_j, Z_j, y_j]``: with the relative covariance factor
``Lambda`` (``D / sigma^2 = Lambda Lambda'``) and ``M_j = I + Lambda' Z_j'Z_j Lambda``,

    -2 log L    = sum_j log|M_j| + n (1 + log(2 pi r2 / n))                  (ML)
    -2 log L_R  = sum_j log|M_j| + log|A| + (n-p)(1 + log(2 pi r2 / (n-p)))  (REML)

where ``A = sum_j X_j' W_j X_j``, ``W_j = (I + Z_j Lambda Lambda' Z_j')^{-1}`` and ``r2``
the weighted residual sum of squares (Bates et al. 2015, lme4's profiled deviance).
Deleting an observation subtracts one outer product from its cluster's block;
deleting a cluster drops its block. Everything is batched over clusters.
"""

from __future__ import annotations

import numpy as np
from statsmodels.regression.mixed_linear_model import MixedLMResults

from . import _compat, _results


def check_fit(result, what: str = "result") -> MixedLMResults:
    """The underlying MixedLMResults, or a TypeError naming what was passed."""
    inner = _compat.unwrap(result)
    if not isinstance(inner, MixedLMResults):
        raise TypeError(
            f"`{what}` must be a fitted mixed model (from helpers.fit_mixed), not {type(result).__name__}."
        )
    if inner.model.k_vc:
        raise ValueError(
            f"`{what}` has variance components from vc_formula; these "
            "diagnostics handle random intercepts and slopes (re_formula) only."
        )
    return inner


def re_names(inner) -> list[str]:
    """Random-effect names of a fit, the random intercept called ``"Intercept"``."""
    return _results.re_names(inner.model)


def one_blas_thread():
    """Context manager: one BLAS thread inside (scoped; nothing global changes).

    The refits call BLAS on tiny matrices thousands of times; with several threads
    each call pays a hand-off that costs more than the arithmetic.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def is_reml(inner) -> bool:
    return bool(getattr(inner.model, "reml", True))


class Blocks:
    """Per-cluster cross-products of a MixedLM model and its profiled criterion.

    Parameters
    ----------
    inner : MixedLMResults
    """

    def __init__(self, inner):
        model = inner.model
        self.X = np.asarray(model.exog, float)
        self.Z = np.asarray(model.exog_re, float)
        self.y = np.asarray(model.endog, float)
        self.p, self.q = self.X.shape[1], self.Z.shape[1]
        self.labels = list(model.group_labels)
        self.rows = [np.asarray(model.row_indices[g]) for g in self.labels]
        self.cluster_of = np.empty(len(self.y), dtype=int)
        for j, r in enumerate(self.rows):
            self.cluster_of[r] = j
        self.XZy = np.column_stack([self.X, self.Z, self.y])
        k = self.XZy.shape[1]
        self.C = np.zeros((len(self.rows), k, k))
        np.add.at(self.C, self.cluster_of, self.XZy[:, :, None] * self.XZy[:, None, :])
        self.n = len(self.y)
        self.reml = is_reml(inner)
        self.tri = np.tril_indices(self.q)
        self._xy = np.r_[0 : self.p, self.p + self.q]  # columns of [X y] in [X Z y]
        self._zs = slice(self.p, self.p + self.q)
        # Relative covariance factor of the fit: D / sigma^2 = Lambda Lambda'.
        self.theta0 = self.theta_of(np.asarray(inner.cov_re, float) / float(inner.scale))

    # --- parameterisation --------------------------------------------------------------
    def theta_of(self, rel_cov):
        """Lower-triangular Cholesky factor of a relative covariance, as a vector."""
        rel_cov = np.atleast_2d(rel_cov)
        try:
            lam = np.linalg.cholesky(rel_cov)
        except np.linalg.LinAlgError:  # singular (boundary) fit: a tiny ridge
            lam = np.linalg.cholesky(rel_cov + 1e-10 * np.eye(self.q))
        return lam[self.tri]

    def lam(self, theta):
        lam = np.zeros((self.q, self.q))
        lam[self.tri] = theta
        return lam

    def bounds(self):
        rows, cols = self.tri
        return [(0.0, None) if r == c else (None, None) for r, c in zip(rows, cols)]

    # --- the criterion ----------------------------------------------------------------
    def solve(self, theta, C=None, n=None):
        """Pieces of the profiled criterion at ``theta`` for blocks ``C``.

        Returns a dict with ``dev`` (-2 log-likelihood, ML or REML as the fit),
        ``beta``, ``sigma2``, ``A`` (X'WX), ``logdetM`` and ``r2``.
        """
        C = self.C if C is None else C
        n = self.n if n is None else n
        p, q = self.p, self.q
        lam = self.lam(theta)
        zs, xy = self._zs, self._xy
        M = np.eye(q) + lam.T @ C[:, zs, zs] @ lam
        U = lam.T @ C[:, zs][:, :, xy]  # Lambda' Z'[X y]
        MiU = np.linalg.solve(M, U)
        S = C[:, xy][:, :, xy].sum(axis=0) - np.einsum("jki,jkl->il", U, MiU)
        A, b, c = S[:p, :p], S[:p, p], S[p, p]
        beta = np.linalg.solve(A, b)
        r2 = float(c - b @ beta)
        logdetM = float(np.linalg.slogdet(M)[1].sum())
        if self.reml:
            dof = n - p
            dev = logdetM + np.linalg.slogdet(A)[1] + dof * (1 + np.log(2 * np.pi * r2 / dof))
        else:
            dof = n
            dev = logdetM + n * (1 + np.log(2 * np.pi * r2 / n))
        return {
            "dev": float(dev),
            "beta": beta,
            "sigma2": r2 / dof,
            "A": A,
            "lam": lam,
            "logdetM": logdetM,
            "r2": r2,
            "M": M,
        }

    def refit(self, C=None, n=None, start=None):
        """Maximise the criterion over theta for blocks ``C``, from ``start`` (warm start)."""
        from scipy import optimize

        start = self.theta0 if start is None else start
        res = optimize.minimize(
            lambda t: self.solve(t, C, n)["dev"],
            start,
            method="L-BFGS-B",
            bounds=self.bounds(),
            options={"ftol": 1e-13, "gtol": 1e-8, "maxiter": 500},
        )
        out = self.solve(res.x, C, n)
        out["theta"] = res.x
        # L-BFGS-B may stop "abnormally" in its line search at the optimum itself (finite-
        # difference noise): then polish with Nelder-Mead and accept if it gains nothing.
        converged = bool(res.success)
        if not converged:
            polish = optimize.minimize(
                lambda t: self.solve(t, C, n)["dev"],
                res.x,
                method="Nelder-Mead",
                options={"xatol": 1e-9, "fatol": 1e-11, "maxiter": 400},
            )
            converged = bool(polish.success) or res.fun - polish.fun < 1e-6
            if polish.fun < res.fun:
                out = self.solve(polish.x, C, n)
                out["theta"] = polish.x
        out["converged"] = converged
        return out

    def covariances(self, sol):
        """Variance components on the data scale: D (q x q) and sigma^2."""
        return sol["sigma2"] * sol["lam"] @ sol["lam"].T, sol["sigma2"]
