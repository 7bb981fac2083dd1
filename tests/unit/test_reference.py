"""The reference store (tests/reference/*.csv) and the rule that it is the only place where
reference values are typed."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from helpers import reference

ROOT = Path(__file__).resolve().parents[2]
STORE = ROOT / "tests" / "reference"
COLUMNS = ["id", "source", "table", "quantity", "value", "digits", "verified"]


# --- the store ------------------------------------------------------------------------------


def test_store_loads_with_its_columns_and_unique_ids():
    files = sorted(STORE.glob("*.csv"))
    assert {f.name for f in files} >= {"published.csv", "lme4_chapters.csv"}
    ids = []
    for path in files:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert list(frame.columns) == COLUMNS, path.name
        assert (frame != "").all(axis=None), f"{path.name}: an empty cell"
        pd.to_numeric(frame["value"])  # every value is a number
        assert frame["digits"].str.fullmatch(r"\d+").all(), path.name
        assert frame["id"].str.fullmatch(r"[a-z0-9_]+(\.[A-Za-z0-9_]+)+").all(), path.name
        ids += list(frame["id"])
    assert len(ids) == len(set(ids)), [i for i in set(ids) if ids.count(i) > 1]
    assert len(reference.values("")) == len(ids)


def test_every_value_says_how_it_was_verified():
    store = reference.values("")
    for _, row in store.iterrows():
        verified = row["verified"]
        assert verified.startswith(
            ("http://", "https://", "our lme4 run: tests/reference/r/", "unverified: ")
        ), (row["id"], verified)
        if verified.startswith("our lme4 run: "):
            script = verified.split(": ", 1)[1].split()[0]
            assert (ROOT / script).is_file(), (row["id"], script)
        if verified.startswith("unverified: "):
            assert len(verified) > len("unverified: ") + 10, row["id"]  # says why
    published = store[store["file"] == "published.csv"]
    assert published["verified"].map(reference.is_checked).any()


def test_value_and_values_read_the_store():
    row = reference.values("sleepstudy.rs.reml.loglik").iloc[0]
    assert reference.value("sleepstudy.rs.reml.loglik") == row["value"] < 0
    with pytest.raises(KeyError, match="ids under"):
        reference.value("sleepstudy.rs.reml.no_such_quantity")
    with pytest.raises(KeyError):
        reference.values("no.such.prefix.")


def test_compare_judges_within_the_printed_rounding():
    rows = reference.values("exam.mlwin2012.vc.")
    keys = rows["id"].str.rsplit(".", n=1).str[1]
    exact = dict(zip(keys, rows["value"]))
    table = reference.compare("exam.mlwin2012.vc.", exact)
    assert table["agrees"].all() and list(table.index) == list(rows["quantity"])
    assert table["checked"].tolist() == [reference.is_checked(v) for v in rows["verified"]]
    half = 0.5 * 10.0 ** -int(rows["digits"].iloc[0])
    off = dict(exact, b0=exact["b0"] + 1.5 * half)
    assert not reference.compare("exam.mlwin2012.vc.", off)["agrees"].iloc[0]
    assert reference.compare("exam.mlwin2012.vc.", off, slack={"b0": 2 * half})["agrees"].all()
    two = reference.compare("exam.mlwin2012.vc.", {"a": exact, "b": off})
    assert list(two.columns) == ["reported", "digits", "a", "b", "agrees", "checked"]
    assert two["agrees"].all()  # only the first column is judged
    with pytest.raises(KeyError, match="no reference row"):
        reference.compare("exam.mlwin2012.vc.", {"nonsense": 1.0})


# --- the course pack carries the store --------------------------------------------------------


def test_course_pack_carries_the_store_and_helpers_finds_it(tmp_path):
    sys.path.insert(0, str(ROOT / "_ext"))
    try:
        from mlmbook.coursepack import build_course_pack
    finally:
        sys.path.remove(str(ROOT / "_ext"))
    pack = build_course_pack(ROOT, tmp_path / "pack.zip", [], [], "test", warn=lambda _: None)
    with zipfile.ZipFile(pack) as zf:
        names = zf.namelist()
        folder = names[0].split("/")[0]
        packed = sorted(n.split("/", 1)[1] for n in names if n.split("/")[1] == "reference")
        zf.extractall(tmp_path)
    assert packed == sorted(f"reference/{p.name}" for p in STORE.glob("*.csv"))
    code = (
        "from helpers import reference; "
        "print(reference.__file__); print(reference.value('sleepstudy.rs.reml.loglik'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path / folder, check=True, capture_output=True, text=True
    ).stdout.split()
    assert Path(out[0]).resolve().is_relative_to((tmp_path / folder).resolve())
    assert float(out[1]) == reference.value("sleepstudy.rs.reml.loglik")


# --- no reference value typed outside the store ------------------------------------------------

NUMBER = re.compile(r"(?<![\w.])(\d+\.\d+(?:[eE][-+]?\d+)?)(?![\w.])")
TABLE = re.compile(r"^\s*(PUBLISHED|LME4\w*)\s*=\s*(pd\.DataFrame|\{|\[)", re.M)
CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.M | re.S)


def _significant(literal: str) -> int:
    mantissa = re.split(r"[eE]", literal)[0].replace(".", "").lstrip("0")
    return len(mantissa)


def _matches(literal: str, value: float) -> bool:
    """Whether `literal` is `value` as printed to the literal's own precision."""
    lit, value = float(literal), abs(value)
    if "e" in literal.lower():
        return value != 0 and float(f"{value:.{_significant(literal) - 1}e}") == lit
    decimals = len(literal.split(".")[1])
    return abs(round(value, decimals) - lit) < 0.5 * 10.0 ** -(decimals + 3)


