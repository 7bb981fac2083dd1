"""Variance partitioning across the levels of a random-intercept model.

Three-level and crossed models in statsmodels mix two places for their variances: the random
intercept of the ``groups`` column (``cov_re``) and the independent components of
``vc_formula`` (``vcomp``). :func:`variance_shares` puts them side by side with the residual
variance, on the data scale, with each one's share of the total.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["variance_shares"]


def _is_indicator(matrices) -> bool:
    """True if every design matrix of a variance component holds only 0s and 1s."""
    return all(np.isin(np.asarray(m, dtype=float), (0.0, 1.0)).all() for m in matrices)


def variance_shares(result, group_label=None) -> pd.DataFrame:
    """Variance of each level of a random-intercept model and its share of the total.

    Parameters
    ----------
    result : MixedLMResults
        A fit from :func:`helpers.fit_mixed` (or statsmodels' ``MixedLM.fit``) whose random
        effects are all intercepts: a random intercept of the ``groups`` column
        (``re_formula="1"``), none (one all-encompassing group for crossed effects), and any
        number of ``vc_formula`` components of the form ``"0 + C(column)"``.
    group_label : str, optional
        Row label for the random intercept of the ``groups`` column; by default the name of the
        grouping column as :func:`helpers.fit_mixed` recorded it (``"groups"`` otherwise).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``component`` (the group label, each ``vc_formula`` name in its order, then
        ``"Residual"``), with columns ``variance`` (on the data scale) and ``share`` (the
        variance divided by the sum of all of them; the shares add up to 1).

    Raises
    ------
    TypeError
        If `result` is not a fitted mixed model.
    ValueError
        If the model has random slopes (in ``re_formula`` or as a ``vc_formula`` component
        that is not a 0/1 indicator): their variance depends on the value of the predictor, so
        there is no single share per level.

    Notes
    -----
    In a nested model whose levels are listed from the top (e.g. schools, then children), the
    intraclass correlation of two observations that share the top level only is that level's
    share; of two that share the top and the next level, the sum of the two shares; and so on.
    In a crossed model each share is the correlation of two observations that share that
    classification and no other.

    Examples
    --------
    >>> import warnings
    >>> from helpers import load, fit_mixed
    >>> pen = load("penicillin").assign(one=1)
    >>> vc = {"plate": "0 + C(plate)", "sample": "0 + C(sample)"}
    >>> res = fit_mixed("diameter ~ 1", pen, groups="one", vc_formula=vc)
    >>> variance_shares(res).round(3)["share"].tolist()
    [0.151, 0.785, 0.064]
    """
    model = getattr(result, "model", None)
    if model is None or not hasattr(result, "cov_re") or not hasattr(model, "exog_vc"):
        raise TypeError(
            "variance_shares needs a fitted mixed model (from helpers.fit_mixed), "
            f"not {type(result).__name__}."
        )
    cov_re = np.atleast_2d(np.asarray(result.cov_re, dtype=float))
    k_re = cov_re.shape[0] if cov_re.size else 0
    if k_re > 1 or (k_re == 1 and not np.all(np.asarray(model.exog_re) == 1.0)):
        raise ValueError(
            "variance_shares needs random intercepts only: this model has a random slope in "
            "re_formula, whose variance depends on the predictor's value. Fit the "
            "random-intercept model (re_formula='1') to partition the variance by level."
        )
    rows = {}
    if k_re == 1:
        label = group_label or getattr(result, "groups_name", None) or "groups"
        rows[str(label)] = float(cov_re[0, 0])
    vc = model.exog_vc
    for name, mats, variance in zip(vc.names, vc.mats, np.asarray(result.vcomp, dtype=float)):
        if not _is_indicator(mats):
            raise ValueError(
                f"variance_shares needs random intercepts only: the vc_formula component "
                f"{name!r} is not a 0/1 indicator (a random slope?). Use '0 + C(column)'."
            )
        rows[name] = float(variance)
    rows["Residual"] = float(result.scale)
    table = pd.DataFrame({"variance": pd.Series(rows)})
    table.index.name = "component"
    table["share"] = table["variance"] / table["variance"].sum()
    return table
