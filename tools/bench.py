"""``make bench``: timing figures for ``fit_mixed`` and the book build.

A benchmark, not a test: it prints a table and never fails on a slow machine.

- ``fit_mixed`` against one default statsmodels fit (``smf.mixedlm(...).fit()``),
  median of repeats, on the schools, sleepstudy, Exam and HSB data;
- the parametric-bootstrap LRT, time per replicate;
- the build figures with their goals, all from one fresh clone (:mod:`tools.bench_build`):
  ``make book`` with the install, the clean strict build, a no-change rebuild, ``make test``.

Usage: ``python -m tools.bench [--repeats N] [--no-book] [--no-test] [--cold-cache] [--keep]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: name, data set, formula, groups, re_formula, reml
FITS = [
    ("schools, random intercept", "schools", "ExamScore ~ SchoolQuality + StudentGender + StudentAge",
     "SchoolID", None, True),
    ("sleepstudy, random slope", "sleepstudy", "Reaction ~ Days", "Subject", "~Days", True),
    ("Exam, empty model, ML (trap)", "exam", "normexam ~ 1", "school", None, False),
    ("Exam, random slope, ML", "exam", "normexam ~ standLRT", "school", "~standLRT", False),
    ("HSB, empty model", "hsb", "mAch ~ 1", "school", None, True),
    ("HSB, random slope", "hsb", "mAch ~ cses + meanses", "school", "~cses", True),
]


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_fits(repeats: int) -> list[tuple]:
    import statsmodels.formula.api as smf

    import helpers

    rows = []
    for label, name, formula, groups, re_formula, reml in FITS:
        data = helpers.load(name)

        def default():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return smf.mixedlm(formula, data, groups=groups, re_formula=re_formula).fit(reml=reml)

        def ours():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return helpers.fit_mixed(formula, data, groups, re_formula=re_formula, reml=reml)

        d_llf, o = default().llf, ours()
        t_default = _median_time(default, repeats)
        t_ours = _median_time(ours, repeats)
        rows.append((label, len(data), t_default, t_ours, t_ours / t_default, o.llf - d_llf,
                     len(o.fit_audit)))
    return rows


def bench_bootstrap(n_boot: int = 40) -> list[tuple]:
    import statsmodels.formula.api as smf

    import helpers

    sleep = helpers.load("sleepstudy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ri = helpers.fit_mixed("Reaction ~ Days", sleep, "Subject", reml=False)
        rs = helpers.fit_mixed("Reaction ~ Days", sleep, "Subject", re_formula="~Days", reml=False)
        hsb = helpers.load("hsb")
        hsb_ri = helpers.fit_mixed("mAch ~ cses", hsb, "school", reml=False)
    cases = [
        ("sleepstudy: OLS vs random intercept", smf.ols("Reaction ~ Days", sleep).fit(), ri),
        ("sleepstudy: random intercept vs slope", ri, rs),
        ("HSB: OLS vs random intercept", smf.ols("mAch ~ cses", hsb).fit(), hsb_ri),
    ]
    rows = []
    for label, restricted, full in cases:
        start = time.perf_counter()
        helpers.bootstrap_lrt(restricted, full, n_boot=n_boot, seed=1)
        rows.append((label, n_boot, (time.perf_counter() - start) / n_boot))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="repeats per fit (median)")
    parser.add_argument("--no-book", action="store_true", help="skip the build figures")
    parser.add_argument("--no-test", action="store_true", help="build figures without make test")
    parser.add_argument("--cold-cache", action="store_true",
                        help="install with an empty uv cache, as on a new machine")
    parser.add_argument("--keep", action="store_true", help="keep the fresh clone and its log")
    args = parser.parse_args(argv)

    print(f"fit_mixed vs one default statsmodels fit (median of {args.repeats})")
    print(f"{'model':34s} {'rows':>6s} {'default s':>10s} {'fit_mixed s':>12s} {'ratio':>6s} "
          f"{'llf gain':>9s} {'runs':>5s}")
    for label, n, t_default, t_ours, ratio, gain, runs in bench_fits(args.repeats):
        print(f"{label:34s} {n:6d} {t_default:10.3f} {t_ours:12.3f} {ratio:6.2f} {gain:9.4f} {runs:5d}")
    print("\n'llf gain': fit_mixed's log-likelihood minus the default fit's; 'runs': rows of fit_audit.")

    print("\nparametric bootstrap LRT")
    print(f"{'test':40s} {'replicates':>10s} {'s / replicate':>14s}")
    for label, n_boot, per in bench_bootstrap():
        print(f"{label:40s} {n_boot:10d} {per:14.4f}")

    if not args.no_book:
        from tools.bench_build import bench_build, print_build

        print_build(bench_build(run_test=not args.no_test, cold_cache=args.cold_cache,
                                keep=args.keep), args.cold_cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
