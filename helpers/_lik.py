"""A fast, exact evaluator of a MixedLM log-likelihood (internal).

statsmodels evaluates the log-likelihood group by group in a Python loop.
Here the same quantity is computed from per-cluster cross-products that are
formed once, with the relative covariance written as ``Psi = Lambda Lambda'``
(``Lambda`` lower triangular, as in lme4 and in statsmodels' packed
parameters with ``use_sqrt=True``)::

    V_j / sigma^2 = I + Z_j Psi Z_j'
    log|V_j / sigma^2| = log|I + Lambda' Z_j'Z_j Lambda|
    (V_j / sigma^2)^{-1} = I - Z_j Lambda M_j^{-1} Lambda' Z_j',
                           M_j = I + Lambda' Z_j'Z_j Lambda

so that an evaluation costs a few batched ``q x q`` solves, works when
``Psi`` is singular (a variance at zero), and gives the same number as
``MixedLM.loglike`` (checked in the tests). It is used to refit models in
the parametric bootstrap, to profile the likelihood of a variance on the
data scale, and as one of the optimisers of :func:`helpers.fit_mixed`.

The parameter vector ``theta`` is statsmodels' packed covariance vector with
``use_sqrt=True``: the lower triangle of ``Lambda`` (row by row), then the
square roots of the relative variance components.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from . import _compat


class MixedLik:
    """Sufficient statistics of a ``MixedLM`` and its log-likelihood.

    Parameters
    ----------
    model : statsmodels MixedLM
    reml : bool
    endog : array, optional
        Another outcome vector with the same design (for refits).
    """

    def __init__(self, model, reml, endog=None):
        self.model = model
        self.reml = bool(reml)
        self.k_re = int(model.k_re)
        self.k_vc = int(model.k_vc)
        self.k_re2 = self.k_re * (self.k_re + 1) // 2
        self.n_theta = self.k_re2 + self.k_vc
        X = np.asarray(model.exog, dtype=float)
        self.n, self.p = X.shape
        self.X = X
        labels = model.group_labels
        zs = [_compat.re_design(model, ix) for ix in range(len(labels))]
        self.q = max([z.shape[1] for z in zs] + [self.k_re])
        J, q, p = len(labels), self.q, self.p
        self.J = J
        self.rows = [np.asarray(model.row_indices[g]) for g in labels]
        # Which variance component each extra (vc) column belongs to; k_vc
        # marks padding (its value is zero).
        self.vc_index = np.full((J, q - self.k_re), self.k_vc, dtype=int)
        codes = np.arange(1, self.k_vc + 1, dtype=float)
        self.Z = []
        ZtZ = np.zeros((J, q, q))
        ZtX = np.zeros((J, q, p))
        for ix, z in enumerate(zs):
            r = self.rows[ix]
            dz = z.shape[1]
            ZtZ[ix, :dz, :dz] = z.T @ z
            ZtX[ix, :dz, :] = z.T @ X[r]
            if self.k_vc:
                comp = _compat.expand_vcomp(model, codes, ix).astype(int) - 1
                self.vc_index[ix, : len(comp)] = comp
            self.Z.append(z)
        self.ZtZ, self.ZtX = ZtZ, ZtX
        self.XtX = X.T @ X
        self._tril = np.tril_indices(self.k_re)
        self.set_endog(np.asarray(model.endog, dtype=float) if endog is None else endog)

    # -- data -------------------------------------------------------------
    def set_endog(self, y):
        """Use outcome ``y`` (same rows and design) from now on."""
        y = np.asarray(y, dtype=float)
        self.y = y
        Zty = np.zeros((self.J, self.q))
        for ix, z in enumerate(self.Z):
            Zty[ix, : z.shape[1]] = z.T @ y[self.rows[ix]]
        self.Zty = Zty
        self.Xty = self.X.T @ y
        self.yty = float(y @ y)

    # -- parameters -------------------------------------------------------
    def lam(self, theta):
        """Per-cluster ``Lambda`` (J, q, q) from ``theta``."""
        theta = np.asarray(theta, dtype=float)
        L = np.zeros((self.k_re, self.k_re))
        L[self._tril] = theta[: self.k_re2]
        lam = np.zeros((self.J, self.q, self.q))
        lam[:, : self.k_re, : self.k_re] = L
        if self.q > self.k_re:
            s = np.append(theta[self.k_re2 :], 0.0)
            d = s[self.vc_index]  # (J, q - k_re)
            idx = np.arange(self.k_re, self.q)
            lam[:, idx, idx] = d
        return lam

    def default_theta(self):
        """statsmodels' default start: identity relative covariance, unit components."""
        L = np.eye(self.k_re)
        return np.concatenate([L[self._tril], np.ones(self.k_vc)])

    def bounds(self):
        """Lower bound 0 on the diagonal of ``Lambda`` and on the components (as lme4)."""
        b = []
        for i, j in zip(*self._tril):
            b.append((0.0, None) if i == j else (None, None))
        b += [(0.0, None)] * self.k_vc
        return b

    # -- likelihood -------------------------------------------------------
    def parts(self, theta):
        """Pieces of the likelihood at ``theta`` (relative scale).

        Returns
        -------
        dict with ``logdet`` (sum of log|V_j / sigma^2|), ``xvx``, ``beta``
        (GLS fixed effects), ``qf`` (GLS residual quadratic form) and
        ``logdet_xvx``.
        """
        lam = self.lam(theta)
        lamT = np.swapaxes(lam, 1, 2)
        A = lamT @ self.ZtZ @ lam
        M = A + np.eye(self.q)[None]
        C = np.linalg.cholesky(M)
        logdet = 2.0 * float(np.sum(np.log(np.diagonal(C, axis1=1, axis2=2))))
        U = lamT @ self.ZtX  # (J, q, p)
        u = np.einsum("jab,jb->ja", lamT, self.Zty)  # (J, q)
        rhs = np.concatenate([U, u[:, :, None]], axis=2)
        sol = np.linalg.solve(M, rhs)
        W, w = sol[:, :, : self.p], sol[:, :, self.p]
        xvx = self.XtX - np.einsum("jap,jaq->pq", U, W)
        xvy = self.Xty - np.einsum("jap,ja->p", U, w)
        yvy = self.yty - float(np.einsum("ja,ja->", u, w))
        beta = np.linalg.solve(xvx, xvy)
        qf = yvy - float(beta @ xvy)
        sign, ld_xvx = np.linalg.slogdet(xvx)
        return {
            "logdet": logdet,
            "xvx": xvx,
            "beta": beta,
            "qf": qf,
            "logdet_xvx": ld_xvx if sign > 0 else -np.inf,
        }

    def loglike_grad(self, theta, sigma2=None):
        """Profile log-likelihood and its gradient with respect to ``theta``.

        With ``sigma2`` given, the log-likelihood at that residual variance
        (only the fixed effects profiled out), and the triple
        ``(loglike, gradient in theta, derivative in sigma2)``.

        With ``M_j = I + Lambda' G_j Lambda`` (``G_j = Z_j'Z_j``), the GLS
        residual ``r = y - X beta``, the spherical random effects
        ``u_j = M_j^{-1} Lambda' Z_j' r_j`` and the conditional residual
        ``e_j = r_j - Z_j Lambda u_j``, the derivative with respect to
        ``Lambda_j`` is (envelope theorem for ``beta`` and ``u``)::

            ML:   -G Lambda M^{-1} + (n / qf) Z'e u'
            REML: -G Lambda M^{-1} + ((n - p) / qf) Z'e u'
                  + ZtX P W' - G Lambda W P W',   W = M^{-1} Lambda' ZtX,
                                                  P = (X'V^{-1}X)^{-1}

        summed over clusters into the entries of ``theta``.
        """
        theta = np.asarray(theta, dtype=float)
        try:
            lam = self.lam(theta)
            lamT = np.swapaxes(lam, 1, 2)
            A = lamT @ self.ZtZ @ lam
            M = A + np.eye(self.q)[None]
            C = np.linalg.cholesky(M)
        except np.linalg.LinAlgError:
            return (-np.inf, np.zeros(len(theta))) + (() if sigma2 is None else (0.0,))
        logdet = 2.0 * float(np.sum(np.log(np.diagonal(C, axis1=1, axis2=2))))
        U = lamT @ self.ZtX
        u_y = np.einsum("jab,jb->ja", lamT, self.Zty)
        Minv = np.linalg.inv(M)
        W = Minv @ U
        w = np.einsum("jab,jb->ja", Minv, u_y)
        xvx = self.XtX - np.einsum("jap,jaq->pq", U, W)
        xvy = self.Xty - np.einsum("jap,ja->p", U, w)
        yvy = self.yty - float(np.einsum("ja,ja->", u_y, w))
        try:
            beta = np.linalg.solve(xvx, xvy)
        except np.linalg.LinAlgError:
            return (-np.inf, np.zeros(len(theta))) + (() if sigma2 is None else (0.0,))
        qf = yvy - float(beta @ xvy)
        m = self._m()
        if sigma2 is not None:
            if not sigma2 > 0:
                return -np.inf, np.zeros(len(theta)), 0.0
            ll = -0.5 * (m * np.log(2 * np.pi * sigma2) + logdet + qf / sigma2)
            factor = 1.0 / sigma2
        elif not qf > 0:
            return -np.inf, np.zeros(len(theta))
        else:
            ll = -0.5 * (m * np.log(2 * np.pi) + m * np.log(qf / m) + logdet + m)
            factor = m / qf
        # Spherical random effects and Z'e per cluster.
        Ztr = self.Zty - self.ZtX @ beta  # (J, q)
        u = np.einsum("jab,jb->ja", Minv, np.einsum("jab,jb->ja", lamT, Ztr))
        GLu = np.einsum("jab,jb->ja", self.ZtZ @ lam, u)
        Zte = Ztr - GLu
        GL = self.ZtZ @ lam
        D = -GL @ Minv + factor * np.einsum("ja,jb->jab", Zte, u)
        if self.reml:
            sign, ld = np.linalg.slogdet(xvx)
            ll -= 0.5 * ld
            P = np.linalg.inv(xvx)
            WP = W @ P  # (J, q, p)
            D += np.einsum("jap,jbp->jab", self.ZtX, WP) - GL @ np.einsum("jap,jbp->jab", WP, W)
        grad = np.zeros(len(theta))
        if self.k_re:
            block = D[:, : self.k_re, : self.k_re].sum(axis=0)
            grad[: self.k_re2] = block[self._tril]
        if self.k_vc:
            idx = np.arange(self.k_re, self.q)
            diag = D[:, idx, idx]  # (J, q - k_re)
            np.add.at(
                grad,
                self.k_re2 + np.clip(self.vc_index, 0, self.k_vc - 1),
                np.where(self.vc_index < self.k_vc, diag, 0.0),
            )
        if sigma2 is not None:
            return float(ll), grad, -0.5 * (m / sigma2 - qf / sigma2**2)
        return float(ll), grad

    def _m(self):
        return self.n - self.p if self.reml else self.n

    def loglike(self, theta):
        """Log-likelihood with the fixed effects and ``sigma^2`` profiled out.

        Equal to statsmodels' ``MixedLM.loglike(theta)`` (ML or REML).
        """
        try:
            pa = self.parts(theta)
        except np.linalg.LinAlgError:
            return -np.inf
        m = self._m()
        qf = pa["qf"]
        if not qf > 0:
            return -np.inf
        ll = -0.5 * (m * np.log(2 * np.pi) + m * np.log(qf / m) + pa["logdet"] + m)
        if self.reml:
            ll -= 0.5 * pa["logdet_xvx"]
        return float(ll)

    def loglike_sigma(self, theta, sigma2):
        """Log-likelihood at ``theta`` and a given residual variance ``sigma2``
        (only the fixed effects profiled out)."""
        try:
            pa = self.parts(theta)
        except np.linalg.LinAlgError:
            return -np.inf
        if not sigma2 > 0:
            return -np.inf
        m = self._m()
        ll = -0.5 * (m * np.log(2 * np.pi * sigma2) + pa["logdet"] + pa["qf"] / sigma2)
        if self.reml:
            ll -= 0.5 * pa["logdet_xvx"]
        return float(ll)

    def scale(self, theta):
        """The residual variance that maximises the likelihood at ``theta``."""
        return self.parts(theta)["qf"] / self._m()

    # -- optimisation -----------------------------------------------------
    def maximize(self, starts, method="L-BFGS-B", maxiter=1000):
        """Maximise :meth:`loglike` over ``theta`` from each start; best result.

        A variance at exactly zero is a stationary point of this
        parametrisation (the gradient there is zero whether or not the
        likelihood rises off zero), and a bounded optimiser whose first step
        overshoots to the bound stops there as if converged. So every run is
        followed by :func:`probe_boundary`, and restarted from the better
        point it finds (as :func:`helpers.fit_mixed` does).

        Returns
        -------
        (theta, llf, converged, n_evals)
        """
        if self.n_theta == 0:
            return np.zeros(0), self.loglike(np.zeros(0)), True, 1
        best = (None, -np.inf, False, 0)
        evals = 0
        bounds = self.bounds()

        def f(t):
            v, g = self.loglike_grad(t)
            return (-v, -g) if np.isfinite(v) else (1e300, np.zeros(len(t)))

        options = {"maxiter": maxiter}
        for start in starts:
            res = optimize.minimize(
                f, np.asarray(start, dtype=float), method=method, jac=True, bounds=bounds, options=options
            )
            evals += int(res.nfev)
            for _ in range(5):
                better = probe_boundary(self, np.asarray(res.x, dtype=float), -float(res.fun))
                if better is None:
                    break
                res = optimize.minimize(f, better, method=method, jac=True, bounds=bounds, options=options)
                evals += int(res.nfev)
            llf = -float(res.fun)
            if llf > best[1]:
                best = (np.asarray(res.x), llf, bool(res.success), evals)
        return best[0], best[1], best[2], evals


