"""Plots: each takes an optional ax, returns the Axes, changes no global state."""

from __future__ import annotations

import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import helpers
from helpers import plots
from tests.unit.conftest import quiet_fit


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_import_changes_no_global_style():
    code = (
        "import matplotlib as mpl; before = dict(mpl.rcParams); import helpers, helpers.plots; "
        "after = dict(mpl.rcParams); "
        "print(sorted(k for k in before if str(before[k]) != str(after[k])))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_palette_is_colour_blind_safe():
    import seaborn as sns

    assert plots.PALETTE == sns.color_palette("colorblind")


def _fig_ax():
    fig, ax = plt.subplots()
    return fig, ax


def test_cluster_lines_and_spaghetti_data(sleep_data):
    fig, ax = _fig_ax()
    assert plots.cluster_lines(sleep_data.head(40), x="Days", y="Reaction", cluster="Subject", ax=ax) is ax
    fig, ax = _fig_ax()
    out = plots.spaghetti(sleep_data, x="Days", y="Reaction", cluster="Subject", ax=ax)
    assert out is ax
    # 18 cluster lines + the legend proxy + the pooled line
    assert len(ax.lines) == 18 + 2
    assert ax.get_xlabel() == "Days" and ax.get_ylabel() == "Reaction"
    with pytest.raises(TypeError, match="positional argument"):  # options are keyword-only
        plots.spaghetti(sleep_data, "Days", "Reaction", "Subject")


def test_spaghetti_from_fit(sleep_fits):
    ax = plots.fitted_lines(sleep_fits["rs_reml"], x="Days")
    assert len(ax.lines) == 18 + 2
    assert ax.get_ylabel() == "Reaction"
    with pytest.raises(ValueError, match="Hours"):
        plots.fitted_lines(sleep_fits["rs_reml"], x="Hours")


@pytest.mark.parametrize("name", ["resid_qq", "resid_vs_fitted", "eblup_qq", "caterpillar", "shrinkage"])
def test_result_plots_return_the_axes(name, sleep_fits):
    fig, ax = _fig_ax()
    out = getattr(plots, name)(sleep_fits["rs_reml"], ax=ax)
    assert out is ax
    assert ax.get_xlabel() and ax.get_ylabel()
    assert ax.get_legend() is not None
    # without ax: a new figure
    ax2 = getattr(plots, name)(sleep_fits["rs_reml"])
    assert ax2 is not ax and ax2.figure is not fig


@pytest.mark.parametrize(
    "name", ["resid_qq", "resid_vs_fitted", "eblup_qq", "caterpillar", "shrinkage", "profile"]
)
def test_result_plots_refuse_non_mixed(name, sleep_data):
    with pytest.raises(TypeError, match="fitted mixed model"):
        getattr(plots, name)(smf.ols("Reaction ~ Days", sleep_data).fit())


def test_resid_qq_points(sleep_fits):
    ax = plots.resid_qq(sleep_fits["rs_reml"])
    points = ax.collections[0].get_offsets()
    assert len(points) == 180
    assert np.all(np.diff(points[:, 0]) > 0) and np.all(np.diff(points[:, 1]) >= 0)


def test_caterpillar_sorted_intervals_and_labelled_outlier():
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(30), 8)
    effect = rng.normal(0, 1, 30)
    effect[7] = 9.0  # one far-out cluster
    data = pd.DataFrame({"g": groups, "y": effect[groups] + rng.normal(0, 1, len(groups))})
    res = quiet_fit("y ~ 1", data, "g")
    ax = plots.caterpillar(res)
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["7"]
    # all 30 clusters drawn, sorted by estimate
    lines = [line for line in ax.lines if len(line.get_xdata()) > 0]
    points = np.concatenate(
        [
            np.column_stack([line.get_xdata(), line.get_ydata()])
            for line in lines
            if line.get_linestyle() == "None"
        ]
    )
    assert len(points) == 30
    order = points[np.argsort(points[:, 1])]
    assert np.all(np.diff(order[:, 0]) >= 0)
    # label=k labels the k most extreme; a list labels those clusters
    assert len(plots.caterpillar(res, label=3).texts) == 3
    assert sorted(t.get_text() for t in plots.caterpillar(res, label=[0, 1]).texts) == ["0", "1"]


