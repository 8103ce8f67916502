#!/usr/bin/env bash
# IDNN information-plane reproduction (results in benchmarks/idnn.md, figures in benchmarks/idnn/).
# Usage: bash benchmarks/idnn.sh   (from the repository root; about 1 h of CPU on 2 cores)
# One intra-op thread: the network is tiny, and on a busy machine torch's thread pool is far slower.
set -euo pipefail
export OMP_NUM_THREADS=1
run() { python -m infossl infoplane idnn "$@"; }
# Binning (IDNN 30 edges on [-1, 1] for tanh; Saxe's 100 bins over each layer's range for ReLU):
# original IDNNs settings (8000 epochs, 400 log points), 10 seeds instead of the paper's 50.
run --activation tanh --full --seeds 10 --out benchmarks/idnn/tanh-binning &
run --activation relu --full --seeds 10 --out benchmarks/idnn/relu-binning &
wait
# Kolchinsky–Tracey bounds (Saxe et al.'s "KDE" estimator), sigma^2 = 0.1, 1024 patterns, 3 seeds.
run --activation tanh --estimator kt --epochs 8000 --log-points 40 --seeds 3 \
    --out benchmarks/idnn/tanh-kt &
run --activation relu --estimator kt --epochs 8000 --log-points 40 --seeds 3 \
    --out benchmarks/idnn/relu-kt &
wait
# Full-batch training (Saxe et al.'s test of whether compression needs minibatch noise), 10 seeds.
run --activation tanh --full-batch --epochs 8000 --log-points 100 --seeds 10 \
    --out benchmarks/idnn/tanh-binning-fullbatch &
run --activation relu --full-batch --epochs 8000 --log-points 100 --seeds 10 \
    --out benchmarks/idnn/relu-binning-fullbatch &
wait
# Gradient signal-to-noise across mini-batches (drift vs diffusion), 2000 epochs, 10 seeds.
run --activation tanh --epochs 2000 --log-points 60 --seeds 10 --gradients --out benchmarks/idnn/tanh-gradients &
run --activation relu --epochs 2000 --log-points 60 --seeds 10 --gradients --out benchmarks/idnn/relu-gradients &
wait
# Noisy networks (Goldfeld et al.): N(0, 0.05^2) on every hidden unit in training and measurement,
# sample-propagation estimator on 512 patterns, 2000 epochs, 10 seeds.
run --activation tanh --estimator noisy --noise-beta 0.05 --epochs 2000 --log-points 40 --seeds 10 \
    --out benchmarks/idnn/tanh-noisy
run --activation relu --estimator noisy --noise-beta 0.05 --epochs 2000 --log-points 40 --seeds 10 \
    --out benchmarks/idnn/relu-noisy
