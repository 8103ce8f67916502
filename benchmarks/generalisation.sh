#!/usr/bin/env bash
# Information-theoretic generalisation (results in benchmarks/generalisation.md, files in
# benchmarks/generalisation/). Usage: bash benchmarks/generalisation.sh (from the repository root).
# One torch thread: the networks are small.
set -euo pipefail
mkdir -p benchmarks/generalisation
export OMP_NUM_THREADS=1
g() { python -m infossl generalisation "$@"; }
# 1. CMI bounds over training: digits (ReLU MLP 64-64-10) and the IDNN 12-bit task (tanh 12-10-7-5-4-3-2)
g bound --data digits --pairs 250 --supersamples 5 --selections 40 --epochs 200 --log-points 12 \
    --out benchmarks/generalisation/digits-relu
g bound --data idnn --pairs 2048 --supersamples 2 --selections 40 --hidden 10,7,5,4,3 \
    --activation tanh --epochs 1000 --learning-rate 1e-3 --batch-size 512 --log-points 12 \
    --out benchmarks/generalisation/idnn-tanh
# 2. Compression of the last hidden layer vs the gap across the 20 IDNN networks of benchmarks/idnn.sh
g compression benchmarks/idnn/tanh-binning/infoplane.json benchmarks/idnn/relu-binning/infoplane.json \
    --out benchmarks/generalisation/compression
