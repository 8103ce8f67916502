"""The embedded default dataset: scikit-learn's bundled 8×8 handwritten digits (no download).

1,797 grayscale images with values 0..16 (Alpaydin & Kaynak 1998, UCI "optdigits" test set as
shipped by ``sklearn.datasets.load_digits``), mapped to uint8 by ``round(v · 255 / 16)``.
The library fixes a split: every fifth image (index ≡ 4 mod 5) is ``"test"`` (359 images), the
others are ``"train"`` (1,438); ``"all"`` keeps the 1,797. ``image_size`` > 8 upsamples
bilinearly (for backbones that need larger inputs).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from infossl._checks import check_choice, check_int
from infossl.data.dataset import ImageDataset

DIGITS_SPLITS = ("train", "test", "all")
#: Mean and standard deviation of all 1,797 uint8 digits scaled to [0, 1] (``channel_stats``).
DIGITS_MEAN = (0.30531,)
DIGITS_STD = (0.37589,)


def load_digits(split: str | None = None, image_size: int = 8) -> ImageDataset:
    """The digits as ``uint8 (N, 1, S, S)``; ``split`` None means ``"train"``."""
    split = check_choice("train" if split is None else split, "split", DIGITS_SPLITS)
    image_size = check_int(image_size, "image_size", low=8)
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    values = np.rint(bunch.images * (255.0 / 16.0)).astype(np.uint8)
    labels = bunch.target.astype(np.int64)
    keep = np.arange(len(labels))
    if split != "all":
        test = keep % 5 == 4
        keep = keep[test] if split == "test" else keep[~test]
    images = torch.from_numpy(values[keep][:, None].copy())
    if image_size != 8:
        up = F.interpolate(
            images.float(), size=(image_size, image_size), mode="bilinear", align_corners=False
        )
        images = up.round().clamp(0, 255).to(torch.uint8)
    name = "digits" if image_size == 8 else f"digits{image_size}"
    return ImageDataset(
        images, torch.from_numpy(labels[keep]), tuple(str(d) for d in range(10)), f"{name}-{split}"
    )
