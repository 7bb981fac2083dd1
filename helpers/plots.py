"""Figures for the course, in seaborn's calling convention.

Every function takes the data (a DataFrame or a fitted model) first and
everything else by keyword, draws on ``ax`` (a new figure when it is None),
returns the ``Axes``, and passes extra keyword arguments on to the
matplotlib call that draws its main elements (each docstring says which).

Nothing here changes matplotlib's global state: colours come from
:data:`PALETTE` (seaborn's colour-blind-safe palette) and are passed to each
call, so importing :mod:`helpers` leaves a reader's own style alone.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ._checks import check_columns, check_frame
from ._results import check_mixed, resolve_term, term_names

#: Colour-blind-safe qualitative palette (seaborn "colorblind").
PALETTE = sns.color_palette("colorblind")

#: Colour of pooled / population-average lines.
POOLED_COLOR = "0.15"


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.2))
    return ax


def _style(defaults, kwargs, artist=mpl.lines.Line2D):
    """The defaults overridden by the caller's keyword arguments (aliases such as
    ``lw`` or ``c`` normalised first, so they replace ``linewidth`` or ``color``)."""
    kwargs = mpl.cbook.normalize_kwargs(kwargs, artist)
    defaults = mpl.cbook.normalize_kwargs(defaults, artist)
    if "c" in kwargs:  # scatter's colour by value replaces the default colour
        defaults.pop("color", None)
    return {**defaults, **kwargs}


def _scatter(ax, x, y, kwargs, **defaults):
    """``ax.scatter`` with the figure's defaults, overridden by the caller's keywords."""
    return ax.scatter(x, y, **_style(defaults, kwargs, mpl.collections.Collection))


def _line(x, y):
    """Least-squares line through (x, y): (intercept, slope), or None when the
    points do not determine a line (fewer than two distinct x values)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < 2 or np.ptp(x) == 0:
        return None
    with np.errstate(all="ignore"):
        xm, ym = x.mean(), y.mean()
        sxx = np.sum((x - xm) ** 2)
        sxy = np.sum((x - xm) * (y - ym))
        # Values so large or so close together that the sums overflow or vanish.
        if not (np.isfinite(sxx) and np.isfinite(sxy) and sxx > 0):
            return None
        slope = float(sxy / sxx)
        intercept = float(ym - slope * xm)
    if not (np.isfinite(slope) and np.isfinite(intercept)):
        return None
    return intercept, slope


def _ols_line(ax, x, y, **style) -> None:
    """Draw the least-squares line of ``y`` on ``x`` over the range of ``x`` (if there is one)."""
    line = _line(x, y)
    if line is not None:
        xs = np.array([np.min(x), np.max(x)])
        ax.plot(xs, line[0] + line[1] * xs, **style)


def _pooled_line(ax, data, x, y, label) -> None:
    """The dashed line through all rows."""
    _ols_line(ax, data[x], data[y], color=POOLED_COLOR, linestyle="--", linewidth=2.5, label=label)


def _plot_data(data, x, y, cluster, what):
    """Checked, complete rows of ``data`` for a figure of ``y`` against ``x`` by ``cluster``."""
    check_frame(data)
    check_columns(data, [x, y, cluster], what)
    for col in (x, y):
        if not (pd.api.types.is_numeric_dtype(data[col]) and not pd.api.types.is_bool_dtype(data[col])):
            raise ValueError(f"{what}: the column {col!r} must be numeric, not {data[col].dtype}.")
    data = data.dropna(subset=[x, y, cluster])
    data = data[np.isfinite(data[x].to_numpy(float)) & np.isfinite(data[y].to_numpy(float))]
    if data.empty:
        raise ValueError(f"{what}: no rows with values of {x!r}, {y!r} and {cluster!r}.")
    return data


