"""Noise-injected networks and their information estimator (Goldfeld et al., ICML 2019).

A *noisy* network adds Gaussian noise after chosen layers, in training and in evaluation:
T_ℓ = S_ℓ + Z_ℓ with S_ℓ = f_ℓ(T_{ℓ−1}) and Z_ℓ ~ N(0, β²I). X → T_ℓ is then a genuine
stochastic channel and I(X;T_ℓ) is finite (for a deterministic network it is infinite for
continuous X, or log n for n distinct inputs and an injective map).

With X uniform over the m evaluation inputs,

    I(X;T_ℓ) = h(T_ℓ) − (1/m) Σ_x h(T_ℓ | X = x),   I(T_ℓ;Y) = h(T_ℓ) − Σ_y p(y) h(T_ℓ | Y = y),

and every term is the differential entropy of a distribution convolved with N(0, β²I), which the
*sample-propagation* (SP) estimator replaces by the entropy of the Gaussian mixture centred on
propagated samples s_1..s_n of S_ℓ:

    ĥ = −(1/(n·M)) Σ_i Σ_k ln[(1/n) Σ_j φ_β(s_i + z_ik − s_j)],   z_ik ~ N(0, β²I),

computed by Monte Carlo (M draws per centre). Unconditional centres come from one noisy forward
pass per input; the centres of h(T_ℓ|X = x) from ``n_conditional`` passes of the same x with
fresh noise in the layers before ℓ (for the first noisy layer they coincide and ĥ = (d/2)
ln(2πeβ²)). Error: O((log n)^{d/4}/√n) for fixed d, exponential in d (Goldfeld, Greenewald &
Polyanskiy 2019). Cost: O(n² M d) per entropy, blocked in memory.

References: Goldfeld, van den Berg, Greenewald, Melnyk, Nguyen, Kingsbury & Polyanskiy,
"Estimating Information Flow in Deep Neural Networks", ICML 2019; Goldfeld, Greenewald &
Polyanskiy, arXiv:1810.11589.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from infossl._checks import as_samples, check_float, check_int, check_seed

__all__ = [
    "GaussianNoiseInjection",
    "MixtureEntropy",
    "gaussian_mixture_entropy",
]

_BLOCK_ENTRIES = 1 << 21


@dataclass(frozen=True)
class MixtureEntropy:
    """An SP entropy estimate in nats: ``value`` and its Monte Carlo standard error."""

    value: float
    stderr: float
    n_centres: int
    n_mc: int


def _mixture_log_density_terms(
    centres: np.ndarray, beta: float, n_mc: int, rng: np.random.Generator
) -> np.ndarray:
    """ln[(1/n) Σⱼ φ_β(sᵢ + z − sⱼ)] for every centre i and draw z, shape (n·M,). Blocked."""
    n, d = centres.shape
    points = np.repeat(centres, n_mc, axis=0) + beta * rng.standard_normal((n * n_mc, d))
    c_sq = (centres**2).sum(axis=1)
    out = np.empty(len(points))
    step = max(1, _BLOCK_ENTRIES // max(n, 1))
    for a in range(0, len(points), step):
        p = points[a : a + step]
        d2 = (p**2).sum(axis=1)[:, None] + c_sq[None, :] - 2.0 * p @ centres.T
        logk = -np.maximum(d2, 0.0) / (2.0 * beta**2)
        m = logk.max(axis=1)
        out[a : a + step] = m + np.log(np.exp(logk - m[:, None]).sum(axis=1))
    return out - math.log(n) - 0.5 * d * math.log(2.0 * math.pi * beta**2)


def gaussian_mixture_entropy(
    centres: Any, beta: float, *, n_mc: int = 10, seed: int | np.random.Generator = 0
) -> MixtureEntropy:
    """SP estimate of h(P̂ ∗ N(0, β²I)), P̂ the empirical distribution of ``centres`` (n, d).

    Monte Carlo with ``n_mc`` draws per centre; ``stderr`` is the Monte Carlo error (the
    standard deviation of −ln q over the n·M draws / √(n·M)). One centre gives
    (d/2) ln(2πeβ²) up to that error; centres ≥ 20β apart give ln n + (d/2) ln(2πeβ²).
    O(n² M d) time, blocked memory.
    """
    centres = as_samples(centres, "centres")
    beta = check_float(beta, "beta", low=0.0, low_open=True)
    n_mc = check_int(n_mc, "n_mc", low=1)
    rng = check_seed(seed)
    terms = -_mixture_log_density_terms(centres, beta, n_mc, rng)
    stderr = float(terms.std(ddof=1) / math.sqrt(len(terms))) if len(terms) > 1 else 0.0
    return MixtureEntropy(float(terms.mean()), stderr, len(centres), n_mc)


class GaussianNoiseInjection:
    """Adds N(0, β²I) to the outputs of named modules, in training and in evaluation.

    Installed as forward hooks (``model.get_submodule(name)``); the noise comes from a private
    ``torch.Generator`` seeded with ``seed`` (drawn on the CPU, moved to the output's device),
    so the global random state is untouched. The last noiseless output S_ℓ of each layer is
    kept in :attr:`clean` (detached), which the SP estimator needs. ``enabled`` switches the
    noise off without removing the hooks; :meth:`remove` removes them.
    """

    def __init__(
        self, model: nn.Module, layers: Sequence[str], beta: float, *, seed: int = 0
    ) -> None:
        if isinstance(layers, str) or not layers:
            raise TypeError(f"layers must be a non-empty sequence of module names, got {layers!r}")
        self.beta = check_float(beta, "beta", low=0.0, low_open=True)
        self.layers = tuple(layers)
        self.seed = check_int(seed, "seed", low=0)
        self.generator = torch.Generator().manual_seed(self.seed)
        self.enabled = True
        self.clean: dict[str, torch.Tensor] = {}
        self._handles = []
        for name in self.layers:
            module = _submodule(model, name)
            self._handles.append(module.register_forward_hook(self._hook(name)))

    def _hook(self, name: str) -> Any:
        def hook(module: nn.Module, inputs: Any, output: torch.Tensor) -> torch.Tensor:
            self.clean[name] = output.detach()
            if not self.enabled:
                return output
            noise = torch.randn(output.shape, generator=self.generator, dtype=output.dtype)
            return output + self.beta * noise.to(output.device)

        return hook

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []


def _submodule(model: nn.Module, name: str) -> nn.Module:
    if not isinstance(name, str):
        raise TypeError(f"layer names must be strings, got {name!r}")
    try:
        return model.get_submodule(name)
    except AttributeError:
        names = [n for n, _ in model.named_modules() if n]
        raise ValueError(f"layers: no module named {name!r} (valid: {names})") from None
