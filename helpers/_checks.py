"""Input checks shared by the helpers: clear errors before statsmodels sees the data."""

from __future__ import annotations

import ast
import io
import keyword
import tokenize
import warnings

import numpy as np
import pandas as pd
from patsy import ModelDesc, PatsyError

# Names a formula may use that are functions or modules, not columns.
_FORMULA_NAMESPACE = {
    "np",
    "I",
    "C",
    "Q",
    "center",
    "standardize",
    "scale",
    "log",
    "exp",
    "sqrt",
    "Treatment",
    "Sum",
    "Diff",
    "Poly",
    "Helmert",
    "T",
    "bs",
    "cr",
    "cc",
    "te",
}


class MissingDataWarning(UserWarning):
    """Rows were dropped because of missing values (the count is in the message)."""


def check_frame(data, what: str = "data") -> None:
    """Raise if ``data`` is not a non-empty DataFrame."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"`{what}` must be a pandas DataFrame, not {type(data).__name__}.")
    if data.empty:
        raise ValueError(f"`{what}` is empty: it has no rows (or no columns).")


def formula_columns(formula: str, what: str = "formula") -> tuple[list[str], list[str]]:
    """Columns named on the left and right of a patsy formula.

    Returns
    -------
    (lhs, rhs) : tuple of lists
        Names read from the formula's left-hand and right-hand side.
    """
    if not isinstance(formula, str) or not formula.strip():
        raise TypeError(f"`{what}` must be a formula string such as 'y ~ x', not {formula!r}.")
    _check_keywords(formula, what)
    try:
        desc = ModelDesc.from_formula(formula)
    except PatsyError as err:
        raise ValueError(f"Cannot read the {what} {formula!r}: {err.message}") from None

    def names(termlist):
        found = []
        for term in termlist:
            for factor in term.factors:
                code = factor.code
                # Q("a column") names a column explicitly.
                try:
                    tree = ast.parse(code, mode="eval")
                except SyntaxError:
                    continue
                called = set()
                for node in ast.walk(tree):
                    if isinstance(node, ast.Call):
                        called.add(id(node.func))
                        if isinstance(node.func, ast.Name) and node.func.id == "Q":
                            if node.args and isinstance(node.args[0], ast.Constant):
                                found.append(str(node.args[0].value))
                    if isinstance(node, ast.Attribute):
                        called.add(id(node.value))
                for node in ast.walk(tree):
                    if (
                        isinstance(node, ast.Name)
                        and id(node) not in called
                        and node.id not in _FORMULA_NAMESPACE
                    ):
                        found.append(node.id)
        return list(dict.fromkeys(found))

    return names(desc.lhs_termlist), names(desc.rhs_termlist)


#: Python keywords that a formula cannot name bare (patsy evaluates it as Python).
_KEYWORDS = set(keyword.kwlist) - {"True", "False", "None"}


def _check_keywords(formula: str, what: str) -> None:
    """Raise a ``ValueError`` if the formula names a Python keyword (``class``,
    ``yield``, ``lambda``, ...) bare: patsy reads formulas as Python code, where
    those words cannot be variable names."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(formula).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return
    found = [t.string for t in tokens if t.type == tokenize.NAME and t.string in _KEYWORDS]
    if found:
        name = found[0]
        fixed = formula
        for word in dict.fromkeys(found):
            fixed = _quote_word(fixed, word)
        raise ValueError(
            f"The {what} {formula!r} uses the name {name!r}, which is a Python keyword: "
            "formulas are read as Python code, where a keyword cannot be a name. Quote it "
            f"with Q(), as in {fixed!r}, or rename the column, e.g. "
            f"data = data.rename(columns={{{name!r}: {name + '_'!r}}})."
        )


def _quote_word(formula: str, word: str) -> str:
    """``formula`` with the bare name ``word`` written as ``Q("word")``."""
    lines = formula.splitlines(keepends=True) or [formula]
    spans = [
        (t.start, t.end)
        for t in tokenize.generate_tokens(io.StringIO(formula).readline)
        if t.type == tokenize.NAME and t.string == word
    ]
    for (row, col), (_, end) in reversed(spans):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + f'Q("{word}")' + line[end:]
    return "".join(lines)


def check_columns(data: pd.DataFrame, columns, source: str) -> None:
    """Raise a ``ValueError`` naming every column of ``columns`` not in ``data``."""
    missing = [c for c in columns if c not in data.columns]
    if missing:
        listed = ", ".join(repr(c) for c in missing)
        raise ValueError(
            f"{source} names {listed}, which {'is' if len(missing) == 1 else 'are'} not "
            f"a column of the data. Columns are: {', '.join(map(str, data.columns))}."
        )


def _only_variance_components(re_formula, vc_formula) -> bool:
    """Whether the random part is variance components only (``vc_formula``
    given and ``re_formula`` without terms, such as ``"0"`` or ``"~0"``, or
    ``None``, with which statsmodels adds no random intercept when
    ``vc_formula`` is given): the single-group trick for crossed random
    effects."""
    if not vc_formula or not isinstance(re_formula, (str, type(None))):
        return False
    if re_formula is None:
        return True
    text = re_formula.strip()
    if "~" not in text:
        text = "~" + text
    try:
        desc = ModelDesc.from_formula(text)
    except PatsyError:
        return False
    return len(desc.rhs_termlist) == 0


