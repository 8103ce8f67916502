"""Probe: can torch's own kernels beat the numpy brute force on 25-dimensional max-norm distances?

The KSG-1 target at 25 + 25, n = 10,000 (< 0.2 s on 2 cores) needs the n² max-norm distances of
each 25-dimensional marginal. This times, on the same data, (1) ``torch.cdist(p=inf)`` for one
marginal and the whole KSG-1 count (k-th joint distance, both marginal counts) from two such
matrices, and (2) a ``torch.compile``d fused broadcast ``(xb[:, None] - x[None]).abs().amax(-1)``
over blocks of 1000 rows, in float32 and float64 (inductor generates and compiles a C++ kernel;
it needs a C++ compiler, here g++), against ``knn_counts(..., algorithm="brute")``. Torch runs
with 2 intra-op threads, the numpy brute force with ``workers=-1`` (2 threads).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/knn_torch_probe.py

Results: benchmarks/knn_speed.md ("torch kernels for the 25 + 25 target").
"""

from __future__ import annotations

import time

import numpy as np
import torch

from infossl.estimators._neighbors import knn_counts

N, D, K, BLOCK = 10_000, 25, 3, 1000


def best(fn, repeats: int = 3) -> float:  # type: ignore[no-untyped-def]
    """Best wall time of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def cheb(xb: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return (xb[:, None, :] - x[None, :, :]).abs().amax(-1)


def main() -> None:
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((N, D)), rng.standard_normal((N, D))
    brute = best(lambda: knn_counts([x, y], K, [(0,), (1,)], algorithm="brute"))
    print(f"numpy brute KSG-1 counts: {brute:.2f} s")
    for dtype in (torch.float32, torch.float64):
        tx, ty = torch.from_numpy(x).to(dtype), torch.from_numpy(y).to(dtype)

        def full(tx: torch.Tensor = tx, ty: torch.Tensor = ty) -> None:
            dx, dy = torch.cdist(tx, tx, p=float("inf")), torch.cdist(ty, ty, p=float("inf"))
            eps = torch.kthvalue(torch.maximum(dx, dy), K + 1, dim=1).values[:, None]
            (dx < eps).sum(1), (dy < eps).sum(1)

        one = best(lambda tx=tx: torch.cdist(tx, tx, p=float("inf")))
        print(
            f"{dtype}: cdist(p=inf) one marginal {one:.2f} s, whole KSG-1 count {best(full):.2f} s"
        )
        fused = torch.compile(cheb, dynamic=False)
        start = time.perf_counter()
        fused(tx[:BLOCK], tx)
        compile_s = time.perf_counter() - start

        def blocks(tx: torch.Tensor = tx, kernel=fused) -> None:  # type: ignore[no-untyped-def]
            for s in range(0, N, BLOCK):
                kernel(tx[s : s + BLOCK], tx)

        marginal = best(blocks)
        print(f"{dtype}: compiled kernel {marginal:.2f} s a marginal (compile: {compile_s:.0f} s)")


if __name__ == "__main__":
    main()
