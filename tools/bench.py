"""``make bench``: timing figures for ``fit_mixed`` and the book build.

A benchmark, not a test: it prints a table and never fails on a slow machine.

- ``fit_mixed`` against the reference engine ``mixedlm`` (lme4's algorithm, Rust core), median
  of repeats, on the cases of issue 13, with the ratio and the log-likelihood difference, and
  the parametric-bootstrap LRT against a bootstrap loop over ``mixedlm`` fits
  (:func:`bench_engine`, :func:`bench_bootstrap_engine`);
- ``fit_mixed`` against one default statsmodels fit (``smf.mixedlm(...).fit()``),
  median of repeats, on the schools, sleepstudy, Exam and HSB data;
- the parametric-bootstrap LRT, time per replicate;
- the build figures with their goals, all from one fresh clone (:mod:`tools.bench_build`):
  ``make book`` with the install, the clean strict build, a no-change rebuild, ``make test``.

Usage: ``python -m tools.bench [--repeats N] [--engine-only] [--n-boot N] [--no-book] [--no-test] [--cold-cache] [--keep]``
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
    (
        "schools, random intercept",
        "schools",
        "ExamScore ~ SchoolQuality + StudentGender + StudentAge",
        "SchoolID",
        None,
        True,
    ),
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
        rows.append(
            (label, len(data), t_default, t_ours, t_ours / t_default, o.llf - d_llf, len(o.fit_audit))
        )
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


# -- fit_mixed against the reference engine (issue 13) --------------------------------------

#: name, data set, formula, groups, re_formula, reml, the same model in lme4's syntax
ENGINE_CASES = [
    (
        "sleepstudy, random slope, REML",
        "sleepstudy",
        "Reaction ~ Days",
        "Subject",
        "~Days",
        True,
        "Reaction ~ Days + (Days | Subject)",
    ),
    (
        "Exam, random slope, ML",
        "exam",
        "normexam ~ standLRT",
        "school",
        "~standLRT",
        False,
        "normexam ~ standLRT + (standLRT | school)",
    ),
    (
        "HSB, random slope, REML",
        "hsb",
        "mAch ~ cses + meanses",
        "school",
        "~cses",
        True,
        "mAch ~ cses + meanses + (cses | school)",
    ),
    (
        "ScotsSec, random slope, ML (boundary)",
        "scotssec",
        "attain ~ verbal + sex",
        "primary",
        "~verbal",
        False,
        "attain ~ verbal + sex + (verbal | primary)",
    ),
    (
        "egsingle, random slope, ML",
        "egsingle",
        "math ~ year",
        "childid",
        "~year",
        False,
        "math ~ year + (year | childid)",
    ),
    ("simulated 20,000 x 2,000, random slope", "sim20k", "y ~ x", "g", "~x", True, "y ~ x + (x | g)"),
]


def _engine_data(name):
    import numpy as np
    import pandas as pd

    import helpers

    if name != "sim20k":
        return helpers.load(name)
    rng = np.random.default_rng(20000)
    n_groups, per = 2000, 10
    g = np.repeat(np.arange(n_groups), per)
    x = rng.normal(size=n_groups * per)
    b0, b1 = rng.normal(0, 1.0, n_groups), rng.normal(0, 0.5, n_groups)
    y = 1 + 2 * x + b0[g] + b1[g] * x + rng.normal(0, 1.0, len(x))
    return pd.DataFrame({"y": y, "x": x, "g": g})


def _quiet(fit, *args, **kwargs):
    """``fit(*args, **kwargs)`` with its warnings silenced (the audit is timed, not read)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(*args, **kwargs)


def _engine_row(label, data, reference, ours, ref_repeats: int, our_repeats: int) -> tuple:
    """One row of the engine table: median times of the two fits (``our_repeats=0``: one
    timed run of ours, no warm-up, for the slow cases) and their log-likelihood difference."""
    ref = reference()  # also warms up imports and caches
    ref_llf = float(ref.logLik().value) if hasattr(ref.logLik(), "value") else float(ref.logLik())
    t_ref = _median_time(reference, ref_repeats)
    if our_repeats:
        o = ours()
        t_ours = _median_time(ours, our_repeats)
    else:
        start = time.perf_counter()
        o = ours()
        t_ours = time.perf_counter() - start
    return (label, len(data), t_ours, t_ref, t_ours / t_ref, float(o.llf) - ref_llf, len(o.fit_audit))


