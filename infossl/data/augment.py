"""Random augmentations applied to a whole batch, each sample with its own parameters.

An op is called as ``op(x, generator)`` on float images ``(B, C, H, W)`` in [0, 1] and returns
the augmented batch; it may overwrite ``x`` (a :class:`Pipeline` passes its own copy). All
random parameters (``(B,)``-sized) are drawn on the CPU from the given ``torch.Generator`` and
then moved to ``x``'s device, so a seed gives the same views on every device. An op with
probability ``p`` draws its parameters for every sample, then transforms only the samples whose
uniform draw is below ``p`` (the others are not touched, nor computed).

Definitions follow torchvision's ``RandomResizedCrop``, ``ColorJitter`` (random order of the
four adjustments per sample), ``RandomGrayscale``, ``GaussianBlur`` and ``RandomSolarize``, as
used by SimCLR (Chen et al. 2020) and BYOL (Grill et al. 2020); differences: crop boxes are
continuous (sub-pixel) rather than rounded to integers, and resizing is separable bilinear
with antialiasing when shrinking (:func:`infossl.data.functional.resized_crop`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from infossl._checks import check_float, check_image_size, check_int
from infossl.data import functional as AF
from infossl.data.seeding import SeedLikeTorch, torch_generator

Op = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


def _uniform(n: int, low: float, high: float, gen: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=gen, dtype=torch.float64).mul_(high - low).add_(low)


def _chosen(n: int, p: float, gen: torch.Generator) -> torch.Tensor:
    """Indices (int64, CPU) of the samples selected with probability ``p``."""
    return (torch.rand(n, generator=gen) < p).nonzero().squeeze(1)


def _apply_to(
    x: torch.Tensor, idx: torch.Tensor, fn: Callable[..., torch.Tensor], *params: torch.Tensor
) -> torch.Tensor:
    """``x[idx] = fn(x[idx], *params[idx])`` in place, skipping the gather when idx is all."""
    if idx.numel() == 0:
        return x
    if idx.numel() == x.shape[0]:
        return fn(x, *params)
    dev_idx = idx.to(x.device)
    x[dev_idx] = fn(x[dev_idx], *(p[idx] for p in params))
    return x


def _check_range(
    value: Sequence[float], name: str, low: float, high: float | None = None
) -> tuple[float, float]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (low, high), got {value!r}")
    a = check_float(value[0], f"{name}[0]", low=low, high=high)
    b = check_float(value[1], f"{name}[1]", low=low, high=high)
    if a > b:
        raise ValueError(f"{name} must satisfy low <= high, got {value!r}")
    return a, b


def _check_p(p: float) -> float:
    return check_float(p, "p", low=0.0, high=1.0)


def _need_rgb(x: torch.Tensor, what: str) -> None:
    if x.shape[1] != 3:
        raise ValueError(
            f"{what} needs 3-channel (RGB) images, got {x.shape[1]} channel(s); "
            "set it to 0 for grayscale data"
        )


class RandomResizedCrop:
    """Crop a random box of area fraction ``s ~ U(scale)`` and aspect ``w/h`` log-uniform in
    ``ratio``, resized to ``size``. As in torchvision, 10 boxes are drawn per sample and the
    first that fits is used; if none fits, the largest centred box with aspect in ``ratio``."""

    attempts = 10

    def __init__(
        self,
        size: int | Sequence[int],
        scale: Sequence[float] = (0.08, 1.0),
        ratio: Sequence[float] = (3 / 4, 4 / 3),
    ) -> None:
        self.size = check_image_size(size, "size")
        self.scale = _check_range(scale, "scale", 0.0, 1.0)
        if self.scale[1] <= 0:
            raise ValueError(f"scale must allow a positive area, got {scale!r}")
        self.ratio = _check_range(ratio, "ratio", 0.0)
        if self.ratio[0] <= 0:
            raise ValueError(f"ratio must be positive, got {ratio!r}")

    def sample_boxes(self, n: int, height: int, width: int, gen: torch.Generator) -> torch.Tensor:
        """Boxes ``(n, 4)`` = ``(x0, y0, w, h)`` in pixels (float64)."""
        t = self.attempts
        area = torch.rand(n, t, generator=gen, dtype=torch.float64)
        area = (area * (self.scale[1] - self.scale[0]) + self.scale[0]) * (height * width)
        lo, hi = math.log(self.ratio[0]), math.log(self.ratio[1])
        aspect = torch.exp(torch.rand(n, t, generator=gen, dtype=torch.float64) * (hi - lo) + lo)
        w, h = torch.sqrt(area * aspect), torch.sqrt(area / aspect)
        fits = (w <= width) & (h <= height) & (w > 0) & (h > 0)
        first = fits.to(torch.int8).argmax(dim=1, keepdim=True)
        w, h = w.gather(1, first).squeeze(1), h.gather(1, first).squeeze(1)
        in_ratio = width / height
        if in_ratio < self.ratio[0]:
            fw, fh = width, width / self.ratio[0]
        elif in_ratio > self.ratio[1]:
            fw, fh = height * self.ratio[1], height
        else:
            fw, fh = width, height
        ok = fits.any(dim=1)
        w = torch.where(ok, w, torch.full_like(w, fw))
        h = torch.where(ok, h, torch.full_like(h, fh))
        u = torch.rand(n, 2, generator=gen, dtype=torch.float64)
        return torch.stack([u[:, 0] * (width - w), u[:, 1] * (height - h), w, h], dim=1)

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        boxes = self.sample_boxes(x.shape[0], x.shape[2], x.shape[3], gen)
        return AF.resized_crop(x, boxes, self.size)


class RandomHorizontalFlip:
    """Mirror each sample with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = _check_p(p)

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        return _apply_to(x, _chosen(x.shape[0], self.p, gen), AF.hflip)


