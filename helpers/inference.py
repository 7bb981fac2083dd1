"""Former home of the tests and summaries, kept so old imports still work.

The code now lives in :mod:`helpers.testing` (likelihood-ratio tests),
:mod:`helpers.profiles` (profile likelihood) and :mod:`helpers.summaries`
(fixed effects, variance components, ICC); new code imports from there, or
from :mod:`helpers` itself.
"""

from ._results import check_mixed, term_names
from .profiles import ProfileCI, profile_ci, profile_loglike
from .summaries import design_effect, fixed_effects, icc, variance_reduction, varcomp
from .testing import BootstrapLRTResult, LRTResult, bootstrap_lrt, lrt, mixture_pvalue

__all__ = [
    "check_mixed",
    "term_names",
    "ProfileCI",
    "profile_ci",
    "profile_loglike",
    "design_effect",
    "fixed_effects",
    "icc",
    "variance_reduction",
    "varcomp",
    "BootstrapLRTResult",
    "LRTResult",
    "bootstrap_lrt",
    "lrt",
    "mixture_pvalue",
]