def test_caterpillar_interval_width_is_conditional_se(sleep_fits):
    res = sleep_fits["ri_reml"]
    ax = plots.caterpillar(res, level=0.95)
    se = helpers.eblups(res)["se"].to_numpy()
    seg = ax.collections[0].get_segments()  # error bars
    widths = np.array([s[1][0] - s[0][0] for s in seg])
    np.testing.assert_allclose(np.sort(widths), np.sort(2 * 1.959963984540054 * se), rtol=1e-6)


def test_shrinkage_points(sleep_fits):
    ax = plots.shrinkage(sleep_fits["ri_reml"])
    own, pooled = ax.collections[0].get_offsets(), ax.collections[1].get_offsets()
    assert len(own) == len(pooled) == 18
    fixed = sleep_fits["ri_reml"].fe_params["Intercept"]
    # partial pooling lies between the cluster's own estimate and the fixed effect
    assert np.all(np.abs(pooled[:, 1] - fixed) <= np.abs(own[:, 1] - fixed) + 1e-9)
    with pytest.raises(ValueError, match="no variance called"):
        plots.shrinkage(sleep_fits["ri_reml"], term="Days")
    ax = plots.shrinkage(sleep_fits["rs_reml"], term="Days")
    assert ax.get_ylabel() == "Days"


def test_profile_plot(dyestuff_fits):
    res = dyestuff_fits[False]
    ax = plots.profile(res, term="Intercept", n_points=9)
    ci = helpers.profile_ci(res, "Intercept")
    vlines = sorted(line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == ":")
    np.testing.assert_allclose(vlines, [ci.lower, ci.upper], rtol=1e-9)
    curve = ax.lines[0]
    assert curve.get_ydata().min() == pytest.approx(0.0, abs=1e-6)
    assert ax.get_xlabel() == "variance of Intercept"


def test_plots_check_columns(sleep_data):
    with pytest.raises(ValueError, match="'Hours'"):
        plots.cluster_lines(sleep_data, x="Hours", y="Reaction", cluster="Subject")


def test_eblup_qq_standardised_points(sleep_fits):
    """standardise=True plots each EBLUP over its own sd, sqrt(D - se^2)."""
    fit = sleep_fits["rs_reml"]
    eb = helpers.eblups(fit)
    eb = eb[eb["term"] == "Days"]
    var = float(helpers.varcomp(fit).loc["Days", "estimate"])
    expected = np.sort(eb["estimate"].to_numpy() / np.sqrt(var - eb["se"].to_numpy() ** 2))
    _, ax = _fig_ax()
    plots.eblup_qq(fit, term="Days", ax=ax, standardise=True)
    points = ax.collections[0].get_offsets()
    np.testing.assert_allclose(points[:, 1], expected, rtol=1e-10)
    assert ax.get_ylabel() == "standardised EBLUP of Days"
    _, ax_raw = _fig_ax()
    plots.eblup_qq(fit, term="Days", ax=ax_raw)
    np.testing.assert_allclose(
        ax_raw.collections[0].get_offsets()[:, 1], np.sort(eb["estimate"].to_numpy()), rtol=1e-10
    )


def test_extra_keywords_reach_matplotlib(sleep_data, sleep_fits):
    """As in seaborn, extra keyword arguments style the main artists (aliases included)."""
    ax = plots.spaghetti(sleep_data, x="Days", y="Reaction", cluster="Subject", c="red", lw=3)
    assert ax.lines[0].get_color() == "red" and ax.lines[0].get_linewidth() == 3
    ax = plots.fitted_lines(sleep_fits["rs_reml"], x="Days", linestyle=":")
    assert ax.lines[0].get_linestyle() == ":"
    ax = plots.resid_qq(sleep_fits["rs_reml"], s=40, c="k")
    assert set(ax.collections[0].get_sizes()) == {40}
    ax = plots.profile(sleep_fits["ri_ml"], term="Intercept", n_points=5, color="green")
    assert ax.lines[0].get_color() == "green"