def bench_engine(repeats: int) -> list[tuple]:
    """Per case: rows, fit_mixed s, mixedlm s, ratio, llf(fit_mixed) - llf(mixedlm), audit rows."""
    import mixedlm

    import helpers

    rows = []
    for label, name, formula, groups, re_formula, reml, lme4_formula in ENGINE_CASES:
        data = _engine_data(name)
        rows.append(
            _engine_row(
                label,
                data,
                lambda: _quiet(mixedlm.lmer, lme4_formula, data, REML=reml),
                lambda: _quiet(helpers.fit_mixed, formula, data, groups, re_formula=re_formula, reml=reml),
                repeats,
                repeats,
            )
        )
    return rows


#: Part III's variance-component models (vc_formula): name, data, formula, groups, vc_formula,
#: the lme4 formula. fit_mixed runs statsmodels' optimisers here (mixedlm is given designs
#: with random intercepts and slopes only), so these are the slow cases.
VC_CASES = [
    (
        "egsingle, three levels, REML",
        "egsingle",
        "math ~ year",
        "schoolid",
        {"child": "0 + C(childid)"},
        "math ~ year + (1 | schoolid/childid)",
    ),
    (
        "ScotsSec, crossed, REML",
        "scotssec",
        "attain ~ 1",
        "everyone",
        {"primary": "0 + C(primary)", "secondary": "0 + C(second)"},
        "attain ~ 1 + (1 | primary) + (1 | second)",
    ),
]


def bench_vc(repeats: int = 1) -> list[tuple]:
    """The rows of :func:`bench_engine` for :data:`VC_CASES` (one timed run each by default)."""
    import mixedlm

    import helpers

    rows = []
    for label, name, formula, groups, vc_formula, lme4_formula in VC_CASES:
        data = helpers.load(name).assign(everyone=1)
        re_formula = None if groups == "everyone" else "1"
        ours = lambda: _quiet(  # noqa: E731
            helpers.fit_mixed, formula, data, groups, re_formula=re_formula, vc_formula=vc_formula
        )
        reference = lambda: _quiet(mixedlm.lmer, lme4_formula, data, REML=True)  # noqa: E731
        rows.append(_engine_row(label, data, reference, ours, max(repeats, 3), 0))
    return rows


