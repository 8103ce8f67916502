"""Validation and numerically stable reductions shared by the bounds.

A *score matrix* ``S`` is a ``K x K`` floating-point tensor with ``S[i, j] = f(x_i, y_j)``: rows
index the ``x`` samples, columns the ``y`` samples, and the diagonal holds the ``K`` joint
(positive) pairs. The off-diagonal entries stand in for samples of ``p(x) p(y)``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def check_tensor(value: object, name: str) -> Tensor:
    """Check ``value`` is a floating-point torch tensor with finite entries."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if not value.is_floating_point():
        raise TypeError(
            f"{name} must have a floating-point dtype (float16/bfloat16/float32/float64), "
            f"got {value.dtype}"
        )
    if value.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(value.shape)})")
    finite = torch.isfinite(value)
    if not bool(finite.all()):
        bad = int((~finite).sum())
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s)")
    return value


def check_scores(scores: object, name: str = "scores") -> Tensor:
    """Check a ``K x K`` score matrix: a finite floating-point tensor, square, with ``K >= 2``.

    Raises ``TypeError`` for a non-tensor or an integer/bool dtype and ``ValueError`` for a wrong
    shape, a batch of one, or NaN/inf entries. Returns the tensor unchanged.
    """
    if not isinstance(scores, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(scores).__name__}")
    if scores.ndim != 2 or scores.shape[0] != scores.shape[1]:
        raise ValueError(
            f"{name} must be a square K x K matrix (rows x_i, columns y_j), "
            f"got shape {tuple(scores.shape)}"
        )
    if scores.shape[0] < 2:
        raise ValueError(
            f"{name} must hold at least K = 2 samples (the bound needs negatives), got K = "
            f"{scores.shape[0]}"
        )
    return check_tensor(scores, name)


def check_vector(value: object, name: str, k: int | None = None) -> Tensor:
    """Check a 1-D finite floating-point tensor, of length ``k`` when given."""
    value = check_tensor(value, name)
    if value.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {tuple(value.shape)}")
    if k is not None and value.shape[0] != k:
        raise ValueError(f"{name} must have length {k}, got {value.shape[0]}")
    return value


def as_baseline(log_baseline: object, k: int, like: Tensor, name: str = "log_baseline") -> Tensor:
    """A log-baseline ``log a(y_j)`` as a length-``k`` tensor (None means ``a = 1``).

    Accepts None, a Python number, a 0-D tensor or a length-``k`` tensor.
    """
    if log_baseline is None:
        return torch.zeros(k, dtype=like.dtype, device=like.device)
    if isinstance(log_baseline, (int, float)) and not isinstance(log_baseline, bool):
        if not math.isfinite(log_baseline):
            raise ValueError(f"{name} must be finite, got {log_baseline}")
        return torch.full((k,), float(log_baseline), dtype=like.dtype, device=like.device)
    value = check_tensor(log_baseline, name)
    if value.ndim == 0:
        return value.expand(k)
    return check_vector(value, name, k)


def offdiag_mask(k: int, device: torch.device | None = None) -> Tensor:
    """Boolean ``k x k`` mask, True off the diagonal."""
    return ~torch.eye(k, dtype=torch.bool, device=device)


def logmeanexp_offdiag(scores: Tensor) -> Tensor:
    """``log( (1/(K(K-1))) sum_{i != j} exp S_ij )`` via logsumexp (stable at any scale)."""
    k = scores.shape[0]
    masked = scores.masked_fill(~offdiag_mask(k, scores.device), float("-inf"))
    return torch.logsumexp(masked.reshape(-1), dim=0) - math.log(k * (k - 1))


def mean_offdiag(values: Tensor) -> Tensor:
    """Mean of the ``K(K-1)`` off-diagonal entries of a square matrix."""
    k = values.shape[0]
    return (values.sum() - values.diagonal().sum()) / (k * (k - 1))


def safe_exp(u: Tensor) -> Tensor:
    """``exp(u)``, continued linearly beyond ``u0 = ln(max float) / 2`` so it never overflows.

    For ``u <= u0`` (about 44 in float32, 354 in float64) this is exactly ``exp(u)``; above it
    returns the tangent ``e^{u0} (1 + u - u0) <= exp(u)``. Bounds of the form ``... - E[e^f]``
    then stay finite (and hugely negative, hence still valid lower bounds on a non-negative MI)
    for scores as large as ``1e4``, and their gradient keeps pushing such scores down.
    """
    u0 = 0.5 * math.log(torch.finfo(u.dtype).max)
    below = torch.exp(u.clamp(max=u0))
    above = math.exp(u0) * (1.0 + (u - u0).clamp(min=0.0))
    return torch.where(u <= u0, below, above)


def loo_logmeanexp_rows(values: Tensor) -> Tensor:
    """Leave-one-out log-mean-exp along each row.

    ``L[j, k] = log( (1/(K-1)) sum_{i != k} exp values[j, i] )`` for every ``(j, k)``, in
    ``O(K^2)`` time and memory. Exact and stable: entries other than the row maximum are removed by
    subtraction from the row sum taken relative to the row maximum (the remainder is >= 1, so there
    is no cancellation); the row maximum's own entry is a logsumexp of the row without it.
    """
    k = values.shape[1]
    row_max, arg = values.max(dim=1, keepdim=True)
    shifted = torch.exp(values - row_max)
    rest = shifted.sum(dim=1, keepdim=True) - shifted
    is_arg = torch.zeros_like(values, dtype=torch.bool).scatter_(1, arg, True)
    generic = row_max + torch.log(torch.where(is_arg, torch.ones_like(rest), rest))
    without_max = torch.logsumexp(values.masked_fill(is_arg, float("-inf")), dim=1, keepdim=True)
    return torch.where(is_arg, without_max.expand_as(values), generic) - math.log(k - 1)
