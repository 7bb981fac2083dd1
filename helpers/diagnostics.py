"""Predicted random effects (EBLUPs), residuals and fitted values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._compat import expand_vcomp, re_column_names, re_design
from ._results import check_mixed, term_names


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
    terms = term_names(inner)
    k_re = inner.k_re
    resid_all = model.endog - model.exog @ np.asarray(inner.fe_params)
    rows = []
    for ix, label in enumerate(model.group_labels):
        z = re_design(model, ix)
        vc_var = expand_vcomp(model, inner.vcomp, ix)
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
        names = terms if dim == len(terms) else terms[:k_re] + re_column_names(inner, ix)[k_re:]
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


def _fit_spec(inner) -> dict:
    """formula, groups and re_formula of a fit (recorded by fit_mixed)."""
    spec = getattr(inner, "fit_spec", None)
    if spec is not None:
        return spec
    model = inner.model
    formula = getattr(model, "formula", None)
    if formula is None:
        raise ValueError("predict needs a model fitted from a formula (use helpers.fit_mixed).")
    if model.k_vc or not (inner.k_re == 1 and np.all(model.exog_re[:, 0] == 1)):
        raise ValueError(
            "predict cannot recover the random-effects formula of this fit; fit it with "
            "helpers.fit_mixed, which records it."
        )
    return {"formula": formula, "groups": None, "re_formula": None, "vc_formula": None}


def predict(result, data, conditional: bool = True) -> pd.Series:
    """Predictions for new (or the same) rows, with or without the random effects.

    statsmodels' ``result.predict(newdata)`` gives the *marginal* prediction
    ``X beta`` only: the line of an average cluster. This function can also
    add each row's cluster effect (its EBLUP), which is the prediction for a
    known cluster.

    Parameters
    ----------
    result : MixedLMResults
        A fit from :func:`helpers.fit_mixed`.
    data : pandas.DataFrame
        Rows to predict: the predictors of the formula and, for conditional
        predictions, the grouping column.
    conditional : bool, default True
        ``True``: ``X beta + Z b_j``, where ``b_j`` is the EBLUP of the row's
        cluster. A cluster that was not in the fitted data gets ``b = 0`` (the
        best guess for a new cluster is the average cluster), so its
        prediction is the marginal one. ``False``: ``X beta`` for every row.

    Returns
    -------
    pandas.Series
        Indexed like ``data``.

    Raises
    ------
    ValueError
        A column the model needs is missing, or a predictor has missing
        values.
    TypeError
        ``result`` is not a mixed model, or ``data`` not a DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> from helpers import load, fit_mixed, predict
    >>> res = fit_mixed("Reaction ~ Days", load("sleepstudy"), "Subject", re_formula="~Days")
    >>> new = pd.DataFrame({"Days": [0, 0], "Subject": [308, 999]})
    >>> p = predict(res, new)           # subject 308 is known, 999 is new
    >>> bool(abs(p[1] - res.fe_params["Intercept"]) < 1e-9)
    True
    """
    import patsy

    from ._checks import check_columns, check_frame, formula_columns

    inner = check_mixed(result)
    check_frame(data)
    spec = _fit_spec(inner)
    groups = spec.get("groups")
    _, rhs = formula_columns(spec["formula"])
    needed = list(rhs)
    re_formula = spec.get("re_formula")
    if re_formula is not None:
        needed += formula_columns(re_formula, "re_formula")[1]
    if conditional:
        if spec.get("vc_formula"):
            raise ValueError(
                "Conditional predictions for models with vc_formula are not supported; use conditional=False."
            )
        if groups is None:
            raise ValueError("This fit does not record its grouping column; fit it with helpers.fit_mixed.")
        needed.append(groups)
    needed = list(dict.fromkeys(needed))
    check_columns(data, needed, "predict")
    na = data[needed].isna().any(axis=1)
    if na.any():
        raise ValueError(
            f"{int(na.sum())} row(s) of the new data have missing values in "
            f"{', '.join(repr(c) for c in needed if data[c].isna().any())}; drop or fill them first."
        )
    frame = inner.model.data.frame
    fe_info = getattr(inner.model.data, "model_spec", None)
    if not isinstance(fe_info, patsy.DesignInfo):  # another formula engine: rebuild with patsy
        rhs_formula = spec["formula"].split("~", 1)[1]
        fe_info = patsy.dmatrix(rhs_formula, frame, return_type="dataframe").design_info
    try:
        X = patsy.build_design_matrices([fe_info], data, return_type="dataframe")[0]
    except patsy.PatsyError as err:
        raise ValueError(
            f"Cannot build the predictors of {spec['formula']!r} for the new data: {err.message}"
        ) from None
    X = X[list(inner.model.exog_names)]
    out = pd.Series(
        X.to_numpy() @ np.asarray(inner.fe_params, dtype=float),
        index=data.index,
        name="predicted" if conditional else "predicted_marginal",
    )
    if not conditional:
        return out
    if re_formula is None:
        Z = np.ones((len(data), 1))
    else:
        re_info = patsy.dmatrix(re_formula, frame, return_type="dataframe").design_info
        Z = np.asarray(patsy.build_design_matrices([re_info], data, return_type="dataframe")[0])
    k_re = inner.k_re
    terms = term_names(inner)[:k_re]
    table = eblups(inner).pivot(index="group", columns="term", values="estimate")[terms]
    known = {label: row for label, row in zip(table.index, table.to_numpy())}
    add = np.zeros(len(data))
    for i, label in enumerate(data[groups].to_numpy()):
        b = known.get(label)
        if b is not None:  # a new cluster keeps random effect zero
            add[i] = float(Z[i, :k_re] @ b)
    return out + add
