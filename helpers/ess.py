"""The European Social Survey case study: a simulated ESS file, and a reader for the real one.

The case study (chapter ``ess``) re-analyses a published study of interviewer
effects in the ESS Round 5 face-to-face interviews in Belgium: 1703
respondents nested in interviewers, perceived helpfulness of people
(``pplhlp``, 0-10) regressed on trust in the police (``trstplc``, 0-10) with
random interviewer intercepts and slopes.

The real file needs registration with the ESS and cannot be fetched here, so
:func:`simulate_ess` makes a file with the same structure and the same story,
calibrated to the estimates of the lecture notes (see :func:`lecture_notes_estimates` and
``data/README.md``). :func:`load_ess` reads the real file for readers who
have it, in the same shape.

This module imports nothing else from :mod:`helpers`, so that
:mod:`helpers.simulate` can register :func:`simulate_ess` without a circular
import.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: ESS missing-data codes on the 0-10 scales.
MISSING_CODES = {77: "refusal", 88: "don't know", 99: "no answer"}

#: The 22 attitude items of the file, in ESS order, all on 0-10 scales:
#: name -> (question, what 0 and 10 mean).
ESS_ITEMS = {
    "ppltrst": (
        "Most people can be trusted, or you can't be too careful",
        "0 can't be too careful, 10 most people can be trusted",
    ),
    "pplfair": (
        "Most people try to take advantage of you, or try to be fair",
        "0 take advantage, 10 try to be fair",
    ),
    "pplhlp": (
        "Most of the time people helpful or mostly looking out for themselves",
        "0 look out for themselves, 10 people mostly helpful",
    ),
    "trstprl": ("Trust in country's parliament", "0 no trust at all, 10 complete trust"),
    "trstlgl": ("Trust in the legal system", "0 no trust at all, 10 complete trust"),
    "trstplc": ("Trust in the police", "0 no trust at all, 10 complete trust"),
    "trstplt": ("Trust in politicians", "0 no trust at all, 10 complete trust"),
    "trstprt": ("Trust in political parties", "0 no trust at all, 10 complete trust"),
    "trstep": ("Trust in the European Parliament", "0 no trust at all, 10 complete trust"),
    "trstun": ("Trust in the United Nations", "0 no trust at all, 10 complete trust"),
    "lrscale": ("Placement on left-right scale", "0 left, 10 right"),
    "stflife": ("How satisfied with life as a whole", "0 extremely dissatisfied, 10 extremely satisfied"),
    "stfeco": (
        "How satisfied with present state of economy in country",
        "0 extremely dissatisfied, 10 extremely satisfied",
    ),
    "stfgov": (
        "How satisfied with the national government",
        "0 extremely dissatisfied, 10 extremely satisfied",
    ),
    "stfdem": (
        "How satisfied with the way democracy works in country",
        "0 extremely dissatisfied, 10 extremely satisfied",
    ),
    "stfedu": ("State of education in country nowadays", "0 extremely bad, 10 extremely good"),
    "stfhlth": ("State of health services in country nowadays", "0 extremely bad, 10 extremely good"),
    "imbgeco": (
        "Immigration bad or good for country's economy",
        "0 bad for the economy, 10 good for the economy",
    ),
    "imueclt": ("Country's cultural life undermined or enriched by immigrants", "0 undermined, 10 enriched"),
    "imwbcnt": (
        "Immigrants make country worse or better place to live",
        "0 worse place to live, 10 better place to live",
    ),
    "happy": ("How happy are you", "0 extremely unhappy, 10 extremely happy"),
    "rlgdgr": ("How religious are you", "0 not at all religious, 10 very religious"),
}

#: Columns of the course file (and of what :func:`load_ess` returns), in order.
ESS_COLUMNS = (
    ["essround", "cntry", "idno", "intnum"] + list(ESS_ITEMS) + ["agea", "gndr", "dweight", "resprate"]
)

#: Columns :func:`load_ess` cannot do without.
REQUIRED_COLUMNS = ("idno", "intnum", "pplhlp", "trstplc")

# Latent attitude dimensions: institutional trust, social trust,
# satisfaction, attitudes to immigration, religiosity.
_FACTORS = ("inst", "social", "satis", "immig", "relig")
_FACTOR_CORR = np.array(
    [
        [1.00, 0.00, 0.45, 0.25, 0.05],
        [0.00, 1.00, 0.30, 0.30, 0.05],
        [0.45, 0.30, 1.00, 0.20, 0.05],
        [0.25, 0.30, 0.20, 1.00, -0.10],
        [0.05, 0.05, 0.05, -0.10, 1.00],
    ]
)

#: How each item other than pplhlp is generated: mean, loadings on the latent
#: dimensions, interviewer standard deviation, respondent residual standard
#: deviation, and the rates of the codes 77, 88 and 99.
_ITEM_SPEC = {
    #          mean  inst  soc  sat  imm  rel  int_sd  resid   p77     p88    p99
    "ppltrst": (5.1, 0.35, 1.25, 0.2, 0.0, 0.0, 0.30, 1.35, 0.0006, 0.0024, 0.0006),
    "pplfair": (5.6, 0.30, 1.10, 0.2, 0.0, 0.0, 0.30, 1.30, 0.0006, 0.0041, 0.0006),
    "trstprl": (4.9, 1.65, 0.20, 0.3, 0.0, 0.0, 0.30, 1.10, 0.0012, 0.0100, 0.0006),
    "trstlgl": (4.8, 1.60, 0.20, 0.2, 0.0, 0.0, 0.30, 1.20, 0.0012, 0.0065, 0.0006),
    "trstplc": (5.9, 1.70, 0.00, 0.0, 0.0, 0.0, 0.28, 1.40, 0.0, 0.0, 0.0),
    "trstplt": (4.0, 1.55, 0.20, 0.3, 0.0, 0.0, 0.30, 1.00, 0.0012, 0.0082, 0.0006),
    "trstprt": (4.0, 1.50, 0.20, 0.3, 0.0, 0.0, 0.30, 1.00, 0.0012, 0.0094, 0.0006),
    "trstep": (4.9, 1.40, 0.20, 0.2, 0.3, 0.0, 0.30, 1.20, 0.0012, 0.0270, 0.0006),
    "trstun": (5.3, 1.30, 0.20, 0.2, 0.3, 0.0, 0.30, 1.30, 0.0012, 0.0250, 0.0006),
    "lrscale": (4.9, 0.20, 0.00, 0.2, -0.4, 0.3, 0.25, 1.80, 0.0060, 0.0500, 0.0012),
    "stflife": (7.4, 0.20, 0.20, 1.0, 0.0, 0.0, 0.20, 1.30, 0.0006, 0.0012, 0.0006),
    "stfeco": (4.4, 0.70, 0.10, 1.0, 0.0, 0.0, 0.30, 1.40, 0.0006, 0.0120, 0.0006),
    "stfgov": (3.9, 0.90, 0.10, 0.9, 0.0, 0.0, 0.30, 1.40, 0.0012, 0.0150, 0.0006),
    "stfdem": (5.4, 0.90, 0.20, 0.9, 0.0, 0.0, 0.30, 1.40, 0.0012, 0.0110, 0.0006),
    "stfedu": (6.5, 0.50, 0.10, 0.7, 0.0, 0.0, 0.30, 1.50, 0.0006, 0.0200, 0.0006),
    "stfhlth": (7.0, 0.50, 0.10, 0.7, 0.0, 0.0, 0.25, 1.50, 0.0006, 0.0080, 0.0006),
    "imbgeco": (4.6, 0.30, 0.30, 0.2, 1.40, 0.0, 0.35, 1.50, 0.0012, 0.0300, 0.0012),
    "imueclt": (5.3, 0.30, 0.30, 0.1, 1.60, 0.0, 0.35, 1.50, 0.0012, 0.0180, 0.0012),
    "imwbcnt": (4.6, 0.30, 0.30, 0.2, 1.50, 0.0, 0.35, 1.40, 0.0012, 0.0220, 0.0012),
    "happy": (7.7, 0.10, 0.20, 1.0, 0.0, 0.0, 0.20, 1.10, 0.0006, 0.0012, 0.0006),
    "rlgdgr": (4.6, 0.20, 0.00, 0.0, -0.2, 2.40, 0.30, 1.00, 0.0012, 0.0060, 0.0006),
}

#: The generating model of the simulated ESS file (see ``data/README.md``).
#:
#: ``pplhlp_ij = intercept + u0_j + (slope + u1_j) trstplc_ij + e_ij``,
#: rounded to 0-10, where ``u0_j = resprate_effect (resprate_j - mean response
#: rate) + r0_j`` and ``(r0_j, u1_j)`` have standard deviations ``r0_sd``,
#: ``u1_sd`` and correlation ``r01_corr`` *exactly* over the interviewers
#: (normal draws, standardised; ``r0_j`` uncorrelated with the response
#: rate). The residual ``e_ij`` has a social-trust part (shared with
#: ``ppltrst`` and ``pplfair``) and an item-specific part. Two interviewers
#: are planted: 4976 with a very low intercept, 7519 ordinary (``u0 = 0.1``,
#: ``u1 = 0``) but with the only code in ``trstplc``, a single 88 ("don't
#: know") from one respondent. The values were tuned (for this seed) so that
#: the published analysis (REML, ``pplhlp``'s codes set to missing,
#: ``trstplc`` as recorded) reproduces the published estimates.
ESS_TRUTH = {
    "seed": 44,
    # Interviewers and their workloads (respondents per interviewer).
    "n_respondents": 1703,
    "n_interviewers": 64,
    "min_workload": 4,
    "workload_shape": 2.0,  # gamma shape of the workload shares: unequal workloads
    # pplhlp = intercept + u0 + (slope + u1) trstplc + social_loading * social + e
    "intercept": 3.7986,
    "slope": 0.1656,
    "r0_sd": 0.5726,  # SD of the interviewer intercepts not explained by the response rate
    "u1_sd": 0.1053,  # SD of the interviewer slopes
    "r01_corr": -0.7,  # correlation of the two
    "resprate_mean": 56.0,  # interviewer response rate (percent): mean and SD
    "resprate_sd": 9.0,
    "resprate_effect": 0.0414,  # change in the intercept per percentage point of response rate
    "social_loading": 0.85,  # social trust, shared with ppltrst and pplfair
    "residual_sd": 1.25,
    # Two planted interviewers (their effects are set, not drawn).
    "planted": {
        4976: {"u0": -2.6, "u1": 0.0, "workload_rank": 12},
        7519: {"u0": 0.1, "u1": 0.0, "workload_rank": 20},
    },
    # The 88 in trstplc goes to the 7519 respondent whose pplhlp is nearest this value.
    "code_respondent_pplhlp": 1,
    "pplhlp_code_rates": {77: 0.0012, 88: 0.0041, 99: 0.0006},
    # pplfair has an extra slope on trust in the legal system, varying a little by interviewer.
    "pplfair_slope_trstlgl": 0.12,
    "pplfair_slope_sd": 0.06,
}
#: The estimates of the lecture notes the file is calibrated to (REML fit of their model) live in
#: the reference store under ``ess.notes.*``; :func:`lecture_notes_estimates` reads them.


def lecture_notes_estimates() -> dict[str, float]:
    """The lecture notes' estimates the simulated file reproduces (from the reference store):
    ``intercept``, ``slope``, ``intercept_var``, ``slope_var``."""
    from .reference import value

    return {k: value(f"ess.notes.{k}") for k in ("intercept", "slope", "intercept_var", "slope_var")}


def _workloads(rng, t) -> np.ndarray:
    n, k, m = t["n_respondents"], t["n_interviewers"], t["min_workload"]
    shares = rng.gamma(t["workload_shape"], size=k)
    extra = rng.multinomial(n - k * m, shares / shares.sum())
    return np.sort(extra + m)[::-1]


def _interviewer_numbers(rng, t) -> np.ndarray:
    planted = list(t["planted"])
    pool = np.setdiff1d(np.arange(1000, 10000), planted)
    numbers = rng.choice(pool, size=t["n_interviewers"] - len(planted), replace=False)
    numbers = list(numbers)
    # The planted interviewers take the workloads of the given rank (0 = largest).
    for num, spec in sorted(t["planted"].items(), key=lambda kv: kv[1]["workload_rank"]):
        numbers.insert(spec["workload_rank"], num)
    return np.array(numbers, dtype=int)


def _exact_effects(rng, covariate, sd0, sd1, corr) -> np.ndarray:
    """Random intercepts and slopes with exactly the given sample SDs and correlation.

    Normal draws are made orthogonal to a constant and to ``covariate`` (so
    the interviewer-level covariate explains none of them in the sample), and
    to each other, then scaled: the interviewers' effects have the stated
    variances and correlation exactly, which removes the level-2 sampling
    noise that would otherwise dominate a calibration with few interviewers.
    """
    k = covariate.size
    draws = rng.standard_normal((k, 2))
    basis = np.column_stack([np.ones(k), covariate - covariate.mean(), draws])
    q, _ = np.linalg.qr(basis)
    white = q[:, 2:] * np.sqrt(k - 1)
    white *= np.sign(np.sum(white * draws, axis=0))  # keep the draws' direction
    chol = np.linalg.cholesky(np.array([[sd0**2, corr * sd0 * sd1], [corr * sd0 * sd1, sd1**2]]))
    return white @ chol.T


def _to_scale(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), 0, 10).astype(int)


def simulate_ess(seed: int | None = None, truth: dict | None = None) -> pd.DataFrame:
    """A simulated ESS Round 5 Belgian file, calibrated to the published interviewer analysis.

    Parameters
    ----------
    seed : int, optional
        Seed of the random number generator; default ``ESS_TRUTH["seed"]``,
        the seed of the course file ``data/ess.csv``.
    truth : dict, optional
        Generating values; default :data:`ESS_TRUTH`. Other values give other
        files (for simulation exercises); only the defaults are calibrated.

    Returns
    -------
    pandas.DataFrame
        One row per respondent, columns :data:`ESS_COLUMNS`: ``essround``,
        ``cntry``, ``idno`` (respondent), ``intnum`` (interviewer), the 22
        attitude items of :data:`ESS_ITEMS` on 0-10 scales with the ESS codes
        77 (refusal), 88 (don't know) and 99 (no answer) left in, ``agea``
        (age), ``gndr`` (1 male, 2 female), ``dweight`` (design weight) and
        ``resprate`` (the interviewer's response rate, percent).
    """
    t = ESS_TRUTH if truth is None else truth
    rng = np.random.default_rng(t["seed"] if seed is None else seed)
    k = t["n_interviewers"]

    # Interviewers: numbers, workloads, response rates and random effects.
    work = _workloads(rng, t)
    intnum = _interviewer_numbers(rng, t)
    resprate = np.clip(rng.normal(t["resprate_mean"], t["resprate_sd"], size=k), 25, 90).round(1)
    planted = np.isin(intnum, list(t["planted"]))
    resprate[planted] = round(t["resprate_mean"], 1)
    re = _exact_effects(rng, resprate[~planted], t["r0_sd"], t["u1_sd"], t["r01_corr"])
    u0, u1 = np.zeros(k), np.zeros(k)
    u0[~planted] = t["resprate_effect"] * (resprate[~planted] - resprate[~planted].mean()) + re[:, 0]
    u1[~planted] = re[:, 1]
    for num, spec in t["planted"].items():
        j = int(np.flatnonzero(intnum == num)[0])
        u0[j], u1[j] = spec["u0"], spec["u1"]
    item_int = {name: rng.normal(0.0, spec[6], size=k) for name, spec in _ITEM_SPEC.items()}
    fair_u1 = rng.normal(0.0, t["pplfair_slope_sd"], size=k)

    # Respondents.
    n = int(work.sum())
    j_of = np.repeat(np.arange(k), work)
    factors = rng.multivariate_normal(np.zeros(len(_FACTORS)), _FACTOR_CORR, size=n)
    f = dict(zip(_FACTORS, factors.T))
    agea = np.clip(np.rint(rng.normal(48, 18, size=n)), 15, 94).astype(int)
    gndr = np.where(rng.random(n) < 0.51, 2, 1)
    dweight = rng.lognormal(0.0, 0.22, size=n)
    dweight = (dweight / dweight.mean()).round(4)

    items = {}
    for name, (mean, li, ls, lsat, lim, lrel, _, resid, *_rates) in _ITEM_SPEC.items():
        latent = (
            mean
            + li * f["inst"]
            + ls * f["social"]
            + lsat * f["satis"]
            + lim * f["immig"]
            + lrel * f["relig"]
            + item_int[name][j_of]
            + rng.normal(0.0, resid, size=n)
        )
        items[name] = latent
    items["trstplc"] = _to_scale(items["trstplc"])
    items["trstlgl"] = _to_scale(items["trstlgl"])
    # pplfair also has its own interviewer slope on trust in the legal system.
    items["pplfair"] = items["pplfair"] + (t["pplfair_slope_trstlgl"] + fair_u1[j_of]) * (
        items["trstlgl"] - 5
    )
    pplhlp = (
        t["intercept"]
        + u0[j_of]
        + (t["slope"] + u1[j_of]) * items["trstplc"]
        + t["social_loading"] * f["social"]
        + rng.normal(0.0, t["residual_sd"], size=n)
    )
    items["pplhlp"] = pplhlp
    items = {name: _to_scale(items[name]) for name in ESS_ITEMS}

    # Missing-data codes.
    for name, spec in _ITEM_SPEC.items():
        rates = dict(zip((77, 88, 99), spec[8:11]))
        _add_codes(rng, items[name], rates)
    _add_codes(rng, items["pplhlp"], t["pplhlp_code_rates"])

    # The one code in trstplc: a "don't know" from one of 7519's respondents.
    rows_7519 = np.flatnonzero(intnum[j_of] == 7519)
    ok = rows_7519[items["pplhlp"][rows_7519] <= 10]
    who = t.get("code_respondent_pplhlp")
    if who is not None:
        ok = ok[np.argsort(np.abs(items["pplhlp"][ok] - who), kind="stable")]
    items["trstplc"][ok[0]] = 88

    frame = pd.DataFrame(
        {
            "intnum": intnum[j_of],
            **items,
            "agea": agea,
            "gndr": gndr,
            "dweight": dweight,
            "resprate": resprate[j_of],
        }
    )
    # Respondents in random order, numbered as in ESS files.
    order = rng.permutation(n)
    frame = frame.iloc[order].reset_index(drop=True)
    frame.insert(0, "idno", np.sort(rng.choice(np.arange(10001, 10001 + 3 * n), size=n, replace=False)))
    frame.insert(0, "cntry", "BE")
    frame.insert(0, "essround", 5)
    return frame[ESS_COLUMNS]


def _add_codes(rng, values: np.ndarray, rates: dict) -> None:
    u = rng.random(values.size)
    lower = 0.0
    for code, rate in rates.items():
        hit = (u >= lower) & (u < lower + rate)
        values[hit] = code
        lower += rate


# ---------------------------------------------------------------------------
# Reading the real ESS file
# ---------------------------------------------------------------------------

_READABLE = (".csv", ".sav", ".zsav")


def _read_any(path: Path, what: str) -> pd.DataFrame:
    """Read a CSV or SPSS file with the ESS codes kept as recorded."""
    suffix = path.suffix.lower()
    if suffix not in _READABLE:
        raise ValueError(
            f"{what} {path} has the extension {path.suffix or '(none)'!r}; load_ess reads the ESS "
            "CSV (.csv) and SPSS (.sav, .zsav) files."
        )
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, low_memory=False)
        else:
            import pyreadstat

            # user_missing=True keeps SPSS user-missing values (77, 88, 99) as
            # numbers instead of turning them into NaN: the file as recorded.
            frame, _ = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ValueError(f"{what} {path} cannot be read as CSV: {err}") from None
    except Exception as err:  # pyreadstat raises its own error classes
        if type(err).__module__.startswith("pyreadstat") or "ReadstatError" in type(err).__name__:
            raise ValueError(f"{what} {path} cannot be read as an SPSS file: {err}") from None
        raise
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame


def _as_frame(source, what: str) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        frame.columns = [str(c).strip().lower() for c in frame.columns]
        return frame
    if not isinstance(source, (str, Path)):
        raise TypeError(f"{what} must be a file path or a DataFrame, not {type(source).__name__}.")
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"{what} {path} does not exist.")
    if path.is_dir():
        raise ValueError(f"{what} {path} is a folder; give the path of the data file itself.")
    return _read_any(path, what)


def _tidy_numbers(frame: pd.DataFrame, columns) -> None:
    """Make the numeric columns numeric (whole numbers as integers where complete)."""
    for col in columns:
        if col in ("cntry",):
            continue
        values = frame[col]
        if not pd.api.types.is_numeric_dtype(values):
            converted = pd.to_numeric(values.astype("string").str.strip(), errors="coerce")
            bad = converted.isna() & values.notna() & (values.astype("string").str.strip() != "")
            if bad.any():
                examples = ", ".join(repr(v) for v in values[bad].unique()[:3])
                raise ValueError(
                    f"Column {col!r} should hold numbers (answers and ESS codes), but holds "
                    f"{examples}. Is this the ESS data file?"
                )
            values = converted
        values = values.astype(float)
        if values.notna().all() and np.all(np.mod(values, 1) == 0):
            frame[col] = values.astype(np.int64)
        else:
            frame[col] = values


def load_ess(path, interviewers=None, country: str = "BE", essround: int | None = 5) -> pd.DataFrame:
    """Read the real ESS file (Round 5, Belgium by default) in the shape of ``helpers.load("ess")``.

    The course uses a simulated file because the real one needs registration
    with the European Social Survey. If you have the real data (the ESS CSV
    file, or the SPSS ``.sav`` file), this function reads it and returns the
    columns the case study uses, with the missing-data codes 77 (refusal),
    88 (don't know) and 99 (no answer) **left in as recorded**, just like the
    course file: the chapter's analysis then runs on it unchanged.

    Parameters
    ----------
    path : str or pathlib.Path
        The ESS data file: ``.csv``, or SPSS ``.sav``/``.zsav`` (read with
        pyreadstat, keeping SPSS user-missing values as their codes). Column
        names are matched without regard to case. A file of several
        countries or rounds is filtered with ``country`` and ``essround``.
    interviewers : str, pathlib.Path or pandas.DataFrame, optional
        Interviewer data to merge by respondent (``idno``, and ``cntry`` if
        both have it): a file or frame with ``idno`` and ``intnum`` and,
        optionally, ``resprate`` (the interviewer's response rate, which you
        compute from the ESS contact forms). Needed when the main file has
        no ``intnum`` column.
    country : str, default "BE"
        ISO country code kept when the file has a ``cntry`` column.
    essround : int or None, default 5
        ESS round kept when the file has an ``essround`` column; ``None``
        keeps every round.

    Returns
    -------
    pandas.DataFrame
        One row per respondent, with the columns of ``helpers.load("ess")``
        that the file has, in the same order (``idno``, ``intnum``,
        ``pplhlp`` and ``trstplc`` always). Whole-number columns are
        integers.

    Raises
    ------
    FileNotFoundError
        ``path`` (or ``interviewers``) does not exist.
    ValueError
        An extension other than .csv/.sav/.zsav; a file that cannot be read;
        no rows for ``country`` and ``essround``; a required column missing
        (the message names it); an item that is not numeric; respondents
        listed twice.
    TypeError
        ``path`` is neither a path nor a string.

    Examples
    --------
    >>> from helpers import load_ess                      # doctest: +SKIP
    >>> ess = load_ess("ESS5BE.sav")                       # doctest: +SKIP
    >>> ess["trstplc"].isin([77, 88, 99]).sum()            # doctest: +SKIP
    """
    if not isinstance(path, (str, Path)):
        raise TypeError(
            f"`path` must be the path of the ESS file (a string or Path), not {type(path).__name__}."
        )
    frame = _as_frame(path, "The ESS file")
    if frame.empty:
        raise ValueError(f"The ESS file {path} has no rows.")

    if "cntry" in frame.columns and country is not None:
        codes = frame["cntry"].astype("string").str.strip().str.upper()
        keep = codes == str(country).upper()
        if not keep.any():
            found = ", ".join(sorted(codes.dropna().unique())[:20])
            raise ValueError(
                f"The ESS file {path} has no respondents with cntry == {country!r}; it has: {found}."
            )
        frame = frame[keep.to_numpy()].copy()
        frame["cntry"] = codes[keep].to_numpy()
    if "essround" in frame.columns and essround is not None:
        rounds = pd.to_numeric(frame["essround"], errors="coerce")
        keep = rounds == essround
        if not keep.any():
            found = ", ".join(str(int(r)) for r in sorted(rounds.dropna().unique()))
            raise ValueError(
                f"The ESS file {path} has no respondents of round {essround}; it has rounds {found}."
            )
        frame = frame[keep.to_numpy()].copy()

    if interviewers is not None:
        extra = _as_frame(interviewers, "The interviewer data")
        missing = [c for c in ("idno", "intnum") if c not in extra.columns]
        if missing:
            raise ValueError(
                f"The interviewer data need the columns 'idno' and 'intnum'; "
                f"{', '.join(repr(c) for c in missing)} missing. Columns are: {', '.join(extra.columns)}."
            )
        keys = ["idno"] + (["cntry"] if "cntry" in extra.columns and "cntry" in frame.columns else [])
        if "cntry" in keys:
            extra = extra.assign(cntry=extra["cntry"].astype("string").str.strip().str.upper())
        if "essround" in extra.columns:
            extra = extra.drop(columns="essround")
        take = keys + [c for c in ("intnum", "resprate") if c in extra.columns]
        extra = extra[take].drop_duplicates(subset=keys)
        frame = frame.drop(columns=[c for c in take if c not in keys and c in frame.columns])
        for key in ("idno",):
            frame[key] = pd.to_numeric(frame[key], errors="coerce")
            extra[key] = pd.to_numeric(extra[key], errors="coerce")
        frame = frame.merge(extra, on=keys, how="left", validate="one_to_one")

    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        hint = (
            " Interviewer numbers may come in a separate file (interviewer or contact-form "
            "data): pass it as `interviewers`."
            if "intnum" in missing
            else ""
        )
        raise ValueError(
            f"The ESS file {path} lacks the column(s) {', '.join(repr(c) for c in missing)}, "
            f"which the case study needs.{hint}"
        )
    columns = [c for c in ESS_COLUMNS if c in frame.columns]
    frame = frame[columns].reset_index(drop=True)
    _tidy_numbers(frame, [c for c in columns if c != "cntry"])
    if frame["idno"].duplicated().any():
        dup = frame.loc[frame["idno"].duplicated(), "idno"].iloc[0]
        raise ValueError(
            f"Respondent idno {dup} appears more than once in {path}; filter the file to one "
            "country and round (arguments `country` and `essround`)."
        )
    return frame
