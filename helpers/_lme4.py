"""lme4's search, through the ``mixedlm`` package, on a design that helpers built (internal).

``mixedlm`` (MIT, Rust core) implements lme4's profiled-deviance algorithm. It
reads lme4 formulas with its own parser and naming and checks little of its
input, so it never sees the student's formula: :func:`search` hands it the
matrices of the statsmodels model that :func:`helpers.fit_mixed` built and
checked, as plain columns ``y``, ``x0..``, ``z0..`` and a group code, and
returns lme4's estimate in statsmodels' packed (``use_sqrt``) parametrisation.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


def available() -> bool:
    """Whether ``mixedlm`` can be imported."""
    try:
        import mixedlm  # noqa: F401
    except ImportError:
        return False
    return True


def supports(model) -> bool:
    """Whether the model has the form handed to mixedlm: one grouping factor,
    correlated random effects, no variance components (``vc_formula``)."""
    return int(model.k_vc) == 0 and int(model.k_re) > 0


def _frame(model):
    X = np.asarray(model.exog, dtype=float)
    Z = np.asarray(model.exog_re, dtype=float)
    cols = {"y": np.asarray(model.endog, dtype=float)}
    cols.update({f"x{i}": X[:, i] for i in range(X.shape[1])})
    cols.update({f"z{i}": Z[:, i] for i in range(Z.shape[1])})
    codes = pd.factorize(pd.Series(np.asarray(model.groups)))[0]
    cols["g"] = pd.Categorical(codes)
    frame = pd.DataFrame(cols)
    fixed = " + ".join(f"x{i}" for i in range(X.shape[1])) or "1"
    rand = " + ".join(f"z{i}" for i in range(Z.shape[1]))
    return frame, f"y ~ 0 + {fixed} + (0 + {rand} | g)"


def search(model, reml):
    """lme4's estimate of the covariance parameters.

    Returns
    -------
    theta : ndarray
        statsmodels' packed covariance vector (lower triangle of the relative
        Cholesky factor, row by row, diagonal non-negative).
    note : str
        mixedlm's optimiser and convergence message.
    """
    from mixedlm import lmer
    from mixedlm.models.control import LmerControl

    frame, formula = _frame(model)
    control = LmerControl(check_conv=False, check_singular=False, calc_derivs=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = lmer(formula, frame, REML=bool(reml), control=control)
    k = int(model.k_re)
    L = np.zeros((k, k))
    # lme4 stores the lower triangle column by column.
    cols = [(i, j) for j in range(k) for i in range(j, k)]
    for (i, j), v in zip(cols, np.asarray(fit.theta, dtype=float)):
        L[i, j] = v
    L = L * np.where(np.diag(L) < 0, -1.0, 1.0)[None, :]
    note = f"mixedlm {getattr(fit, 'optimizer', '')}".strip()
    if not getattr(fit, "converged", True):
        note += f": {getattr(fit, 'message', 'not converged')}"
    return L[np.tril_indices(k)], note