class ColorJitter:
    """With probability ``p``, adjust brightness, contrast and saturation by factors drawn
    from ``U[max(0, 1−s), 1+s]`` and hue by ``U[−h, h]`` turns, in a random order per sample
    (``random_order``) or in that fixed order. A strength of 0 disables the adjustment."""

    _FUNCS = (AF.adjust_brightness, AF.adjust_contrast, AF.adjust_saturation, AF.adjust_hue)

    def __init__(
        self,
        brightness: float = 0.4,
        contrast: float = 0.4,
        saturation: float = 0.4,
        hue: float = 0.1,
        p: float = 0.8,
        random_order: bool = True,
    ) -> None:
        self.brightness = check_float(brightness, "brightness", low=0.0)
        self.contrast = check_float(contrast, "contrast", low=0.0)
        self.saturation = check_float(saturation, "saturation", low=0.0)
        self.hue = check_float(hue, "hue", low=0.0, high=0.5)
        self.p = _check_p(p)
        self.random_order = bool(random_order)

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        n = x.shape[0]
        strengths = (self.brightness, self.contrast, self.saturation, self.hue)
        if self.saturation > 0:
            _need_rgb(x, "saturation jitter")
        if self.hue > 0:
            _need_rgb(x, "hue jitter")
        active = [k for k, s in enumerate(strengths) if s > 0]
        params = [
            (
                _uniform(n, -self.hue, self.hue, gen)
                if k == 3
                else _uniform(n, max(0.0, 1 - strengths[k]), 1 + strengths[k], gen)
            )
            for k in active
        ]
        order = (
            torch.rand(n, len(active), generator=gen).argsort(dim=1)
            if self.random_order
            else torch.arange(len(active)).expand(n, -1)
        )
        idx = _chosen(n, self.p, gen)
        if idx.numel() == 0 or not active:
            return x
        return _apply_to(x, idx, self._jitter(active), order, *params)

    @staticmethod
    def _jitter(active: list[int]) -> Callable[..., torch.Tensor]:
        """Step ``t`` applies to every sample the adjustment ``active[order[:, t]]``.

        Brightness, contrast and saturation are one blend ``clip(f·x + (1−f)·ref)`` with
        ``ref`` = 0, the mean luma or the luma, so a step costs one blend over the batch (plus
        the hue rotation on the samples whose step is hue), whatever the mix of operations.
        """
        kinds = torch.tensor(active)

        def run(y: torch.Tensor, order: torch.Tensor, *params: torch.Tensor) -> torch.Tensor:
            for step in range(len(active)):
                slot = order[:, step]
                kind = kinds[slot]
                chosen = torch.stack(params, dim=1).gather(1, slot.unsqueeze(1)).squeeze(1)
                blend = kind < 3
                if bool(blend.any()):
                    factor = torch.where(blend, chosen, torch.ones_like(chosen))
                    y = AF.blend_with_luma(
                        y, factor, (kind == 2).to(factor.dtype), (kind == 1).to(factor.dtype)
                    )
                y = _apply_to(y, (kind == 3).nonzero().squeeze(1), AF.adjust_hue, chosen)
            return y

        return run


class RandomGrayscale:
    """Replace each sample by its luma (kept on all channels) with probability ``p``."""

    def __init__(self, p: float = 0.2) -> None:
        self.p = _check_p(p)

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        idx = _chosen(x.shape[0], self.p, gen)
        if x.shape[1] == 1:
            return x
        return _apply_to(x, idx, AF.grayscale)


