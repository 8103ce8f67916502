"""Critics ``f(x, y)`` that score every pair of a batch, and density models for upper bounds.

A critic maps a batch ``x`` (K, d_x) and ``y`` (K, d_y) to the ``K x K`` score matrix
``S[i, j] = f(x_i, y_j)`` consumed by :mod:`infossl.bounds` (Poole et al. 2019, Sec. 5):

* :class:`SeparableCritic` ``f = g(x)^T h(y) / tau`` (optionally cosine): ``2K`` network passes
  plus one ``K x K`` product; the SSL default.
* :class:`ConcatCritic` ``f = MLP([x, y])``: ``K^2`` passes, more expressive. The first layer is
  split, ``W [x; y] = W_x x + W_y y``, so it costs two ``K``-row products plus a broadcast sum.
* :class:`BilinearCritic` ``f = x^T W y``: one parameter matrix, exact for Gaussian pairs up to
  terms that InfoNCE ignores.

The upper bounds and DoE need normalised densities instead: :class:`GaussianConditional`
``q(y|x) = N(mu(x), diag sigma^2(x))`` and :class:`GaussianMixture` ``q(y)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

CRITICS: tuple[str, ...] = ("separable", "concat", "bilinear")

#: log-variances of the Gaussian models are squashed softly into (-LOG_VAR_LIMIT, LOG_VAR_LIMIT).
LOG_VAR_LIMIT = 15.0
_LOG_2PI = math.log(2.0 * math.pi)


def mlp(dim_in: int, hidden: Sequence[int], dim_out: int) -> nn.Sequential:
    """A ReLU multi-layer perceptron ``dim_in -> hidden... -> dim_out`` (linear output)."""
    layers: list[nn.Module] = []
    width = dim_in
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, dim_out))
    return nn.Sequential(*layers)


class SeparableCritic(nn.Module):
    """``f(x, y) = g(x)^T h(y) / temperature``; with ``cosine=True`` the embeddings are unit-norm.

    ``g`` and ``h`` are MLPs ``d -> hidden -> embed_dim``. Cost ``O(K (d + h) h + K^2 embed_dim)``.
    """

    def __init__(
        self,
        dim_x: int,
        dim_y: int,
        hidden: Sequence[int] = (256, 256),
        embed_dim: int = 32,
        *,
        cosine: bool = False,
        temperature: float = 1.0,
    ) -> None:
        super().__init__()
        self.g = mlp(dim_x, hidden, embed_dim)
        self.h = mlp(dim_y, hidden, embed_dim)
        self.cosine = cosine
        self.temperature = temperature

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        gx, hy = self.g(x), self.h(y)
        if self.cosine:
            gx = nn.functional.normalize(gx, dim=1)
            hy = nn.functional.normalize(hy, dim=1)
        out: Tensor = gx @ hy.T / self.temperature
        return out


class ConcatCritic(nn.Module):
    """``f(x, y) = MLP([x, y])`` evaluated on all ``K^2`` pairs. Cost ``O(K^2 h^2)``."""

    def __init__(self, dim_x: int, dim_y: int, hidden: Sequence[int] = (256, 256)) -> None:
        super().__init__()
        if not hidden:
            raise ValueError("hidden must name at least one layer for the concat critic")
        first, *rest = hidden
        self.first_x = nn.Linear(dim_x, first)
        self.first_y = nn.Linear(dim_y, first, bias=False)
        self.rest = nn.Sequential(nn.ReLU(), mlp(first, rest, 1))

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        pre = self.first_x(x)[:, None, :] + self.first_y(y)[None, :, :]  # (K, K, first)
        out: Tensor = self.rest(pre).squeeze(-1)
        return out


class BilinearCritic(nn.Module):
    """``f(x, y) = x^T W y`` with a learned ``d_x x d_y`` matrix ``W`` (zero-initialised)."""

    def __init__(self, dim_x: int, dim_y: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(dim_x, dim_y))

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        return x @ self.weight @ y.T


def make_critic(
    name: str,
    dim_x: int,
    dim_y: int,
    *,
    hidden: Sequence[int] = (256, 256),
    embed_dim: int = 32,
    cosine: bool = False,
    temperature: float = 1.0,
) -> nn.Module:
    """Build a critic by name: ``"separable"``, ``"concat"`` or ``"bilinear"``."""
    if name == "separable":
        return SeparableCritic(
            dim_x, dim_y, hidden, embed_dim, cosine=cosine, temperature=temperature
        )
    if name == "concat":
        return ConcatCritic(dim_x, dim_y, hidden)
    if name == "bilinear":
        return BilinearCritic(dim_x, dim_y)
    raise ValueError(f"critic must be one of {list(CRITICS)}, got {name!r}")


def _soft_limit(raw: Tensor) -> Tensor:
    return LOG_VAR_LIMIT * torch.tanh(raw / LOG_VAR_LIMIT)


class GaussianConditional(nn.Module):
    """``q(y|x) = N(mu(x), diag exp(s(x)))`` with MLP mean and log-variance (Cheng et al. 2020).

    ``log_prob(x, y)`` scores the ``K`` pairs (``O(K d)``); ``log_prob_matrix(x, y)[i, j] =
    log q(y_j | x_i)`` scores all ``K^2`` pairs (``O(K^2 d)`` time and memory).
    """

    def __init__(self, dim_x: int, dim_y: int, hidden: Sequence[int] = (256, 256)) -> None:
        super().__init__()
        self.mean = mlp(dim_x, hidden, dim_y)
        self.log_var = mlp(dim_x, hidden, dim_y)

    def _params(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return self.mean(x), _soft_limit(self.log_var(x))

    def log_prob(self, x: Tensor, y: Tensor) -> Tensor:
        mu, log_var = self._params(x)
        return -0.5 * (((y - mu) ** 2) * torch.exp(-log_var) + log_var + _LOG_2PI).sum(dim=1)

    def log_prob_matrix(self, x: Tensor, y: Tensor) -> Tensor:
        mu, log_var = self._params(x)
        diff2 = (y[None, :, :] - mu[:, None, :]) ** 2  # (K_x, K_y, d)
        quad = (diff2 * torch.exp(-log_var)[:, None, :]).sum(dim=2)
        return -0.5 * (quad + (log_var + _LOG_2PI).sum(dim=1)[:, None])


class GaussianMixture(nn.Module):
    """``q(y) = sum_c pi_c N(m_c, diag exp(s_c))`` with ``n_components`` learned components.

    Means start at ``init_means`` (the data mean, or randomly chosen training points); unit
    variances (right for standardised data).
    ``log_prob`` is ``O(K C d)`` and uses logsumexp over components.
    """

    def __init__(self, init_means: Tensor) -> None:
        super().__init__()
        n_components, dim = init_means.shape
        self.logits = nn.Parameter(torch.zeros(n_components))
        self.means = nn.Parameter(init_means.clone())
        self.log_var = nn.Parameter(torch.zeros(n_components, dim))

    def log_prob(self, y: Tensor) -> Tensor:
        log_var = _soft_limit(self.log_var)
        diff2 = (y[:, None, :] - self.means[None, :, :]) ** 2  # (K, C, d)
        per_component = -0.5 * (diff2 * torch.exp(-log_var) + log_var + _LOG_2PI).sum(dim=2)
        return torch.logsumexp(per_component + torch.log_softmax(self.logits, dim=0), dim=1)