def bench_bootstrap_engine(n_boot: int = 500) -> tuple:
    """sleepstudy, random intercept vs random slope by ML, ``n_boot`` replicates: seconds for
    ``helpers.bootstrap_lrt`` and for the same bootstrap as a loop over mixedlm fits (simulate
    from the null fit, refit both models), which has no bootstrap LRT of its own."""
    import numpy as np
    import mixedlm

    import helpers

    sleep = helpers.load("sleepstudy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ri = helpers.fit_mixed("Reaction ~ Days", sleep, "Subject", reml=False)
        rs = helpers.fit_mixed("Reaction ~ Days", sleep, "Subject", re_formula="~Days", reml=False)
        start = time.perf_counter()
        ours = helpers.bootstrap_lrt(ri, rs, n_boot=n_boot, seed=1)
        t_ours = time.perf_counter() - start

        start = time.perf_counter()
        m0 = mixedlm.lmer("Reaction ~ Days + (1 | Subject)", sleep, REML=False)
        m1 = mixedlm.lmer("Reaction ~ Days + (Days | Subject)", sleep, REML=False)
        ys = np.asarray(m0.simulate(nsim=n_boot, seed=1))
        ys = ys.reshape(len(sleep), -1) if ys.shape[0] == len(sleep) else ys.T
        lr = []
        for k in range(n_boot):
            y = ys[:, k]
            lr.append(2 * (float(m1.refit(y).logLik().value) - float(m0.refit(y).logLik().value)))
        t_ref = time.perf_counter() - start
    lr_obs = 2 * (float(rs.llf) - float(ri.llf))
    p_ref = (1 + int(np.sum(np.asarray(lr) >= lr_obs - 1e-8))) / (n_boot + 1)
    return n_boot, t_ours, t_ref, t_ours / t_ref, float(ours.p_value), p_ref


def engine_report(repeats: int, n_boot: int = 500) -> None:
    """Print the engine table and the bootstrap line (issue 13's goals under them)."""
    import statistics as st

    print(f"fit_mixed vs mixedlm (lme4's algorithm), median of {repeats}; the audit is on")
    print(
        f"{'model':40s} {'rows':>6s} {'fit_mixed s':>11s} {'mixedlm s':>10s} {'ratio':>6s} "
        f"{'llf diff':>10s} {'runs':>5s}"
    )
    rows = bench_engine(repeats)
    for label, n, t_ours, t_ref, ratio, diff, runs in rows:
        print(f"{label:40s} {n:6d} {t_ours:11.3f} {t_ref:10.3f} {ratio:6.2f} {diff:10.2e} {runs:5d}")
    ratios = [r[4] for r in rows]
    print(
        f"median ratio {st.median(ratios):.2f} (goal <= 2), worst {max(ratios):.2f} (goal <= 5); "
        "'llf diff': fit_mixed's log-likelihood minus mixedlm's; 'runs': rows of fit_audit."
    )
    print("\nPart III variance-component models (vc_formula; one fit_mixed run each; goal: seconds)")
    for label, n, t_ours, t_ref, ratio, diff, runs in bench_vc():
        print(f"{label:40s} {n:6d} {t_ours:11.3f} {t_ref:10.3f} {ratio:6.2f} {diff:10.2e} {runs:5d}")
    n_boot, t_ours, t_ref, ratio, p_ours, p_ref = bench_bootstrap_engine(n_boot)
    print(f"\nbootstrap LRT, sleepstudy random intercept vs slope (ML), {n_boot} replicates")
    print(
        f"bootstrap_lrt {t_ours:.1f} s, loop over mixedlm fits {t_ref:.1f} s, ratio {ratio:.2f} "
        f"(goal <= 0.5); p-values {p_ours:.4f} and {p_ref:.4f}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="repeats per fit (median)")
    parser.add_argument(
        "--engine-only", action="store_true", help="only fit_mixed vs mixedlm and the bootstrap line"
    )
    parser.add_argument("--n-boot", type=int, default=500, help="bootstrap replicates (500)")
    parser.add_argument("--no-book", action="store_true", help="skip the build figures")
    parser.add_argument("--no-test", action="store_true", help="build figures without make test")
    parser.add_argument(
        "--cold-cache", action="store_true", help="install with an empty uv cache, as on a new machine"
    )
    parser.add_argument("--keep", action="store_true", help="keep the fresh clone and its log")
    args = parser.parse_args(argv)

    engine_report(args.repeats, args.n_boot)
    if args.engine_only:
        return 0
    print()

    print(f"fit_mixed vs one default statsmodels fit (median of {args.repeats})")
    print(
        f"{'model':34s} {'rows':>6s} {'default s':>10s} {'fit_mixed s':>12s} {'ratio':>6s} "
        f"{'llf gain':>9s} {'runs':>5s}"
    )
    for label, n, t_default, t_ours, ratio, gain, runs in bench_fits(args.repeats):
        print(f"{label:34s} {n:6d} {t_default:10.3f} {t_ours:12.3f} {ratio:6.2f} {gain:9.4f} {runs:5d}")
    print("\n'llf gain': fit_mixed's log-likelihood minus the default fit's; 'runs': rows of fit_audit.")

    print("\nparametric bootstrap LRT")
    print(f"{'test':40s} {'replicates':>10s} {'s / replicate':>14s}")
    for label, n_boot, per in bench_bootstrap():
        print(f"{label:40s} {n_boot:10d} {per:14.4f}")

    if not args.no_book:
        from tools.bench_build import bench_build, print_build

        print_build(
            bench_build(run_test=not args.no_test, cold_cache=args.cold_cache, keep=args.keep),
            args.cold_cache,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
