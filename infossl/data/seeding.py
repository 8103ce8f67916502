"""Turn a ``seed`` argument into a ``torch.Generator`` (CPU) for augmentation draws."""

from __future__ import annotations

import numbers

import numpy as np
import torch

SeedLikeTorch = int | np.random.Generator | torch.Generator | None


def torch_generator(seed: SeedLikeTorch, name: str = "seed") -> torch.Generator:
    """An int seeds a fresh CPU generator; a ``torch.Generator`` is used as is (and advanced);
    a numpy Generator gives one 63-bit integer seed; None seeds from the operating system."""
    if isinstance(seed, torch.Generator):
        if seed.device.type != "cpu":
            raise ValueError(
                f"{name} must be a CPU torch.Generator (parameters are drawn on the "
                f"CPU and moved), got one on {seed.device}"
            )
        return seed
    gen = torch.Generator()
    if seed is None:
        gen.seed()
    elif isinstance(seed, np.random.Generator):
        gen.manual_seed(int(seed.integers(0, 2**63 - 1)))
    elif isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(
            f"{name} must be a non-negative int, a numpy or torch Generator or None, got {seed!r}"
        )
    else:
        gen.manual_seed(int(seed))
    return gen
