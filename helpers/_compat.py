"""Every use of statsmodels' private attributes, in one place.

statsmodels' ``MixedLM`` keeps some things the helpers need only in private
attributes (the per-cluster random-effects design, the expansion of variance
components, the optimiser's internal state). A statsmodels release that
renames one breaks this file and nothing else; the unit tests exercise
every function here.

Written against statsmodels 0.14.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np


def unwrap(result):
    """The results object inside a statsmodels ``ResultsWrapper`` (or ``result`` itself)."""
    return getattr(result, "_results", result)


def re_design(model, ix: int) -> np.ndarray:
    """Random-effects design of cluster ``ix``: the random effects' columns
    followed by each variance component's columns (``MixedLM._aex_r``)."""
    return np.asarray(model._aex_r[ix], dtype=float)


def expand_vcomp(model, values, ix: int) -> np.ndarray:
    """One value per variance-component column of cluster ``ix``, taken from
    ``values`` (one per component) (``MixedLM._expand_vcomp``)."""
    return np.asarray(model._expand_vcomp(np.asarray(values, dtype=float), ix))


def re_column_names(result, ix: int) -> list[str]:
    """Names of the columns of :func:`re_design` for cluster ``ix``
    (``MixedLMResults._expand_re_names``)."""
    return [str(n) for n in unwrap(result)._expand_re_names(ix)]


def reset_fit_state(model) -> None:
    """Clear what ``MixedLM.fit`` leaves on the model from an earlier fit (a
    singular-covariance flag and the free-parameter pattern), so results can be
    built at given parameters."""
    model._cov_sing = 0
    model._freepat = None


def cache_value(result, name: str, value) -> None:
    """Store ``value`` as the cached attribute ``name`` of a (wrapped) result
    (statsmodels' ``cache_readonly`` reads ``_cache``), so that e.g. ``llf``
    returns a value computed elsewhere."""
    inner = unwrap(result)
    if not hasattr(inner, "_cache"):
        inner._cache = {}
    inner._cache[name] = value


def set_converged(result, converged: bool) -> None:
    """Record on a (wrapped) result whether its optimiser converged."""
    unwrap(result).converged = bool(converged)


@contextmanager
def loglike_hook(model, wrap):
    """Inside the block, ``model.loglike`` is ``wrap(original)`` for this one
    model object (statsmodels' optimisers call ``self.loglike``); the class
    method is restored on exit."""
    model.loglike = wrap(type(model).loglike.__get__(model))
    try:
        yield model
    finally:
        del model.loglike