def probe_boundary(lik, theta, llf):
    """A point with a higher log-likelihood next to a variance at zero, or None.

    In the parametrisation ``Psi = Lambda Lambda'`` (lower-triangular
    ``Lambda`` with a non-negative diagonal, as lme4 and statsmodels use) a
    diagonal entry at zero is a stationary point: the likelihood depends on
    it through its square (and the sign of the column below it), so the
    gradient there is zero whether or not the likelihood rises off zero.
    Gradient methods stop at such points. Probe each zero diagonal entry
    (with the column below it as it is and flipped), each entry of a row that
    is all zero (a random effect with variance zero), and each variance
    component at zero.
    """
    idx = {}
    k = lik.k_re
    pos = 0
    for i in range(k):
        for j in range(i + 1):
            idx[(i, j)] = pos
            pos += 1
    trials = []
    steps = (1e-3, 1e-2, 0.1, 0.3, 1.0)
    for j in range(k):
        if abs(theta[idx[(j, j)]]) >= 1e-6:
            continue
        below = [idx[(i, j)] for i in range(j + 1, k)]
        flips = (False, True) if below and np.any(np.abs(theta[below]) > 1e-6) else (False,)
        for flip in flips:
            for step in steps:
                trial = theta.copy()
                if flip:
                    trial[below] = -trial[below]
                trial[idx[(j, j)]] = step
                trials.append(trial)
    for i in range(k):
        row = [idx[(i, j)] for j in range(i)]
        if row and np.all(np.abs(theta[row + [idx[(i, i)]]]) < 1e-6):
            for p in row:
                for step in steps:
                    for sign in (1.0, -1.0):
                        trial = theta.copy()
                        trial[p] = sign * step
                        trials.append(trial)
    for c in range(lik.k_vc):
        if abs(theta[lik.k_re2 + c]) < 1e-6:
            for step in steps:
                trial = theta.copy()
                trial[lik.k_re2 + c] = step
                trials.append(trial)
    best, best_llf = None, llf + 1e-9
    for trial in trials:
        v = lik.loglike(trial)
        if v > best_llf:
            best, best_llf = trial, v
    return best


