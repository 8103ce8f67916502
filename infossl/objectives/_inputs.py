"""Input checks for the objectives: shapes, batch sizes and finiteness of embeddings.

Each check costs at most one ``torch.isfinite(x).all()`` per input. Errors name the argument.

Checks on tensor *values* (finiteness, positive scales, label ranges) go through
:func:`require`: a ``ValueError`` in eager mode, skipped inside ``torch.compile``. Reading a tensor
value on the host would break the graph, and an asynchronous assertion
(``torch._assert_async``) is no substitute: compiled by inductor for a multi-threaded CPU it
aborts the process instead of raising. A non-finite input then shows as a non-finite loss.
Shape and dtype checks are static and cost nothing in a compiled graph.

Precision: bfloat16/float16 inputs are returned upcast to float32 (:func:`upcast`), so every
objective computes its statistics (covariances, log-determinants, Cholesky factors, pairwise
distances, softmaxes) in float32, as ``torch.autocast`` does for losses; gradients flow back to
the low-precision input through the cast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import torch
from torch import Tensor

from infossl.framework import compute_dtype
from infossl.nn.stochastic import DiagonalGaussian


def upcast(x: Tensor) -> Tensor:
    """``x`` in :func:`~infossl.framework.compute_dtype` (float32 for bf16/fp16): a
    differentiable cast, ``x`` itself when already there."""
    return x.to(compute_dtype(x.dtype))


def require(condition: Tensor, message: str) -> None:
    """Raise ``ValueError(message)`` unless the boolean 0-dim tensor ``condition`` is true.

    Skipped under ``torch.compile`` (see the module docstring): the check needs the value on the
    host, which would break the graph.
    """
    if not torch.compiler.is_compiling() and not bool(condition):
        raise ValueError(message)


def check_embedding(
    x: Any, name: str, *, min_batch: int = 1, need: str = "", ndim: int = 2
) -> Tensor:
    """Check a floating-point ``(B, D)`` tensor with finite entries and ``B >= min_batch``.

    ``need`` completes the batch-size message, e.g. ``"to estimate a covariance"``. Returns the
    tensor :func:`upcast` (float32 for bf16/fp16 input).
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must have a floating-point dtype, got {x.dtype}")
    if x.dim() != ndim:
        shape = "(B, D)" if ndim == 2 else f"{ndim}-D"
        raise ValueError(f"{name} must be {shape}, got shape {tuple(x.shape)}")
    if x.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(x.shape)})")
    if x.shape[0] < min_batch:
        why = f" {need}" if need else ""
        raise ValueError(
            f"{name} has batch size {x.shape[0]}; at least {min_batch} samples are needed{why}"
        )
    require(torch.isfinite(x).all(), f"{name} contains NaN or infinite values")
    return upcast(x)


def as_views(
    views: Sequence[Any],
    name: str = "views",
    *,
    min_views: int = 2,
    max_views: int | None = None,
    min_batch: int = 1,
    need: str = "",
) -> list[Tensor]:
    """Check ``V`` view embeddings, each ``(B, D)`` with the same shape; return them as a list.

    ``views`` is what a ``forward(*views)`` received: either the tensors themselves or a single
    list/tuple holding them.
    """
    if len(views) == 1 and isinstance(views[0], (list, tuple)):
        views = views[0]
    views = list(views)
    if len(views) < min_views:
        raise ValueError(f"{name} must hold at least {min_views} views, got {len(views)}")
    if max_views is not None and len(views) > max_views:
        raise ValueError(f"{name} must hold at most {max_views} views, got {len(views)}")
    out = [
        check_embedding(v, f"{name}[{i}]", min_batch=min_batch, need=need)
        for i, v in enumerate(views)
    ]
    check_same_shapes(out, [f"{name}[{i}]" for i in range(len(out))])
    return out


def check_same_shapes(tensors: Sequence[Tensor], names: Sequence[str]) -> None:
    """Raise ``ValueError`` naming the first tensor whose shape differs from the first one."""
    first = tuple(tensors[0].shape)
    for t, n in zip(tensors[1:], names[1:], strict=True):
        if tuple(t.shape) != first:
            raise ValueError(
                f"{n} has shape {tuple(t.shape)} but {names[0]} has shape {first}; all must match"
            )


def check_gaussian(
    x: Any, name: str, *, need_sample: bool = False, min_batch: int = 1
) -> DiagonalGaussian:
    """Check a :class:`DiagonalGaussian` (finite mean, positive std, a sample when needed).

    Returns it with its tensors :func:`upcast`.
    """
    if not isinstance(x, DiagonalGaussian):
        raise TypeError(
            f"{name} must be a DiagonalGaussian (e.g. from GaussianEncoderHead), "
            f"got {type(x).__name__}"
        )
    mean = check_embedding(x.mean, f"{name}.mean", min_batch=min_batch)
    std = check_embedding(x.std, f"{name}.std", min_batch=min_batch)
    require((std > 0).all(), f"{name}.std must be strictly positive")
    sample = x.sample
    if need_sample:
        if sample is None:
            raise ValueError(f"{name}.sample is None; draw one with {name}.with_sample(seed)")
        sample = check_embedding(sample, f"{name}.sample", min_batch=min_batch)
    elif sample is not None:
        sample = upcast(sample)
    if mean is x.mean and std is x.std and sample is x.sample:
        return x
    return replace(x, mean=mean, std=std, sample=sample)


def check_labels(
    y: Any, name: str, n: int, num_classes: int, *, allow_unlabelled: bool = False
) -> Tensor:
    """Check integer labels ``(n,)`` in ``[0, num_classes)`` (``-1``: unlabelled, if allowed)."""
    if not isinstance(y, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(y).__name__}")
    if y.dtype not in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
        raise TypeError(f"{name} must hold integer class indices, got dtype {y.dtype}")
    if y.dim() != 1 or y.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},), got {tuple(y.shape)}")
    low = -1 if allow_unlabelled else 0
    if n:
        allowed = f"[0, {num_classes})" + (" or -1 (unlabelled)" if allow_unlabelled else "")
        require(((y >= low) & (y < num_classes)).all(), f"{name} must lie in {allowed}")
    return y.long()
