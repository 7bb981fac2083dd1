"""Helpers for the course module *Multilevel Models with Python*.

Organised by task:

- :mod:`helpers.data` -- :func:`load` the course and real data sets;
- :mod:`helpers.simulate` -- the simulators that make the course data;
- :mod:`helpers.fit` -- :func:`fit_mixed`, fits that reach the maximum;
- :mod:`helpers.testing` -- :func:`lrt` and :func:`bootstrap_lrt`, tests of nested fits;
- :mod:`helpers.profiles` -- :func:`profile_ci`, profile-likelihood intervals for variances;
- :mod:`helpers.summaries` -- :func:`varcomp`, :func:`fixed_effects`, :func:`icc` and other summaries;
- :mod:`helpers.diagnostics` -- :func:`eblups`, residuals and predictions;
- :mod:`helpers.plots` -- figures; each takes an optional ``ax`` and returns it.
- :mod:`helpers.influence` -- leverage (:func:`hat_values`) and deletion diagnostics (:func:`influence`);
- :mod:`helpers.smalldf` -- small-sample tests of fixed effects (Satterthwaite, Kenward-Roger).
- :mod:`helpers.display` -- tidy p-values and tables, the book's figure style.

Importing the package changes no global state (no matplotlib style).
"""

from .data import dataset_names, load
from .fit import BoundaryWarning, OptimizerWarning, fit_mixed
from ._checks import MissingDataWarning
from .testing import BootstrapLRTResult, LRTResult, bootstrap_lrt, lrt, mixture_pvalue
from .profiles import ProfileCI, profile_ci, profile_loglike
from .summaries import design_effect, fixed_effects, icc, variance_reduction, varcomp
from .diagnostics import eblups, fitted_values, predict, residuals
from .ess import load_ess
from . import plots
from .influence import cooks_distance, hat_values, influence, influence_plot
from .smalldf import SmallSampleTest, kenward_roger, satterthwaite, small_sample_tests
from . import reference
from .glmm import (
    GLMMResult,
    GLMMWarning,
    VarianceTestResult,
    binned_residuals,
    bootstrap_variance_test,
    fit_glmm,
    latent_icc,
    median_odds_ratio,
    plot_binned_residuals,
    plot_simulated_residuals,
    simulated_residuals,
)
from .levels import variance_shares
from . import display

__all__ = [
    "load",
    "dataset_names",
    "fit_mixed",
    "OptimizerWarning",
    "BoundaryWarning",
    "MissingDataWarning",
    "lrt",
    "LRTResult",
    "mixture_pvalue",
    "icc",
    "design_effect",
    "bootstrap_lrt",
    "BootstrapLRTResult",
    "varcomp",
    "fixed_effects",
    "variance_reduction",
    "profile_ci",
    "profile_loglike",
    "ProfileCI",
    "eblups",
    "fitted_values",
    "residuals",
    "predict",
    "plots",
    "load_ess",
    "hat_values",
    "cooks_distance",
    "influence",
    "influence_plot",
    "satterthwaite",
    "kenward_roger",
    "small_sample_tests",
    "SmallSampleTest",
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
    "variance_shares",
    "display",
    "reference",
]
