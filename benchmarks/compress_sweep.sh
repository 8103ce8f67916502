#!/usr/bin/env bash
# Label-efficiency and ε_info sweeps of the "to compress or not to compress" experiment
# (results in benchmarks/compress_sweep.md). Run from the repository root, one run at a time.
# Each (objective, β, seed) is trained once (600 Adam steps, fresh batches of 128) and measured at
# every ε_info point (the label never enters training) and probed with every label count.
set -euo pipefail
OUT=${OUT:-benchmarks/compress_experiment}
COMMON=(--objectives simclr,vicreg,mib,ceb,dont_compress --betas 0.01,0.1 --seeds 10
        --n-eval 3000 --probe-labels 2000 --label-sweep 10,30,100,300,1000,all --label-draws 5
        --eps-info 0.5 --eps-sweep 0.1,0.25,0.75,1,1.5 --threads 1 --no-progress)
# MLP encoders on nonlinear views (kNN measurement)
python -m infossl experiment compress "${COMMON[@]}" --out "$OUT/sweep_mlp"
# linear encoders on linear-Gaussian views (closed-form measurement and Bayes accuracies of the
# codes); 5 seeds and one labelled subset per count (the later options win), to fit the time
# budget of the shared machine
python -m infossl experiment compress "${COMMON[@]}" --seeds 5 --label-draws 1 --encoder linear \
    --out "$OUT/sweep_linear"
# the markdown tables of benchmarks/compress_sweep.md
python benchmarks/compress_sweep_tables.py "$OUT/sweep_mlp" "$OUT/sweep_linear"
