"""Gradient SNR of IDNN runs (infossl.analysis.idnn_gradients): the per-seed network equals the
batched ensemble, the statistics equal gradient_snr's on hand-built batches, and bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from infossl.analysis.gradient_snr import gradient_snr
from infossl.analysis.idnn import IDNNConfig, _forward, train_idnn
from infossl.analysis.idnn_gradients import idnn_gradient_snr, seed_network
from infossl.data.idnn import load_idnn_task

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def run():
    return train_idnn(IDNNConfig(epochs=12, seeds=(0, 1), log_points=4, batch_size=1024))


def test_the_seed_network_computes_what_the_ensemble_computes(run):
    x = torch.as_tensor(load_idnn_task()[0], dtype=torch.float32)
    _, logits = _forward(run.snapshots[-1], x.expand(2, -1, -1), "tanh")
    for seed in (0, 1):
        net = seed_network(run, len(run.epochs) - 1, seed)
        assert torch.allclose(net(x), logits[seed], atol=1e-5)


def test_statistics_are_those_of_gradient_snr_over_the_seeds_training_batches(run):
    x, y = load_idnn_task()
    grads = idnn_gradient_snr(run, x, y)
    assert grads.snr.shape == (2, len(run.epochs), 6) and grads.batch_size == 1024
    rows = np.flatnonzero(run.train_mask[1])
    order = np.random.default_rng(1).permutation(rows)
    xt, yt = torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y)
    batches = [
        (xt[order[i : i + 1024]], yt[order[i : i + 1024]]) for i in range(0, len(order), 1024)
    ]
    ref = gradient_snr(seed_network(run, 2, 1), batches)
    for li, name in enumerate(run.config.layer_names):
        assert grads.snr[1, 2, li] == pytest.approx(ref[name].snr, rel=1e-9)
        assert grads.std_norm[1, 2, li] == pytest.approx(ref[name].std_norm, rel=1e-9)
    assert set(grads.onsets()) == set(run.config.layer_names)
    assert len(grads.rows()) == 2 * len(run.epochs) * 6


def test_one_batch_has_no_spread_and_is_refused(run):
    x, y = load_idnn_task()
    with pytest.raises(ValueError, match="fewer than 2 batches"):
        idnn_gradient_snr(run, x, y, batch_size=4096)
    full = train_idnn(IDNNConfig(epochs=1, seeds=(0,), log_points=1, batch_size=None))
    with pytest.raises(ValueError, match="pass batch_size"):
        idnn_gradient_snr(full, x, y)
