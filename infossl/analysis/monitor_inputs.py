"""The monitor's inputs: the fixed evaluation batch, the two views, the model's features.

Everything here is checked once, when an :class:`~infossl.analysis.monitor.InformationMonitor`
is built, and prepared once, on its first pass: the (fit, held-out) rows drawn with a seed, the
two augmented views (the user's callable on a batch or on each item, an infossl
:class:`~infossl.data.augment.MultiView`, or a preset name) and the clean inputs.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from infossl._checks import check_choice, check_int

__all__ = [
    "PreparedBatch",
    "as_batch",
    "check_autocast",
    "check_features",
    "check_inputs",
    "draw_eval_batch",
    "model_device_dtype",
    "read_features",
    "resolve_views",
    "take_rows",
    "two_views",
]


def draw_eval_batch(
    n: int, batch_size: int, seed: int, *, holdout: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Fixed (fit, held-out) row indices of a set of ``n`` rows, drawn once with ``seed``.

    Each half has ``batch_size`` rows, fewer when ``n < 2 · batch_size`` (both ⌊n/2⌋); without
    ``holdout`` the fit half takes up to ``batch_size`` of all n rows and the held-out half is
    empty. Independent of any global random state.
    """
    n = check_int(n, "n", low=0)
    batch_size = check_int(batch_size, "batch_size", low=1)
    size = min(batch_size, n // 2) if holdout else min(batch_size, n)
    if size < 4:
        raise ValueError(
            f"the evaluation inputs have {n} rows; diagnostics need at least {8 if holdout else 4}"
        )
    order = np.random.default_rng(seed).permutation(n)
    fit = np.sort(order[:size])
    hold = np.sort(order[size : 2 * size]) if holdout else np.zeros(0, dtype=np.int64)
    return fit, hold


def take_rows(inputs: Any, idx: np.ndarray) -> Any:
    import torch

    if torch.is_tensor(inputs):
        return inputs.index_select(0, torch.as_tensor(idx, dtype=torch.long, device=inputs.device))
    if isinstance(inputs, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(inputs[idx]))
    return [inputs[int(i)] for i in idx]


def as_batch(items: Any, what: str) -> Any:
    """A batch tensor from a tensor, or from a list of per-item tensors (stacked)."""
    import torch

    if torch.is_tensor(items):
        return items
    if isinstance(items, list) and items and all(torch.is_tensor(t) for t in items):
        return torch.stack(items)
    raise TypeError(
        f"{what} must give torch tensors, got {type(items).__name__}"
        + (f" of {type(items[0]).__name__}" if isinstance(items, list) and items else "")
    )


def two_views(out: Any, again: Callable[[], Any], what: str) -> tuple[Any, Any]:
    import torch

    if torch.is_tensor(out):
        return out, again()
    if isinstance(out, (list, tuple)) and len(out) >= 2:
        return out[0], out[1]
    raise TypeError(
        f"{what} must return a tensor (one view; it is called twice) or a "
        f"sequence of at least 2 views, got {type(out).__name__}"
    )


@dataclass
class PreparedBatch:
    """The fixed inputs of every pass (CPU tensors), made once."""

    view1: Any
    view2: Any
    clean: Any
    holdout: Any
    labels: np.ndarray | None
    holdout_labels: np.ndarray | None


def check_inputs(inputs: Any, labels: Any) -> tuple[Any, np.ndarray | None]:
    import torch

    if isinstance(inputs, np.ndarray) or torch.is_tensor(inputs):
        if inputs.ndim < 1:
            raise ValueError("inputs must have a leading sample axis, got a scalar")
        n = int(inputs.shape[0])
    elif isinstance(inputs, Sequence) and not isinstance(inputs, (str, bytes)):
        n = len(inputs)
    else:
        raise TypeError(
            f"inputs must be a tensor, an array or a list of items, got {type(inputs).__name__}"
        )
    if n < 8:
        raise ValueError(
            f"inputs has {n} rows; the diagnostics need at least 8 (and a few "
            "hundred for estimates worth reading)"
        )
    if labels is None:
        return inputs, None
    from infossl._checks import as_labels

    raw = labels.detach().cpu().numpy() if torch.is_tensor(labels) else np.asarray(labels)
    if raw.ndim == 2 and raw.shape[1] == 1:
        raw = raw.reshape(-1)
    if raw.ndim != 1:
        raise ValueError(
            f"labels must be (N,) class indices, got shape {raw.shape} (for "
            "one-hot labels pass labels.argmax(1))"
        )
    codes = as_labels(raw, "labels")
    if len(codes) != n:
        raise ValueError(f"labels has {len(codes)} entries, inputs has {n} rows")
    return inputs, raw


def check_autocast(value: Any) -> Any:
    import torch

    if value is None:
        return None
    if not isinstance(value, torch.dtype) or not value.is_floating_point:
        raise TypeError(f"autocast must be a floating torch dtype or None, got {value!r}")
    return value


def check_features(value: Any) -> Any:
    if value is None or callable(value) or isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"features must be None, an index, a key or a callable, got {value!r}")
    return value


