"""Arrays to the tensors a dataset holds: images to ``uint8 (N, C, H, W)``, labels to ``int64``.

Images: a float array must lie in [0, 1] and is mapped to ``round(255·x)``; an integer array must
lie in [0, 255]. ``(N, H, W)`` is one channel; ``(N, H, W, C)`` is detected when the last axis has
1 or 3 entries and the second does not. Unlabelled data carries the label :data:`UNLABELLED`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from infossl._checks import check_choice

__all__ = ["LAYOUTS", "UNLABELLED", "images_to_uint8_nchw", "labels_to_int64"]

UNLABELLED = -1
LAYOUTS = ("auto", "nchw", "nhwc")


def _to_numpy(a: Any, name: str) -> np.ndarray:
    if torch.is_tensor(a):
        return a.detach().cpu().numpy()
    try:
        return np.asarray(a)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array-like, got {type(a).__name__}: {err}") from None


def images_to_uint8_nchw(images: Any, layout: str = "auto", name: str = "images") -> torch.Tensor:
    """Return ``images`` as a contiguous ``uint8`` tensor of shape ``(N, C, H, W)``."""
    check_choice(layout, "layout", LAYOUTS)
    arr = _to_numpy(images, name)
    if arr.dtype == object or arr.dtype.kind not in "uif":
        raise TypeError(f"{name} must be a uint8, integer or float array, got dtype {arr.dtype}")
    if arr.ndim == 3:
        arr = arr[:, None]
        layout = "nchw"
    elif arr.ndim != 4:
        raise ValueError(
            f"{name} must have shape (N, H, W), (N, C, H, W) or (N, H, W, C), got {arr.shape}"
        )
    if layout == "auto":
        first, last = arr.shape[1] in (1, 3), arr.shape[3] in (1, 3)
        if first == last:
            raise ValueError(
                f"cannot tell the channel axis of {name} with shape {arr.shape}; "
                "pass layout='nchw' or layout='nhwc'"
            )
        layout = "nchw" if first else "nhwc"
    if layout == "nhwc":
        arr = arr.transpose(0, 3, 1, 2)
    if arr.shape[0] == 0 or 0 in arr.shape[1:]:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or infinite values")
        if arr.min() < 0.0 or arr.max() > 1.0:
            raise ValueError(
                f"float {name} must lie in [0, 1] (got range [{arr.min()}, "
                f"{arr.max()}]); pass uint8 for values in 0..255"
            )
        arr = np.rint(arr * 255.0)
    elif arr.dtype != np.uint8 and (arr.min() < 0 or arr.max() > 255):
        raise ValueError(
            f"integer {name} must lie in [0, 255], got range [{arr.min()}, {arr.max()}]"
        )
    return torch.from_numpy(np.ascontiguousarray(arr, dtype=np.uint8))


def labels_to_int64(
    labels: Any, n: int, classes: Sequence[str] | None = None
) -> tuple[torch.Tensor, tuple[str, ...]]:
    """Return ``(labels int64 (n,), classes)``.

    ``None`` means unlabelled (every label ``-1``, no classes). Strings become codes of their
    sorted unique values. Non-negative integers are kept; without ``classes`` the class names are
    ``"0" .. str(max)``.
    """
    if labels is None:
        if classes:
            raise ValueError("classes were given without labels")
        return torch.full((n,), UNLABELLED, dtype=torch.int64), ()
    arr = _to_numpy(labels, "labels")
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"labels must have shape ({n},), got {arr.shape}")
    if arr.dtype.kind in "US":
        names, codes = np.unique(arr, return_inverse=True)
        if classes is not None:
            raise ValueError("pass either string labels or integer labels with classes, not both")
        return torch.from_numpy(codes.astype(np.int64).reshape(-1)), tuple(str(s) for s in names)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers or strings, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if n and arr.min() < 0:
        raise ValueError(f"labels must be >= 0, got minimum {arr.min()}")
    if classes is None:
        classes = [str(i) for i in range(int(arr.max()) + 1 if n else 0)]
    classes = tuple(str(c) for c in classes)
    if n and arr.max() >= len(classes):
        raise ValueError(f"label {arr.max()} is out of range for {len(classes)} classes")
    return torch.from_numpy(arr), classes
