"""Augmentation presets per method, as :class:`~infossl.data.augment.MultiView` objects.

* :func:`simclr` — two views from one pipeline (Chen et al. 2020, appendix A): random resized
  crop (scale 0.08–1), flip ½, colour jitter (0.4, 0.4, 0.4, 0.1) with p 0.8 (strength ½ of the
  ImageNet setting, the CIFAR choice), grayscale 0.2, blur ½ at ImageNet scale only.
* :func:`byol` — two *different* views (Grill et al. 2020, table 6): jitter (0.4, 0.4, 0.2,
  0.1) p 0.8, grayscale 0.2, blur p 1.0 / 0.1, solarize p 0.0 / 0.2.
* :func:`multicrop` — two global views (BYOL-like asymmetric) plus ``n_local`` small crops
  (Caron et al. 2020, SwAV; 2021, DINO): global scale 0.4–1, local scale 0.05–0.4.
* :func:`digits` — one-channel small images: mild crop and Gaussian noise, no flip (digits are
  not mirror-symmetric), no colour operations.
* :func:`evaluation` — no randomness: the image (optionally normalised), for probes and kNN.

Small-image rule: blur is off by default below 64 px, as in the CIFAR recipes of SimCLR,
lightly and solo-learn (a σ of 0.1–2 px at 32 px destroys most of the signal).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from infossl._checks import check_choice, check_int
from infossl.data.augment import (
    ColorJitter,
    GaussianNoise,
    MultiView,
    Normalize,
    Op,
    Pipeline,
    RandomGaussianBlur,
    RandomGrayscale,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomSolarize,
)

BLUR_MIN_SIZE = 64
Stats = Sequence[float] | None


def _tail(mean: Stats, std: Stats) -> list[Op]:
    if (mean is None) != (std is None):
        raise ValueError("pass both mean and std, or neither")
    return [] if mean is None else [Normalize(mean, std)]  # type: ignore[arg-type]


def _colour(channels: int, jitter: Sequence[float], jitter_p: float, gray_p: float) -> list[Op]:
    channels = check_choice(channels, "channels", (1, 3))
    if len(jitter) != 4:
        raise ValueError(f"jitter must be (brightness, contrast, saturation, hue), got {jitter!r}")
    if channels == 1:
        return [ColorJitter(jitter[0], jitter[1], 0.0, 0.0, p=jitter_p)]
    return [ColorJitter(*jitter, p=jitter_p), RandomGrayscale(gray_p)]


def _view(
    size: int,
    scale: Sequence[float],
    blur_p: float,
    solarize_p: float,
    *,
    channels: int,
    jitter: Sequence[float],
    jitter_p: float,
    gray_p: float,
    mean: Stats,
    std: Stats,
) -> Pipeline:
    """Crop, flip, colour (and grey), blur and solarisation with the given probabilities, then
    normalisation; the keyword arguments are what every view of a preset shares."""
    ops: list[Op] = [RandomResizedCrop(size, scale), RandomHorizontalFlip(0.5)]
    ops += _colour(channels, jitter, jitter_p, gray_p)
    if blur_p > 0:
        ops.append(RandomGaussianBlur(blur_p))
    if solarize_p > 0:
        ops.append(RandomSolarize(solarize_p))
    return Pipeline(ops + _tail(mean, std))


def _views(
    channels: int,
    jitter: Sequence[float],
    jitter_p: float,
    gray_p: float,
    mean: Stats,
    std: Stats,
) -> Callable[[int, Sequence[float], float, float], Pipeline]:
    """:func:`_view` with the options every view of a preset shares bound in."""
    return partial(
        _view,
        channels=channels,
        jitter=jitter,
        jitter_p=jitter_p,
        gray_p=gray_p,
        mean=mean,
        std=std,
    )


def simclr(
    size: int = 32,
    *,
    channels: int = 3,
    min_scale: float = 0.08,
    jitter: Sequence[float] = (0.4, 0.4, 0.4, 0.1),
    jitter_p: float = 0.8,
    gray_p: float = 0.2,
    blur_p: float | None = None,
    mean: Stats = None,
    std: Stats = None,
) -> MultiView:
    """SimCLR's two symmetric views; ``blur_p`` None → ½ if ``size ≥ 64`` else 0."""
    size = check_int(size, "size", low=1)
    blur = (0.5 if size >= BLUR_MIN_SIZE else 0.0) if blur_p is None else blur_p
    view = _views(channels, jitter, jitter_p, gray_p, mean, std)
    pipeline = view(size, (min_scale, 1.0), blur, 0.0)
    return MultiView([pipeline, pipeline])


