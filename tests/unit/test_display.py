"""helpers.display: tidy p-values and tables; the book's figure style is opt-in."""

from __future__ import annotations

import subprocess
import sys

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest

from helpers import display


@pytest.mark.parametrize(
    "p, shown",
    [
        (0.5, "0.500"),
        (0.0123, "0.012"),
        (0.001, "0.001"),
        (0.00032, "3.2e-4"),
        (2.3e-9, "2.3e-9"),
        (4.500990e-297, "< 1e-10"),
        (0.0, "< 1e-10"),
        (1.0, "1.000"),
    ],
)
def test_format_p(p, shown):
    assert display.format_p(p) == shown


def test_format_p_options():
    assert display.format_p(0.01234, digits=2) == "0.01"
    assert display.format_p(1e-5, floor=1e-4) == "< 1e-4"


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), "0.1", None, True])
def test_format_p_refuses_what_is_not_a_probability(bad):
    with pytest.raises(ValueError, match="between 0 and 1"):
        display.format_p(bad)


def test_tidy_formats_p_values_numbers_and_blanks():
    frame = pd.DataFrame(
        {"estimate": [123.456789, 7.654321], "p (normal)": [4.500990e-297, 0.0312], "corr": [np.nan, 0.0656]},
        index=["Intercept", "Days"],
    )
    html = display.tidy(frame).to_html()
    assert "&lt; 1e-10" in html and "0.031" in html
    assert "123.457" in html and "123.456789" not in html
    assert "nan" not in html.lower()
    assert "e-297" not in html


def test_tidy_refuses_bad_input():
    with pytest.raises(ValueError, match="DataFrame"):
        display.tidy([1, 2])
    with pytest.raises(ValueError, match="no column 'p'"):
        display.tidy(pd.DataFrame({"x": [1.0]}), p_columns=["p"])


def test_book_style_is_opt_in():
    code = (
        "import matplotlib as mpl; before = dict(mpl.rcParams); import helpers.display; "
        "print(sorted(k for k in before if str(before[k]) != str(mpl.rcParams[k])))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    with mpl.rc_context():
        display.book_style()
        assert mpl.rcParams["font.size"] == display.FONT_SIZE
        assert tuple(mpl.rcParams["figure.figsize"])[0] == display.FIGURE_WIDTH
