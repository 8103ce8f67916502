"""infossl: self-supervised learning seen through information theory.

Estimators of entropy and mutual information that say how far they can be trusted, SSL and
information-bottleneck objectives written as named information terms, and the analyses of
Shwartz-Ziv & LeCun's review (information planes, the IB trade-off, when to compress).

    >>> import numpy as np, infossl
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal(2000); y = x + rng.standard_normal(2000)
    >>> infossl.estimate_mi(x, y, method="ksg1", k=3)  # true value 0.5 ln 2 ≈ 0.347 nats
"""

from infossl._version import __version__
from infossl.api import choose_method, estimate_cmi, estimate_entropy, estimate_mi
from infossl.estimate import Estimate
from infossl.estimators import get_estimator_class, list_methods

#: Names imported on first use (they need torch).
_LAZY = {"InformationMonitor": "infossl.analysis.monitor"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'infossl' has no attribute {name!r}")


__all__ = [
    "Estimate",
    "InformationMonitor",
    "__version__",
    "choose_method",
    "estimate_cmi",
    "estimate_entropy",
    "estimate_mi",
    "get_estimator_class",
    "list_methods",
]
