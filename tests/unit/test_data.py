"""Loading data: course files and real data; `make data` regenerates data/ byte for byte."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import helpers
import helpers.data as hdata
from helpers.simulate import DATA_DIR, SIMULATORS

ROOT = Path(__file__).resolve().parents[2]


def _sums(directory: Path) -> dict[str, str]:
    out = {}
    for line in (directory / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        out[name] = digest
    return out


def test_unknown_name_lists_the_names():
    with pytest.raises(ValueError) as err:
        helpers.load("sleepstudyy")
    message = str(err.value)
    for name in ["hospitals", "schools", "sleepstudy", "exam", "hsb"]:
        assert name in message
    with pytest.raises(ValueError, match="Known names"):
        helpers.load(3)


@pytest.mark.parametrize(
    "name, shape",
    [
        ("sleepstudy", (180, 3)),
        ("dyestuff", (30, 2)),
        ("exam", (4059, None)),
        ("hsb", (7185, None)),
        ("dietox", (861, None)),
        ("penicillin", (144, 3)),
        ("pastes", (60, 4)),
    ],
)
def test_real_data(name, shape):
    frame = helpers.load(name)
    assert frame.shape[0] == shape[0]
    if shape[1] is not None:
        assert frame.shape[1] == shape[1]
    assert "rownames" not in frame.columns
    assert helpers.load(name.upper()).shape == frame.shape


@pytest.mark.parametrize("name", list(SIMULATORS))
def test_course_data_load_and_are_fresh_copies(name):
    frame = helpers.load(name)
    assert len(frame) > 0
    frame.iloc[0, 0] = None
    assert not helpers.load(name).isna().iloc[0, 0]


def _copy_data(tmp_path, monkeypatch) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    monkeypatch.setattr(hdata, "DATA_DIR", target)
    return target


def test_missing_file_names_file_and_make_data(tmp_path, monkeypatch):
    target = _copy_data(tmp_path, monkeypatch)
    (target / "schools.csv").unlink()
    with pytest.raises(FileNotFoundError) as err:
        helpers.load("schools")
    assert str(target / "schools.csv") in str(err.value) and "make data" in str(err.value)


def test_corrupt_file_names_file_and_make_data(tmp_path, monkeypatch):
    target = _copy_data(tmp_path, monkeypatch)
    path = target / "hospitals.csv"
    path.write_bytes(path.read_bytes().replace(b"1", b"2", 1))
    with pytest.raises(ValueError) as err:
        helpers.load("hospitals")
    assert str(path) in str(err.value) and "make data" in str(err.value) and "checksum" in str(err.value)


def test_unreadable_file_without_checksum(tmp_path, monkeypatch):
    target = _copy_data(tmp_path, monkeypatch)
    (target / "SHA256SUMS").unlink()
    (target / "schools.csv").write_bytes(b"\xff\xfe\x00garbage\n\x00\x01")
    with pytest.raises(ValueError) as err:
        helpers.load("schools")
    assert str(target / "schools.csv") in str(err.value) and "make data" in str(err.value)


@pytest.mark.slow
def test_load_works_from_any_folder(tmp_path):
    code = "import helpers; print(helpers.load('schools').shape[0], helpers.load('sleepstudy').shape[0])"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == [str(len(helpers.load("schools"))), "180"]


def test_checksums_match_the_files():
    sums = _sums(DATA_DIR)
    assert set(sums) == {f"{name}.csv" for name in SIMULATORS}
    for name, digest in sums.items():
        assert hashlib.sha256((DATA_DIR / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.slow
def test_make_data_regenerates_byte_for_byte(tmp_path):
    """What `make data` runs (`python -m helpers`), into a temporary folder."""
    out = subprocess.run(
        [sys.executable, "-m", "helpers", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "wrote" in out.stdout
    assert _sums(tmp_path) == _sums(DATA_DIR)
    for name in _sums(DATA_DIR):
        assert (tmp_path / name).read_bytes() == (DATA_DIR / name).read_bytes(), name


def test_make_data_target_runs_python_m_helpers():
    makefile = (ROOT / "Makefile").read_text()
    assert "-m helpers" in makefile.split("data:")[1].split("\n\n")[0]


def test_dataset_names():
    names = helpers.dataset_names()
    assert names[: len(SIMULATORS)] == list(SIMULATORS)
    assert {"sleepstudy", "exam", "hsb"} <= set(names)
    assert isinstance(helpers.load("schools"), pd.DataFrame)