def cluster_lines(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    cluster: str,
    pooled: bool = True,
    ax=None,
    legend: bool = True,
    **kwargs,
):
    """Scatter of ``y`` on ``x`` coloured by cluster, each cluster's own OLS line, and the pooled line.

    The picture behind Simpson's paradox in clustered data: the pooled line
    can point one way while every cluster's line points the other.

    Parameters
    ----------
    data : pandas.DataFrame
    x, y : str
        Columns for the horizontal and vertical axes.
    cluster : str
        Column that identifies the clusters.
    pooled : bool, default True
        Also draw the single line fitted to all rows (dashed, dark).
    ax : matplotlib.axes.Axes, optional
    legend : bool, default True
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.scatter` for the points.

    Returns
    -------
    matplotlib.axes.Axes
    """
    data = _plot_data(data, x, y, cluster, "cluster_lines")
    ax = _axes(ax)
    labels = list(pd.unique(data[cluster]))
    markers = ["o", "s", "^", "D", "v", "P", "X", "*"]
    for i, label in enumerate(labels):
        part = data[data[cluster] == label]
        color = PALETTE[i % len(PALETTE)]
        _scatter(
            ax,
            part[x],
            part[y],
            kwargs,
            s=16,
            alpha=0.6,
            color=color,
            marker=markers[i % len(markers)],
            label=str(label),
        )
        _ols_line(ax, part[x], part[y], color=color, linewidth=2)
    if pooled:
        _pooled_line(ax, data, x, y, "pooled (all rows)")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if legend:
        ax.legend(title=cluster, fontsize="small", frameon=False)
    return ax


# ---------------------------------------------------------------------------
# Figures of fitted models
# ---------------------------------------------------------------------------


def _qq_points(values):
    """Sorted values against standard-normal quantiles (Blom plotting positions)."""
    from scipy import stats

    v = np.sort(np.asarray(values, dtype=float))
    n = len(v)
    q = stats.norm.ppf((np.arange(1, n + 1) - 0.375) / (n + 0.25))
    return q, v


def _qq_line(ax, q, v, color=POOLED_COLOR):
    """Reference line through the first and third quartiles (as R's qqline)."""
    from scipy import stats

    q1, q3 = np.percentile(v, [25, 75])
    z1, z3 = stats.norm.ppf([0.25, 0.75])
    slope = (q3 - q1) / (z3 - z1) if z3 != z1 else 1.0
    inter = q1 - slope * z1
    xs = np.array([q.min(), q.max()])
    ax.plot(xs, inter + slope * xs, color=color, linestyle="--", linewidth=1.5, label="normal reference")


def spaghetti(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    cluster: str,
    ax=None,
    pooled: bool = True,
    alpha: float = 0.5,
    **kwargs,
):
    """One line per cluster: each cluster's own least-squares line, and the pooled line.

    Each cluster's own line of ``y`` on ``x`` is no pooling; the single line
    through all rows, dashed, is complete pooling. Compare
    :func:`fitted_lines`, the same picture from a fitted model (partial
    pooling): the model's cluster lines are pulled towards the average line,
    most for the small clusters.

    Parameters
    ----------
    data : pandas.DataFrame
    x, y : str
        Columns for the horizontal and vertical axes.
    cluster : str
        Column that identifies the clusters.
    ax : matplotlib.axes.Axes, optional
    pooled : bool, default True
        Draw the line through all rows.
    alpha : float, default 0.5
        Transparency of the cluster lines.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.plot` for the cluster lines.

    Returns
    -------
    matplotlib.axes.Axes
    """
    data = _plot_data(data, x, y, cluster, "spaghetti")
    style = _style(dict(color=PALETTE[0], alpha=alpha, linewidth=1), kwargs)
    proxy = _style(dict(color=PALETTE[0], alpha=alpha), kwargs)  # the legend's sample line
    ax = _axes(ax)
    for _, part in data.groupby(cluster, sort=False):
        _ols_line(ax, part[x], part[y], **style)
    ax.plot([], [], **proxy, label="each cluster's own OLS line")
    if pooled:
        _pooled_line(ax, data, x, y, "pooled line (all rows)")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(fontsize="small", frameon=False)
    return ax


