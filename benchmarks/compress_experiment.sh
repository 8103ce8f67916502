#!/usr/bin/env bash
# The "to compress or not to compress" experiment (results in benchmarks/compress_experiment.md).
# Run from the repository root. Default: vector views through random invertible MLPs, MLP
# encoders, kNN measurement; second run: linear encoders on linear-Gaussian views, closed forms.
set -euo pipefail
OUT=${OUT:-benchmarks/compress_experiment}
python -m infossl experiment compress --no-progress --out "$OUT/mlp"
python -m infossl experiment compress --no-progress --encoder linear --out "$OUT/linear"
# Sensitivity of Eq. 9 to the weight of its reconstruction terms (MLP encoders and decoders)
python -m infossl experiment compress --no-progress --objectives simclr,dont_compress \
    --rec-weight 10 --out "$OUT/mlp_rec10"
# The image variant (16x16 renders, a convnet shared by the views; longer)
python -m infossl experiment compress --no-progress --images --out "$OUT/images"
