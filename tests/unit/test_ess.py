"""The simulated ESS file and :func:`helpers.load_ess`, the reader of the real one."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import helpers
from helpers.ess import (
    ESS_COLUMNS,
    ESS_ITEMS,
    ESS_TRUTH,
    MISSING_CODES,
    lecture_notes_estimates,
    load_ess,
    simulate_ess,
)

pyreadstat = pytest.importorskip("pyreadstat")

CODES = list(MISSING_CODES)


# ---------------------------------------------------------------------------
# The simulated file
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ess():
    return helpers.load("ess")


def test_course_file_is_the_simulator_output(ess):
    sim = simulate_ess()
    pd.testing.assert_frame_equal(ess, sim, check_dtype=False)
    # The same seed gives the same bytes (what `make data` relies on).
    from helpers.simulate import _csv_bytes

    assert _csv_bytes(simulate_ess()) == _csv_bytes(sim)
    assert _csv_bytes(simulate_ess(seed=ESS_TRUTH["seed"] + 1)) != _csv_bytes(sim)


def test_registered_and_exported():
    assert helpers.simulate.SIMULATORS["ess"] is simulate_ess
    assert helpers.load_ess is load_ess
    assert "ess" in helpers.dataset_names()


def test_structure(ess):
    assert list(ess.columns) == ESS_COLUMNS
    assert len(ESS_ITEMS) == 22
    assert len(ess) == ESS_TRUTH["n_respondents"] == 1703
    assert ess["idno"].is_unique
    assert (ess["cntry"] == "BE").all() and (ess["essround"] == 5).all()
    work = ess.groupby("intnum").size()
    assert len(work) == ESS_TRUTH["n_interviewers"]
    assert {4976, 7519} <= set(work.index)
    assert work.index.min() >= 1000 and work.index.max() <= 9999  # four-digit numbers
    assert work.max() >= 3 * work.min()  # unequal workloads
    # The response rate is an interviewer-level variable.
    assert (ess.groupby("intnum")["resprate"].nunique() == 1).all()
    assert ess["resprate"].between(0, 100).all()
    assert ess["gndr"].isin([1, 2]).all() and ess["agea"].between(15, 100).all()
    assert ess["dweight"].gt(0).all() and abs(ess["dweight"].mean() - 1) < 0.01


def test_codes_left_in_as_recorded(ess):
    items = ess[list(ESS_ITEMS)]
    valid = items.isin(list(range(11)) + CODES)
    assert valid.all(axis=None)
    share = items.isin(CODES).to_numpy().mean()
    assert 0.001 < share < 0.03  # realistic, low
    assert items["pplhlp"].isin(CODES).sum() >= 3
    # The one code in trstplc: a single 88, from one of 7519's respondents.
    coded = ess[ess["trstplc"].isin(CODES)]
    assert len(coded) == 1
    assert coded["trstplc"].iloc[0] == 88 and coded["intnum"].iloc[0] == 7519
    assert coded["pplhlp"].iloc[0] <= 10


def _published(ess):
    data = ess.copy()
    data["pplhlp"] = data["pplhlp"].where(~data["pplhlp"].isin(CODES))
    data = data.dropna(subset=["pplhlp"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return data, helpers.fit_mixed("pplhlp ~ trstplc", data, groups="intnum", re_formula="~trstplc")


def test_calibrated_to_the_published_analysis(ess):
    data, res = _published(ess)
    pub = lecture_notes_estimates()
    assert abs(res.fe_params["Intercept"] - pub["intercept"]) < 0.01
    assert abs(res.fe_params["trstplc"] - pub["slope"]) < 0.005
    assert res.pvalues["trstplc"] < 0.01
    cov = np.asarray(res.cov_re)
    assert abs(cov[0, 0] - pub["intercept_var"]) < 0.01 * pub["intercept_var"]
    assert abs(cov[1, 1] - pub["slope_var"]) < 0.05 * pub["slope_var"]

    eb = helpers.eblups(res)
    icpt = eb[eb["term"] == "Intercept"].set_index("group")["estimate"]
    slope = eb[eb["term"] == "trstplc"].set_index("group")["estimate"]
    assert icpt.idxmin() == 4976
    assert slope.abs().idxmax() == 7519

    # Once the 88 is missing too, 7519 is unremarkable.
    clean = data[~data["trstplc"].isin(CODES)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res2 = helpers.fit_mixed("pplhlp ~ trstplc", clean, groups="intnum", re_formula="~trstplc")
    eb2 = helpers.eblups(res2)
    slope2 = eb2[eb2["term"] == "trstplc"].set_index("group")
    z = slope2["estimate"] / slope2["se"]
    assert abs(z.loc[7519]) < 1
    assert (slope2["estimate"].abs() > abs(slope2.loc[7519, "estimate"])).sum() >= 10


# ---------------------------------------------------------------------------
# load_ess on small synthetic files
# ---------------------------------------------------------------------------


def _synthetic(n_be: int = 12) -> pd.DataFrame:
    """A small file shaped like the real ESS Round 5 file: two countries, extra columns."""
    rng = np.random.default_rng(3)
    rows = []
    for cntry, n in (("BE", n_be), ("NL", 5)):
        for i in range(n):
            rows.append(
                {
                    "name": "ESS5e03",
                    "essround": 5,
                    "edition": "3.0",
                    "cntry": cntry,
                    "idno": 1000 + i,
                    "intnum": 4976 if i % 2 else 7519,
                }
            )
    frame = pd.DataFrame(rows)
    for item in ESS_ITEMS:
        frame[item] = rng.integers(0, 11, size=len(frame))
    frame.loc[0, "trstplc"] = 88
    frame.loc[1, "pplhlp"] = 77
    frame.loc[2, "pplhlp"] = 99
    frame["agea"] = rng.integers(15, 90, size=len(frame))
    frame["gndr"] = rng.integers(1, 3, size=len(frame))
    frame["dweight"] = rng.uniform(0.5, 1.5, size=len(frame)).round(6)
    frame["pspwght"] = 1.0
    return frame


def _check_loaded(loaded: pd.DataFrame, source: pd.DataFrame) -> None:
    be = source[source["cntry"] == "BE"].reset_index(drop=True)
    assert len(loaded) == len(be)
    assert list(loaded.columns) == [c for c in ESS_COLUMNS if c in be.columns]
    assert "pspwght" not in loaded.columns and "name" not in loaded.columns
    # The codes are kept as recorded, not turned into missing values.
    assert loaded.loc[0, "trstplc"] == 88
    assert loaded.loc[1, "pplhlp"] == 77 and loaded.loc[2, "pplhlp"] == 99
    assert loaded["pplhlp"].dtype.kind == "i" and loaded["intnum"].dtype.kind == "i"
    np.testing.assert_allclose(loaded["dweight"], be["dweight"])
    pd.testing.assert_series_equal(loaded["ppltrst"], be["ppltrst"], check_dtype=False)


def test_load_ess_csv(tmp_path):
    source = _synthetic()
    path = tmp_path / "ESS5BE.csv"
    source.to_csv(path, index=False)
    _check_loaded(load_ess(path), source)
    _check_loaded(load_ess(str(path)), source)


def test_load_ess_csv_upper_case_names(tmp_path):
    source = _synthetic()
    path = tmp_path / "ess.csv"
    source.rename(columns=str.upper).to_csv(path, index=False)
    _check_loaded(load_ess(path), source)


def test_load_ess_sav_keeps_user_missing_codes(tmp_path):
    source = _synthetic()
    path = tmp_path / "ESS5BE.sav"
    # As in the ESS SPSS files: 77/88/99 declared user-missing on the items.
    ranges = {item: [77, 88, 99] for item in ESS_ITEMS}
    pyreadstat.write_sav(source, str(path), missing_ranges=ranges)
    # A plain read would turn the codes into NaN; load_ess keeps them.
    plain, _ = pyreadstat.read_sav(str(path))
    assert np.isnan(plain.loc[0, "trstplc"])
    _check_loaded(load_ess(path), source)


def test_load_ess_merges_interviewer_file(tmp_path):
    source = _synthetic()
    main = source.drop(columns="intnum")
    path = tmp_path / "main.sav"
    pyreadstat.write_sav(main, str(path))
    ints = source[["cntry", "idno", "intnum"]].assign(resprate=55.5)
    ipath = tmp_path / "interviewers.csv"
    ints.to_csv(ipath, index=False)
    loaded = load_ess(path, interviewers=ipath)
    _check_loaded(loaded.drop(columns="resprate"), source)
    assert (loaded["resprate"] == 55.5).all()
    # A frame works as well as a file.
    pd.testing.assert_frame_equal(load_ess(path, interviewers=ints), loaded)


def test_load_ess_other_country_and_round(tmp_path):
    source = _synthetic()
    path = tmp_path / "all.csv"
    source.to_csv(path, index=False)
    assert len(load_ess(path, country="NL")) == 5
    assert len(load_ess(path, country="nl", essround=None)) == 5


def test_load_ess_round_trip_of_course_file(tmp_path, ess):
    path = tmp_path / "course.sav"
    pyreadstat.write_sav(ess, str(path))
    loaded = load_ess(path)
    pd.testing.assert_frame_equal(loaded, ess, check_dtype=False)


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_ess(tmp_path / "nope.csv")


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(ValueError, match="folder"):
        load_ess(tmp_path)


def test_wrong_extension(tmp_path):
    path = tmp_path / "ess.xlsx"
    path.write_text("x")
    with pytest.raises(ValueError, match=r"\.csv.*\.sav"):
        load_ess(path)


def test_not_a_path():
    with pytest.raises(TypeError, match="path"):
        load_ess(42)


def test_corrupt_sav(tmp_path):
    path = tmp_path / "broken.sav"
    path.write_bytes(b"this is not an SPSS file")
    with pytest.raises(ValueError, match="SPSS"):
        load_ess(path)


def test_empty_csv(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(ValueError, match="CSV"):
        load_ess(path)


def test_missing_required_column(tmp_path):
    path = tmp_path / "ess.csv"
    _synthetic().drop(columns=["trstplc"]).to_csv(path, index=False)
    with pytest.raises(ValueError, match="trstplc"):
        load_ess(path)


def test_missing_intnum_says_where_to_find_it(tmp_path):
    path = tmp_path / "ess.csv"
    _synthetic().drop(columns=["intnum"]).to_csv(path, index=False)
    with pytest.raises(ValueError, match="intnum.*interviewers"):
        load_ess(path)


def test_interviewer_file_without_intnum(tmp_path):
    path = tmp_path / "ess.csv"
    _synthetic().drop(columns=["intnum"]).to_csv(path, index=False)
    with pytest.raises(ValueError, match="'intnum'"):
        load_ess(path, interviewers=pd.DataFrame({"idno": [1000]}))


def test_no_rows_for_country(tmp_path):
    path = tmp_path / "ess.csv"
    _synthetic().to_csv(path, index=False)
    with pytest.raises(ValueError, match="cntry == 'FR'.*BE, NL"):
        load_ess(path, country="FR")


def test_no_rows_for_round(tmp_path):
    path = tmp_path / "ess.csv"
    _synthetic().to_csv(path, index=False)
    with pytest.raises(ValueError, match="round 6"):
        load_ess(path, essround=6)


def test_non_numeric_item(tmp_path):
    path = tmp_path / "ess.csv"
    source = _synthetic().astype({"pplhlp": object})
    source.loc[3, "pplhlp"] = "Don't know"
    source.to_csv(path, index=False)
    with pytest.raises(ValueError, match="'pplhlp'.*Don't know"):
        load_ess(path)


def test_duplicated_respondents(tmp_path):
    path = tmp_path / "ess.csv"
    source = _synthetic()
    pd.concat([source, source.iloc[:2]]).to_csv(path, index=False)
    with pytest.raises(ValueError, match="more than once"):
        load_ess(path)