def fitted_lines(result, *, x: str, ax=None, marginal: bool = True, alpha: float = 0.5, **kwargs):
    """One line per cluster from a fitted mixed model, and the population-average line.

    Each cluster's line is the fixed effects plus that cluster's EBLUPs
    (partial pooling); the dashed line is the population average ``X beta``.
    :func:`spaghetti` draws the same picture from the data alone.

    Parameters
    ----------
    result : MixedLMResults
        A fit from :func:`helpers.fit_mixed`.
    x : str
        A predictor of the model, on the horizontal axis.
    ax : matplotlib.axes.Axes, optional
    marginal : bool, default True
        Draw the population-average line.
    alpha : float, default 0.5
        Transparency of the cluster lines.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.plot` for the cluster lines.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from .diagnostics import fitted_values

    inner = check_mixed(result)
    frame = inner.model.data.frame.loc[inner.model.data.row_labels]
    if x not in frame.columns:
        raise ValueError(f"{x!r} is not a column of the data this model was fitted to.")
    style = _style(dict(color=PALETTE[0], alpha=alpha, linewidth=1), kwargs)
    proxy = _style(dict(color=PALETTE[0], alpha=alpha), kwargs)  # the legend's sample line
    ax = _axes(ax)
    cond = fitted_values(inner, conditional=True).to_numpy()
    marg = fitted_values(inner, conditional=False).to_numpy()
    xv = frame[x].to_numpy()
    groups = np.asarray(inner.model.groups)
    for g in pd.unique(groups):
        sel = groups == g
        order = np.argsort(xv[sel], kind="stable")
        ax.plot(xv[sel][order], cond[sel][order], **style)
    ax.plot([], [], **proxy, label="cluster lines (fixed effects + EBLUPs)")
    if marginal:
        order = np.argsort(xv, kind="stable")
        ax.plot(
            xv[order],
            marg[order],
            color=POOLED_COLOR,
            linestyle="--",
            linewidth=2.5,
            label="population-average line",
        )
    ax.set_xlabel(x)
    ax.set_ylabel(str(inner.model.endog_names))
    ax.legend(fontsize="small", frameon=False)
    return ax


def resid_qq(result, *, ax=None, conditional: bool = True, **kwargs):
    """Normal QQ plot of the residuals of a mixed model.

    If the level-1 errors are normal, the points lie near the dashed line
    (drawn through the quartiles); S-shapes mean heavy or light tails,
    a bend at one end means skewness, single points far off are outliers.

    Parameters
    ----------
    result : MixedLMResults
    ax : matplotlib.axes.Axes, optional
    conditional : bool, default True
        Conditional residuals ``y - X beta - Z b`` (the level-1 errors; the
        usual choice), or marginal ones ``y - X beta``.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.scatter` for the points.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from .diagnostics import residuals

    inner = check_mixed(result)
    ax = _axes(ax)
    r = residuals(inner, conditional=conditional).to_numpy()
    q, v = _qq_points(r)
    _scatter(ax, q, v, kwargs, s=12, alpha=0.6, color=PALETTE[0], label="residuals")
    _qq_line(ax, q, v)
    ax.set_xlabel("standard normal quantile")
    ax.set_ylabel(("conditional" if conditional else "marginal") + " residual")
    ax.legend(fontsize="small", frameon=False)
    return ax


def resid_vs_fitted(result, *, ax=None, conditional: bool = True, smooth: bool = True, **kwargs):
    """Residuals against fitted values, with a zero line and a lowess smooth.

    A horizontal band of even width around zero is what a good model gives.
    A funnel means the residual variance is not constant; a curved smooth
    means the mean is mis-specified (a missing term or transformation).

    Parameters
    ----------
    result : MixedLMResults
    ax : matplotlib.axes.Axes, optional
    conditional : bool, default True
        Conditional (with EBLUPs) or marginal fitted values and residuals.
    smooth : bool, default True
        Add a lowess curve of the residuals.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.scatter` for the points.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from .diagnostics import fitted_values, residuals

    inner = check_mixed(result)
    ax = _axes(ax)
    f = fitted_values(inner, conditional=conditional).to_numpy()
    r = residuals(inner, conditional=conditional).to_numpy()
    _scatter(ax, f, r, kwargs, s=12, alpha=0.6, color=PALETTE[0], label="residuals")
    ax.axhline(0.0, color=POOLED_COLOR, linewidth=1, linestyle="--")
    if smooth and len(f) > 5:
        from statsmodels.nonparametric.smoothers_lowess import lowess

        sm = lowess(r, f, frac=0.6, return_sorted=True)
        ax.plot(sm[:, 0], sm[:, 1], color=PALETTE[1], linewidth=2, label="lowess smooth")
    kind = "conditional" if conditional else "marginal"
    ax.set_xlabel(f"{kind} fitted value")
    ax.set_ylabel(f"{kind} residual")
    ax.legend(fontsize="small", frameon=False)
    return ax


