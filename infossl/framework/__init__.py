"""The unified multi-view information framework (Shwartz-Ziv & LeCun 2023, §3).

* :class:`InfoTerm`: an information quantity (``I``, ``H``, ``TC``, ``D``) between variables,
  with optional conditioning, the ordered *information path* that generates its samples, and the
  bound or proxy that measures it (lower / upper / point / proxy).
* :class:`Objective`: a weighted sum of terms with named multipliers and schedules.
* :class:`LossOutput` / :class:`TermValue`: what every objective in :mod:`infossl.objectives`
  returns; the weighted terms sum to the loss.
"""

from infossl.framework.objective import Objective, WeightedTerm
from infossl.framework.output import LossOutput, TermValue, combine, compute_dtype
from infossl.framework.paths import (
    ROLES,
    PathStep,
    cross_decoder,
    data,
    direct_decoder,
    encoder,
    label_decoder,
    render_path,
)
from infossl.framework.report import TermRow, format_rows, side_by_side
from infossl.framework.schedules import (
    Constant,
    CosineAnneal,
    ExponentialAnneal,
    LinearAnneal,
    LinearWarmup,
    Schedule,
    as_schedule,
    value_at,
)
from infossl.framework.terms import (
    KINDS,
    MEASURES,
    InfoTerm,
    divergence,
    entropy,
    mi,
    total_correlation,
)

__all__ = [
    "KINDS",
    "MEASURES",
    "ROLES",
    "Constant",
    "CosineAnneal",
    "ExponentialAnneal",
    "InfoTerm",
    "LinearAnneal",
    "LinearWarmup",
    "LossOutput",
    "Objective",
    "PathStep",
    "Schedule",
    "TermRow",
    "TermValue",
    "WeightedTerm",
    "as_schedule",
    "combine",
    "compute_dtype",
    "cross_decoder",
    "data",
    "direct_decoder",
    "divergence",
    "encoder",
    "entropy",
    "format_rows",
    "label_decoder",
    "mi",
    "render_path",
    "side_by_side",
    "total_correlation",
    "value_at",
]
