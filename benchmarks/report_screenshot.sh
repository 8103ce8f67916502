#!/usr/bin/env bash
# Render a run report in headless Chromium and save a full-page screenshot.
#
#   benchmarks/report_screenshot.sh RUN_DIR [OUT_PNG] [HEIGHT]
#
# Writes RUN_DIR/report.html (infossl report) and OUT_PNG (default RUN_DIR/report.png), a
# 1280-pixel-wide screenshot HEIGHT pixels tall (default 9000). Needs Debian's `chromium` (or
# `chromium-headless-shell`).
# Chromium runs with no network access features (no sync, no component updates, no QUIC) and a
# throw-away profile.
set -euo pipefail
RUN_DIR=${1:?usage: $0 RUN_DIR [OUT_PNG] [HEIGHT]}
OUT=${2:-$RUN_DIR/report.png}
HEIGHT=${3:-9000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-$ROOT/.venv/bin/python}
BROWSER=$(command -v chromium || command -v chromium-browser || command -v chromium-headless-shell || true)
if [ -z "$BROWSER" ]; then
  echo "chromium not found (apt-get install chromium)" >&2
  exit 2
fi
PYTHONPATH=$ROOT "$PY" -m infossl report "$RUN_DIR" --out "$RUN_DIR/report.html"
PROFILE=$(mktemp -d)
trap 'rm -rf "$PROFILE"' EXIT
"$BROWSER" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --user-data-dir="$PROFILE" --screenshot="$OUT" \
  --window-size=1280,"$HEIGHT" "file://$(cd "$(dirname "$RUN_DIR/report.html")" && pwd)/report.html" \
  2>/dev/null
echo "screenshot: $OUT"
