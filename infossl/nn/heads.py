"""Projector and predictor heads of the joint-embedding methods.

Every head is an :class:`MLPHead`: hidden blocks ``Linear → [BatchNorm] → activation`` and a last
``Linear → [BatchNorm]``. The factories reproduce the published layouts:

| factory | layout (in → … → out) | reference |
|---|---|---|
| :func:`simclr_projector` | in → 2048 (BN, ReLU) → 128 | Chen et al. 2020 (SimCLR v2 adds BN) |
| :func:`moco_projector` | in → 2048 (ReLU) → 128, no BN | Chen et al. 2020 (MoCo v2) |
| :func:`byol_projector` / :func:`byol_predictor` | in → 4096 (BN, ReLU) → 256 | Grill et al. 2020 |
| :func:`simsiam_projector` | in → 2048 → 2048 (BN, ReLU) → 2048 (BN, no affine) | Chen & He 2021 |
| :func:`simsiam_predictor` | 2048 → 512 (BN, ReLU) → 2048 | Chen & He 2021 |
| :func:`vicreg_projector` | in → 8192 → 8192 (BN, ReLU) → 8192 | Bardes et al. 2022 |
| :func:`barlow_projector` | in → 8192 → 8192 (BN, ReLU) → 8192 | Zbontar et al. 2021 |
| :class:`DINOHead` | in → 2048 → 2048 (GELU) → 256, ℓ2-norm, weight-normed → K | Caron 2021 |
| :class:`Prototypes` | in → K, no bias, ℓ2-normalised weights | Caron et al. 2020 (SwAV) |

CIFAR-scale recipes use smaller widths (e.g. 2048 for VICReg/Barlow); every width is an argument.
:func:`projector` and :func:`predictor` pick a factory by style name, the way a method's
:class:`~infossl.objectives.recipe.MethodRecipe` names it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from infossl._checks import check_choice, check_int, check_sequence_of_int

_ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU}


class MLPHead(nn.Module):
    """A multi-layer perceptron head: hidden ``Linear → [BN] → act`` blocks, then ``Linear → [BN]``.

    Args:
        dims: layer widths ``[in, hidden_1, …, out]`` (at least two entries).
        batch_norm: BatchNorm1d after each hidden Linear.
        last_batch_norm: BatchNorm1d after the last Linear (SimSiam's projector).
        last_affine: whether that last BatchNorm has a learnable scale and shift.
        activation: ``"relu"`` or ``"gelu"``.
        bias: bias in the hidden Linear layers (redundant before a BatchNorm).
        last_bias: bias in the last Linear layer.

    Input ``(B, in)``, output ``(B, out)``. Cost ``O(B · Σ d_i d_{i+1})``.
    """

    def __init__(
        self,
        dims: Sequence[int],
        *,
        batch_norm: bool = True,
        last_batch_norm: bool = False,
        last_affine: bool = True,
        activation: str = "relu",
        bias: bool = True,
        last_bias: bool = True,
    ) -> None:
        super().__init__()
        dims = check_sequence_of_int(dims, "dims", low=1)
        if len(dims) < 2:
            raise ValueError(f"dims must list at least an input and an output width, got {dims}")
        act = _ACTIVATIONS[check_choice(activation, "activation", _ACTIVATIONS)]
        layers: list[nn.Module] = []
        for d_in, d_out in itertools.pairwise(dims[:-1]):
            layers.append(nn.Linear(d_in, d_out, bias=bias))
            if batch_norm:
                layers.append(nn.BatchNorm1d(d_out))
            layers.append(act())
        layers.append(nn.Linear(dims[-2], dims[-1], bias=last_bias))
        if last_batch_norm:
            layers.append(nn.BatchNorm1d(dims[-1], affine=last_affine))
        self.net = nn.Sequential(*layers)
        self.in_dim = dims[0]
        self.out_dim = dims[-1]

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


def simclr_projector(
    in_dim: int, hidden_dim: int = 2048, out_dim: int = 128, *, num_hidden: int = 1
) -> MLPHead:
    """SimCLR projector ``in → hidden (BN, ReLU) → out`` (``num_hidden`` hidden blocks)."""
    return MLPHead([in_dim, *_hidden(hidden_dim, num_hidden), out_dim])


def moco_projector(
    in_dim: int, hidden_dim: int = 2048, out_dim: int = 128, *, num_hidden: int = 1
) -> MLPHead:
    """MoCo v2 projector ``in → hidden (ReLU) → out`` without BatchNorm."""
    return MLPHead([in_dim, *_hidden(hidden_dim, num_hidden), out_dim], batch_norm=False)


def byol_projector(
    in_dim: int, hidden_dim: int = 4096, out_dim: int = 256, *, num_hidden: int = 1
) -> MLPHead:
    """BYOL projector ``in → hidden (BN, ReLU) → out``."""
    return MLPHead([in_dim, *_hidden(hidden_dim, num_hidden), out_dim])


def byol_predictor(dim: int = 256, hidden_dim: int = 4096) -> MLPHead:
    """BYOL predictor ``dim → hidden (BN, ReLU) → dim`` (the cross-decoder ``q(z2|z1)``)."""
    return MLPHead([dim, hidden_dim, dim])


def simsiam_projector(
    in_dim: int, hidden_dim: int = 2048, out_dim: int = 2048, *, num_hidden: int = 2
) -> MLPHead:
    """SimSiam projector: two hidden BN-ReLU blocks, last BN without affine, no biases."""
    return MLPHead(
        [in_dim, *_hidden(hidden_dim, num_hidden), out_dim],
        last_batch_norm=True,
        last_affine=False,
        bias=False,
        last_bias=False,
    )


def simsiam_predictor(dim: int = 2048, hidden_dim: int = 512) -> MLPHead:
    """SimSiam bottleneck predictor ``dim → hidden (BN, ReLU) → dim``."""
    return MLPHead([dim, hidden_dim, dim], bias=False)


def vicreg_projector(in_dim: int, dims: Sequence[int] = (8192, 8192, 8192)) -> MLPHead:
    """VICReg expander: hidden BN-ReLU blocks, last Linear without bias."""
    return MLPHead([in_dim, *dims], last_bias=False)


def barlow_projector(in_dim: int, dims: Sequence[int] = (8192, 8192, 8192)) -> MLPHead:
    """Barlow Twins projector: hidden blocks without bias (BN follows), last Linear without bias."""
    return MLPHead([in_dim, *dims], bias=False, last_bias=False)


def _hidden(width: int, count: int) -> list[int]:
    return [width] * check_int(count, "num_hidden", low=1)


_PROJECTORS = {
    "simclr": simclr_projector,
    "moco": moco_projector,
    "byol": byol_projector,
    "simsiam": simsiam_projector,
    "vicreg": lambda i, h, o, *, num_hidden: vicreg_projector(i, [*_hidden(h, num_hidden), o]),
    "barlow": lambda i, h, o, *, num_hidden: barlow_projector(i, [*_hidden(h, num_hidden), o]),
}
_PREDICTORS = {"byol": byol_predictor, "simsiam": simsiam_predictor}


def projector(
    style: str, in_dim: int, hidden_dim: int, out_dim: int, *, num_hidden: int = 1
) -> MLPHead:
    """The projector factory of ``style`` (``simclr``, ``moco``, ``byol``, ``simsiam``,
    ``vicreg``, ``barlow``) with ``num_hidden`` hidden layers of ``hidden_dim`` units."""
    factory = _PROJECTORS[check_choice(style, "style", _PROJECTORS)]
    return factory(in_dim, hidden_dim, out_dim, num_hidden=num_hidden)


def predictor(style: str, dim: int, hidden_dim: int) -> MLPHead:
    """The predictor factory of ``style`` (``byol``, ``simsiam``): ``dim → hidden → dim``."""
    return _PREDICTORS[check_choice(style, "style", _PREDICTORS)](dim, hidden_dim)


class DINOHead(nn.Module):
    """DINO head: MLP to a bottleneck, ℓ2-normalise, weight-normalised Linear to ``out_dim``.

    With ``norm_last_layer=True`` the weight-norm magnitude is fixed at 1 (not trained), as in
    the reference recipe for ViTs. Output: ``(B, out_dim)`` logits (before temperature).
    """

    def __init__(
        self,
        in_dim: int,
        out_dim: int = 65536,
        *,
        hidden_dim: int = 2048,
        bottleneck_dim: int = 256,
        num_layers: int = 3,
        batch_norm: bool = False,
        norm_last_layer: bool = True,
    ) -> None:
        super().__init__()
        num_layers = check_int(num_layers, "num_layers", low=1)
        dims = [in_dim] + [hidden_dim] * (num_layers - 1) + [bottleneck_dim]
        self.mlp = MLPHead(dims, batch_norm=batch_norm, activation="gelu")
        last = nn.Linear(bottleneck_dim, check_int(out_dim, "out_dim", low=1), bias=False)
        self.last_layer = nn.utils.parametrizations.weight_norm(last)
        magnitude = self.last_layer.parametrizations.weight.original0
        with torch.no_grad():
            magnitude.fill_(1.0)
        magnitude.requires_grad_(not norm_last_layer)

    def forward(self, x: Tensor) -> Tensor:
        z = nn.functional.normalize(self.mlp(x), dim=-1)
        return self.last_layer(z)


class Prototypes(nn.Module):
    """SwAV prototypes: ``scores = z · Cᵀ`` with ``C`` the ``(K, dim)`` prototype matrix.

    Call :meth:`normalize_` after every optimiser step to keep the prototypes on the unit sphere
    (the reference recipe); with ℓ2-normalised ``z`` the scores are then cosine similarities.
    """

    def __init__(self, dim: int, num_prototypes: int = 3000) -> None:
        super().__init__()
        self.layer = nn.Linear(
            check_int(dim, "dim", low=1),
            check_int(num_prototypes, "num_prototypes", low=2),
            bias=False,
        )
        self.normalize_()

    @torch.no_grad()
    def normalize_(self) -> None:
        """ℓ2-normalise every prototype in place."""
        self.layer.weight.copy_(nn.functional.normalize(self.layer.weight, dim=1))

    def forward(self, z: Tensor) -> Tensor:
        return self.layer(z)
