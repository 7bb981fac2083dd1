"""How results display: tidy p-values and tables, and figures legible on a phone.

Nothing here runs on import; a chapter opts in (``helpers.display.book_style()`` once, at
the top) and formats what it shows.
"""

from __future__ import annotations

import html
import math
from numbers import Real

import matplotlib as mpl
import numpy as np
import pandas as pd

#: Width of a figure in inches (at 100 dpi, 450 px): on a 390 px phone it shrinks to about
#: 0.8 of that, so text keeps about 80 % of its design size.
FIGURE_WIDTH = 4.5
#: Base font size in points; matplotlib's "small" (legends, labels) is 0.833 of it.
FONT_SIZE = 13.0
#: The smallest text a figure in the book style uses, in points ("small").
SMALLEST_TEXT_PT = round(FONT_SIZE * 0.833, 2)
#: The book style's matplotlib settings (see :func:`book_style`).
BOOK_RC = {
    "figure.figsize": (FIGURE_WIDTH, 3.2),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": FONT_SIZE,
}
#: p-values below this are shown as "< 1e-10": more digits mean nothing.
P_FLOOR = 1e-10


def book_style() -> None:
    """Set matplotlib's defaults for the book's figures: narrow, with large text.

    A figure of :data:`FIGURE_WIDTH` inches with :data:`FONT_SIZE`-point text stays
    legible when a phone shows it at the width of its screen. Call it once at the top of
    a chapter; it changes matplotlib's global defaults (``matplotlib.rcParams``), which is
    why importing :mod:`helpers` never does it.
    """
    mpl.rcParams.update(BOOK_RC)


def format_p(p: float, *, digits: int = 3, floor: float = P_FLOOR) -> str:
    """A p-value as a reader wants it: ``"0.012"``, ``"3.2e-05"``, ``"< 1e-10"``.

    Parameters
    ----------
    p : float
        A probability, between 0 and 1.
    digits : int, default 3
        Decimals for p-values of 0.001 and above; smaller ones get two significant digits.
    floor : float, default 1e-10
        Below this, only ``"< floor"`` is shown (``"0.0"`` or ``"4.5e-297"`` would claim a
        precision the normal or chi-square approximation does not have).

    Returns
    -------
    str
    """
    if isinstance(p, bool) or not isinstance(p, Real) or math.isnan(p) or not 0 <= p <= 1:
        raise ValueError(f"format_p: a p-value is a number between 0 and 1, not {p!r}.")
    if p < floor:
        return f"< {floor:.0e}".replace("e-0", "e-")
    if p < 10**-digits:
        return f"{p:.1e}".replace("e-0", "e-")
    return f"{p:.{digits}f}"


def _is_p_column(name) -> bool:
    text = str(name).strip().lower()
    return text in {"p", "p_value", "p-value", "pvalue", "p>|z|", "p>|t|", "pr(>chisq)"} or text.startswith(
        ("p (", "p_", "p-value (", "p value")
    )


def tidy(frame: pd.DataFrame, *, digits: int = 3, p_columns=None):
    """A data frame ready to show: p-values by :func:`format_p`, numbers rounded, blanks for NaN.

    Parameters
    ----------
    frame : pandas.DataFrame
    digits : int, default 3
        Decimals for the other numeric columns.
    p_columns : list of str, optional
        The p-value columns; by default those named like one ("p", "p_value",
        "p (normal)", "P>|z|", "Pr(>Chisq)").

    Returns
    -------
    pandas.io.formats.style.Styler
        Displays as an HTML table in a notebook and on the website; ``.data`` is ``frame``.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"tidy: expected a pandas DataFrame, got {type(frame).__name__}.")
    if p_columns is None:
        p_columns = [c for c in frame.columns if _is_p_column(c)]
    missing = [c for c in p_columns if c not in frame.columns]
    if missing:
        raise ValueError(f"tidy: no column {missing[0]!r}; the columns are {list(frame.columns)}.")
    numeric = [c for c in frame.columns if c not in p_columns and pd.api.types.is_float_dtype(frame[c])]
    style = frame.style.format(na_rep="", escape="html")
    if numeric:
        style = style.format(precision=digits, na_rep="", subset=numeric, escape="html")
    for column in p_columns:
        # The Styler writes HTML and escapes only the data, not what a formatter returns.
        style = style.format(
            lambda p: (
                "" if p is None or (isinstance(p, float) and np.isnan(p)) else html.escape(format_p(float(p)))
            ),
            subset=[column],
        )
    return style
