"""Representation-quality metrics and downstream probes of frozen features.

Label-free (RankMe, effective rank, LiDAR, α-ReQ, alignment/uniformity, covariance spectrum,
std of normalised embeddings) and label-based (NC1, kNN classifier, linear probe). The probes need
torch and are imported from :mod:`infossl.metrics.probes`.

The names of this package are those of :mod:`infossl.metrics.representation` (its ``__all__``).
"""

from infossl.metrics import representation
from infossl.metrics.representation import *  # noqa: F403

__all__ = list(representation.__all__)