def read_features(out: Any, how: Any) -> Any:
    import torch

    if how is not None and callable(how):
        out = how(out)
    elif how is not None:
        found = (
            how in out
            if isinstance(how, str) and isinstance(out, Mapping)
            else isinstance(how, int)
            and isinstance(out, (tuple, list))
            and -len(out) <= how < len(out)
        )
        if not found:
            raise ValueError(
                f"features={how!r} does not select anything from the model's "
                f"{type(out).__name__} output"
            )
        out = out[how]
    if not torch.is_tensor(out):
        raise TypeError(
            f"the model returned {type(out).__name__}, not a tensor: pass "
            "features= (an index, a key or a callable) to pick the (n, d) "
            "features"
        )
    if out.ndim < 2:
        raise ValueError(f"the model's features must have shape (n, d), got {tuple(out.shape)}")
    return out


def model_device_dtype(model: Any) -> tuple[Any, Any]:
    import torch

    if isinstance(model, torch.nn.Module):
        for t in (*model.parameters(), *model.buffers()):
            if t.is_floating_point():
                return t.device, t.dtype
        for t in model.buffers():
            return t.device, None
    elif not callable(model):
        raise TypeError(f"model must be a callable (an nn.Module), got {type(model).__name__}")
    return torch.device("cpu"), None


def resolve_views(
    views: Any, clean: Any, options: Mapping[str, Any] | None, inputs: Any
) -> tuple[Callable[[Any], tuple[Any, Any]], Callable[[Any], Any]]:
    """(make two views of a batch, make the clean batch) from the user's arguments."""
    from infossl.data.augment import MultiView

    per_item = not (isinstance(inputs, np.ndarray) or _is_tensor(inputs))
    if clean is not None and not callable(clean):
        raise TypeError(f"clean must be a callable, got {type(clean).__name__}")
    if isinstance(views, str) or isinstance(views, MultiView):
        if per_item:
            raise TypeError(
                "infossl's presets work on image tensors (B, C, H, W); for a list "
                "of items pass your own views callable"
            )
        options = dict(options or {})
        if isinstance(views, str):
            from infossl.data.presets import PRESETS, build_views

            check_choice(views, "views", sorted(PRESETS))
            shape = tuple(inputs.shape)
            if len(shape) != 4:
                raise ValueError(f"preset views need images (N, C, H, W), got {shape}")
            if views != "digits":
                options.setdefault("channels", shape[1])
                options.setdefault("size" if views != "multicrop" else "global_size", shape[2])
            else:
                options.setdefault("size", shape[2])
            multi = build_views(views, **options)
        else:
            multi = views
        if clean is None:
            from infossl.data.presets import evaluation

            pipe = evaluation(options.get("mean"), options.get("std"))
            clean = lambda x: pipe(x, 0)  # noqa: E731
        seeds = iter(range(2**31))

        def preset_views(batch: Any) -> tuple[Any, Any]:
            out = multi(batch, next(seeds))
            return out[0], out[1]

        return preset_views, clean
    if not callable(views):
        raise TypeError(
            "views must be a callable, an infossl MultiView or a preset name, got "
            f"{type(views).__name__}"
        )
    if clean is None:
        if per_item:
            raise TypeError(
                "inputs is a list of items: pass clean=, the un-augmented "
                "transform of one item to a tensor"
            )
        if inputs.dtype in (np.uint8, _uint8()):
            warnings.warn(
                "inputs are uint8 and clean= is not given: the clean and held-out "
                "batches reach the model as raw 0-255 floats, unlike your views; "
                "pass clean=, your un-augmented transform (e.g. normalisation)",
                UserWarning,
                stacklevel=3,
            )
        clean = _identity_float
    if per_item:

        def item_views(batch: Any) -> tuple[Any, Any]:
            pairs = [
                two_views(views(item), lambda item=item: views(item), "views") for item in batch
            ]
            return (
                as_batch([p[0] for p in pairs], "views"),
                as_batch([p[1] for p in pairs], "views"),
            )

        def item_clean(batch: Any) -> Any:
            return as_batch([clean(item) for item in batch], "clean")

        return item_views, item_clean

    def batch_views(batch: Any) -> tuple[Any, Any]:
        a, b = two_views(views(batch), lambda: views(batch), "views")
        return as_batch(a, "views"), as_batch(b, "views")

    user_clean = clean
    return batch_views, lambda batch: as_batch(user_clean(batch), "clean")


def _is_tensor(x: Any) -> bool:
    import torch

    return torch.is_tensor(x)


def _identity_float(x: Any) -> Any:
    return x.float() if x.dtype == _uint8() else x


def _uint8() -> Any:
    import torch

    return torch.uint8