def _eblup_term(inner, term):
    from .diagnostics import eblups

    key = resolve_term(inner, term)
    if key == "Residual":
        raise ValueError("Choose a random effect (e.g. 'Intercept'), not the residual.")
    table = eblups(inner)
    return key, table[table["term"] == key].reset_index(drop=True)


def _standardised(inner, key, tab):
    """EBLUPs divided by their own standard deviation ``sqrt(D - se^2)``.

    Unconditionally, an EBLUP has variance ``D - se^2`` (the random-effect
    variance less its conditional variance), which is smaller for small
    clusters; dividing by it puts clusters of different sizes on one scale.
    """
    from .summaries import variance_of

    var = variance_of(inner, key)
    if var <= 0:
        return np.zeros(len(tab))
    sd_blup = np.sqrt(np.clip(var - tab["se"].to_numpy() ** 2, 1e-300, None))
    return tab["estimate"].to_numpy() / sd_blup


def eblup_qq(
    result, *, term: str = "Intercept", ax=None, label: int = 2, standardise: bool = False, **kwargs
):
    """Normal QQ plot of the predicted random effects (EBLUPs) of one term.

    The model assumes the random effects are normal. EBLUPs are shrunken
    (their spread is smaller than the variance estimate), so judge the
    *shape* against the dashed line through the quartiles, not the slope;
    clusters far off the line are candidates for a closer look. When
    cluster sizes differ, raw EBLUPs have unequal variances (a mixture of
    scales can look heavy-tailed even when the random effects are normal):
    use ``standardise=True``.

    Parameters
    ----------
    result : MixedLMResults
    term : str, default "Intercept"
        Which random effect: ``"Intercept"`` or a random slope's name.
    ax : matplotlib.axes.Axes, optional
    label : int, default 2
        Label this many clusters at each end with their names.
    standardise : bool, default False
        Plot each EBLUP divided by its own standard deviation
        ``sqrt(D - se^2)`` instead of the raw EBLUP.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.scatter` for the points.

    Returns
    -------
    matplotlib.axes.Axes
    """
    inner = check_mixed(result)
    key, tab = _eblup_term(inner, term)
    ax = _axes(ax)
    values = _standardised(inner, key, tab) if standardise else tab["estimate"].to_numpy()
    order = np.argsort(values, kind="stable")
    q, v = _qq_points(pd.Series(values))
    _scatter(ax, q, v, kwargs, s=18, color=PALETTE[0], label="EBLUPs")
    _qq_line(ax, q, v)
    groups = tab["group"].to_numpy()[order]
    n = len(v)
    for i in sorted(set(range(min(label, n))) | set(range(max(n - label, 0), n))):
        ax.annotate(str(groups[i]), (q[i], v[i]), textcoords="offset points", xytext=(4, 2), fontsize="small")
    ax.set_xlabel("standard normal quantile")
    ax.set_ylabel(f"{'standardised ' if standardise else ''}EBLUP of {key}")
    ax.legend(fontsize="small", frameon=False)
    return ax


