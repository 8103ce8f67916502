"""Neural MI estimators: critics, a training loop, and one registered estimator per bound.

Importing this package (it needs torch) registers ``"neural"`` and ``"infonce"``, ``"nwj"``,
``"dv"``, ``"mine"``, ``"tuba"``, ``"js"``, ``"smile"``, ``"interpolated"``, ``"club"``,
``"l1out"``, ``"doe"``, ``"critic-ksg"`` and ``"copula-critic-max"`` for
:func:`infossl.estimate_mi`; :mod:`infossl.estimators` declares them lazily so that numpy-only
use never imports torch. ``BOUNDS`` (the table of bound names, kinds and
value functions) is :data:`infossl.bounds.BOUNDS`.
"""

from infossl.bounds import BOUNDS
from infossl.estimators.neural.critics import (
    BilinearCritic,
    ConcatCritic,
    GaussianConditional,
    GaussianMixture,
    SeparableCritic,
    make_critic,
)
from infossl.estimators.neural.estimator import (
    CLUBEstimator,
    DoEEstimator,
    DVEstimator,
    InfoNCEEstimator,
    InterpolatedEstimator,
    JSEstimator,
    L1OutEstimator,
    MINEEstimator,
    NeuralMIEstimator,
    NWJEstimator,
    SMILEEstimator,
    TUBAEstimator,
)
from infossl.estimators.neural.features import CopulaCriticMax, CriticKSG, critic_features

__all__ = [
    "BOUNDS",
    "BilinearCritic",
    "CLUBEstimator",
    "ConcatCritic",
    "CopulaCriticMax",
    "CriticKSG",
    "DVEstimator",
    "DoEEstimator",
    "GaussianConditional",
    "GaussianMixture",
    "InfoNCEEstimator",
    "InterpolatedEstimator",
    "JSEstimator",
    "L1OutEstimator",
    "MINEEstimator",
    "NWJEstimator",
    "NeuralMIEstimator",
    "SMILEEstimator",
    "SeparableCritic",
    "TUBAEstimator",
    "critic_features",
    "make_critic",
]
