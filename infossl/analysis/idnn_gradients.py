"""Gradient signal-to-noise ratio of IDNN networks over training (drift → diffusion).

Shwartz-Ziv & Tishby (2017, §4) plot, per layer, the norm of the mean gradient and of its
standard deviation across the mini-batches of one epoch: early training is a *drift* phase
(SNR = ‖mean‖/‖std‖ ≫ 1), later a *diffusion* phase (SNR ≲ 1) that they tie to the start of
compression; Saxe et al. (2018) report the same phases for ReLU networks, which do not
compress. This module measures it on a finished :class:`~infossl.analysis.idnn.IDNNTraining`:
for every seed and logged epoch, the saved parameters are loaded into an ordinary
``nn.Sequential`` and :func:`~infossl.analysis.gradient_snr.gradient_snr` (the one engine for
the statistic) runs over that seed's training patterns split into mini-batches of the training
batch size (one fixed seeded order per seed). No optimiser step is taken.

Cost: seeds × logged epochs × ⌈n_train / batch⌉ forward + backward passes of the tiny network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from infossl.analysis.gradient_snr import diffusion_onset, gradient_snr
from infossl.analysis.idnn import IDNNTraining, seed_network

__all__ = ["GradientPlane", "idnn_gradient_snr", "seed_network"]


@dataclass
class GradientPlane:
    """Per (seed, logged epoch, layer): ‖mean gradient‖, ‖std‖ across batches and their ratio.

    Attributes:
        epochs: (E,) logged epochs. layers: layer names (L,).
        mean_norm, std_norm, snr: (S, E, L).
        batch_size: the mini-batch size the statistics use.
    """

    epochs: np.ndarray
    layers: tuple[str, ...]
    mean_norm: np.ndarray
    std_norm: np.ndarray
    snr: np.ndarray
    batch_size: int

    def onsets(self, threshold: float = 1.0) -> dict[str, float | None]:
        """Per layer, the first epoch from which the seed-median SNR stays below ``threshold``."""
        median = np.median(self.snr, axis=0)  # (E, L)
        return {
            name: diffusion_onset(self.epochs.tolist(), median[:, i].tolist(), threshold=threshold)
            for i, name in enumerate(self.layers)
        }

    def rows(self) -> list[dict[str, Any]]:
        """One record per (seed, epoch, layer), for CSV output."""
        s, e, n_layers = self.snr.shape
        return [
            {
                "seed": si,
                "epoch": int(self.epochs[ei]),
                "layer": self.layers[li],
                "mean_norm": float(self.mean_norm[si, ei, li]),
                "std_norm": float(self.std_norm[si, ei, li]),
                "snr": float(self.snr[si, ei, li]),
            }
            for si in range(s)
            for ei in range(e)
            for li in range(n_layers)
        ]


def idnn_gradient_snr(
    training: IDNNTraining,
    x: np.ndarray,
    y: np.ndarray,
    *,
    batch_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> GradientPlane:
    """Gradient statistics of every seed at every logged epoch (see the module docstring).

    ``x``, ``y``: the patterns the run trained on (``training.train_mask`` picks each seed's).
    ``batch_size``: default the run's; full-batch runs need one given (one batch has no spread).
    """
    batch = batch_size if batch_size is not None else training.config.batch_size
    if batch is None:
        raise ValueError("a full-batch run has one batch per epoch: pass batch_size")
    xt = torch.as_tensor(x, dtype=torch.float32)
    yt = torch.as_tensor(y, dtype=torch.long)
    n_seeds, n_epochs = training.train_mask.shape[0], len(training.epochs)
    names = training.config.layer_names
    out = np.zeros((3, n_seeds, n_epochs, len(names)))
    for si in range(n_seeds):
        rows = np.flatnonzero(training.train_mask[si])
        order = torch.as_tensor(np.random.default_rng(si).permutation(rows))
        batches = [
            (xt[order[lo : lo + batch]], yt[order[lo : lo + batch]])
            for lo in range(0, len(order), batch)
        ]
        if len(batches) < 2:
            raise ValueError(f"batch_size={batch} leaves fewer than 2 batches of {len(rows)} rows")
        for ei in range(n_epochs):
            stats = gradient_snr(seed_network(training, ei, si), batches, layers=names)
            for li, name in enumerate(names):
                s = stats[name]
                out[:, si, ei, li] = (s.mean_norm, s.std_norm, s.snr)
        if progress is not None:
            progress(si + 1, n_seeds)
    return GradientPlane(training.epochs, names, out[0], out[1], out[2], int(batch))
