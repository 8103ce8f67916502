"""Representation-quality metrics and downstream probes of frozen features.

Label-free (RankMe, effective rank, LiDAR, α-ReQ, alignment/uniformity, covariance spectrum,
std of normalised embeddings) and label-based (NC1, kNN classifier, linear probe). The probes need
torch and are imported from :mod:`infossl.metrics.probes`.
"""

from infossl.metrics.representation import (
    PowerLawFit,
    alignment,
    alpha_req,
    collapsed_dimensions,
    covariance_spectrum,
    effective_rank,
    embedding_std,
    lidar,
    nc1,
    power_law_fit,
    rankme,
    representation_metrics,
    uniformity,
)

__all__ = [
    "PowerLawFit",
    "alignment",
    "alpha_req",
    "collapsed_dimensions",
    "covariance_spectrum",
    "effective_rank",
    "embedding_std",
    "lidar",
    "nc1",
    "power_law_fit",
    "rankme",
    "representation_metrics",
    "uniformity",
]
