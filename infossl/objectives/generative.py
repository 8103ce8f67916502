"""Generative objectives: autoencoder, denoising autoencoder and masked reconstruction (MAE).

Reading (review §2.2, Barber–Agakov): a reconstruction negative log-likelihood upper-bounds
``H(X|Z)``, so minimising it maximises a lower bound ``H(X) − E[−log q(x|z)]`` on ``I(X;Z)``.
The autoencoder uses the direct decoder ``Q(X|Z)``; masked reconstruction is a cross-decoder from
the visible part to the masked part, ``Q(X_mask|Z)`` with ``Z`` encoding ``X_vis``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from infossl._checks import check_choice, check_float, check_int
from infossl.framework import (
    LossOutput,
    Objective,
    WeightedTerm,
    cross_decoder,
    data,
    encoder,
    entropy,
)
from infossl.framework import direct_decoder as direct_decoder_step
from infossl.nn.stochastic import make_generator
from infossl.objectives._base import ObjectiveLoss, register_objective
from infossl.objectives._inputs import require
from infossl.objectives._likelihood import (
    LIKELIHOODS,
    check_reconstruction,
    reconstruction_loss,
    reconstruction_term,
)
from infossl.objectives.recipe import MethodRecipe


@register_objective(
    "autoencoder",
    family="generative",
    paper="Hinton & Salakhutdinov 2006; information reading: Barber & Agakov 2003 and the review's "
    "§2.2",
    formula="L = E‖x − g(f(x))‖² (mse) or E[−log q(x|f(x))] (gaussian / bernoulli)",
    summary="reconstruct the input through a bottleneck",
    inputs="forward(reconstruction, target): decoder output and input, each (B, ...)",
    aliases=("ae",),
    recipe=MethodRecipe(layout="decoder", proj_hidden=512, optimizer="adamw"),
)
class AutoencoderLoss(ObjectiveLoss):
    """Reconstruction loss of an autoencoder; the term is ``H(X|Z)`` (upper bound or MSE proxy).

    ``likelihood``: ``"mse"`` (mean over elements), ``"gaussian"`` (NLL with std ``sigma``,
    nats) or ``"bernoulli"`` (logits, targets in {0, 1}, nats). ``O(B·D)``.
    """

    input_variable = "X"

    def __init__(self, likelihood: str = "mse", *, sigma: float = 1.0) -> None:
        super().__init__()
        self.likelihood = check_choice(likelihood, "likelihood", LIKELIHOODS)
        self.sigma = check_float(sigma, "sigma", low=0.0, low_open=True)

    def build_objective(self, num_views: int) -> Objective:
        path = (
            data(self.input_variable),
            encoder(self.input_variable, "Z"),
            direct_decoder_step("Z", "X"),
        )
        term = reconstruction_term(
            "X", "Z", path, self.likelihood, "Barber–Agakov: I(X;Z) ≥ H(X) − this"
        )
        return Objective([WeightedTerm("reconstruction", term)], name=type(self).__name__)

    def forward(self, reconstruction: Tensor, target: Tensor) -> LossOutput:
        reconstruction, target = check_reconstruction(reconstruction, target)
        value = reconstruction_loss(reconstruction, target, self.likelihood, sigma=self.sigma)
        return self.output({"reconstruction": value})


@register_objective(
    "denoising_autoencoder",
    family="generative",
    paper="Vincent, Larochelle, Bengio & Manzagol, Extracting and Composing Robust Features with "
    "Denoising Autoencoders, ICML 2008",
    formula="L = E‖x − g(f(x̃))‖², x̃ a corruption of x (applied before the encoder)",
    summary="reconstruct the clean input from a corrupted one",
    inputs="forward(reconstruction, target): decoder output from the corrupted input and the clean "
    "input, each (B, ...)",
    aliases=("dae",),
    recipe=MethodRecipe(layout="decoder", proj_hidden=512, input_noise=0.5, optimizer="adamw"),
)
class DenoisingAutoencoderLoss(AutoencoderLoss):
    """The autoencoder loss with the encoder fed a corrupted input ``X̃``; path ``P(Z|X̃)``."""

    input_variable = "X̃"


def patchify(images: Tensor, patch_size: int) -> Tensor:
    """``(B, C, H, W)`` images → ``(B, L, P)`` non-overlapping patches, ``P = C·p²``, row-major."""
    patch_size = check_int(patch_size, "patch_size", low=1)
    if not isinstance(images, Tensor) or images.dim() != 4:
        raise ValueError("images must be a (B, C, H, W) tensor")
    b, c, h, w = images.shape
    if h % patch_size or w % patch_size:
        raise ValueError(f"image size {h}x{w} is not divisible by patch_size={patch_size}")
    x = images.reshape(b, c, h // patch_size, patch_size, w // patch_size, patch_size)
    x = x.permute(0, 2, 4, 3, 5, 1)
    return x.reshape(b, (h // patch_size) * (w // patch_size), patch_size * patch_size * c)


def random_patch_mask(
    batch: int,
    num_patches: int,
    mask_ratio: float = 0.75,
    *,
    seed: int | torch.Generator | None = 0,
    device: torch.device | str = "cpu",
) -> Tensor:
    """Boolean ``(batch, num_patches)`` mask, True = masked, ``round(L·ratio)`` per row.

    Per-row random subsets from ``argsort`` of uniform noise (MAE); same seed, same mask.
    """
    batch = check_int(batch, "batch", low=1)
    num_patches = check_int(num_patches, "num_patches", low=1)
    ratio = check_float(mask_ratio, "mask_ratio", low=0.0, high=1.0, low_open=True, high_open=True)
    n_mask = round(num_patches * ratio)
    if not 0 < n_mask < num_patches:
        raise ValueError(
            f"mask_ratio={ratio} masks {n_mask} of {num_patches} patches; need at "
            "least one masked and one visible patch"
        )
    device = torch.device(device)
    noise = torch.rand(batch, num_patches, generator=make_generator(seed, device), device=device)
    ranks = noise.argsort(dim=1).argsort(dim=1)
    return ranks < n_mask


@register_objective(
    "masked_reconstruction",
    family="generative",
    paper="He, Chen, Xie, Li, Dollár & Girshick, Masked Autoencoders Are Scalable Vision "
    "Learners, CVPR 2022",
    formula="L = (1/|M|) Σ_{i∈M} mean_p (x̂_i,p − x̃_i,p)², x̃ the per-patch normalised target "
    "(norm_pix_loss)",
    summary="predict masked patches from the visible ones",
    inputs="forward(prediction, target, mask): predicted and true patches (B, L, P) and a (B, L) "
    "mask, True/1 = masked",
    aliases=("mae",),
    recipe=MethodRecipe(
        layout="masked_decoder", proj_hidden=512, patch_size=4, mask_ratio=0.75, optimizer="adamw"
    ),
)
class MaskedReconstructionLoss(ObjectiveLoss):
    """MAE loss: mean squared error on masked patches only, optionally per-patch normalised.

    With ``norm_pix=True`` each target patch is standardised by its own mean and unbiased
    variance (+1e-6), as in the reference recipe. The term is a proxy for ``H(X_mask|Z)``, the
    cross-reconstruction of the masked view from the visible one. ``O(B·L·P)``.
    """

    def __init__(self, *, norm_pix: bool = True, eps: float = 1e-6) -> None:
        super().__init__()
        self.norm_pix = bool(norm_pix)
        self.eps = check_float(eps, "eps", low=0.0, low_open=True)

    def build_objective(self, num_views: int) -> Objective:
        path = (encoder("X_vis", "Z"), cross_decoder("Z", "X_mask"))
        term = entropy(
            "X_mask",
            given="Z",
            path=path,
            bound="masked_mse",
            kind="proxy",
            note="Z encodes the visible patches X_vis",
        )
        return Objective([WeightedTerm("masked_reconstruction", term)], name="MAE")

    def forward(self, prediction: Tensor, target: Tensor, mask: Tensor) -> LossOutput:
        prediction, target = check_reconstruction(prediction, target, "prediction", "target")
        if prediction.dim() != 3:
            raise ValueError(f"prediction must be (B, L, P), got {tuple(prediction.shape)}")
        if not isinstance(mask, Tensor) or tuple(mask.shape) != tuple(prediction.shape[:2]):
            raise ValueError(f"mask must be a (B, L) = {tuple(prediction.shape[:2])} tensor")
        mask = mask.to(prediction.dtype)
        require(((mask == 0) | (mask == 1)).all(), "mask must hold 0/1 (or bool) values")
        n_masked = mask.sum()
        require(n_masked > 0, "mask selects no patch; at least one patch must be masked")
        if self.norm_pix:
            mean = target.mean(dim=-1, keepdim=True)
            var = target.var(dim=-1, keepdim=True)
            target = (target - mean) / torch.sqrt(var + self.eps)
        per_patch = (prediction - target).square().mean(dim=-1)
        return self.output({"masked_reconstruction": (per_patch * mask).sum() / n_masked})


__all__ = [
    "AutoencoderLoss",
    "DenoisingAutoencoderLoss",
    "MaskedReconstructionLoss",
    "patchify",
    "random_patch_mask",
]
