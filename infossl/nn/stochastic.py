"""Stochastic Gaussian encoders with reparameterised samples and closed-form KL helpers.

The framework's encoders ``P(Z|X)`` may be stochastic (paper §3.1). A
:class:`GaussianEncoderHead` maps features ``h`` to ``N(μ(h), diag σ²(h))`` with
``σ = softplus(raw) + min_std`` and draws ``z = μ + σ ⊙ ε``, ``ε ~ N(0, I)``, so gradients flow
through the sample (Kingma & Welling 2014). The KL helpers give the rate of VIB / β-VAE
(``KL(p(z|x) ‖ N(0, I))``, Alemi et al. 2017) and MIB's symmetrised KL between two encoders
(Federici et al. 2020).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
from torch import Tensor, nn

from infossl._checks import check_float, check_int

_LOG_2PI = math.log(2.0 * math.pi)


def make_generator(
    seed: int | torch.Generator | None, device: torch.device
) -> torch.Generator | None:
    """A torch Generator from a seed: an int seeds a new one, a Generator is used as is.

    ``None`` returns None, meaning torch's global generator (seed it with ``torch.manual_seed``).
    """
    if seed is None or isinstance(seed, torch.Generator):
        return seed
    seed = check_int(seed, "seed", low=0)
    return torch.Generator(device=device).manual_seed(seed)


def gaussian_kl(mean1: Tensor, std1: Tensor, mean2: Tensor, std2: Tensor) -> Tensor:
    """Per-sample ``KL(N(μ1, σ1²) ‖ N(μ2, σ2²))`` summed over dimensions, shape ``(B,)``.

    ``KL = Σ_d [ log σ2/σ1 + (σ1² + (μ1 − μ2)²) / (2 σ2²) − 1/2 ]``. ``O(B·D)``.
    """
    var1, var2 = std1.square(), std2.square()
    kl = torch.log(std2) - torch.log(std1) + (var1 + (mean1 - mean2).square()) / (2 * var2) - 0.5
    return kl.sum(dim=-1)


def standard_normal_kl(mean: Tensor, std: Tensor) -> Tensor:
    """Per-sample ``KL(N(μ, σ²) ‖ N(0, I))`` summed over dimensions, shape ``(B,)``."""
    return (0.5 * (std.square() + mean.square() - 1.0) - torch.log(std)).sum(dim=-1)


@dataclass(frozen=True)
class DiagonalGaussian:
    """A batch of diagonal Gaussians ``N(mean_i, diag std_i²)`` and, optionally, one sample each.

    Attributes:
        mean: ``(B, D)`` means.
        std: ``(B, D)`` positive standard deviations.
        sample: ``(B, D)`` reparameterised draws, or None.
    """

    mean: Tensor
    std: Tensor
    sample: Tensor | None = None

    def __post_init__(self) -> None:
        for name in ("mean", "std"):
            value = getattr(self, name)
            if not isinstance(value, Tensor) or not value.is_floating_point():
                raise TypeError(f"{name} must be a floating-point tensor")
        if self.mean.shape != self.std.shape or self.mean.dim() != 2:
            raise ValueError(
                f"mean and std must both be (B, D) with the same shape, got "
                f"{tuple(self.mean.shape)} and {tuple(self.std.shape)}"
            )
        if self.sample is not None and self.sample.shape != self.mean.shape:
            raise ValueError(
                f"sample must have the shape of mean {tuple(self.mean.shape)}, "
                f"got {tuple(self.sample.shape)}"
            )

    @property
    def log_var(self) -> Tensor:
        """``log σ²``, shape ``(B, D)``."""
        return 2.0 * torch.log(self.std)

    def rsample(self, seed: int | torch.Generator | None = None) -> Tensor:
        """A reparameterised draw ``μ + σ ⊙ ε``; the same seed gives the same draw."""
        gen = make_generator(seed, self.mean.device)
        eps = torch.randn(
            self.mean.shape, generator=gen, device=self.mean.device, dtype=self.mean.dtype
        )
        return self.mean + self.std * eps

    def with_sample(self, seed: int | torch.Generator | None = None) -> DiagonalGaussian:
        """A copy holding a fresh reparameterised sample."""
        return replace(self, sample=self.rsample(seed))

    def log_prob(self, z: Tensor) -> Tensor:
        """``log N(z_i; μ_i, σ_i²)`` summed over dimensions, shape ``(B,)``."""
        var = self.std.square()
        return -0.5 * ((z - self.mean).square() / var + 2 * torch.log(self.std) + _LOG_2PI).sum(-1)

    def entropy(self) -> Tensor:
        """Differential entropy of each Gaussian, ``Σ_d ½ log(2πe σ_d²)``, shape ``(B,)``."""
        return (0.5 * (_LOG_2PI + 1.0) + torch.log(self.std)).sum(dim=-1)

    def kl(self, other: DiagonalGaussian) -> Tensor:
        """Per-sample ``KL(self ‖ other)``, shape ``(B,)``."""
        return gaussian_kl(self.mean, self.std, other.mean, other.std)

    def kl_standard_normal(self) -> Tensor:
        """Per-sample ``KL(self ‖ N(0, I))``, shape ``(B,)``: the VIB / VAE rate."""
        return standard_normal_kl(self.mean, self.std)

    def symmetric_kl(self, other: DiagonalGaussian) -> Tensor:
        """Per-sample ``½ (KL(self‖other) + KL(other‖self))``, shape ``(B,)`` (MIB's D_SKL)."""
        return 0.5 * (self.kl(other) + other.kl(self))

    def detach(self) -> DiagonalGaussian:
        """A copy with every tensor detached."""
        sample = None if self.sample is None else self.sample.detach()
        return DiagonalGaussian(self.mean.detach(), self.std.detach(), sample)


class GaussianEncoderHead(nn.Module):
    """Linear map from features to a diagonal Gaussian ``N(μ, σ²)`` with a reparameterised sample.

    Args:
        in_dim: feature width.
        out_dim: latent width D.
        min_std: floor added to ``softplus(raw)`` so σ never reaches 0.

    ``forward(h, seed=None, sample=True)`` returns a :class:`DiagonalGaussian`; with
    ``sample=True`` it holds one draw per row (``seed``: int, Generator, or None for torch's
    global generator). Cost ``O(B · in · D)``.
    """

    def __init__(self, in_dim: int, out_dim: int, *, min_std: float = 1e-4) -> None:
        super().__init__()
        self.in_dim = check_int(in_dim, "in_dim", low=1)
        self.out_dim = check_int(out_dim, "out_dim", low=1)
        self.min_std = check_float(min_std, "min_std", low=0.0, low_open=True)
        self.linear = nn.Linear(self.in_dim, 2 * self.out_dim)

    def forward(
        self, h: Tensor, *, seed: int | torch.Generator | None = None, sample: bool = True
    ) -> DiagonalGaussian:
        mean, raw = self.linear(h).chunk(2, dim=-1)
        std = nn.functional.softplus(raw) + self.min_std
        dist = DiagonalGaussian(mean, std)
        return dist.with_sample(seed) if sample else dist
