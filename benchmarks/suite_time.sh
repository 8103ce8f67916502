#!/usr/bin/env bash
# Wall time of `make test` against the test command of an earlier commit, side by side.
#
#   bash benchmarks/suite_time.sh [BASE_COMMIT] [PAIRS]
#
# BASE_COMMIT (default 40f7058, 2026-11-28: where the 15 % suite-time budget was set) is checked
# out in a temporary worktree and runs its own `make test` steps: `ruff check` then a serial
# `pytest`. This tree runs today's `make test` steps: `ruff check`, `ruff format --check`,
# `pytest -n auto` with the type checker among the tests, cold (no .mypy_cache). Both use this
# tree's .venv. The order alternates (base, now; now, base; ...) so that a change of load hits
# both sides; one line per run, then the ratio of each pair. Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BASE_COMMIT=${1:-40f7058}
PAIRS=${2:-4}
BASE_DIR=$(mktemp -d)/base
git worktree add -q -f "$BASE_DIR" "$BASE_COMMIT"
trap 'git worktree remove -f "$BASE_DIR"' EXIT

LOG=$(mktemp)
seconds() {  # wall seconds of "$@"; stops the script (with the log's tail) if it fails
    local s e; s=$(date +%s.%N)
    if ! "$@" >"$LOG" 2>&1; then tail -20 "$LOG" >&2; echo "failed: $*" >&2; return 1; fi
    e=$(date +%s.%N); echo "$e - $s" | bc
}
run_base() { (cd "$BASE_DIR" && "$ROOT/.venv/bin/ruff" check -q infossl tests benchmarks \
    && "$ROOT/.venv/bin/python" -m pytest -q -p no:cacheprovider); }
run_now() { (cd "$ROOT" && rm -rf .mypy_cache && .venv/bin/ruff check -q infossl tests benchmarks examples docs \
    && .venv/bin/ruff format -q --check infossl tests benchmarks examples docs \
    && .venv/bin/python -m pytest -n auto -p no:cacheprovider); }

echo "date $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, base $BASE_COMMIT, now $(git rev-parse --short HEAD)"
for i in $(seq "$PAIRS"); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    if (( i % 2 )); then b=$(seconds run_base) && n=$(seconds run_now)
    else n=$(seconds run_now) && b=$(seconds run_base); fi
    echo "pair $i: base $b s, now $n s, ratio $(echo "scale=3; $n / $b" | bc), load at start $load"
done
