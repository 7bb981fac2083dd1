"""Generalised linear mixed models (GLMMs) for binary, binomial and count outcomes.

statsmodels has no maximum-likelihood GLMM, so :func:`fit_glmm` fits by maximum likelihood with
the maintained package ``mixedlm`` (its ``glmer`` reproduces R's ``lme4::glmer``: Laplace
approximation, or adaptive Gauss-Hermite quadrature for one random intercept). The helper checks
the outcome and builds the design itself with patsy, so ``C()``, ``I()`` and categorical
predictors work as in statsmodels formulas, and it returns a :class:`GLMMResult` a student can
read. The rest of the module computes what a GLMM analysis needs: the latent-scale ICC, the
median odds ratio, binned and simulation-based residuals, and a parametric-bootstrap test of the
random-intercept variance.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import patsy
from scipy import stats

from ._checks import check_columns, check_design, check_frame, formula_columns, prepare_mixed_data

__all__ = [
    "fit_glmm",
    "GLMMResult",
    "GLMMWarning",
    "latent_icc",
    "median_odds_ratio",
    "binned_residuals",
    "simulated_residuals",
    "bootstrap_variance_test",
    "VarianceTestResult",
    "plot_binned_residuals",
    "plot_simulated_residuals",
]

FAMILIES = ("binomial", "poisson")
SE_NOTE = (
    "Standard errors are from the inverse of the fixed-effects information at the estimated "
    "variances (lme4's vcov(fit, use.hessian = FALSE)); lme4's default vcov() uses the Hessian "
    "of the approximate log-likelihood, which also reflects uncertainty in the variances and is "
    "usually somewhat larger."
)


class GLMMWarning(UserWarning):
    """The GLMM engine reported a problem (convergence, a singular fit); see the message."""


class _Text(str):
    """A string that displays as itself (no quotes) as a notebook cell's last value."""

    def __repr__(self) -> str:
        return str(self)


# ------------------------------------------------------------------------ checks


def _check_outcome(y: pd.Series, family: str, trials: pd.Series | None) -> np.ndarray:
    name = y.name
    if pd.api.types.is_bool_dtype(y):
        y = y.astype(float)
    if not pd.api.types.is_numeric_dtype(y):
        levels = ", ".join(repr(v) for v in pd.unique(y.dropna())[:5])
        raise ValueError(
            f"The outcome {name!r} is not numeric (values {levels}). A GLMM needs numbers: for a "
            f"yes/no outcome make a 0/1 column first, e.g. data['{name}_01'] = "
            f"(data[{name!r}] == 'Y').astype(int), and use that in the formula."
        )
    values = y.to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"The outcome {name!r} has infinite values.")
    integral = np.all(values == np.round(values))
    if family == "binomial" and trials is None:
        bad = ~np.isin(values, (0.0, 1.0))
        if bad.any():
            example = values[bad][0]
            hint = (
                " They look like counts of successes: pass the number of trials of each row "
                "as `trials=` (a column name)."
                if integral and (values >= 0).all()
                else ""
            )
            raise ValueError(
                f"The outcome {name!r} of a binomial (yes/no) model must be 0 or 1, but "
                f"{int(bad.sum())} row(s) are not (e.g. {example:g}).{hint}"
            )
    elif family == "binomial":
        n = trials.to_numpy(dtype=float)
        if not (np.all(n == np.round(n)) and (n >= 1).all()):
            raise ValueError(f"The trials column {trials.name!r} must hold whole numbers >= 1.")
        if not integral or (values < 0).any() or (values > n).any():
            raise ValueError(
                f"The outcome {name!r} must count successes: whole numbers between 0 and the "
                f"trials in {trials.name!r} (here {int(((values < 0) | (values > n)).sum())} "
                "row(s) fall outside, or some are not whole numbers)."
            )
    else:  # poisson
        if (values < 0).any():
            raise ValueError(
                f"The outcome {name!r} of a Poisson (count) model has {int((values < 0).sum())} "
                "negative value(s); counts cannot be negative. Is a missing-data code left in?"
            )
        if not integral:
            raise ValueError(
                f"The outcome {name!r} of a Poisson (count) model must hold whole numbers (counts)."
            )
    if family == "binomial":
        props = values if trials is None else values / trials.to_numpy(dtype=float)
        if np.all(props == 0) or np.all(props == 1):
            raise ValueError(
                f"The outcome {name!r} is {'0' if props[0] == 0 else '1'} in every "
                "row: there is nothing to model."
            )
    elif np.all(values == 0):
        raise ValueError(
            f"The outcome {name!r} is 0 in every row (every cluster is all zeros): there is nothing to model."
        )
    return values