class RandomGaussianBlur:
    """With probability ``p`` blur with ``σ ~ U(sigma)`` pixels; ``kernel_size`` None means the
    odd size nearest 10% of the smaller image side (at least 3), as in SimCLR."""

    def __init__(
        self, p: float = 0.5, sigma: Sequence[float] = (0.1, 2.0), kernel_size: int | None = None
    ) -> None:
        self.p = _check_p(p)
        self.sigma = _check_range(sigma, "sigma", 0.0)
        if self.sigma[0] <= 0:
            raise ValueError(f"sigma must be positive, got {sigma!r}")
        self.kernel_size = (
            None if kernel_size is None else check_int(kernel_size, "kernel_size", low=1)
        )
        if self.kernel_size is not None and self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")

    def kernel_for(self, height: int, width: int) -> int:
        if self.kernel_size is not None:
            return self.kernel_size
        k = max(3, round(0.1 * min(height, width)))
        return k if k % 2 else k + 1

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        sigma = _uniform(x.shape[0], *self.sigma, gen).to(torch.float32)
        idx = _chosen(x.shape[0], self.p, gen)
        k = self.kernel_for(x.shape[2], x.shape[3])
        return _apply_to(x, idx, lambda y, s: AF.gaussian_blur(y, s, k), sigma)


class RandomSolarize:
    """Invert values ``≥ threshold`` with probability ``p`` (BYOL: threshold ½)."""

    def __init__(self, p: float = 0.2, threshold: float = 0.5) -> None:
        self.p = _check_p(p)
        self.threshold = check_float(threshold, "threshold", low=0.0, high=1.0)

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        idx = _chosen(x.shape[0], self.p, gen)
        return _apply_to(x, idx, lambda y: AF.solarize(y, self.threshold))


class GaussianNoise:
    """With probability ``p`` add ``N(0, std²)`` noise per value, then clip to [0, 1]."""

    def __init__(self, std: float = 0.05, p: float = 1.0) -> None:
        self.std = check_float(std, "std", low=0.0)
        self.p = _check_p(p)

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        noise = torch.randn(x.shape, generator=gen).mul_(self.std)
        idx = _chosen(x.shape[0], self.p, gen)
        return _apply_to(x, idx, lambda y, e: (y + e.to(y)).clamp_(0.0, 1.0), noise)


class Normalize:
    """Deterministic ``(x − mean_c) / std_c``; ``mean``/``std`` have one entry per channel."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        if len(mean) != len(std) or not len(mean):
            raise ValueError(
                f"mean and std must have the same positive length, got {mean!r}, {std!r}"
            )
        self.mean = torch.tensor([check_float(m, "mean") for m in mean], dtype=torch.float32)
        self.std = torch.tensor(
            [check_float(s, "std", low=0.0, low_open=True) for s in std], dtype=torch.float32
        )

    def __call__(self, x: torch.Tensor, gen: torch.Generator | None = None) -> torch.Tensor:
        if x.shape[1] != len(self.mean):
            raise ValueError(
                f"Normalize has {len(self.mean)} channel statistics, images have "
                f"{x.shape[1]} channels"
            )
        return AF.normalize(x, self.mean, self.std)


def _check_images(images: Any) -> torch.Tensor:
    if not torch.is_tensor(images):
        raise TypeError(f"images must be a torch tensor, got {type(images).__name__}")
    if images.ndim != 4:
        raise ValueError(f"images must have shape (B, C, H, W), got {tuple(images.shape)}")
    if images.shape[0] == 0:
        raise ValueError("images is an empty batch")
    x = AF.to_float(images)
    if images.dtype != torch.uint8:
        lo, hi = float(x.min()), float(x.max())
        if not (0.0 <= lo and hi <= 1.0):
            raise ValueError(f"float images must lie in [0, 1], got range [{lo}, {hi}]")
    return x


class Pipeline:
    """A sequence of ops applied in order to a ``uint8`` or float [0, 1] batch.

    ``pipeline(images, seed)`` returns float32 ``(B, C, H', W')``; the input is not modified.
    """

    def __init__(self, ops: Sequence[Op]) -> None:
        self.ops = list(ops)
        for k, op in enumerate(self.ops):
            if not callable(op):
                raise TypeError(f"ops[{k}] must be callable, got {type(op).__name__}")

    def __call__(self, images: torch.Tensor, seed: SeedLikeTorch = None) -> torch.Tensor:
        gen = torch_generator(seed)
        x = _check_images(images)
        for op in self.ops:
            x = op(x, gen)
        return x

    def __repr__(self) -> str:
        return f"Pipeline({[type(op).__name__ for op in self.ops]})"


class MultiView:
    """Several pipelines applied to the same batch: ``views(images, seed)`` → list of views.

    The first ``n_global`` views are the global ones (for multi-crop teachers).
    """

    def __init__(self, pipelines: Sequence[Pipeline], n_global: int | None = None) -> None:
        self.pipelines = list(pipelines)
        if not self.pipelines:
            raise ValueError("pipelines must not be empty")
        self.n_global = (
            len(self.pipelines)
            if n_global is None
            else check_int(n_global, "n_global", low=1, high=len(self.pipelines))
        )

    def __len__(self) -> int:
        return len(self.pipelines)

    def __call__(self, images: torch.Tensor, seed: SeedLikeTorch = None) -> list[torch.Tensor]:
        gen = torch_generator(seed)
        return [p(images, gen) for p in self.pipelines]

    def __repr__(self) -> str:
        return f"MultiView({self.pipelines!r}, n_global={self.n_global})"