def typed_reference_values(code: str, store: pd.DataFrame) -> list[str]:
    """The reference values of `store` that `code` types, and the tables it types inline.

    A literal counts when it has at least four significant digits (fewer would match too many
    ordinary numbers), is not a whole number, and equals a stored value rounded to the literal's own decimals.
    """
    found = [
        f"inline table {m.group(1)}"
        for m in TABLE.finditer(code)
        if len(NUMBER.findall(code[m.start() :].split("\n\n", 1)[0])) >= 3
    ]
    numbers = store["value"].abs().to_numpy()
    for literal in {m.group(1) for m in NUMBER.finditer(code)}:
        if _significant(literal) < 4 or float(literal).is_integer():
            continue  # too few digits, or a round number such as 1.000: not a typed result
        lit = float(literal)
        candidates = numbers[abs(numbers - lit) <= max(1e-9, 1e-3 * lit)]
        hits = [v for v in candidates if _matches(literal, v)]
        if hits:
            ids = store.loc[store["value"].abs().isin(hits), "id"].tolist()
            found.append(f"{literal} (= {ids[0]})")
    return sorted(found)


def _sources():
    for path in sorted((ROOT / "chapters").glob("*.md")):
        yield path, "\n".join(CELL.findall(path.read_text(encoding="utf-8")))
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path.name != Path(__file__).name:
            yield path, path.read_text(encoding="utf-8")


def test_no_chapter_or_test_types_a_reference_value():
    store = reference.values("")
    problems = {
        str(path.relative_to(ROOT)): found
        for path, code in _sources()
        if (found := typed_reference_values(code, store))
    }
    assert not problems, (
        "reference values typed outside tests/reference/ (read them with "
        f"helpers.reference.value instead): {problems}"
    )


def test_the_scan_catches_a_planted_value():
    store = reference.values("")
    chapter = (ROOT / "chapters" / "sleepstudy.md").read_text(encoding="utf-8")
    clean = "\n".join(CELL.findall(chapter))
    assert typed_reference_values(clean, store) == []
    lme4 = reference.value("sleepstudy.rs.reml.var_subject_intercept")
    published = reference.values("exam.mlwin2012.rs.deviance").iloc[0]
    for planted in (
        f"assert abs(v - {lme4:.3f}) < 1e-3",
        f"assert abs(fit.llf - (-{abs(reference.value('exam.rs.ml.loglik')):.4f})) < 1",
        f"x = {published['value']:.{int(published['digits'])}f}",
        'PUBLISHED = pd.DataFrame.from_records([("a", 1.5), ("b", 2.5), ("c", 0.25)])',
    ):
        cell = f"```{{code-cell}} ipython3\n:tags: [remove-cell]\n\n{planted}\n```\n"
        code = "\n".join(CELL.findall(chapter + "\n" + cell))
        assert typed_reference_values(code, store), planted
