"""The European Social Survey case study: a simulated ESS file, and a reader for the real one.

The case study (chapter ``ess``) re-analyses a published study of interviewer
effects in the ESS Round 5 face-to-face interviews in Belgium: 1703
respondents nested in interviewers, perceived helpfulness of people
(``pplhlp``, 0-10) regressed on trust in the police (``trstplc``, 0-10) with
random interviewer intercepts and slopes.

The real file needs registration with the ESS and cannot be fetched here, so
:func:`simulate_ess` makes a file with the same structure and the same story,
calibrated to the published estimates (see :data:`ESS_TRUTH` and
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
    "ppltrst": ("Most people can be trusted, or you can't be too careful", "0 can't be too careful, 10 most people can be trusted"),
    "pplfair": ("Most people try to take advantage of you, or try to be fair", "0 take advantage, 10 try to be fair"),
    "pplhlp": ("Most of the time people helpful or mostly looking out for themselves", "0 look out for themselves, 10 people mostly helpful"),
    "trstprl": ("Trust in country's parliament", "0 no trust at all, 10 complete trust"),
    "trstlgl": ("Trust in the legal system", "0 no trust at all, 10 complete trust"),
    "trstplc": ("Trust in the police", "0 no trust at all, 10 complete trust"),
    "trstplt": ("Trust in politicians", "0 no trust at all, 10 complete trust"),
    "trstprt": ("Trust in political parties", "0 no trust at all, 10 complete trust"),
    "trstep": ("Trust in the European Parliament", "0 no trust at all, 10 complete trust"),
    "trstun": ("Trust in the United Nations", "0 no trust at all, 10 complete trust"),
    "lrscale": ("Placement on left-right scale", "0 left, 10 right"),
    "stflife": ("How satisfied with life as a whole", "0 extremely dissatisfied, 10 extremely satisfied"),
    "stfeco": ("How satisfied with present state of economy in country", "0 extremely dissatisfied, 10 extremely satisfied"),
    "stfgov": ("How satisfied with the national government", "0 extremely dissatisfied, 10 extremely satisfied"),
    "stfdem": ("How satisfied with the way democracy works in country", "0 extremely dissatisfied, 10 extremely satisfied"),
    "stfedu": ("State of education in country nowadays", "0 extremely bad, 10 extremely good"),
    "stfhlth": ("State of health services in country nowadays", "0 extremely bad, 10 extremely good"),
    "imbgeco": ("Immigration bad or good for country's economy", "0 bad for the economy, 10 good for the economy"),
    "imueclt": ("Country's cultural life undermined or enriched by immigrants", "0 undermined, 10 enriched"),
    "imwbcnt": ("Immigrants make country worse or better place to live", "0 worse place to live, 10 better place to live"),
    "happy": ("How happy are you", "0 extremely unhappy, 10 extremely happy"),
    "rlgdgr": ("How religious are you", "0 not at all religious, 10 very religious"),
}

#: Columns of the course file (and of what :func:`load_ess` returns), in order.
ESS_COLUMNS = (["essround", "cntry", "idno", "intnum"] + list(ESS_ITEMS)
               + ["agea", "gndr", "dweight", "resprate"])

#: Columns :func:`load_ess` cannot do without.
REQUIRED_COLUMNS = ("idno", "intnum", "pplhlp", "trstplc")

# Latent attitude dimensions: institutional trust, social trust,
# satisfaction, attitudes to immigration, religiosity.
_FACTORS = ("inst", "social", "satis", "immig", "relig")
_FACTOR_CORR = np.array([
    [1.00, 0.00, 0.45, 0.25, 0.05],
    [0.00, 1.00, 0.30, 0.30, 0.05],
    [0.45, 0.30, 1.00, 0.20, 0.05],
    [0.25, 0.30, 0.20, 1.00, -0.10],
    [0.05, 0.05, 0.05, -0.10, 1.00],
])

#: How each item other than pplhlp is generated: mean, loadings on the latent
#: dimensions, interviewer standard deviation, respondent residual standard
#: deviation, and the rates of the codes 77, 88 and 99.
_ITEM_SPEC = {
    #          mean  inst  soc  sat  imm  rel  int_sd  resid   p77     p88    p99
    "ppltrst": (5.1, 0.35, 1.25, 0.2, 0.0, 0.0, 0.30, 1.35, 0.0006, 0.0024, 0.0006),
    "pplfair": (5.6, 0.30, 1.10, 0.2, 0.0, 0.0, 0.30, 1.30, 0.0006, 0.0041, 0.0006),
    "trstprl": (4.9, 1.65, 0.20, 0.3, 0.0, 0.0, 0.30, 1.10, 0.0012, 0.0100, 0.0006),
    "trstlgl": (4.8, 1.60, 0.20, 0.2, 0.0, 0.0, 0.30, 1.20, 0.0012, 0.0065, 0.0006),
    "trstplc": (5.9, 1.50, 0.00, 0.0, 0.0, 0.0, 0.28, 1.30, 0.0, 0.0, 0.0),
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
#: rounded to 0-10, where ``u0_j = resprate_effect (resprate_j - resprate_mean) + r0_j``
#: and ``(r0_j, u1_j)`` is bivariate normal with standard deviations
#: ``r0_sd``, ``u1_sd`` and correlation ``r01_corr``. The residual ``e_ij``
#: has a social-trust part (shared with ``ppltrst`` and ``pplfair``) and an
#: item-specific part. Two interviewers are planted: 4976 with a very low
#: intercept, 7519 ordinary but with the only code in ``trstplc``, a single
#: 88 ("don't know") from one respondent. The values were tuned (for this
#: seed) so that the published analysis reproduces the published estimates.
ESS_TRUTH = {
    "seed": 5,
    "n_respondents": 1703,
    "n_interviewers": 88,
    "min_workload": 3,
    "workload_shape": 2.0,
    "intercept": 3.89,
    "slope": 0.14,
    "r0_sd": 0.68,
    "u1_sd": 0.105,
    "r01_corr": -0.45,
    "resprate_mean": 56.0,
    "resprate_sd": 9.0,
    "resprate_effect": 0.045,
    "social_loading": 1.05,
    "residual_sd": 1.55,
    "planted": {4976: {"u0": -2.6, "u1": 0.0, "workload_rank": 12},
                7519: {"u0": 0.1, "u1": 0.0, "workload_rank": 20}},
    "code_respondent_pplhlp": 2,
    "pplhlp_code_rates": {77: 0.0012, 88: 0.0041, 99: 0.0006},
    "pplfair_slope_trstlgl": 0.12,
    "published": {"intercept": 3.89, "slope": 0.14, "intercept_var": 0.696, "slope_var": 0.012},
}


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
    sd0, sd1, r = t["r0_sd"], t["u1_sd"], t["r01_corr"]
    cov = np.array([[sd0**2, r * sd0 * sd1], [r * sd0 * sd1, sd1**2]])
    re = rng.multivariate_normal([0.0, 0.0], cov, size=k)
    u0 = t["resprate_effect"] * (resprate - t["resprate_mean"]) + re[:, 0]
    u1 = re[:, 1].copy()
    for num, spec in t["planted"].items():
        j = int(np.flatnonzero(intnum == num)[0])
        resprate[j] = round(t["resprate_mean"], 1)
        u0[j], u1[j] = spec["u0"], spec["u1"]
    item_int = {name: rng.normal(0.0, spec[6], size=k) for name, spec in _ITEM_SPEC.items()}
    fair_u1 = rng.normal(0.0, 0.06, size=k)

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
        latent = (mean + li * f["inst"] + ls * f["social"] + lsat * f["satis"] + lim * f["immig"]
                  + lrel * f["relig"] + item_int[name][j_of] + rng.normal(0.0, resid, size=n))
        items[name] = latent
    items["trstplc"] = _to_scale(items["trstplc"])
    items["trstlgl"] = _to_scale(items["trstlgl"])
    # pplfair also has its own interviewer slope on trust in the legal system.
    items["pplfair"] = items["pplfair"] + (t["pplfair_slope_trstlgl"] + fair_u1[j_of]) * (items["trstlgl"] - 5)
    pplhlp = (t["intercept"] + u0[j_of] + (t["slope"] + u1[j_of]) * items["trstplc"]
              + t["social_loading"] * f["social"] + rng.normal(0.0, t["residual_sd"], size=n))
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

    frame = pd.DataFrame({"intnum": intnum[j_of], **items, "agea": agea, "gndr": gndr,
                          "dweight": dweight, "resprate": resprate[j_of]})
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