def byol(
    size: int = 32,
    *,
    channels: int = 3,
    min_scale: float = 0.08,
    jitter: Sequence[float] = (0.4, 0.4, 0.2, 0.1),
    jitter_p: float = 0.8,
    gray_p: float = 0.2,
    blur_p: Sequence[float] | None = None,
    solarize_p: Sequence[float] = (0.0, 0.2),
    mean: Stats = None,
    std: Stats = None,
) -> MultiView:
    """BYOL's asymmetric pair; ``blur_p`` None → (1.0, 0.1) if ``size ≥ 64`` else (0, 0)."""
    size = check_int(size, "size", low=1)
    blur = ((1.0, 0.1) if size >= BLUR_MIN_SIZE else (0.0, 0.0)) if blur_p is None else blur_p
    if len(blur) != 2 or len(solarize_p) != 2:
        raise ValueError("blur_p and solarize_p must each give one probability per view (2)")
    view = _views(channels, jitter, jitter_p, gray_p, mean, std)
    return MultiView([view(size, (min_scale, 1.0), blur[k], solarize_p[k]) for k in range(2)])


def multicrop(
    global_size: int = 32,
    local_size: int = 16,
    n_local: int = 4,
    *,
    channels: int = 3,
    global_scale: Sequence[float] = (0.4, 1.0),
    local_scale: Sequence[float] = (0.05, 0.4),
    jitter: Sequence[float] = (0.4, 0.4, 0.2, 0.1),
    jitter_p: float = 0.8,
    gray_p: float = 0.2,
    blur_p: Sequence[float] | None = None,
    solarize_p: Sequence[float] = (0.0, 0.2, 0.0),
    mean: Stats = None,
    std: Stats = None,
) -> MultiView:
    """Two global views then ``n_local`` local views; ``blur_p``/``solarize_p`` give
    (global 1, global 2, local). ``blur_p`` None → DINO's (1.0, 0.1, 0.5) if
    ``global_size ≥ 64`` else none."""
    global_size = check_int(global_size, "global_size", low=1)
    local_size = check_int(local_size, "local_size", low=1)
    n_local = check_int(n_local, "n_local", low=0)
    blur = (
        ((1.0, 0.1, 0.5) if global_size >= BLUR_MIN_SIZE else (0.0, 0.0, 0.0))
        if blur_p is None
        else blur_p
    )
    if len(blur) != 3 or len(solarize_p) != 3:
        raise ValueError(
            "blur_p and solarize_p must each give 3 probabilities (global 1, global 2, local)"
        )
    view = _views(channels, jitter, jitter_p, gray_p, mean, std)
    views = [view(global_size, global_scale, blur[k], solarize_p[k]) for k in range(2)]
    local = view(local_size, local_scale, blur[2], solarize_p[2])
    return MultiView(views + [local] * n_local, n_global=2)


def digits(
    size: int = 8,
    *,
    min_scale: float = 0.5,
    ratio: Sequence[float] = (0.8, 1.25),
    noise_std: float = 0.05,
    mean: Stats = None,
    std: Stats = None,
) -> MultiView:
    """Two views for small one-channel images: crop (scale ≥ ``min_scale``), Gaussian noise."""
    size = check_int(size, "size", low=1)
    view = Pipeline(
        [
            RandomResizedCrop(size, (min_scale, 1.0), ratio),
            GaussianNoise(noise_std),
            *_tail(mean, std),
        ]
    )
    return MultiView([view, view])


def evaluation(mean: Stats = None, std: Stats = None) -> Pipeline:
    """The un-augmented image as float (normalised if ``mean``/``std`` are given)."""
    return Pipeline(_tail(mean, std))


PRESETS: dict[str, Callable[..., MultiView]] = {
    "simclr": simclr,
    "byol": byol,
    "multicrop": multicrop,
    "digits": digits,
}


def build_views(name: str, **options: Any) -> MultiView:
    """The preset ``name`` (one of :data:`PRESETS`) with ``options``."""
    check_choice(name, "preset", sorted(PRESETS))
    return PRESETS[name](**options)