def packed_theta(result) -> np.ndarray:
    """statsmodels' packed (``use_sqrt``) covariance parameters of a fit."""
    inner = _compat.unwrap(result)
    L = np.zeros((inner.k_re, inner.k_re))
    cov = np.asarray(inner.cov_re_unscaled, dtype=float) if inner.k_re else L
    if inner.k_re:
        try:
            L = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            # Singular: a semi-definite factor from the eigen-decomposition.
            w, v = np.linalg.eigh(cov)
            B = v * np.sqrt(np.clip(w, 0, None))
            _, R = np.linalg.qr(B.T)
            L = R.T * np.sign(np.where(np.diag(R) == 0, 1, np.diag(R)))
    vc = (
        np.sqrt(np.clip(np.asarray(inner.vcomp, dtype=float) / float(inner.scale), 0, None))
        if inner.k_vc
        else np.zeros(0)
    )
    return np.concatenate([L[np.tril_indices(inner.k_re)], vc])


def single_thread():
    """Context manager: one BLAS thread inside (scoped, nothing global changes).

    The optimisations here call BLAS on tiny matrices thousands of times;
    with several BLAS threads each call pays a thread hand-off that costs far
    more than the arithmetic (5x slower on a loaded two-core machine).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is pinned in requirements
        from contextlib import nullcontext

        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


# -- statsmodels' parametrisation: the Hessian of a result ------------------
def psi_blocks(lik, psi):
    """Per-cluster relative covariance ``Psi`` (J, q, q) from statsmodels'
    unpacked covariance vector ``psi`` (lower triangle of ``cov_re / scale``
    row by row, then ``vcomp / scale``); need not be positive definite.
    With a stack of vectors (S, k), a stack (S, J, q, q)."""
    psi = np.asarray(psi, dtype=float)
    stack = psi.ndim == 2
    psi = np.atleast_2d(psi)
    S, k = len(psi), lik.k_re
    P = np.zeros((S, k, k))
    P[:, lik._tril[0], lik._tril[1]] = psi[:, : lik.k_re2]
    P = P + np.swapaxes(np.tril(P, -1), 1, 2)
    out = np.zeros((S, lik.J, lik.q, lik.q))
    out[:, :, :k, :k] = P[:, None]
    if lik.q > k:
        comps = np.concatenate([psi[:, lik.k_re2 :], np.zeros((S, 1))], axis=1)
        d = comps[:, lik.vc_index]  # (S, J, q - k)
        idx = np.arange(k, lik.q)
        out[:, :, idx, idx] = d
    return out if stack else out[0]


def loglike_fe(lik, beta, psi):
    """statsmodels' ``MixedLM.loglike(params, profile_fe=False)``: the
    log-likelihood at fixed effects ``beta`` and relative covariance ``psi``
    with the residual variance profiled out, from the per-cluster
    cross-products (``(I + Z Psi Z')^{-1} = I - Z (I + Psi G)^{-1} Psi Z'``).
    With stacks ``beta`` (S, p) and ``psi`` (S, k), an array of S values."""
    beta = np.asarray(beta, dtype=float)
    stack = beta.ndim == 2
    B = np.atleast_2d(beta)
    Psi = psi_blocks(lik, np.atleast_2d(np.asarray(psi, dtype=float)))  # (S, J, q, q)
    M = np.eye(lik.q) + Psi @ lik.ZtZ[None]
    sign, ld = np.linalg.slogdet(M)
    K = np.linalg.solve(M, Psi)  # (I + Psi G)^{-1} Psi, per cluster
    Ztr = lik.Zty[None] - np.einsum("jqp,sp->sjq", lik.ZtX, B)
    rr = lik.yty - 2 * B @ lik.Xty + np.einsum("sp,pr,sr->s", B, lik.XtX, B)
    qf = rr - np.einsum("sja,sjab,sjb->s", Ztr, K, Ztr)
    m = lik._m()
    with np.errstate(all="ignore"):
        ll = -0.5 * (m * np.log(2 * np.pi) + m * np.log(qf / m) + m + ld.sum(axis=1))
        if lik.reml:
            xvx = lik.XtX[None] - np.einsum("jap,sjab,jbr->spr", lik.ZtX, K, lik.ZtX)
            sx, ldx = np.linalg.slogdet(xvx)
            ll = ll - 0.5 * np.where(sx > 0, ldx, np.inf)
    bad = np.any(sign <= 0, axis=1) | ~(qf > 0)
    ll = np.where(bad, -np.inf, ll)
    return ll if stack else float(ll[0])


def hessian_fe(lik, beta, psi):
    """statsmodels' ``MixedLM.hessian`` (fixed effects, then ``psi``), from
    :func:`loglike_fe`: the fixed-effects block in closed form (as
    statsmodels writes it), the other blocks by central differences of the
    vectorised log-likelihood, all points in one batch (statsmodels loops
    over clusters in Python, which dominates the time of a large fit)."""
    beta = np.asarray(beta, dtype=float)
    psi = np.asarray(psi, dtype=float)
    p, k = len(beta), len(psi)
    x0 = np.concatenate([beta, psi])
    n = p + k
    # Closed-form fixed-effects block: -m X'V^-1X / r'V^-1r.
    Psi = psi_blocks(lik, psi)
    M = np.eye(lik.q)[None] + Psi @ lik.ZtZ
    K = np.linalg.solve(M, Psi)
    xvx = lik.XtX - np.einsum("jap,jab,jbr->pr", lik.ZtX, K, lik.ZtX)
    Ztr = lik.Zty - lik.ZtX @ beta
    rr = lik.yty - 2 * beta @ lik.Xty + beta @ lik.XtX @ beta
    qf = rr - float(np.einsum("ja,jab,jb->", Ztr, K, Ztr))
    hess = np.zeros((n, n))
    hess[:p, :p] = -lik._m() * xvx / qf
    # Steps: a small fraction of a standard error for beta, of the size of
    # the covariance entry for psi.
    se = np.sqrt(np.abs(np.diag(np.linalg.pinv(xvx))) * qf / lik._m())
    P = Psi[0]
    var = np.abs(np.diag(P))[: lik.k_re]
    floor = 1e-2 * max(float(np.max(np.abs(psi))) if k else 1.0, 1e-8)
    entry = [np.sqrt(max(var[i], floor) * max(var[j], floor)) for i, j in zip(*lik._tril)]
    entry += [max(abs(v), floor) for v in psi[lik.k_re2 :]]
    h = np.concatenate([np.maximum(se, 1e-10) * 1e-2, np.asarray(entry, dtype=float) * 1e-3])
    E = np.diag(h)
    points = [x0]
    for i in range(n):
        points += [x0 + E[i], x0 - E[i]]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if j >= p]
    for i, j in pairs:
        points += [x0 + E[i] + E[j], x0 + E[i] - E[j], x0 - E[i] + E[j], x0 - E[i] - E[j]]
    X = np.asarray(points)
    f = loglike_fe(lik, X[:, :p], X[:, p:])
    f0 = f[0]
    for i in range(p, n):
        hess[i, i] = (f[1 + 2 * i] - 2 * f0 + f[2 + 2 * i]) / h[i] ** 2
    base = 1 + 2 * n
    for c, (i, j) in enumerate(pairs):
        a, b, cc, d = f[base + 4 * c : base + 4 * c + 4]
        hess[i, j] = hess[j, i] = (a - b - cc + d) / (4 * h[i] * h[j])
    return hess