def prepare_mixed_data(formula, data, groups, re_formula=None, vc_formula=None):
    """Check a mixed-model specification and return the rows to fit.

    Rows with missing values in any variable the model uses are dropped and
    counted in a :class:`MissingDataWarning`; a grouping column with missing
    values is an error (which cluster a row belongs to cannot be guessed).

    Returns
    -------
    pandas.DataFrame
        The complete rows, with the original index.
    """
    check_frame(data)
    if not isinstance(groups, str):
        raise TypeError(
            "`groups` must be the name of the column that identifies the clusters "
            f"(a string), not {type(groups).__name__}."
        )
    check_columns(data, [groups], "`groups`")
    lhs, rhs = formula_columns(formula)
    if not lhs:
        raise ValueError(f"The formula {formula!r} has no outcome: write it as 'outcome ~ predictors'.")
    check_columns(data, lhs + rhs, f"The formula {formula!r}")
    used = lhs + rhs
    for extra, label in ((re_formula, "re_formula"),):
        if extra is not None:
            _, cols = formula_columns(extra, label)
            check_columns(data, cols, f"`{label}` {extra!r}")
            used += cols
    if vc_formula is not None:
        if not isinstance(vc_formula, dict):
            raise TypeError("`vc_formula` must be a dict of name -> formula string.")
        for key, vcf in vc_formula.items():
            _, cols = formula_columns(vcf, f"vc_formula[{key!r}]")
            check_columns(data, cols, f"`vc_formula[{key!r}]` {vcf!r}")
            used += cols
    used = list(dict.fromkeys(used))

    if data[groups].isna().any():
        n = int(data[groups].isna().sum())
        raise ValueError(
            f"The grouping column {groups!r} has {n} missing value(s): every row must "
            "belong to a known cluster. Drop or fix those rows first."
        )
    for col in lhs:
        if not (pd.api.types.is_numeric_dtype(data[col]) and not pd.api.types.is_bool_dtype(data[col])):
            raise ValueError(
                f"The outcome {col!r} must be numeric, but its type is {data[col].dtype}. "
                "A linear mixed model needs a numeric outcome; recode it first."
            )

    na = data[used].isna()
    if na.any(axis=None):
        counts = na.sum()
        counts = counts[counts > 0]
        n_drop = int(na.any(axis=1).sum())
        detail = ", ".join(f"{c!r} ({n})" for c, n in counts.items())
        warnings.warn(
            f"Dropped {n_drop} of {len(data)} rows with missing values in {detail}.",
            MissingDataWarning,
            stacklevel=3,
        )
        data = data.loc[~na.any(axis=1)]
        if data.empty:
            raise ValueError("No complete rows are left after dropping missing values.")

    # Like R's model.frame (drop.unused.levels): a level of a categorical
    # column with no rows (left over from a subset, or after dropping missing
    # values) has no data and would give the design a column of zeros. No row
    # is dropped here, only the empty level.
    empty = [
        c
        for c in used
        if c in data.columns
        and isinstance(data[c].dtype, pd.CategoricalDtype)
        and (data[c].value_counts() == 0).any()
    ]
    if empty:
        data = data.copy()
        for col in empty:
            data[col] = data[col].cat.remove_unused_categories()

    n_groups = data[groups].nunique()
    single_ok = n_groups == 1 and _only_variance_components(re_formula, vc_formula)
    if n_groups < 2 and not single_ok:
        hint = (
            ""
            if vc_formula is None
            else " (A single group is allowed only for crossed random effects: every random "
            'effect in `vc_formula`, with re_formula="0".)'
        )
        raise ValueError(
            f"The grouping column {groups!r} has {n_groups} cluster(s); a mixed model "
            "needs at least two (and many more to estimate a variance well)." + hint
        )
    for col in lhs:
        values = data[col].to_numpy(dtype=float)
        if not np.all(np.isfinite(values)):
            raise ValueError(f"The outcome {col!r} has infinite values.")
        if np.ptp(values) == 0:
            raise ValueError(
                f"The outcome {col!r} has the same value ({values[0]:g}) in every row: there is "
                "no variation to model."
            )
    for col in used:
        if col in lhs or col not in data.columns:
            continue
        if pd.api.types.is_numeric_dtype(data[col]) and not pd.api.types.is_bool_dtype(data[col]):
            if not np.all(np.isfinite(data[col].to_numpy(dtype=float))):
                raise ValueError(f"The predictor {col!r} has infinite values.")
    sizes = data.groupby(groups, sort=False).size()
    if (sizes == 1).all():
        raise ValueError(
            f"Every cluster of {groups!r} has a single row, so the variance between clusters "
            "cannot be told apart from the residual variance. Is `groups` the right column?"
        )
    return data


def check_design(matrix, names, what: str) -> None:
    """Raise a ``ValueError`` naming the columns of a design matrix that are
    linear combinations of the columns before them (collinear predictors, a
    predictor with one value only, more parameters than rows)."""
    X = np.asarray(matrix, dtype=float)
    n, p = X.shape
    if p == 0:
        return
    if np.linalg.matrix_rank(X) == p:
        return
    redundant, kept = [], []
    for j in range(p):
        trial = kept + [j]
        if np.linalg.matrix_rank(X[:, trial]) == len(trial):
            kept = trial
        else:
            redundant.append(str(names[j]))
    if n < p:
        detail = f"it has {p} columns but only {n} rows"
    else:
        detail = "these columns are constant or linear combinations of earlier ones: " + ", ".join(
            repr(r) for r in redundant
        )
    raise ValueError(
        f"The {what} cannot be estimated: {detail}. Drop or recode those predictors "
        "(a predictor with a single value, or one that duplicates others, carries no information)."
    )
