"""Predicted random effects (EBLUPs), residuals and fitted values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .inference import check_mixed


def _term_names(inner) -> list[str]:
    """Random-effect names with the random intercept called 'Intercept'.

    statsmodels names the random intercept after the ``groups`` argument;
    tidy output should not depend on that.
    """
    model = inner.model
    names = []
    for i, name in enumerate(model.data.exog_re_names if inner.k_re else []):
        names.append("Intercept" if np.all(model.exog_re[:, i] == 1) else str(name))
    if model.k_vc:
        names += [str(n) for n in model.exog_vc.names]
    return names


def eblups(result) -> pd.DataFrame:
    """Predicted random effects (EBLUPs) with their conditional standard errors.

    For cluster ``j`` with random-effects design ``Z_j``, covariance ``D`` of
    the random effects and residual variance ``sigma^2``, the EBLUP is
    ``D Z_j' V_j^{-1} (y_j - X_j beta)`` with ``V_j = Z_j D Z_j' + sigma^2 I``,
    and its conditional variance is ``D - D Z_j' V_j^{-1} Z_j D`` (what lme4
    calls ``condVar``). Computed directly, so a variance estimated at zero
    (a singular ``D``) gives EBLUPs of zero instead of an error.

    Parameters
    ----------
    result : MixedLMResults
        A fit from :func:`helpers.fit_mixed`.

    Returns
    -------
    pandas.DataFrame
        One row per cluster and random effect: ``group``, ``term``
        (``"Intercept"`` for the random intercept, otherwise the predictor's
        name), ``estimate``, ``se`` (conditional standard error) and ``n``
        (cluster size).
    """
    inner = check_mixed(result)
    model = inner.model
    terms = _term_names(inner)
    k_re = inner.k_re
    resid_all = model.endog - model.exog @ np.asarray(inner.fe_params)
    rows = []
    for ix, label in enumerate(model.group_labels):
        z = model._aex_r[ix]
        vc_var = model._expand_vcomp(np.asarray(inner.vcomp), ix)
        dim = z.shape[1]
        d = np.zeros((dim, dim))
        d[:k_re, :k_re] = np.asarray(inner.cov_re)
        d[k_re:, k_re:] = np.diag(vc_var)
        rows_ix = model.row_indices[label]
        r = resid_all[rows_ix]
        v = z @ d @ z.T + inner.scale * np.eye(len(r))
        zd = z @ d
        est = zd.T @ np.linalg.solve(v, r)
        cond = d - zd.T @ np.linalg.solve(v, zd)
        se = np.sqrt(np.clip(np.diag(cond), 0, None))
        names = terms if dim == len(terms) else terms[:k_re] + [
            str(n) for n in inner._expand_re_names(ix)[k_re:]]
        for t, e, s in zip(names, est, se):
            rows.append({"group": label, "term": t, "estimate": float(e), "se": float(s), "n": len(r)})
    return pd.DataFrame(rows)


def fitted_values(result, conditional: bool = True) -> pd.Series:
    """Fitted values with (conditional) or without (marginal) the EBLUPs.

    Parameters
    ----------
    result : MixedLMResults
    conditional : bool, default True
        ``True``: ``X beta + Z b`` (the cluster's own line); ``False``:
        ``X beta`` (the average cluster's line).

    Returns
    -------
    pandas.Series
        Indexed like the rows that were fitted.
    """
    inner = check_mixed(result)
    index = inner.model.data.row_labels
    if conditional:
        return pd.Series(np.asarray(inner.fittedvalues), index=index, name="fitted")
    return pd.Series(inner.model.exog @ np.asarray(inner.fe_params), index=index, name="fitted_marginal")


def residuals(result, conditional: bool = True) -> pd.Series:
    """Residuals: ``y`` minus :func:`fitted_values` (conditional or marginal).

    Conditional residuals estimate the level-1 errors and are the ones to
    check for normality and constant variance; marginal residuals also
    contain the random effects.
    """
    inner = check_mixed(result)
    fitted = fitted_values(inner, conditional)
    out = pd.Series(inner.model.endog, index=fitted.index) - fitted
    out.name = "resid" if conditional else "resid_marginal"
    return out
