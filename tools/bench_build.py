"""The build figures of ``make bench``: a fresh clone through ``make book`` and ``make test``.

All four are measured in one run, in a fresh clone of the repository's committed ``HEAD``
in a temporary folder (its own ``.venv``, its own ``_build``; never this work tree's):

1. fresh clone to built book: ``make env`` (create ``.venv``, install the lock) plus the
   first ``make book``, timed separately and added up (together they are ``make book`` on
   a fresh clone);
2. clean strict build, every chapter executed: that first ``make book`` (empty cache);
3. no-change rebuild: ``make book`` again;
4. ``make test`` after ``make book`` (from clean, as CI runs it).

The machine's load average is printed beside each figure: on a busy machine the times are
inflated. The package caches are the machine's (uv's and pip's), unless ``--cold-cache``
points uv at an empty one, as on a new machine (then every package is downloaded).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: figure -> goal in seconds (issue 18).
GOALS = {
    "fresh clone to built book (make book, install included)": 180,
    "clean strict build, every chapter executed": 90,
    "no-change rebuild (make book)": 10,
    "make test on a fresh clone after make book": 300,
}


@dataclass
class Figure:
    label: str
    seconds: float
    goal: float
    load: str
    status: str
    #: CPU seconds (user + system) of every process of the step: on an idle machine with
    #: N cores the step takes at least cpu / N seconds, whatever the load is now.
    cpu: float = float("nan")


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _make(target: str, clone: Path, env: dict, log: Path) -> tuple[float, int, str, float]:
    """Run ``make TARGET`` in the clone; (seconds, exit code, load average when it finished,
    CPU seconds of all its processes)."""
    start, cpu = time.perf_counter(), _cpu()
    with log.open("a") as out:
        out.write(f"\n===== make {target}\n")
        out.flush()
        code = subprocess.run(
            ["make", target], cwd=clone, env=env, stdout=out, stderr=subprocess.STDOUT
        ).returncode
    return time.perf_counter() - start, code, _load(), _cpu() - cpu


def _status(code: int, log: Path) -> str:
    return "ok" if code == 0 else f"FAILED (exit {code}; see {log})"


def bench_build(run_test: bool = True, cold_cache: bool = False, keep: bool = False) -> list[Figure]:
    """Measure the build figures in a fresh clone; see the module docstring."""
    work = Path(tempfile.mkdtemp(prefix="mlm-bench-clone-"))
    clone, log = work / "repo", work / "bench.log"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "VIRTUAL_ENV", "PYTHONPATH")
    }
    if cold_cache:
        env["UV_CACHE_DIR"] = str(work / "uv-cache")
    figures: list[Figure] = []
    goal = list(GOALS.items())
    try:
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        t_env, code, load_env, cpu_env = _make("env", clone, env, log)
        if code:
            return [Figure(goal[0][0], t_env, goal[0][1], load_env, _status(code, log), cpu_env)]
        t_book, code, load_book, cpu_book = _make("book", clone, env, log)
        figures.append(
            Figure(
                goal[0][0],
                t_env + t_book,
                goal[0][1],
                load_book,
                f"{_status(code, log)}: install {t_env:.0f} s + build {t_book:.0f} s",
                cpu_env + cpu_book,
            )
        )
        figures.append(Figure(goal[1][0], t_book, goal[1][1], load_book, _status(code, log), cpu_book))
        if code:
            return figures
        t, code, load, cpu = _make("book", clone, env, log)
        figures.append(Figure(goal[2][0], t, goal[2][1], load, _status(code, log), cpu))
        if run_test:
            t, code, load, cpu = _make("test", clone, env, log)
            figures.append(Figure(goal[3][0], t, goal[3][1], load, _status(code, log), cpu))
    finally:
        if keep:
            print(f"(the clone and its log are kept in {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return figures


def print_build(figures: list[Figure], cold_cache: bool) -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    print(
        f"\nbuild from a fresh clone of HEAD ({commit}; {os.cpu_count()} cores; "
        f"{'empty' if cold_cache else 'this machine’s'} package cache)"
    )
    print(
        f"{'figure':58s} {'seconds':>8s} {'goal':>6s} {'met':>4s} {'cpu s':>7s}  {'load 1/5/15':>14s}  status"
    )
    for f in figures:
        met = "yes" if f.seconds <= f.goal and f.status.startswith("ok") else "no"
        print(
            f"{f.label:58s} {f.seconds:8.1f} {f.goal:6.0f} {met:>4s} {f.cpu:7.0f}  {f.load:>14s}  {f.status}"
        )
    print(
        "'load': the load average when the step finished (other work on the machine inflates "
        "the times);\n'cpu s': CPU seconds of the step's processes (on an idle machine it takes "
        f"at least cpu s / {os.cpu_count()} seconds)."
    )
