"""Leverage and influence for a fitted linear mixed model.

- :func:`hat_values`: the leverage of each observation, the diagonal of the hat
  matrix of the *conditional* fit (fixed effects plus EBLUPs), as lme4's ``hatvalues()``;
- :func:`cooks_distance`: observation-level Cook's distance from the hat values and
  the conditional residuals, as lme4's ``cooks.distance()`` of a fit;
- :func:`influence`: deletion diagnostics by exact refits, one cluster or one
  observation left out at a time: Cook's distance, DFBETAS and the change in every
  variance component (as lme4's ``influence()``, which also refits);
- :func:`influence_plot`: a caterpillar-style plot of one influence measure.

The refits maximise the same criterion as the fit (REML or ML), warm-started at the
full fit, from cluster-wise cross-products (:mod:`helpers._blocks`): about a
millisecond each, so that every interviewer of the ESS case study can be left out in
turn within a chapter. (statsmodels' own ``dfbeta`` is a one-step approximation, and
has the opposite sign to lme4's refit version.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._blocks import Blocks, check_fit, one_blas_thread, re_names


def _row_labels(inner, n):
    labels = getattr(inner.model.data, "row_labels", None)
    return pd.Index(labels) if labels is not None and len(labels) == n else pd.RangeIndex(n)


def _conditional(blocks, sol):
    """Leverages and conditional residuals of the fit ``sol`` (all observations)."""
    X, Z, y = blocks.X, blocks.Z, blocks.y
    p, q = blocks.p, blocks.q
    lam, C = sol["lam"], blocks.C
    # G_j = Lambda M_j^{-1} Lambda': W_j = I - Z_j G_j Z_j'.
    G = lam @ np.linalg.solve(sol["M"], np.broadcast_to(lam.T, sol["M"].shape))
    g = G[blocks.cluster_of]  # (n, q, q)
    ZX = C[:, p : p + q, :p][blocks.cluster_of]  # Z_j'X_j for each row
    zG = np.einsum("ni,nij->nj", Z, g)  # z_i' G_j
    w_ii = 1.0 - np.einsum("nj,nj->n", zG, Z)  # diag of W
    WX = X - np.einsum("nj,njk->nk", zG, ZX)  # rows of W X
    A_inv = np.linalg.inv(sol["A"])
    hat = 1.0 - w_ii + np.einsum("nk,kl,nl->n", WX, A_inv, WX)
    # EBLUPs b_j = G_j Z_j'(y_j - X_j beta); conditional residual y - X beta - Z b.
    Zr = C[:, p : p + q, p + q] - C[:, p : p + q, :p] @ sol["beta"]
    b = np.einsum("jkl,jl->jk", G, Zr)
    resid = y - X @ sol["beta"] - np.einsum("nk,nk->n", Z, b[blocks.cluster_of])
    return hat, resid


def hat_values(result) -> pd.Series:
    """Leverage of each observation: the diagonal of the conditional hat matrix.

    The conditional fitted values ``X beta + Z b`` (fixed effects plus EBLUPs) are a
    linear function ``H y`` of the outcome; the hat value ``H_ii`` says how much an
    observation pulls its own fitted value towards itself. Values lie between 0 and
    1; a value near 1 means the fit passes through the point whatever its outcome.
    Their sum is the effective number of parameters of the conditional fit.

    Parameters
    ----------
    result : MixedLMResults
        A fit from :func:`helpers.fit_mixed` (random intercepts and slopes).

    Returns
    -------
    pandas.Series
        Indexed like the rows the model used.

    Notes
    -----
    Equals lme4's ``hatvalues()`` of the same fit (checked in
    ``tests/unit/test_influence.py``).

    Examples
    --------
    >>> from helpers import load, fit_mixed
    >>> from helpers.influence import hat_values
    >>> res = fit_mixed("Reaction ~ Days", load("sleepstudy"), "Subject", re_formula="~Days")
    >>> round(float(hat_values(res).sum()), 2)
    29.02
    """
    inner = check_fit(result)
    blocks = Blocks(inner)
    hat, _ = _conditional(blocks, blocks.solve(blocks.theta0))
    return pd.Series(hat, index=_row_labels(inner, blocks.n), name="hat")


def cooks_distance(result) -> pd.Series:
    """Observation-level Cook's distance from leverage and conditional residuals.

    ``D_i = (r_i / (1 - h_i))^2 h_i / (sigma^2 p)``, with ``r_i`` the conditional
    residual, ``h_i`` the hat value (:func:`hat_values`) and ``p`` the number of fixed
    effects: the closed form of ordinary regression applied to the conditional fit,
    as lme4's ``cooks.distance()`` of a fitted model. A large value needs both
    leverage and a residual; a point with a hat value near 1 gets a large distance
    even from a small residual, because ``1 - h_i`` is small.

    Parameters
    ----------
    result : MixedLMResults
        A fit from :func:`helpers.fit_mixed`.

    Returns
    -------
    pandas.Series
        Indexed like the rows the model used.

    See Also
    --------
    influence : Cook's distance by exact deletion refits, per cluster or observation.
    """
    inner = check_fit(result)
    blocks = Blocks(inner)
    sol = blocks.solve(blocks.theta0)
    hat, resid = _conditional(blocks, sol)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (resid / (1.0 - hat)) ** 2 * hat / (sol["sigma2"] * blocks.p)
    return pd.Series(d, index=_row_labels(inner, blocks.n), name="cooks_distance")


def _component_names(names):
    out = list(names)
    out += [f"Cov({names[i]}, {names[k]})" for k in range(len(names)) for i in range(k)]
    return out + ["Residual"]


def _components(D, sigma2):
    q = D.shape[0]
    vals = [D[i, i] for i in range(q)]
    vals += [D[i, k] for k in range(q) for i in range(k)]
    return np.array(vals + [sigma2])


def influence(result, level: str = "group", rows=None) -> pd.DataFrame:
    """Deletion diagnostics by exact refits: leave one cluster (or observation) out.

    For each cluster (``level="group"``) or observation (``level="observation"``) the
    model is refitted without it, by the fit's own criterion (REML or ML), starting
    from the full fit. Reported against the full fit:

    - ``cooks_distance``: ``(b_(-i) - b)' Var(b)^{-1} (b_(-i) - b) / p``, the shift of
      all fixed effects at once in units of their (full-fit) covariance;
    - ``dfbetas:<term>``: ``(b_(-i) - b) / se_(-i)`` for each fixed effect, with the
      standard error of the refit (lme4's sign: deleted minus full);
    - ``change:<component>``: the change in each variance component (deleted minus
      full), named as in :func:`helpers.varcomp` (``Intercept``, a slope,
      ``Cov(Intercept, slope)``, ``Residual``);
    - ``n_deleted`` and ``converged`` (of the refit).

    Parameters
    ----------
    result : MixedLMResults
        A fit from :func:`helpers.fit_mixed` (random intercepts and slopes).
    level : {"group", "observation"}
        Leave out whole clusters, or single observations.
    rows : sequence, optional
        With ``level="observation"``, the row labels to leave out (default: all,
        one refit each); with ``level="group"``, the cluster labels (default: all).

    Returns
    -------
    pandas.DataFrame
        One row per deleted cluster or observation.

    Notes
    -----
    lme4's ``cooks.distance()`` of an ``influence()`` object multiplies this Cook's
    distance by ``(J - p) / J`` (``J`` deleted units); its DFBETAS and variance
    components equal these (checked in ``tests/unit/test_influence.py``). The usual
    yardsticks: a Cook's distance far above the others, or a ``|DFBETAS|`` above about
    1 (small data) or ``2 / sqrt(J)`` (many clusters), deserves a look at the data.

    Examples
    --------
    >>> from helpers import load, fit_mixed
    >>> from helpers.influence import influence
    >>> res = fit_mixed("Reaction ~ Days", load("sleepstudy"), "Subject", re_formula="~Days")
    >>> infl = influence(res)
    >>> str(infl["cooks_distance"].idxmax())
    '309'
    """
    if level not in ("group", "observation"):
        raise ValueError(f"level must be 'group' or 'observation', not {level!r}.")
    inner = check_fit(result)
    blocks = Blocks(inner)
    full = blocks.solve(blocks.theta0)
    beta, A, s2 = full["beta"], full["A"], full["sigma2"]
    comp_full = _components(*blocks.covariances(full))
    fe_names = list(inner.model.exog_names)
    comp_names = _component_names(re_names(inner))
    labels = _row_labels(inner, blocks.n)

    if level == "group":
        units = list(blocks.labels) if rows is None else list(rows)
        unknown = [u for u in units if u not in blocks.labels]
        if unknown:
            raise ValueError(f"unknown clusters {unknown[:5]}: use labels of the grouping column.")
        positions = [blocks.labels.index(u) for u in units]
    else:
        units = list(labels) if rows is None else list(rows)
        missing = [u for u in units if u not in labels]
        if missing:
            raise ValueError(f"rows {missing[:5]} are not rows the model used.")
        positions = [labels.get_loc(u) for u in units]

    with one_blas_thread():
        out = [
            _deleted(blocks, unit_pos, level, beta, A, s2, comp_full, fe_names, comp_names)
            for unit_pos in positions
        ]
    name = "group" if level == "group" else "row"
    return pd.DataFrame(out, index=pd.Index(units, name=name))


def _deleted(blocks, pos, level, beta, A, s2, comp_full, fe_names, comp_names):
    """One deletion refit and its diagnostics (see :func:`influence`)."""
    if level == "group":
        C = np.delete(blocks.C, pos, axis=0)
        n_del = len(blocks.rows[pos])
    else:
        v = blocks.XZy[pos]
        C = blocks.C.copy()
        C[blocks.cluster_of[pos]] -= np.outer(v, v)
        n_del = 1
    sol = blocks.refit(C, blocks.n - n_del)
    d = sol["beta"] - beta
    se = np.sqrt(np.diag(sol["sigma2"] * np.linalg.inv(sol["A"])))
    row = {"n_deleted": n_del, "cooks_distance": float(d @ A @ d / (s2 * blocks.p))}
    row.update({f"dfbetas:{t}": v for t, v in zip(fe_names, d / se)})
    change = _components(*blocks.covariances(sol)) - comp_full
    row.update({f"change:{c}": v for c, v in zip(comp_names, change)})
    row["converged"] = sol["converged"]
    return row


def influence_plot(data, *, measure: str = "cooks_distance", label: int = 3, ax=None, **kwargs):
    """Caterpillar-style plot of one influence measure, one line per cluster, sorted.

    Parameters
    ----------
    data : pandas.DataFrame
        The output of :func:`influence` (or any frame indexed by cluster).
    measure : str
        The column to plot, e.g. ``"cooks_distance"``, ``"dfbetas:Days"`` or
        ``"change:Residual"``. Signed measures are drawn about zero.
    label : int
        How many of the most extreme clusters to name.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure if omitted.
    **kwargs
        Passed to ``Axes.scatter`` for the points.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if measure not in data.columns:
        raise ValueError(f"no column {measure!r}; the columns are {list(data.columns)}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.8))
    values = data[measure].astype(float)
    order = values.abs().sort_values().index
    ypos = np.arange(len(order))
    vals = values.loc[order].to_numpy()
    ax.hlines(ypos, 0, vals, color="0.7", linewidth=1)
    kwargs.setdefault("color", "0.2")
    kwargs.setdefault("s", 14)
    ax.scatter(vals, ypos, zorder=3, **kwargs)
    ax.axvline(0, color="0.5", linewidth=0.8)
    named = list(zip(ypos, values.loc[order].items()))[-label:] if label else []
    for k, (y, (name, v)) in enumerate(named):
        shift = 4 + 26 * (k % 2)  # alternate distances: neighbouring rows stay legible
        ax.annotate(
            str(name),
            (v, y),
            xytext=(shift if v >= 0 else -shift, 0),
            textcoords="offset points",
            va="center",
            ha="left" if v >= 0 else "right",
            fontsize="small",
        )
    ax.margins(x=0.15)  # room for the names
    ax.set_yticks([])
    ax.set_ylabel(f"{data.index.name or 'cluster'}s, sorted by |{measure}|")
    ax.set_xlabel(measure.replace("_", " "))
    return ax
