#!/usr/bin/env bash
# ε_info of real data and augmentations, and SimCLR's downstream accuracy at each augmentation
# strength (results in benchmarks/epsilon_info.md, files in benchmarks/epsilon_info/).
# Usage, from the repository root: bash benchmarks/epsilon_info.sh
# One torch thread, one process at a time. SSL run folders go to runs/epsilon_info/ (not kept);
# their summary.json is copied to benchmarks/epsilon_info/ssl-<data>-<min_scale>.json.
set -euo pipefail
PY=${PY:-.venv/bin/python}
OUT=benchmarks/epsilon_info
RUNS=runs/epsilon_info
CIFAR=../shared/data/cifar10
export OMP_NUM_THREADS=1
mkdir -p "$OUT" runs "$RUNS"
eps() { "$PY" -m infossl experiment epsilon-info --threads 1 "$@"; }
ssl() {  # ssl <name> <min_scale> <args...>: SimCLR, then keep its summary
    local name=$1 scale=$2
    shift 2
    rm -rf "${RUNS:?}/$name"
    "$PY" -m infossl train --method simclr --out "$RUNS/$name" "$@" \
        "data.augment_options.min_scale=$scale" train.threads=1 log.progress=false \
        diagnostics.enabled=false log.tensorboard=false
    cp "$RUNS/$name/summary.json" "$OUT/ssl-$name.json"
}
for scale in 0.08 0.5; do
    echo "== digits, min_scale $scale: $(date -u) load: $(uptime)"
    # 1,797 digits, 10 view pairs per image (grouped by image in the split and the intervals)
    eps --dataset digits --preset digits --min-scale "$scale" --pairs-per-image 10 --epochs 30 \
        --out "$OUT/digits-$scale"
    # SimCLR, convnet, 200 epochs on the 1,438 training digits; kNN and linear probe on the 359
    ssl "digits-$scale" "$scale" --data digits --epochs 200 data.augment=digits \
        eval.knn_every_epochs=200
done
for scale in 0.08 0.5; do
    echo "== cifar10, min_scale $scale: $(date -u) load: $(uptime)"
    # 10,000 training images (random, seed 0), one SimCLR view pair each, convnet width 16
    eps --dataset cifar10 --preset simclr --min-scale "$scale" --images 10000 --epochs 20 \
        --cifar-zip "$CIFAR/cifar10_train_jpg.zip" --out "$OUT/cifar10-$scale"
    # SimCLR, ResNet-20, 10,000 evenly spaced training images, 8 epochs; kNN and linear probe on
    # the 5,000 val images
    ssl "cifar10-$scale" "$scale" --data "$CIFAR/cifar10_train_jpg.zip" --epochs 8 \
        "data.val=$CIFAR/cifar10_val_jpg.zip" data.augment=simclr data.limit=10000 \
        model.backbone=resnet20 train.batch_size=256 eval.knn_every_epochs=8
done
echo "== done: $(date -u) load: $(uptime)"
