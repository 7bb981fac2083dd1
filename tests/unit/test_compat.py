"""helpers._compat: each use of statsmodels' private attributes still means what we rely on.

A statsmodels release that renames or changes one of them fails here first.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.formula.api as smf

from helpers import _compat


@pytest.fixture(scope="module")
def vc_fit(sleep_data):
    """Random intercept plus an independent Days slope as a variance component."""
    model = smf.mixedlm(
        "Reaction ~ Days", sleep_data, groups="Subject", re_formula="1", vc_formula={"Days": "0 + Days"}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(reml=False)


def test_unwrap_gives_the_results_inside_the_wrapper(vc_fit):
    inner = _compat.unwrap(vc_fit)
    assert inner is vc_fit._results and _compat.unwrap(inner) is inner


def test_re_design_and_expand_vcomp_and_names(vc_fit, sleep_data):
    model = vc_fit.model
    first = sleep_data[sleep_data["Subject"] == model.group_labels[0]]
    z = _compat.re_design(model, 0)
    # the random intercept's column, then the variance component's column (Days)
    assert z.shape == (len(first), 2)
    assert np.array_equal(z[:, 0], np.ones(len(first)))
    assert np.array_equal(z[:, 1], first["Days"].to_numpy(float))
    assert np.array_equal(_compat.expand_vcomp(model, [7.0], 0), [7.0])
    assert _compat.re_column_names(vc_fit, 0)[1] == "Days[Days]"  # component[column]


def test_reset_fit_state_and_set_converged(vc_fit):
    model = vc_fit.model
    _compat.reset_fit_state(model)
    assert model._cov_sing == 0 and model._freepat is None
    _compat.set_converged(vc_fit, False)
    assert vc_fit.converged is False
    _compat.set_converged(vc_fit, True)
    assert vc_fit.converged is True


def test_loglike_hook_sees_every_evaluation_and_is_removed(sleep_data):
    model = smf.mixedlm("Reaction ~ Days", sleep_data, groups="Subject")
    calls = []

    def wrap(original):
        def counted(params, profile_fe=True):
            calls.append(1)
            return original(params, profile_fe)

        return counted

    with _compat.loglike_hook(model, wrap), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hooked = model.fit(reml=True)
    assert calls, "statsmodels' optimiser no longer calls model.loglike"
    assert "loglike" not in vars(model)
    plain = model.fit(reml=True)
    assert hooked.llf == pytest.approx(plain.llf, abs=1e-8)
