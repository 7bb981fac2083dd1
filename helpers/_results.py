"""What a fitted model holds, read one way for every module.

:func:`check_mixed` (the type check with a clear error), :func:`term_names`
(random effects named as the book names them), :func:`resolve_term` (a
user's name for a variance), :func:`describe` and :func:`check_same_data`
(are two fits comparable). :mod:`helpers.diagnostics`, :mod:`helpers.plots`
and the test, profile and summary modules import these; nothing here
imports them back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from statsmodels.regression.mixed_linear_model import MixedLMResults

from ._compat import unwrap

#: Names a user may give the residual variance.
RESIDUAL_ALIASES = ("residual", "scale", "sigma2", "error")


def check_mixed(result, what: str = "result") -> MixedLMResults:
    """Return the underlying MixedLMResults, or raise a TypeError naming what was passed."""
    inner = unwrap(result)
    if not isinstance(inner, MixedLMResults):
        raise TypeError(
            f"`{what}` must be a fitted mixed model (from helpers.fit_mixed), not {type(result).__name__}."
        )
    return inner


def re_names(model) -> list[str]:
    """Random-effect names of a ``MixedLM``, the random intercept called
    ``"Intercept"`` (statsmodels names it after the ``groups`` argument)."""
    return [
        "Intercept" if np.all(model.exog_re[:, i] == 1) else str(name)
        for i, name in enumerate(model.data.exog_re_names)
    ]


def term_names(result) -> list[str]:
    """Names of the random effects of a fit, the random intercept called ``"Intercept"``.

    statsmodels names the random intercept after the ``groups`` argument
    (``"Group"`` or the column name); tidy output should not depend on that.
    Variance components (``vc_formula``) follow, under their own names.
    """
    inner = check_mixed(result)
    model = inner.model
    names = re_names(model) if inner.k_re else []
    if model.k_vc:
        names += [str(n) for n in model.exog_vc.names]
    return names


def resolve_term(inner, term) -> str:
    """Map a user's name for a variance (``"Intercept"``, a slope, a group
    name, ``"Residual"``) to the name used in :func:`helpers.varcomp`."""
    names = term_names(inner)
    if not isinstance(term, str):
        raise TypeError(f"`term` must be a string such as 'Intercept' or 'Residual', not {term!r}.")
    if term in names:
        return term
    if term.lower() in RESIDUAL_ALIASES:
        return "Residual"
    raw = [str(n) for n in inner.model.data.exog_re_names] if inner.k_re else []
    if term in raw:
        return names[raw.index(term)]
    if term.lower() == "intercept" and "Intercept" in names:
        return "Intercept"
    raise ValueError(
        f"The model has no variance called {term!r}. Its variances are: "
        f"{', '.join(repr(n) for n in names + ['Residual'])}."
    )


@dataclass(frozen=True)
class FitSummary:
    """What a likelihood-ratio test needs to know about one fit (OLS or mixed).

    ``re`` lists ``("re", name)`` for each random effect and ``("vc", name)``
    for each variance component; ``n_cov`` counts the covariance parameters.
    """

    kind: str
    fe: tuple
    re: tuple
    n_cov: int
    reml: bool
    llf: float
    endog: np.ndarray
    nobs: int
    groups: np.ndarray | None


def describe(result) -> FitSummary:
    """Fixed-effect names, random-effect names, and counts of a fit (OLS or mixed)."""
    inner = unwrap(result)
    if isinstance(inner, MixedLMResults):
        model = inner.model
        k_re = inner.k_re
        names = term_names(inner)
        re = tuple(("re", n) for n in names[:k_re]) + tuple(("vc", n) for n in names[k_re:])
        n_cov = k_re * (k_re + 1) // 2 + len(names) - k_re
        return FitSummary(
            kind="mixed",
            fe=tuple(model.exog_names),
            re=re,
            n_cov=n_cov,
            reml=bool(inner.reml),
            llf=float(inner.llf),
            endog=np.asarray(model.endog),
            nobs=int(model.n_totobs),
            groups=np.asarray(model.groups),
        )
    model = getattr(inner, "model", None)
    if model is not None and hasattr(model, "wexog"):
        if type(model).__name__ != "OLS":
            raise TypeError(f"Only OLS results can be the restricted model, not {type(model).__name__}.")
        return FitSummary(
            kind="ols",
            fe=tuple(model.exog_names),
            re=(),
            n_cov=0,
            reml=False,
            llf=float(inner.llf),
            endog=np.asarray(model.endog),
            nobs=int(inner.nobs),
            groups=None,
        )
    raise TypeError(
        "lrt needs fitted models: a MixedLMResults (helpers.fit_mixed) or, as the "
        f"restricted model, an OLS result; got {type(result).__name__}."
    )


def check_same_data(r: FitSummary, f: FitSummary, purpose: str = "compare fits to the same rows") -> None:
    """Raise a ValueError unless two fits used the same rows, outcome and clusters."""
    if r.nobs != f.nobs or not np.allclose(r.endog, f.endog):
        raise ValueError(
            "The two models were fitted to different data (different rows or outcome); "
            f"{purpose}. Drop missing values before fitting both."
        )
    if r.groups is not None and f.groups is not None and not np.array_equal(r.groups, f.groups):
        raise ValueError("The two models use different grouping of the rows into clusters.")
