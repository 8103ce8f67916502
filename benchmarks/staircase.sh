#!/usr/bin/env bash
# The staircase run recorded in benchmarks/staircase.md (Poole et al.'s networks, 1000 steps per
# level, both critics, 9 bound variants). Writes staircase.{csv,json,png} and the traces to $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-benchmarks/staircase_run}
PY=${PY:-.venv/bin/python}
/usr/bin/time -v "$PY" -m infossl bench staircase --steps-per-level 1000 --hidden 256,256 \
  --threads 1 --no-progress --out "$OUT"