def caterpillar(
    result,
    *,
    term: str = "Intercept",
    ax=None,
    level: float = 0.95,
    label=None,
    threshold: float = 2.5,
    **kwargs,
):
    """Caterpillar plot: every cluster's EBLUP with its conditional interval, sorted.

    Each row is a cluster: the point is its predicted random effect and the
    bar ``estimate +- z * se`` uses the conditional standard error from
    :func:`helpers.eblups` (95 % by default). Clusters are sorted by their
    EBLUP. Wide bars are small clusters (little information, much
    shrinkage). Clusters whose standardised EBLUP (the EBLUP divided by its
    own standard deviation ``sqrt(D - se^2)``) exceeds ``threshold`` are
    drawn in another colour and labelled: outliers to check in the data.

    Parameters
    ----------
    result : MixedLMResults
    term : str, default "Intercept"
        Which random effect: ``"Intercept"`` or a random slope's name.
    ax : matplotlib.axes.Axes, optional
    level : float, default 0.95
        Coverage of the conditional intervals.
    label : None, int or list, optional
        ``None``: label the outliers (see ``threshold``); an int ``k``:
        label the ``k`` clusters with the largest standardised EBLUPs; a
        list: label those clusters.
    threshold : float, default 2.5
        Standardised-EBLUP size that marks an outlier when ``label`` is None.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.errorbar` for the clusters that are not labelled.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from scipy import stats

    inner = check_mixed(result)
    key, tab = _eblup_term(inner, term)
    ax = _axes(ax)
    z = stats.norm.ppf(0.5 + level / 2)
    tab = tab.sort_values("estimate", kind="stable").reset_index(drop=True)
    std = _standardised(inner, key, tab)
    if label is None:
        flagged = np.abs(std) > threshold
    elif isinstance(label, (int, np.integer)):
        flagged = np.zeros(len(tab), dtype=bool)
        flagged[np.argsort(-np.abs(std), kind="stable")[: int(label)]] = True
    else:
        wanted = set(label)
        flagged = tab["group"].isin(wanted).to_numpy()
    pos = np.arange(len(tab))
    est, se = tab["estimate"].to_numpy(), tab["se"].to_numpy()
    normal = ~flagged
    ax.errorbar(
        est[normal],
        pos[normal],
        xerr=z * se[normal],
        **_style(
            dict(
                fmt="o",
                markersize=3,
                color=PALETTE[0],
                ecolor=PALETTE[0],
                elinewidth=1,
                alpha=0.8,
                label=f"EBLUP with {level:.0%} conditional interval",
            ),
            kwargs,
        ),
    )
    if flagged.any():
        ax.errorbar(
            est[flagged],
            pos[flagged],
            xerr=z * se[flagged],
            fmt="s",
            markersize=4,
            color=PALETTE[3],
            ecolor=PALETTE[3],
            elinewidth=1.5,
            label="labelled clusters",
        )
        for i in np.flatnonzero(flagged):
            ax.annotate(
                str(tab["group"].iloc[i]),
                (est[i] + z * se[i], pos[i]),
                textcoords="offset points",
                xytext=(4, -3),
                fontsize="small",
            )
    ax.axvline(0.0, color=POOLED_COLOR, linewidth=1, linestyle="--")
    ax.set_yticks([])
    ax.set_ylabel(f"clusters, sorted by their EBLUP ({len(tab)})")
    ax.set_xlabel(f"EBLUP of {key}")
    ax.legend(fontsize="small", frameon=False, loc="upper left")
    return ax


def shrinkage(result, *, term: str = "Intercept", ax=None, **kwargs):
    """Shrinkage: each cluster's own estimate against the model's, by cluster size.

    For every cluster two values of the chosen coefficient (the intercept,
    or a random slope) are drawn against the cluster size:

    - *no pooling*: the cluster's own least-squares estimate, from its rows
      alone (the fixed part of the model held at its estimate);
    - *partial pooling*: the model's estimate for that cluster, the fixed
      coefficient plus the cluster's EBLUP.

    A segment joins the two. The horizontal line is *complete pooling*, the
    fixed coefficient. Small clusters are pulled far towards it, large
    clusters hardly move: that is shrinkage.

    Parameters
    ----------
    result : MixedLMResults
    term : str, default "Intercept"
        ``"Intercept"`` or a random slope's name.
    ax : matplotlib.axes.Axes, optional
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.scatter` for the points of both kinds.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from .diagnostics import eblups

    inner = check_mixed(result)
    key = resolve_term(inner, term)
    names = term_names(inner)
    if key == "Residual" or names.index(key) >= inner.k_re:
        raise ValueError(f"shrinkage is drawn for a random intercept or slope, not for {key!r}.")
    k = names.index(key)
    model = inner.model
    fe = np.asarray(inner.fe_params, dtype=float)
    exog_names = list(model.exog_names)
    fixed = float(fe[exog_names.index(key)]) if key in exog_names else 0.0
    resid = model.endog - model.exog @ fe
    tab = eblups(inner)
    tab = tab[tab["term"] == key].set_index("group")
    sizes, own, pooled = [], [], []
    for ix, label in enumerate(model.group_labels):
        rows = model.row_indices[label]
        Z = model.exog_re_li[ix] if inner.k_re else None
        r = resid[rows]
        if Z is None or np.linalg.matrix_rank(Z) < Z.shape[1]:
            continue  # the cluster cannot estimate its own coefficients
        b_own, *_ = np.linalg.lstsq(Z, r, rcond=None)
        sizes.append(len(rows))
        own.append(fixed + b_own[k])
        pooled.append(fixed + float(tab.loc[label, "estimate"]))
    if not sizes:
        raise ValueError("No cluster has enough rows to estimate its own coefficient.")
    sizes, own, pooled = map(np.asarray, (sizes, own, pooled))
    # Spread clusters of the same size a little sideways so they do not hide each other.
    xpos = sizes.astype(float).copy()
    width = 0.35 * (np.min(np.diff(np.unique(sizes))) if len(np.unique(sizes)) > 1 else 1.0)
    for s in np.unique(sizes):
        sel = np.flatnonzero(sizes == s)
        if len(sel) > 1:
            order = sel[np.argsort(own[sel], kind="stable")]
            xpos[order] = s + np.linspace(-width, width, len(sel))
    ax = _axes(ax)
    for s, a, b in zip(xpos, own, pooled):
        ax.plot([s, s], [a, b], color="0.6", linewidth=0.8, zorder=1)
    _scatter(
        ax,
        xpos,
        own,
        kwargs,
        s=20,
        marker="o",
        facecolors="none",
        edgecolors=PALETTE[0],
        label="no pooling (cluster's own estimate)",
        zorder=2,
    )
    _scatter(
        ax,
        xpos,
        pooled,
        kwargs,
        s=20,
        marker="^",
        color=PALETTE[1],
        label="partial pooling (fixed + EBLUP)",
        zorder=3,
    )
    ax.axhline(
        fixed, color=POOLED_COLOR, linestyle="--", linewidth=1.5, label="complete pooling (fixed effect)"
    )
    ax.set_xlabel("cluster size (rows)")
    ax.set_ylabel(key if key != "Intercept" else "cluster intercept")
    ax.legend(fontsize="small", frameon=False)
    return ax


def profile(result, *, term: str = "Intercept", ax=None, level: float = 0.95, n_points: int = 25, **kwargs):
    """Profile likelihood of a variance component, with its confidence interval.

    Draws the likelihood-ratio statistic ``2 (llf - profile llf)`` against
    the value of the variance (data scale). The curve touches zero at the
    estimate; the horizontal line at the chi-square cut-off (3.84 for 95 %)
    meets it at the ends of the profile confidence interval
    (:func:`helpers.profile_ci`), marked by vertical lines. An asymmetric
    curve is why "estimate +- 1.96 SE" is the wrong interval for a variance.

    Parameters
    ----------
    result : MixedLMResults
    term : str, default "Intercept"
        ``"Intercept"``, a random slope's name, a ``vc_formula`` name or
        ``"Residual"``.
    ax : matplotlib.axes.Axes, optional
    level : float, default 0.95
    n_points : int, default 25
        Number of values at which the profile is computed.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.plot` for the profile curve.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from scipy import stats

    from .profiles import profile_ci, profile_loglike

    inner = check_mixed(result)
    ci = profile_ci(inner, term, level)
    span = ci.upper - ci.lower
    lo = (
        max(0.0, ci.lower - 0.15 * span)
        if ci.term != "Residual"
        else max(ci.lower - 0.15 * span, 1e-3 * ci.lower)
    )
    hi = ci.upper + 0.15 * span
    values = np.unique(np.concatenate([np.linspace(lo, hi, n_points), [ci.estimate, ci.lower, ci.upper]]))
    if ci.term == "Residual":
        values = values[values > 0]
    prof = profile_loglike(inner, ci.term, values)
    ax = _axes(ax)
    ax.plot(
        prof["value"],
        np.clip(prof["lr"], 0, None),
        **_style(dict(color=PALETTE[0], linewidth=2, label="profile likelihood-ratio statistic"), kwargs),
    )
    cut = stats.chi2.ppf(level, 1)
    ax.axhline(
        cut,
        color=POOLED_COLOR,
        linestyle="--",
        linewidth=1,
        label=f"cut-off {cut:.2f} ({level:.0%} interval)",
    )
    for v in (ci.lower, ci.upper):
        ax.axvline(v, color=PALETTE[1], linestyle=":", linewidth=1.5)
    ax.plot([ci.estimate], [0.0], "o", color=PALETTE[1], label="estimate")
    ax.set_xlabel(f"variance of {ci.term}" if ci.term != "Residual" else "residual variance")
    ax.set_ylabel("2 x drop in log-likelihood")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize="small", frameon=False)
    return ax
