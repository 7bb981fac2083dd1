"""Property tests: random frames either fit or fail with a clear error raised by helpers.

Never a raw patsy, numpy or statsmodels traceback, and no warnings but the helpers' own.
"""

from __future__ import annotations

import traceback
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import helpers

# Hypothesis tests: many random cases each; `make check` leaves them to `make test`.
pytestmark = pytest.mark.slow

HELPERS_DIR = str(Path(helpers.__file__).resolve().parent)
OWN_WARNINGS = (helpers.MissingDataWarning, helpers.BoundaryWarning, helpers.OptimizerWarning)

values = st.one_of(st.floats(-1e3, 1e3, allow_nan=False), st.just(np.nan), st.integers(-5, 5).map(float))


@st.composite
def frames(draw):
    sizes = draw(st.lists(st.integers(1, 7), min_size=1, max_size=6))
    n = sum(sizes)
    labels = draw(st.sampled_from(["int", "str"]))
    groups = [(i if labels == "int" else f"c{i}") for i, size in enumerate(sizes) for _ in range(size)]
    frame = pd.DataFrame({"g": pd.Series(groups, dtype=object)})
    frame["x"] = draw(st.lists(values, min_size=n, max_size=n))
    kind = draw(st.sampled_from(["linear", "noise", "constant", "text"]))
    if kind == "linear":
        noise = draw(st.lists(st.floats(-3, 3), min_size=n, max_size=n))
        frame["y"] = 2.0 + 0.5 * frame["x"].fillna(0) + np.asarray(noise)
    elif kind == "noise":
        frame["y"] = draw(st.lists(values, min_size=n, max_size=n))
    elif kind == "constant":
        frame["y"] = 1.0
    else:
        frame["y"] = ["a"] * n
    if draw(st.booleans()):
        frame.loc[frame.index[draw(st.integers(0, n - 1))], "g"] = None
    return frame


specs = st.tuples(
    st.sampled_from(["y ~ x", "y ~ 1", "y ~ x + w", "x ~ y"]), st.sampled_from([None, "~x"]), st.booleans()
)


def _raised_by_helpers(err: BaseException) -> bool:
    last = traceback.extract_tb(err.__traceback__)[-1]
    return str(Path(last.filename).resolve()).startswith(HELPERS_DIR)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=frames(), spec=specs)
def test_random_frames_fit_or_fail_clearly(frame, spec):
    formula, re_formula, reml = spec
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = helpers.fit_mixed(formula, frame, "g", re_formula=re_formula, reml=reml)
        except (ValueError, TypeError, RuntimeError) as err:
            assert type(err) in (ValueError, TypeError, RuntimeError), type(err)
            assert _raised_by_helpers(err), "".join(traceback.format_exception(err))
            assert len(str(err)) > 20
            res = None
    others = [w for w in caught if not issubclass(w.category, OWN_WARNINGS)]
    assert not others, [f"{w.category.__name__}: {w.message}" for w in others]
    if res is not None:
        assert np.isfinite(res.llf)
        assert res.fit_audit["chosen"].sum() == 1
        table = helpers.varcomp(res)
        assert (table.loc[table["kind"] != "covariance", "estimate"] >= -1e-10).all()
        blups = helpers.eblups(res)
        assert np.isfinite(blups["estimate"]).all() and (blups["se"] >= 0).all()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    n_groups=st.integers(3, 8),
    size=st.integers(2, 6),
    tau=st.sampled_from([0.0, 0.5, 2.0]),
)
def test_fit_mixed_is_at_least_as_good_as_statsmodels_default(seed, n_groups, size, tau):
    """Whatever the data, fit_mixed never ends below statsmodels' own default fit."""
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(n_groups), size)
    x = rng.normal(size=len(g))
    y = 1 + 0.3 * x + tau * rng.normal(size=n_groups)[g] + rng.normal(size=len(g))
    frame = pd.DataFrame({"g": g, "x": x, "y": y})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = helpers.fit_mixed("y ~ x", frame, "g", re_formula="~x")
        try:
            default = smf.mixedlm("y ~ x", frame, groups="g", re_formula="~x").fit()
            default_llf = default.llf if np.isfinite(default.llf) else -np.inf
        except (np.linalg.LinAlgError, ValueError):
            default_llf = -np.inf
    assert res.llf >= default_llf - 1e-6


@settings(max_examples=15, deadline=None)
@given(frame=frames())
def test_plots_take_data_or_fail_clearly(frame):
    import matplotlib.pyplot as plt

    try:
        ax = helpers.plots.spaghetti(frame, x="x", y="y", cluster="g")
        assert ax is not None
    except (ValueError, TypeError) as err:
        assert _raised_by_helpers(err), "".join(traceback.format_exception(err))
    finally:
        plt.close("all")
