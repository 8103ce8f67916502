"""Paired-view datasets drawn from the synthetic multi-view testbed (:mod:`infossl.tasks`).

Each sample has two ready-made views ``x1, x2`` of the same latent ``S`` with independent
nuisances ``U1, U2`` (no augmentation needed), a discrete label and the latents themselves
(kept for the information measurements). Registered names for :func:`load_dataset`:

* ``"multiview-linear"`` — :class:`~infossl.tasks.multiview.LinearGaussianMultiView`
  (vector views);
* ``"multiview-nonlinear"`` — :class:`~infossl.tasks.multiview.NonlinearMultiView`
  (vector views through random invertible MLPs);
* ``"multiview-shapes"`` — :class:`~infossl.tasks.multiview_shapes.ShapesMultiView`
  (rendered images, float32 ``(N, C, S, S)`` in ``[−texture, 1]``).

``split`` ``"train"`` / ``"test"`` draw independent samples from
``numpy.random.default_rng([seed, 0 or 1])``; ``task_seed`` fixes the task itself (mixing
matrices, MLPs). Other options go to the task's constructor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import torch

from infossl._checks import check_choice, check_int
from infossl.data.dataset import LabelledSamples, _as_index, _check_labels

MULTIVIEW_SPLITS = ("train", "test")


@dataclass(frozen=True, eq=False)
class MultiViewDataset(LabelledSamples):
    """Views ``float32 (N, ...)`` (one tensor per view), ``int64`` labels, latents by name."""

    views: tuple[torch.Tensor, ...]
    labels: torch.Tensor
    classes: tuple[str, ...]
    name: str
    latents: Mapping[str, torch.Tensor] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.views) < 2:
            raise ValueError(f"dataset {self.name!r} needs at least two views")
        n = self.views[0].shape[0]
        for k, v in enumerate(self.views):
            if not torch.is_tensor(v) or v.dtype != torch.float32 or v.shape[0] != n:
                raise ValueError(
                    f"view {k} of dataset {self.name!r} must be a float32 tensor with {n} rows"
                )
        object.__setattr__(self, "views", tuple(self.views))
        object.__setattr__(self, "classes", tuple(str(c) for c in self.classes))
        object.__setattr__(self, "latents", MappingProxyType(dict(self.latents)))
        _check_labels(self.labels, n, self.classes, f"dataset {self.name!r}")

    @property
    def inputs(self) -> tuple[torch.Tensor, ...]:
        """The tensors a batch loader slices (here every view)."""
        return self.views

    def __len__(self) -> int:
        return int(self.views[0].shape[0])

    def subset(self, indices: Any, name: str | None = None) -> MultiViewDataset:
        """The samples at ``indices`` (integer array or boolean mask) as a new dataset."""
        idx = _as_index(indices, len(self))
        return MultiViewDataset(
            tuple(v[idx] for v in self.views),
            self.labels[idx],
            self.classes,
            name or f"{self.name}[subset]",
            {k: t[idx] for k, t in self.latents.items()},
        )


def _task(kind: str, task_seed: int, options: dict[str, Any]) -> Any:
    if kind == "shapes":
        from infossl.tasks.multiview_shapes import ShapesMultiView

        return ShapesMultiView(**options)
    from infossl.tasks.multiview import LinearGaussianMultiView, NonlinearMultiView

    cls = LinearGaussianMultiView if kind == "linear" else NonlinearMultiView
    return cls(seed=task_seed, **options)


def multiview_dataset(
    kind: str,
    split: str | None = None,
    *,
    n: int = 4096,
    seed: int = 0,
    task_seed: int = 0,
    **options: Any,
) -> MultiViewDataset:
    """Draw ``n`` paired views of the testbed ``kind`` (``linear``, ``nonlinear``, ``shapes``)."""
    check_choice(kind, "kind", ("linear", "nonlinear", "shapes"))
    split = check_choice("train" if split is None else split, "split", MULTIVIEW_SPLITS)
    n = check_int(n, "n", low=1)
    seed = check_int(seed, "seed", low=0)
    task = _task(kind, check_int(task_seed, "task_seed", low=0), options)
    draw = task.sample(n, np.random.default_rng([seed, MULTIVIEW_SPLITS.index(split)]))
    y = np.asarray(draw.y_class, dtype=np.int64)
    if kind == "shapes":  # Y = class, or 2·class + B for the view-specific label
        from infossl.tasks.multiview_shapes import SHAPES

        n_classes = len(SHAPES) * (1 if task.label == "shared" else 2)
    else:  # y_class = 1[Y > 0]
        n_classes = 2
    classes = tuple(str(c) for c in range(n_classes))
    latents = {
        k: torch.from_numpy(np.asarray(getattr(draw, k), dtype=np.float64))
        for k in ("s", "u1", "u2", "y")
    }
    views = tuple(
        torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for v in (draw.x1, draw.x2)
    )
    return MultiViewDataset(
        views, torch.from_numpy(y), classes, f"multiview-{kind}-{split}", latents
    )


def _factory(kind: str) -> Callable[..., MultiViewDataset]:
    def load(split: str | None = None, **options: Any) -> MultiViewDataset:
        return multiview_dataset(kind, split, **options)

    load.__doc__ = f"The {kind} multi-view testbed (see :func:`multiview_dataset`)."
    return load


FACTORIES = {f"multiview-{kind}": _factory(kind) for kind in ("linear", "nonlinear", "shapes")}
