"""Encoders, decoders and objective calls of the "to compress or not to compress" experiment.

Each view has its own encoder ``P(Z_i|X_i)`` (review §3.1): a trunk (identity, an MLP or a small
convnet) and a head. The head is deterministic (``Z = g(X)``) for the InfoMax and VICReg losses
and for Eq. 9, and a diagonal Gaussian (``Z = μ(X) + σ(X) ⊙ ξ``) for MIB and CEB, whose
compression terms are KL divergences between encoders.

* Vector views: **one encoder per view** (no weight sharing), because the two views are
  different linear mixings ``A_i S + B_i U_i`` (like two modalities); a shared map could not
  read both.
* Image views: **one shared convnet trunk** (both views are renders by the same function), with
  one head per view.
* Linear encoders have a homoscedastic Gaussian head (``σ`` a learned vector, not a function of
  ``X``), so a trained stochastic linear encoder is exactly ``Z = W X + b + diag(σ) ξ`` and its
  information is a closed form (:meth:`ViewEncoder.as_linear_encoder`).

Objective calls (:data:`OBJECTIVE_KINDS`): ``"pair"`` losses take ``(z1, z2)``; MIB takes the two
Gaussian encodings; CEB the forward encodings ``(e(z|x1), e(z|x2))`` with the other view's
encoder as backward encoder ``b(z|x')``; Eq. 9 (``dont_compress``) takes ``(z1, z2)`` plus a
decoder's reconstruction of each view from its own code.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from infossl._checks import check_choice, check_int
from infossl.framework import LossOutput
from infossl.nn.backbones import MLP, SmallConvNet
from infossl.nn.stochastic import DiagonalGaussian, GaussianEncoderHead
from infossl.objectives import ObjectiveLoss
from infossl.tasks.multiview import LinearEncoder

#: How each supported objective is called: registry name → kind.
OBJECTIVE_KINDS: dict[str, str] = {
    "simclr": "pair",
    "infonce": "pair",
    "vicreg": "pair",
    "barlow_twins": "pair",
    "mib": "mib",
    "ceb": "ceb",
    "dont_compress": "eq9",
}
#: Objectives that use stochastic (Gaussian) encoders and take a β.
STOCHASTIC_OBJECTIVES: tuple[str, ...] = ("mib", "ceb")
ENCODERS: tuple[str, ...] = ("linear", "mlp", "convnet")
DECODERS: tuple[str, ...] = ("auto", "linear", "mlp")


class HomoscedasticGaussianHead(nn.Module):
    """``N(W h + b, diag σ²)`` with ``σ = softplus(ρ) + min_std`` a learned vector (not a function
    of the input); samples are reparameterised. Cost ``O(B · in · D)``."""

    def __init__(self, in_dim: int, out_dim: int, *, min_std: float = 1e-3) -> None:
        super().__init__()
        self.linear = nn.Linear(in_dim, out_dim)
        self.raw_std = nn.Parameter(torch.zeros(out_dim))
        self.min_std = min_std

    def std(self) -> Tensor:
        return nn.functional.softplus(self.raw_std) + self.min_std

    def forward(
        self, h: Tensor, *, seed: torch.Generator | None = None, sample: bool = True
    ) -> DiagonalGaussian:
        mean = self.linear(h)
        dist = DiagonalGaussian(mean, self.std().expand_as(mean))
        return dist.with_sample(seed) if sample else dist


class ViewEncoder(nn.Module):
    """``trunk → head``: a representation ``Z`` (deterministic) or a :class:`DiagonalGaussian`.

    Args:
        trunk: feature extractor with a ``feat_dim`` attribute, or None for a linear encoder.
        in_dim: input width when ``trunk`` is None.
        dim_z: width of the representation.
        stochastic: Gaussian head (homoscedastic for a linear encoder, input-dependent σ
            otherwise) instead of a linear one.
    """

    def __init__(self, trunk: nn.Module | None, in_dim: int, dim_z: int, stochastic: bool) -> None:
        super().__init__()
        self.trunk = trunk if trunk is not None else nn.Identity()
        self.is_linear = trunk is None
        feat = in_dim if trunk is None else int(trunk.feat_dim)
        self.stochastic = bool(stochastic)
        if not stochastic:
            self.head: nn.Module = nn.Linear(feat, dim_z)
        elif self.is_linear:
            self.head = HomoscedasticGaussianHead(feat, dim_z)
        else:
            self.head = GaussianEncoderHead(feat, dim_z, min_std=1e-3)

    def forward(
        self, x: Tensor, generator: torch.Generator | None = None
    ) -> Tensor | DiagonalGaussian:
        h = self.trunk(x)
        if self.stochastic:
            return self.head(h, seed=generator)
        return self.head(h)

    def encode(self, x: Tensor, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """``(code, mean)``: a draw of ``Z`` and the encoder mean (equal when deterministic)."""
        out = self(x, generator)
        if isinstance(out, DiagonalGaussian):
            return out.sample, out.mean
        return out, out

    def as_linear_encoder(self, *, mean: bool = False) -> LinearEncoder:
        """This encoder as ``Z = W X + τ ξ`` (biases dropped: they change no information).

        A homoscedastic head ``W X + b + diag(σ) ξ`` is rescaled to ``diag(1/σ) W X + ξ``, an
        invertible map of ``Z`` that keeps every information term. ``mean=True`` gives the
        deterministic encoder mean ``W X`` instead.
        """
        if not self.is_linear:
            raise ValueError("only a linear encoder (no trunk) has a closed-form representation")
        if not self.stochastic:
            return LinearEncoder(self.head.weight.detach().double().numpy(), 0.0)
        weight = self.head.linear.weight.detach().double().numpy()
        if mean:
            return LinearEncoder(weight, 0.0)
        std = self.head.std().detach().double().numpy()
        return LinearEncoder(weight / std[:, None], 1.0)


class ViewDecoder(nn.Module):
    """Direct decoder ``Q(X|Z)`` of Eq. 9: linear, or a one-hidden-layer MLP, to the flattened
    view (the MSE of its output is the Barber–Agakov reconstruction term)."""

    def __init__(self, dim_z: int, out_dim: int, hidden: int | None) -> None:
        super().__init__()
        if hidden is None:
            self.net: nn.Module = nn.Linear(dim_z, out_dim)
        else:
            self.net = nn.Sequential(
                nn.Linear(dim_z, hidden), nn.ReLU(), nn.Linear(hidden, out_dim)
            )

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)


class TwoViewModel(nn.Module):
    """Both encoders (and, for Eq. 9, both decoders) of one training run.

    Args:
        encoder: ``"linear"``, ``"mlp"`` (two ReLU layers of width ``hidden``) or ``"convnet"``
            (:class:`~infossl.nn.backbones.SmallConvNet`, shared by the views).
        input_shape: shape of one view without the batch axis, ``(d_x,)`` or ``(C, H, W)``.
        dim_z: representation width.
        stochastic: Gaussian heads (MIB, CEB).
        decoders: add a decoder per view (Eq. 9).
        hidden: MLP width (and the hidden width of MLP decoders).
        decoder: ``"linear"``, ``"mlp"`` (one hidden ReLU layer) or ``"auto"`` (linear for a
            linear encoder, MLP otherwise).
        conv_width: convnet base width.
    """

    def __init__(
        self,
        encoder: str,
        input_shape: tuple[int, ...],
        dim_z: int,
        *,
        stochastic: bool = False,
        decoders: bool = False,
        hidden: int = 64,
        decoder: str = "auto",
        conv_width: int = 8,
    ) -> None:
        super().__init__()
        self.encoder_kind = check_choice(encoder, "encoder", ENCODERS)
        dim_z = check_int(dim_z, "dim_z", low=1)
        hidden = check_int(hidden, "hidden", low=1)
        in_dim = int(np.prod(input_shape))
        if encoder == "convnet":
            if len(input_shape) != 3:
                raise ValueError(f"the convnet encoder needs (C, H, W) views, got {input_shape}")
            trunk = SmallConvNet(input_shape[0], width=check_int(conv_width, "conv_width", low=1))
            trunks: tuple[nn.Module | None, nn.Module | None] = (trunk, trunk)
        else:
            if len(input_shape) != 1:
                raise ValueError(f"the {encoder} encoder needs vector views, got {input_shape}")
            trunks = (
                (None, None)
                if encoder == "linear"
                else (
                    MLP(in_dim, (hidden, hidden), batch_norm=False),
                    MLP(in_dim, (hidden, hidden), batch_norm=False),
                )
            )
        self.enc1 = ViewEncoder(trunks[0], in_dim, dim_z, stochastic)
        self.enc2 = ViewEncoder(trunks[1], in_dim, dim_z, stochastic)
        self.decoders = None
        if decoders:
            check_choice(decoder, "decoder", DECODERS)
            linear_decoder = decoder == "linear" or (decoder == "auto" and encoder == "linear")
            dec_hidden = None if linear_decoder else hidden
            self.decoders = nn.ModuleList(
                [ViewDecoder(dim_z, in_dim, dec_hidden), ViewDecoder(dim_z, in_dim, dec_hidden)]
            )


def objective_loss(
    kind: str,
    loss_fn: ObjectiveLoss,
    model: TwoViewModel,
    x1: Tensor,
    x2: Tensor,
    generator: torch.Generator | None = None,
) -> LossOutput:
    """One evaluation of the objective on a batch of view pairs (see the module docstring)."""
    kind = check_choice(kind, "kind", sorted(set(OBJECTIVE_KINDS.values())))
    out1, out2 = model.enc1(x1, generator), model.enc2(x2, generator)
    if kind == "pair":
        return loss_fn(out1, out2)
    if kind == "mib":
        return loss_fn(out1, out2)
    if kind == "ceb":
        return loss_fn([out1, out2], [out2, out1])
    if model.decoders is None:
        raise ValueError("the Eq. 9 objective needs a model built with decoders=True")
    recs = [dec(z) for dec, z in zip(model.decoders, (out1, out2), strict=True)]
    targets = [x1.flatten(1), x2.flatten(1)]
    return loss_fn(out1, out2, reconstructions=recs, targets=targets)


__all__ = [
    "DECODERS",
    "ENCODERS",
    "OBJECTIVE_KINDS",
    "STOCHASTIC_OBJECTIVES",
    "HomoscedasticGaussianHead",
    "TwoViewModel",
    "ViewDecoder",
    "ViewEncoder",
    "objective_loss",
]