def _check_separation(y: np.ndarray, X: pd.DataFrame, trials: np.ndarray | None, family: str) -> None:
    """Raise if the fixed effects alone predict the outcome perfectly (or nearly so)."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    if family != "binomial":
        return
    endog = y if trials is None else np.column_stack([y, trials - y])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            glm = sm.GLM(endog, X.to_numpy(), family=sm.families.Binomial()).fit(maxiter=100)
        except Exception:  # noqa: BLE001 - any failure here is reported as separation below
            glm = None
    separated = glm is None or any(issubclass(w.category, PerfectSeparationWarning) for w in caught)
    if glm is not None and not separated:
        p = glm.fittedvalues
        separated = bool(np.any((p < 1e-8) | (p > 1 - 1e-8)) and np.max(np.abs(glm.params)) > 15)
    if separated:
        big = [] if glm is None else [str(c) for c, b in zip(X.columns, glm.params) if abs(b) > 10]
        which = f" (look at {', '.join(big)})" if big else ""
        raise ValueError(
            "Perfect separation: some combination of the predictors predicts the outcome exactly"
            f"{which}, so a coefficient's estimate is infinite. Cross-tabulate the outcome "
            "against each categorical predictor; merge or drop the level in which every outcome "
            "is the same, or drop the predictor."
        )


# ------------------------------------------------------------------------ the fit


def _engine_family(family: str):
    from mixedlm.families import Binomial, Poisson

    return {"binomial": Binomial, "poisson": Poisson}[family]()


@dataclass
class GLMMResult:
    """A maximum-likelihood GLMM fit, made by :func:`fit_glmm`.

    Attributes
    ----------
    params, bse : pandas.Series
        Fixed effects on the link scale (log-odds for binomial, log-rate for Poisson) and their
        standard errors (see ``se_note``).
    cov_params : pandas.DataFrame
        Their covariance matrix.
    cov_re : pandas.DataFrame
        Covariance matrix of the random effects (a 1 x 1 variance for a random intercept).
    llf : float
        Log-likelihood at the maximum (Laplace or adaptive quadrature, as ``nagq`` says).
    converged, singular : bool
        Whether the engine's optimiser met its convergence rule, and whether the fit is on the
        boundary (a variance of zero or a correlation of +-1).
    engine : mixedlm GlmerResult
        The fit itself, for anything not exposed here.
    """

    formula: str
    re_formula: str | None
    groups: str
    family: str
    nagq: int
    trials: str | None
    params: pd.Series
    bse: pd.Series
    cov_params: pd.DataFrame
    cov_re: pd.DataFrame
    llf: float
    nobs: int
    n_groups: int
    converged: bool
    singular: bool
    data: pd.DataFrame
    engine: object = field(repr=False)
    engine_warnings: list = field(default_factory=list, repr=False)
    n_constant_clusters: int = 0
    se_note: str = SE_NOTE
    _y: np.ndarray = field(default=None, repr=False)
    _n: np.ndarray = field(default=None, repr=False)
    _X: pd.DataFrame = field(default=None, repr=False)
    _Z: pd.DataFrame = field(default=None, repr=False)

    # -- tables ------------------------------------------------------------------

    @property
    def aic(self) -> float:
        k = len(self.params) + self.cov_re.shape[0] * (self.cov_re.shape[0] + 1) // 2
        return -2 * self.llf + 2 * k

    def fixed_effects(self, alpha: float = 0.05) -> pd.DataFrame:
        """Tidy fixed-effects table: estimate, SE, Wald z and p, confidence interval, and the
        odds ratio (binomial) or rate ratio (Poisson) with its interval."""
        z = self.params / self.bse
        q = stats.norm.ppf(1 - alpha / 2)
        table = pd.DataFrame(
            {
                "estimate": self.params,
                "se": self.bse,
                "z": z,
                "p_value": 2 * stats.norm.sf(np.abs(z)),
                "ci_low": self.params - q * self.bse,
                "ci_high": self.params + q * self.bse,
            }
        )
        ratio = "odds_ratio" if self.family == "binomial" else "rate_ratio"
        table[ratio] = np.exp(table["estimate"])
        table[f"{ratio}_low"] = np.exp(table["ci_low"])
        table[f"{ratio}_high"] = np.exp(table["ci_high"])
        table.index.name = "term"
        return table

    def varcomp(self) -> pd.DataFrame:
        """Tidy random-effect (co)variances: one row per variance and covariance."""
        rows = []
        names = list(self.cov_re.index)
        for i, a in enumerate(names):
            for b in names[i:]:
                value = float(self.cov_re.loc[a, b])
                if a == b:
                    rows.append(
                        {"term": a, "kind": "variance", "estimate": value, "sd_or_cor": np.sqrt(value)}
                    )
                else:
                    denom = np.sqrt(self.cov_re.loc[a, a] * self.cov_re.loc[b, b])
                    rows.append(
                        {
                            "term": f"{a}, {b}",
                            "kind": "covariance",
                            "estimate": value,
                            "sd_or_cor": value / denom if denom > 0 else np.nan,
                        }
                    )
        return pd.DataFrame(rows).set_index("term")

    def summary(self) -> str:
        """A printable summary: the model, the fit, the fixed effects and the variances."""
        method = (
            "Laplace approximation"
            if self.nagq == 1
            else f"adaptive Gauss-Hermite quadrature, {self.nagq} points"
        )
        outcome = self.formula.split("~")[0].strip()
        if self.trials:
            outcome += f" successes out of {self.trials}"
        fe = self.fixed_effects()[["estimate", "se", "z", "p_value"]]
        lines = [
            f"Generalised linear mixed model ({self.family}, "
            f"{'logit' if self.family == 'binomial' else 'log'} link), fitted by maximum "
            f"likelihood ({method}) with mixedlm",
            f"Outcome: {outcome}   Observations: {self.nobs}   Clusters ({self.groups}): {self.n_groups}",
            f"Log-likelihood: {self.llf:.4f}   AIC: {self.aic:.2f}   Converged: "
            f"{'yes' if self.converged else 'NO'}   Singular (boundary): "
            f"{'YES' if self.singular else 'no'}",
            "",
            "Fixed effects (link scale):",
            fe.to_string(float_format=lambda v: f"{v:.4f}"),
            "",
            "Random effects:",
            self.varcomp().to_string(float_format=lambda v: f"{v:.4f}"),
            "",
            "Note: " + self.se_note,
        ]
        if self.n_constant_clusters:
            lines.append(
                f"Note: {self.n_constant_clusters} of {self.n_groups} cluster(s) have "
                "the same outcome in every row (all 0 or all 1); they are kept: the random "
                "effect shrinks their estimates towards the mean."
            )
        for message in self.engine_warnings:
            lines.append(f"Engine warning: {message}")
        return _Text("\n".join(lines))

    # -- predictions ----------------------------------------------------------------

    def linear_predictor(self, conditional: bool = True) -> pd.Series:
        """The linear predictor per row: with the clusters' predicted random effects
        (``conditional=True``) or with them at zero (a typical cluster)."""
        eta = self._X.to_numpy() @ self.params.to_numpy()
        if conditional:
            re = self.random_effects()
            idx = self.data[self.groups].map({g: i for i, g in enumerate(re.index)}).to_numpy()
            eta = eta + np.einsum("ij,ij->i", self._Z.to_numpy(), re.to_numpy()[idx])
        return pd.Series(eta, index=self.data.index, name="linear_predictor")

    def predict(self, conditional: bool = True) -> pd.Series:
        """Predicted probability (binomial) or mean count (Poisson) of each row, for its own
        cluster (``conditional=True``) or for a cluster with random effects of zero."""
        eta = self.linear_predictor(conditional)
        mean = 1 / (1 + np.exp(-eta)) if self.family == "binomial" else np.exp(eta)
        return mean.rename("probability" if self.family == "binomial" else "mean")

    def random_effects(self) -> pd.DataFrame:
        """Predicted random effects (conditional modes), one row per cluster."""
        ranef = self.engine.ranef()
        block = next(iter(ranef.values()))
        frame = pd.DataFrame({name: np.asarray(v) for name, v in zip(self.cov_re.index, block.values())})
        frame.index = self._levels
        frame.index.name = self.groups
        return frame

    def eblups(self) -> pd.DataFrame:
        """Tidy predicted random effects: ``group``, ``term``, ``estimate``, ``se`` (conditional
        standard deviation), as :func:`helpers.eblups` gives for linear models."""
        ranef = self.engine.ranef(condVar=True)
        block = ranef.values["g"]
        cond = ranef.condVar["g"]
        rows = []
        for term, engine_term in zip(self.cov_re.index, block):
            for g, v, s2 in zip(self._levels, np.asarray(block[engine_term]), np.asarray(cond[engine_term])):
                rows.append({"group": g, "term": term, "estimate": float(v), "se": float(np.sqrt(s2))})
        return pd.DataFrame(rows)

    def simulate(self, n_sim: int = 1, seed=None) -> np.ndarray:
        """Outcomes simulated from the fitted model with new random effects, shape
        ``(rows, n_sim)``: 0/1, successes out of the trials, or counts."""
        sims = np.asarray(self.engine.simulate(nsim=n_sim, seed=seed, use_re=True), dtype=float)
        sims = sims.reshape(self.nobs, n_sim)
        if self.trials is not None and np.all(sims <= 1):  # the engine returns proportions
            sims = np.round(sims * self._n[:, None])
        return sims

    @property
    def _levels(self) -> list:
        return list(pd.unique(self.data[self.groups].sort_values()))


def _random_design(re_formula, data):
    if re_formula is None:
        return pd.DataFrame({"Intercept": np.ones(len(data))}, index=data.index)
    text = re_formula if "~" in re_formula else "~" + re_formula
    return patsy.dmatrix(text, data, return_type="dataframe", NA_action="raise")


def fit_glmm(
    formula: str,
    data: pd.DataFrame,
    groups: str,
    *,
    family: str = "binomial",
    re_formula: str | None = None,
    trials: str | None = None,
    nagq: int = 1,
    optimizer: str | None = None,
) -> GLMMResult:
    """Fit a generalised linear mixed model by maximum likelihood.

    Parameters
    ----------
    formula : str
        Outcome and fixed effects as a statsmodels (patsy) formula, e.g.
        ``"uses ~ age + I(age**2) + urban + C(livch)"``. The outcome is 0/1 for a
        binary model, a count of successes with ``trials`` for binomial proportions, or a count
        for a Poisson model.
    data : pandas.DataFrame
    groups : str
        Column naming the clusters.
    family : {"binomial", "poisson"}
        Logit link for binomial, log link for Poisson.
    re_formula : str, optional
        Random effects by cluster, as in :func:`helpers.fit_mixed`: ``None`` for a random
        intercept, ``"~urban"`` for a random intercept and a random slope of ``urban``
        (correlated).
    trials : str, optional
        Column with the number of trials of each row (binomial proportions).
    nagq : int
        1: Laplace approximation. More: adaptive Gauss-Hermite quadrature with that many points
        (only for a single random intercept); 10 to 25 is typical.
    optimizer : str, optional
        The engine's optimiser (e.g. ``"bobyqa"``, ``"Nelder-Mead"``, ``"L-BFGS-B"``); refit
        with another to check that a fit is the maximum.

    Returns
    -------
    GLMMResult

    Raises
    ------
    ValueError
        For a non-0/1 outcome of a binary model (counts without ``trials``), successes outside
        0..trials, negative or fractional counts, an outcome with no variation, perfect
        separation, missing columns, collinear predictors, quadrature with random slopes.

    Notes
    -----
    Rows with missing values in a variable the model uses are dropped with a
    :class:`helpers.MissingDataWarning` that counts them. Standard errors are lme4's
    ``vcov(use.hessian = FALSE)`` kind (see ``GLMMResult.se_note``). Problems the engine reports
    are raised as :class:`GLMMWarning` and listed in the summary.
    """
    from mixedlm import glmer, glmerControl

    check_frame(data)
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, not {family!r}.")
    if not isinstance(nagq, (int, np.integer)) or nagq < 1:
        raise ValueError("nagq must be a whole number >= 1 (1 = Laplace approximation).")
    if trials is not None and family != "binomial":
        raise ValueError("`trials` is for binomial models only.")
    lhs, _ = formula_columns(formula)
    check_columns(data, lhs, f"The formula {formula!r}")
    if len(lhs) != 1:
        raise ValueError(
            f"The formula {formula!r} must have one outcome column on the left "
            "(no cbind(): give successes on the left and `trials=`)."
        )
    outcome = lhs[0]
    if pd.api.types.is_bool_dtype(data[outcome]):
        data = data.assign(**{outcome: data[outcome].astype(int)})
    if not pd.api.types.is_numeric_dtype(data[outcome]):
        _check_outcome(data[outcome], family, None)  # raises with a recoding hint
    work = data
    if trials is not None:
        check_columns(data, [trials], "`trials`")
        if data[trials].isna().any():
            raise ValueError(f"The trials column {trials!r} has missing values; drop those rows.")
    # Shared checks (columns, groups, missing rows dropped with a MissingDataWarning).
    work = prepare_mixed_data(formula, work, groups, re_formula)
    n_trials = None if trials is None else work[trials]
    y = _check_outcome(work[outcome], family, n_trials)
    X = patsy.dmatrix(formula.split("~", 1)[1], work, return_type="dataframe", NA_action="raise")
    check_design(X.to_numpy(), list(X.columns), "fixed effects")
    Z = _random_design(re_formula, work)
    if nagq > 1 and Z.shape[1] > 1:
        raise ValueError(
            "Adaptive quadrature (nagq > 1) works for a single random intercept "
            "only; use nagq=1 (Laplace) with random slopes."
        )
    n = None if trials is None else work[trials].to_numpy(dtype=float)
    _check_separation(y, X, n, family)

    frame = pd.DataFrame(X.to_numpy(), columns=[f"x{i}" for i in range(X.shape[1])])
    for i in range(Z.shape[1]):
        frame[f"z{i}"] = Z.iloc[:, i].to_numpy()
    frame["y"] = y if n is None else y / n
    frame["g"] = pd.Categorical(work[groups].to_numpy())
    fixed = " + ".join(f"x{i}" for i in range(X.shape[1]))
    random = " + ".join(f"z{i}" for i in range(Z.shape[1]))
    engine_formula = f"y ~ 0 + {fixed} + (0 + {random} | g)"
    kwargs = {"family": _engine_family(family), "nAGQ": int(nagq)}
    if n is not None:
        kwargs["weights"] = n
    if optimizer is not None:
        kwargs["control"] = glmerControl(optimizer=optimizer)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = glmer(engine_formula, frame, **kwargs)
    messages = list(
        dict.fromkeys(str(w.message) for w in caught if not issubclass(w.category, DeprecationWarning))
    )
    for message in messages:
        warnings.warn(f"mixedlm: {message}", GLMMWarning, stacklevel=2)

    names = list(X.columns)
    beta = np.asarray(fit.beta, dtype=float)
    vcov = np.asarray(fit.vcov(), dtype=float)
    cov_re = np.asarray(fit.VarCorr().get_cov("g"), dtype=float).reshape(Z.shape[1], Z.shape[1])
    props = y if n is None else y / n
    constant = pd.Series(props, index=work.index).groupby(work[groups]).agg(lambda s: s.min() == s.max())
    return GLMMResult(
        formula=formula,
        re_formula=re_formula,
        groups=groups,
        family=family,
        nagq=int(nagq),
        trials=trials,
        params=pd.Series(beta, index=names, name="estimate"),
        bse=pd.Series(np.sqrt(np.diag(vcov)), index=names, name="se"),
        cov_params=pd.DataFrame(vcov, index=names, columns=names),
        cov_re=pd.DataFrame(cov_re, index=list(Z.columns), columns=list(Z.columns)),
        llf=float(fit.logLik().value),
        nobs=len(work),
        n_groups=int(work[groups].nunique()),
        converged=bool(fit.converged),
        singular=bool(fit.isSingular()),
        data=work,
        engine=fit,
        engine_warnings=messages,
        n_constant_clusters=int(constant.sum()) if family == "binomial" else 0,
        _y=y,
        _n=n,
        _X=X,
        _Z=Z,
    )


# ------------------------------------------------------------------------ summaries


def _random_intercept_variance(result: GLMMResult, what: str) -> float:
    if not isinstance(result, GLMMResult):
        raise TypeError(f"{what} needs a fit from helpers.fit_glmm, not {type(result).__name__}.")
    if result.cov_re.shape != (1, 1):
        raise ValueError(
            f"{what} is defined here for a random-intercept model only (this fit "
            f"has random effects {', '.join(result.cov_re.index)})."
        )
    return float(result.cov_re.iloc[0, 0])


def latent_icc(result: GLMMResult) -> float:
    """Intraclass correlation on the latent (logit) scale of a random-intercept logistic model.

    The binary outcome is read as a latent continuous variable cut at a threshold, whose
    residual follows a standard logistic distribution with variance pi^2/3; the ICC is
    tau^2 / (tau^2 + pi^2/3).
    """
    tau2 = _random_intercept_variance(result, "latent_icc")
    if result.family != "binomial":
        raise ValueError(
            "latent_icc is for binomial (logit) models: a Poisson model has no "
            "single residual variance on the latent scale."
        )
    return tau2 / (tau2 + np.pi**2 / 3)


def median_odds_ratio(result_or_variance) -> float:
    """Median odds ratio: exp(sqrt(2 tau^2) * z_0.75) (Larsen & Merlo 2005).

    The median of the odds ratios between two randomly chosen clusters' typical members,
    the higher-risk cluster over the lower-risk one. Accepts a random-intercept
    :class:`GLMMResult` or the variance tau^2 itself.
    """
    if isinstance(result_or_variance, GLMMResult):
        tau2 = _random_intercept_variance(result_or_variance, "median_odds_ratio")
    else:
        tau2 = float(result_or_variance)
        if not tau2 >= 0:
            raise ValueError("A variance must be >= 0.")
    return float(np.exp(np.sqrt(2 * tau2) * stats.norm.ppf(0.75)))


# ------------------------------------------------------------------------ residuals


def binned_residuals(result: GLMMResult, bins: int | None = None, conditional: bool = True) -> pd.DataFrame:
    """Binned residuals of a binary or binomial model (Gelman & Hill 2007, sec. 5.6).

    Rows are sorted by predicted probability and cut into ``bins`` groups of about equal size
    (default: about sqrt(rows)); each bin gives the mean prediction, the mean residual
    (observed minus predicted proportion) and a 95 % band, +-2 sqrt(p(1-p)/n), that about
    95 % of bins fall inside if the model is right.
    """
    if result.family != "binomial":
        raise ValueError("binned_residuals is for binomial models.")
    p = result.predict(conditional=conditional).to_numpy()
    n = np.ones_like(p) if result._n is None else result._n
    observed = result._y / n
    bins = int(bins or max(5, round(np.sqrt(result.nobs))))
    order = np.argsort(p, kind="stable")
    rows = []
    for k, idx in enumerate(np.array_split(order, bins)):
        w = n[idx]
        p_bar = np.average(p[idx], weights=w)
        resid = np.average(observed[idx] - p[idx], weights=w)
        rows.append(
            {
                "bin": k,
                "n": float(w.sum()),
                "predicted": p_bar,
                "residual": resid,
                "band": 2 * np.sqrt(p_bar * (1 - p_bar) / w.sum()),
            }
        )
    table = pd.DataFrame(rows).set_index("bin")
    table["outside"] = table["residual"].abs() > table["band"]
    return table


def simulated_residuals(result: GLMMResult, n_sim: int = 250, seed=0) -> pd.Series:
    """Simulation-based (quantile) residuals, as R's DHARMa computes them.

    For each row, the share of ``n_sim`` outcomes simulated from the fitted model (new random
    effects each time) that fall below the observed one, with ties broken at random. If the
    model is right these residuals are uniform on (0, 1), whatever the outcome's distribution.
    """
    rng = np.random.default_rng(seed)
    sims = result.simulate(n_sim, seed=int(rng.integers(2**31)))
    y = result._y[:, None]
    below = (sims < y).sum(axis=1)
    ties = (sims == y).sum(axis=1)
    u = (below + rng.uniform(size=len(below)) * ties) / n_sim
    return pd.Series(u, index=result.data.index, name="scaled_residual")


# ------------------------------------------------------------------------ testing the variance


@dataclass
class VarianceTestResult:
    """Likelihood-ratio test of the random-intercept variance (GLMM vs the GLM without it)."""

    statistic: float
    p_value_mixture: float
    p_value_bootstrap: float
    n_boot: int
    boot_statistics: np.ndarray = field(repr=False)
    method: str = "parametric bootstrap"


def _glm_null(result: GLMMResult, y: np.ndarray):
    import statsmodels.api as sm

    fam = sm.families.Binomial() if result.family == "binomial" else sm.families.Poisson()
    endog = y if result._n is None else np.column_stack([y, result._n - y])
    return sm.GLM(endog, result._X.to_numpy(), family=fam).fit()


def _glm_loglik(result: GLMMResult, fit) -> float:
    # statsmodels' binomial and Poisson llf keep the constant terms (the binomial coefficient,
    # log y!), as mixedlm's Laplace log-likelihood does: the two are comparable.
    return float(fit.llf)


def bootstrap_variance_test(result: GLMMResult, n_boot: int = 99, seed=0) -> VarianceTestResult:
    """Test the random-intercept variance: the GLMM against the same model without it (a GLM).

    The likelihood-ratio statistic is compared with the boundary mixture
    0.5 chi2(0) + 0.5 chi2(1) and with its parametric-bootstrap distribution: ``n_boot`` data
    sets simulated from the GLM fit (no cluster effects), each fitted by both models with the
    same method (``nagq``) as ``result``. p = (1 + #{LR* >= LR}) / (1 + n_boot).
    """
    _random_intercept_variance(result, "bootstrap_variance_test")
    from mixedlm import glmer  # noqa: F401 - fail early if the engine is missing

    null = _glm_null(result, result._y)
    lr = max(0.0, 2 * (result.llf - _glm_loglik(result, null)))
    p_mix = 0.5 * stats.chi2.sf(lr, 1) if lr > 0 else 1.0
    rng = np.random.default_rng(seed)
    mu = np.asarray(null.fittedvalues)
    boot = np.empty(n_boot)
    for b in range(n_boot):
        if result.family == "poisson":
            y_star = rng.poisson(mu)
        else:
            y_star = rng.binomial((1 if result._n is None else result._n.astype(int)), mu)
        y_star = np.asarray(y_star, dtype=float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            alt = result.engine.refit(y_star if result._n is None else y_star / result._n)
            llf_alt = float(alt.logLik().value)
        boot[b] = max(0.0, 2 * (llf_alt - _glm_loglik(result, _glm_null(result, y_star))))
    p_boot = (1 + np.sum(boot >= lr - 1e-8)) / (1 + n_boot)
    return VarianceTestResult(
        statistic=lr, p_value_mixture=p_mix, p_value_bootstrap=p_boot, n_boot=n_boot, boot_statistics=boot
    )


# ------------------------------------------------------------------------ plots


def plot_binned_residuals(data: pd.DataFrame, *, ax=None, color=None, **kwargs):
    """Plot a :func:`binned_residuals` table: mean residual against mean prediction per bin,
    with the +-2 SE band. Extra keywords go to ``ax.scatter``. Returns the Axes."""
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    order = data.sort_values("predicted")
    ax.plot(order["predicted"], order["band"], color="0.55", linewidth=1)
    ax.plot(order["predicted"], -order["band"], color="0.55", linewidth=1, label="+-2 standard errors")
    ax.axhline(0, color="0.3", linewidth=0.8, linestyle="--")
    kwargs.setdefault("s", 22)
    ax.scatter(order["predicted"], order["residual"], color=color or "C0", zorder=3, **kwargs)
    ax.set_xlabel("mean predicted probability (bin)")
    ax.set_ylabel("mean residual (bin)")
    return ax


def plot_simulated_residuals(data, *, ax=None, color=None, **kwargs):
    """QQ plot of simulation-based residuals against the uniform distribution: points on the
    diagonal if the model is right. ``data`` is what :func:`simulated_residuals` returns.
    Extra keywords go to ``ax.scatter``. Returns the Axes."""
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    u = np.sort(np.asarray(data, dtype=float))
    expected = (np.arange(1, len(u) + 1) - 0.5) / len(u)
    kwargs.setdefault("s", 6)
    ax.scatter(expected, u, color=color or "C0", **kwargs)
    ax.plot([0, 1], [0, 1], color="0.3", linewidth=0.8, linestyle="--")
    ax.set_xlabel("expected (uniform quantile)")
    ax.set_ylabel("observed simulated residual")
    ax.set_aspect("equal")
    return ax
