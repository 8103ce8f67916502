"""Two gloo processes train exactly like one process with the same global batch, and every
gathering loss of ``tests/nn/distributed_loss_checks.py`` equals its one-process value (checked in
the same two processes: one start-up for both). The two processes are forked, not spawned: they
inherit the loaded torch and infossl instead of importing them again (9.5 s → 3.4 s); the code under
test is the same in both.

Set-up that makes the comparison exact up to float rounding:

* ``train.augment_scope=global``: every process draws the views of the whole global batch from
  the same seed and keeps its half, so both runs see identical views (with the default
  ``shard`` scope each process draws its own views: the same distribution, other samples);
* BatchNorm layers become :class:`~infossl.train.sync_bn.GlobalBatchNorm` (statistics over both
  processes; ``torch.nn.SyncBatchNorm`` does not run on CPU), so the MLP backbone and the
  projector keep their BatchNorm;
* SimCLR gathers the negatives with gradient, DDP averages the gradients, and the online
  probe's cross-entropy is a mean of per-process means.

Remaining differences are float32 summation orders (all-reduce vs one sum): weights agree to
1e-6 after 8 SGD steps (1.2e-7 measured).
"""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from infossl.train.checkpoint import load_checkpoint
from infossl.train.config import load_config
from infossl.train.logger import read_jsonl
from infossl.train.sync_bn import GlobalBatchNorm, convert_to_global_batchnorm
from infossl.train.trainer import train
from tests.nn.distributed_loss_checks import run_loss_checks

ARGS = [
    "method=simclr",
    "data.limit=256",
    "train.batch_size=64",
    "train.epochs=2",
    "train.precision=fp32",
    "train.augment_scope=global",
    "model.backbone=mlp",
    "model.backbone_options={hidden: [64, 64]}",
    "model.proj_hidden=64",
    "model.proj_out=32",
    "log.every_steps=1",
    "log.progress=false",
    "log.tensorboard=false",
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bn_inputs() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(3)
    return torch.randn(8, 3, 4, 4, generator=g) * 2 + 1, torch.randn(8, 3, 4, 4, generator=g)


def _worker(rank: int, port: int, out: str, folder: str) -> None:
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=2, timeout=timedelta(seconds=60))
    try:
        run_loss_checks(rank)
        # GlobalBatchNorm on half batches: outputs, input gradients, running statistics
        x, upstream = _bn_inputs()
        bn = convert_to_global_batchnorm(torch.nn.BatchNorm2d(3))
        assert isinstance(bn, GlobalBatchNorm)
        rows = slice(4 * rank, 4 * rank + 4)
        xr = x[rows].clone().requires_grad_()
        y = bn(xr)
        (y * upstream[rows]).sum().backward()
        torch.save(
            {"y": y.detach(), "grad": xr.grad, "mean": bn.running_mean, "var": bn.running_var},
            os.path.join(folder, f"bn{rank}.pt"),
        )
        train(load_config(None, [*ARGS, f"out={out}"]))
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
@pytest.mark.skipif(not dist.is_available(), reason="torch.distributed is not available")
def test_losses_batchnorm_and_two_process_training_equal_one_process(tmp_path):
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        one = tmp_path / "one"
        train(load_config(None, [*ARGS, f"out={one}"]))
        two = tmp_path / "two"
        args = (_free_port(), str(two), str(tmp_path))
        workers = mp.start_processes(_worker, args, nprocs=2, join=False, start_method="fork")
        deadline = time.monotonic() + 300  # a hang (e.g. a lock held at fork) fails, not blocks
        while not workers.join(timeout=1):
            if time.monotonic() > deadline:
                for process in workers.processes:
                    process.kill()
                pytest.fail("the two gloo processes did not finish within 300 s")
    finally:
        torch.set_num_threads(before)

    # BatchNorm over the gathered batch == BatchNorm of one process on the full batch
    x, upstream = _bn_inputs()
    ref = torch.nn.BatchNorm2d(3)
    xf = x.clone().requires_grad_()
    yf = ref(xf)
    (yf * upstream).sum().backward()
    parts = [torch.load(tmp_path / f"bn{r}.pt", weights_only=True) for r in range(2)]
    assert torch.allclose(torch.cat([p["y"] for p in parts]), yf.detach(), atol=1e-5)
    # the sum over processes of d(local loss)/dx is what one process computes
    assert torch.allclose(torch.cat([p["grad"] for p in parts]), xf.grad, atol=1e-5)
    for p in parts:
        assert torch.allclose(p["mean"], ref.running_mean, atol=1e-6)
        assert torch.allclose(p["var"], ref.running_var, atol=1e-5)

    w1 = load_checkpoint(one / "checkpoints" / "last.pt")
    w2 = load_checkpoint(two / "checkpoints" / "last.pt")
    assert w1["progress"]["step"] == w2["progress"]["step"] == 8
    for key, value in w1["model"].items():
        other = w2["model"][key]
        if value.is_floating_point():
            assert torch.allclose(value, other, atol=1e-6, rtol=0), key
        else:
            assert torch.equal(value, other), key
    r1 = [r for r in read_jsonl(one / "metrics.jsonl") if r["kind"] == "train"]
    r2 = [r for r in read_jsonl(two / "metrics.jsonl") if r["kind"] == "train"]
    assert [r["step"] for r in r1] == [r["step"] for r in r2] == list(range(1, 9))
    for a, b in zip(r1, r2, strict=True):
        assert abs(a["loss"] - b["loss"]) < 1e-4
        assert abs(a["terms"]["mi"] - b["terms"]["mi"]) < 1e-4
        assert abs(a["probe"]["loss"] - b["probe"]["loss"]) < 1e-4
    e1 = [r for r in read_jsonl(one / "metrics.jsonl") if r["kind"] == "eval"]
    e2 = [r for r in read_jsonl(two / "metrics.jsonl") if r["kind"] == "eval"]
    assert len(e1) == len(e2) == 2
    for a, b in zip(e1, e2, strict=True):
        assert abs(a["knn_acc"] - b["knn_acc"]) <= 1 / 359 + 1e-9
    # only rank 0 wrote: one metrics file, one checkpoint folder, one run lock
    assert sorted(p.name for p in two.iterdir()) == [
        "checkpoints",
        "config.yaml",
        "metrics.jsonl",
        "run.lock",
        "summary.json",
    ]
