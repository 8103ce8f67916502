#!/usr/bin/env bash
# The project's GPU checks, as one short script for a machine with CUDA (CI never has one).
#
#   bash benchmarks/gpu_check.sh OUT_DIR
#
# 1. `infossl train` on CUDA in bf16 (auto precision), diagnostics on, then `infossl report`;
# 2. benchmarks/gpu_check.py: the monitor on CUDA (bit-identical weights with and without it),
#    every objective in bf16 on CUDA against float64, the torch kNN back-end on CUDA and
#    critic-ksg with its critic trained on CUDA;
# 3. NCCL: the same training under torchrun (one process per visible GPU).
# Everything it writes goes to OUT_DIR (gpu_check.json, train.log, run folders).
set -euo pipefail
OUT=${1:?usage: $0 OUT_DIR}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-python3}
mkdir -p "$OUT"
export PYTHONPATH=$ROOT PYTHONUNBUFFERED=1
$PY -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.cuda.get_device_name(0))"
START=$(date +%s)
$PY -m infossl train --method simclr --data digits --epochs 5 --out "$OUT/train-cuda" \
  train.device=cuda log.progress=false 2>&1 | tee "$OUT/train.log"
$PY -m infossl report "$OUT/train-cuda"
$PY -c "import json,sys; print('precision:', json.load(open(sys.argv[1]))['precision'])" "$OUT/train-cuda/summary.json"
$PY "$ROOT/benchmarks/gpu_check.py" --out "$OUT"
GPUS=$($PY -c "import torch; print(torch.cuda.device_count())")
$PY -m torch.distributed.run --standalone --nproc_per_node="$GPUS" -m infossl train \
  --method simclr --data digits --epochs 2 --out "$OUT/train-nccl" log.progress=false \
  2>&1 | tee "$OUT/nccl.log"
echo "gpu_check: done in $(( $(date +%s) - START )) s"
