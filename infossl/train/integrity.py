"""Content checks of a checkpoint state: a SHA-256 digest of its content and its first
non-finite tensor.

A state is a nested structure of mappings, lists, tuples, tensors and plain values (what
``torch.load(weights_only=True)`` returns). :func:`state_digest` hashes that *content* — every
key, every plain value with its type, every tensor's dtype, shape and bytes, in the order the
structure holds them — so it is the same for a state before ``torch.save`` and after
``torch.load``, whatever the file's zip layout, and changes when any stored value changes.
:func:`first_non_finite` names the first floating-point tensor holding a NaN or an infinity by
its dotted path (``model.backbone.bn1.running_var``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

import torch

__all__ = ["DIGEST_ALGORITHM", "first_non_finite", "iter_tensors", "state_digest"]

#: The hash function of :func:`state_digest` (a :mod:`hashlib` name).
DIGEST_ALGORITHM = "sha256"


def _key(key: Any) -> str:
    return str(key)


def iter_tensors(value: Any, prefix: str = "") -> Iterator[tuple[str, torch.Tensor]]:
    """Every tensor in ``value`` with its dotted path, depth first, in the stored order."""
    if isinstance(value, torch.Tensor):
        yield prefix, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from iter_tensors(v, f"{prefix}.{_key(k)}" if prefix else _key(k))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from iter_tensors(v, f"{prefix}.{i}" if prefix else str(i))


def _tensor_bytes(t: torch.Tensor) -> memoryview:
    flat = t.detach().to("cpu").contiguous().reshape(-1)
    return memoryview(flat.view(torch.uint8).numpy())


def _update(h: Any, value: Any) -> None:
    if isinstance(value, torch.Tensor):
        h.update(f"T{value.dtype}{tuple(value.shape)}:".encode())
        h.update(_tensor_bytes(value))
    elif isinstance(value, Mapping):
        h.update(f"M{len(value)}:".encode())
        for k, v in value.items():
            _update(h, k)
            _update(h, v)
    elif isinstance(value, (list, tuple)):
        h.update(f"S{len(value)}:".encode())
        for v in value:
            _update(h, v)
    else:
        text = repr(value).encode()
        h.update(f"V{type(value).__name__}{len(text)}:".encode())
        h.update(text)


def state_digest(state: Any) -> str:
    """Hex SHA-256 of the content of ``state`` (see the module docstring)."""
    h = hashlib.new(DIGEST_ALGORITHM)
    _update(h, state)
    return h.hexdigest()


def _all_finite(t: torch.Tensor) -> bool:
    """Whether every value of ``t`` is finite: its minimum and maximum are (a NaN propagates
    into both; one reduction, no temporary tensor)."""
    x = torch.view_as_real(t.detach()) if t.is_complex() else t.detach()
    lo, hi = torch.aminmax(x)
    return bool(torch.isfinite(lo)) and bool(torch.isfinite(hi))


def first_non_finite(state: Any) -> tuple[str, str] | None:
    """``(path, description)`` of the first floating-point or complex tensor of ``state`` with
    a NaN or an infinity (e.g. ``("model.bn.running_var", "4 of 64 values non-finite, first
    inf")``), or None when every tensor is finite."""
    for path, t in iter_tensors(state):
        if not (t.is_floating_point() or t.is_complex()) or t.numel() == 0:
            continue
        if _all_finite(t):
            continue
        bad = ~torch.isfinite(t.detach())
        if bool(bad.any()):
            first = t.detach().reshape(-1)[bad.reshape(-1).nonzero()[0, 0]].item()
            return path, f"{int(bad.sum())} of {t.numel()} values non-finite, first {first}"
    return None
