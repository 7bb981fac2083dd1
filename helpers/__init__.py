"""Helpers for the course module *Multilevel Models with Python*.

Organised by task:

- :mod:`helpers.data` -- :func:`load` the course and real data sets;
- :mod:`helpers.simulate` -- the simulators that make the course data;
- :mod:`helpers.fit` -- :func:`fit_mixed`, fits that reach the maximum;
- :mod:`helpers.inference` -- :func:`lrt`, :func:`icc` and other tests and summaries;
- :mod:`helpers.diagnostics` -- :func:`eblups`, residuals and predictions;
- :mod:`helpers.plots` -- figures; each takes an optional ``ax`` and returns it.
- :mod:`helpers.display` -- tidy p-values and tables, the book's figure style.

Importing the package changes no global state (no matplotlib style).
"""

from .data import dataset_names, load
from .fit import BoundaryWarning, OptimizerWarning, fit_mixed
from ._checks import MissingDataWarning
from .inference import (BootstrapLRTResult, LRTResult, ProfileCI, bootstrap_lrt, design_effect,
                        fixed_effects, icc,
                        lrt, mixture_pvalue, profile_ci, profile_loglike, variance_reduction, varcomp)
from .diagnostics import eblups, fitted_values, predict, residuals
from .ess import load_ess
from . import plots
from . import display

__all__ = [
    "load", "dataset_names",
    "fit_mixed", "OptimizerWarning", "BoundaryWarning", "MissingDataWarning",
    "lrt", "LRTResult", "mixture_pvalue", "icc", "design_effect",
    "bootstrap_lrt", "BootstrapLRTResult", "varcomp", "fixed_effects", "variance_reduction",
    "profile_ci", "profile_loglike", "ProfileCI",
    "eblups", "fitted_values", "residuals", "predict", "plots", "load_ess",
    "display",
]
