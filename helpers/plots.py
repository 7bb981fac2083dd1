"""Figures for the course. Each function takes an optional ``ax`` and returns the ``Axes``.

Nothing here changes matplotlib's global state: colours come from
:data:`PALETTE` (seaborn's colour-blind-safe palette) and are passed to each
call, so importing :mod:`helpers` leaves a reader's own style alone.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ._checks import check_columns, check_frame

#: Colour-blind-safe qualitative palette (seaborn "colorblind").
PALETTE = sns.color_palette("colorblind")

#: Colour of pooled / population-average lines.
POOLED_COLOR = "0.15"


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.2))
    return ax


def _line(x, y):
    """Least-squares line through (x, y): (intercept, slope)."""
    slope, intercept = np.polyfit(np.asarray(x, float), np.asarray(y, float), 1)
    return intercept, slope


def cluster_lines(data: pd.DataFrame, x: str, y: str, cluster: str, pooled: bool = True,
                  ax=None, legend: bool = True):
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

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_frame(data)
    check_columns(data, [x, y, cluster], "cluster_lines")
    ax = _axes(ax)
    labels = list(pd.unique(data[cluster]))
    markers = ["o", "s", "^", "D", "v", "P", "X", "*"]
    for i, label in enumerate(labels):
        part = data[data[cluster] == label]
        color = PALETTE[i % len(PALETTE)]
        ax.scatter(part[x], part[y], s=16, alpha=0.6, color=color,
                   marker=markers[i % len(markers)], label=str(label))
        if len(part) > 1 and part[x].nunique() > 1:
            b0, b1 = _line(part[x], part[y])
            xs = np.array([part[x].min(), part[x].max()])
            ax.plot(xs, b0 + b1 * xs, color=color, linewidth=2)
    if pooled:
        b0, b1 = _line(data[x], data[y])
        xs = np.array([data[x].min(), data[x].max()])
        ax.plot(xs, b0 + b1 * xs, color=POOLED_COLOR, linestyle="--", linewidth=2.5,
                label="pooled (all rows)")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if legend:
        ax.legend(title=cluster, fontsize="small", frameon=False)
    return ax
