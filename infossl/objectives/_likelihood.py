"""Reconstruction terms: ``−E log q(x|z)`` for a decoder output, with its information reading.

By Barber–Agakov, ``I(X;Z) ≥ H(X) − E[−log q(x|z)]``: a reconstruction negative log-likelihood
(in nats) is an *upper bound* on ``H(X|Z)``, and minimising it raises a lower bound on ``I(X;Z)``.

* ``"gaussian"``: ``Σ_d (x_d − x̂_d)²/(2σ²) + (D/2) ln(2πσ²)`` per sample (differential, nats);
* ``"bernoulli"``: ``Σ_d BCE(x̂_d logits, x_d)`` per sample, for targets in {0, 1} (nats);
* ``"mse"``: the plain mean squared error over all elements, an increasing proxy (no units).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from infossl._checks import check_choice, check_float
from infossl.framework import InfoTerm, PathStep, entropy
from infossl.objectives._inputs import require, upcast

LIKELIHOODS: tuple[str, ...] = ("mse", "gaussian", "bernoulli")


def check_reconstruction(
    reconstruction: object, target: object, rname: str = "reconstruction", tname: str = "target"
) -> tuple[Tensor, Tensor]:
    """Check two finite floating-point tensors of the same shape ``(B, …)``.

    Returns them :func:`~infossl.objectives._inputs.upcast` (float32 for bf16/fp16).
    """
    for name, value in ((rname, reconstruction), (tname, target)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
        if not value.is_floating_point():
            raise TypeError(f"{name} must have a floating-point dtype, got {value.dtype}")
        if value.dim() < 2 or value.numel() == 0:
            raise ValueError(
                f"{name} must be (B, ...) with at least 2 dims, got {tuple(value.shape)}"
            )
        require(torch.isfinite(value).all(), f"{name} contains NaN or infinite values")
    if reconstruction.shape != target.shape:
        raise ValueError(
            f"{rname} has shape {tuple(reconstruction.shape)} but {tname} has shape "
            f"{tuple(target.shape)}; they must match"
        )
    return upcast(reconstruction), upcast(target)


def reconstruction_kind(likelihood: str) -> str:
    """``"proxy"`` for MSE, ``"upper"`` (on ``H(X|Z)``) for the normalised likelihoods."""
    return "proxy" if likelihood == "mse" else "upper"


def reconstruction_bound_name(likelihood: str) -> str:
    """The bound name used in term labels."""
    return {"mse": "mse", "gaussian": "gaussian_nll", "bernoulli": "bernoulli_nll"}[likelihood]


def reconstruction_term(
    x: str, z: str, path: tuple[PathStep, ...], likelihood: str, note: str = ""
) -> InfoTerm:
    """``H(x|z)`` measured by a decoder's reconstruction loss under ``likelihood`` (a proxy for
    MSE, an upper bound for the normalised likelihoods; Barber–Agakov: ``I(x;z) ≥ H(x) − it``)."""
    return entropy(
        x,
        given=z,
        path=path,
        bound=reconstruction_bound_name(likelihood),
        kind=reconstruction_kind(likelihood),
        note=note,
    )


def reconstruction_loss(
    reconstruction: Tensor, target: Tensor, likelihood: str = "mse", *, sigma: float = 1.0
) -> Tensor:
    """Mean over the batch of the reconstruction term (see the module docstring).

    For ``"bernoulli"`` the reconstruction holds logits. ``O(B·D)``.
    """
    check_choice(likelihood, "likelihood", LIKELIHOODS)
    if likelihood == "mse":
        return F.mse_loss(reconstruction, target)
    x_hat = reconstruction.reshape(reconstruction.shape[0], -1)
    x = target.reshape(target.shape[0], -1)
    if likelihood == "bernoulli":
        nll = F.binary_cross_entropy_with_logits(x_hat, x, reduction="none").sum(dim=1)
        return nll.mean()
    sigma = check_float(sigma, "sigma", low=0.0, low_open=True)  # numpy-free: compiles
    d = x.shape[1]
    sq = (x - x_hat).square().sum(dim=1)
    return (sq / (2.0 * sigma**2)).mean() + 0.5 * d * math.log(2.0 * math.pi * sigma**2)


def required_reconstruction_loss(
    reconstruction: Tensor | None,
    target: Tensor | None,
    likelihood: str,
    *,
    sigma: float,
    needed_by: str,
) -> Tensor:
    """:func:`reconstruction_loss` of the checked pair, which ``needed_by`` (e.g. ``"beta_x > 0"``)
    requires: a ``ValueError`` if either is missing."""
    if reconstruction is None or target is None:
        raise ValueError(f"{needed_by} needs reconstruction and target")
    reconstruction, target = check_reconstruction(reconstruction, target)
    return reconstruction_loss(reconstruction, target, likelihood, sigma=sigma)
