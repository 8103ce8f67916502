"""The cost of the critic part of ``method="auto"``, side by side with ``copula-max``.

Two Gaussian pairs at 1.02 nats in 5 + 5 (x_i, y_i correlated 0.8 for i = 0, 1), one core:

1. n = 5000: ``auto`` and ``copula-max``, then both with ``ci=0.9, n_resamples=10`` (every
   subsample of ``auto`` retrains the critic);
2. n = 100,000: ``critic-ksg`` and ``copula-max``.

Each call runs once, in this order, in one process (the first ``auto`` call includes importing
torch). Prints one line per call: seconds and value.

    OMP_NUM_THREADS=1 python benchmarks/critic_cost.py [--skip-large]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from infossl import estimate_mi


def pairs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((n, 5)), rng.standard_normal((n, 5))
    y[:, :2] = 0.8 * x[:, :2] + 0.6 * y[:, :2]
    return x, y


def timed(label: str, **kwargs: object) -> None:
    start = time.perf_counter()
    est = estimate_mi(**kwargs)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    print(f"{label:<45} {seconds:7.2f} s   {est.value:.4f} nats ({est.method})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-large", action="store_true", help="skip n = 100,000")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"load average {os.getloadavg()[0]:.2f}; truth {-np.log(1 - 0.64):.4f} nats")
    x, y = pairs(5000)
    timed("n = 5000, auto (first call: imports torch)", x=x, y=y)
    timed("n = 5000, auto", x=x, y=y)
    timed("n = 5000, copula-max", x=x, y=y, method="copula-max")
    timed("n = 5000, auto, ci (10 subsamples)", x=x, y=y, ci=0.9, n_resamples=10)
    timed("n = 5000, copula-max, ci (10 subsamples)", x=x, y=y, method="copula-max", ci=0.9,
          n_resamples=10)  # fmt: skip
    if not args.skip_large:
        x, y = pairs(100_000)
        timed("n = 100,000, critic-ksg", x=x, y=y, method="critic-ksg")
        timed("n = 100,000, copula-max", x=x, y=y, method="copula-max")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
