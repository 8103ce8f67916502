#!/usr/bin/env bash
# Follow-up of benchmarks/epsilon_info.sh (run it first): how the ε_info estimate moves with the
# classifiers' budget, and untrained-encoder references for the SimCLR accuracies.
# Usage, from the repository root: bash benchmarks/epsilon_info_budget.sh
set -euo pipefail
PY=${PY:-.venv/bin/python}
OUT=benchmarks/epsilon_info
RUNS=runs/epsilon_info
CIFAR=../shared/data/cifar10
export OMP_NUM_THREADS=1
eps() { "$PY" -m infossl experiment epsilon-info --threads 1 "$@"; }
echo "== budget: $(date -u) load: $(uptime)"
# Digits: a weaker classifier (convnet width 4, 5 epochs) at both strengths, a stronger one
# (width 32, 60 epochs) at min_scale 0.08; the default run is width 16, 30 epochs.
for scale in 0.08 0.5; do
    eps --dataset digits --preset digits --min-scale "$scale" --pairs-per-image 10 --epochs 5 \
        --conv-width 4 --out "$OUT/digits-$scale-weak"
done
eps --dataset digits --preset digits --min-scale 0.08 --pairs-per-image 10 --epochs 60 \
    --conv-width 32 --out "$OUT/digits-0.08-strong"
# CIFAR-10 at min_scale 0.08 with twice the images and 1.5 times the epochs
eps --dataset cifar10 --preset simclr --min-scale 0.08 --images 20000 --epochs 30 \
    --cifar-zip "$CIFAR/cifar10_train_jpg.zip" --out "$OUT/cifar10-0.08-large"
# References: the same architecture at random initialisation, same data and protocol
for run in digits-0.5 cifar10-0.5; do
    for kind in knn linear; do
        "$PY" -m infossl eval "$kind" "$RUNS/$run" --encoder random \
            > "$OUT/random-$run-$kind.txt" 2>&1
    done
done
echo "== done: $(date -u) load: $(uptime)"
