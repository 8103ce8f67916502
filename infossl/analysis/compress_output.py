"""Files of the "to compress or not to compress" experiment: CSV, JSON and PNG figures.

:func:`write_results` writes, to one folder:

* ``results.csv``: one row per ``(regime, objective, β, seed)``, columns
  :data:`~infossl.analysis.compress_experiment.ROW_COLUMNS` (nats; ``nan`` where a term was not
  measured, ``inf`` where it is infinite, e.g. ``I(Z1;X1)`` of a deterministic encoder);
* ``summary.csv``: mean and standard deviation over seeds per ``(regime, objective, β)``;
* ``results.json``: the settings, the per-regime references, every row (with the final loss
  terms) and the summary; non-finite numbers are written as the strings ``"nan"``/``"inf"``;
* ``plane.png``, ``accuracy.png``, ``ib_curve.png``: :mod:`infossl.analysis.compress_plots`.

Each file is written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from infossl.analysis.compress_experiment import ROW_COLUMNS, CompressResult
from infossl.analysis.compress_plots import plot_accuracy, plot_compression_plane, plot_ib_curve

__all__ = ["FIGURES", "jsonable", "rows_to_csv", "write_results"]

#: Figure file names written by :func:`write_results`.
FIGURES: tuple[str, ...] = ("plane.png", "accuracy.png", "ib_curve.png")


def jsonable(value: Any) -> Any:
    """``value`` with non-finite floats as ``"nan"``/``"inf"``/``"-inf"`` (strict JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def rows_to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """CSV text with a header; floats written with ``repr`` precision, ``nan``/``inf`` as text."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buffer.getvalue()


def _atomic_write(path: Path, data: str | bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(tmp, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8"})) as fh:
        fh.write(data)
    os.replace(tmp, path)


def write_results(
    result: CompressResult, out_dir: str | Path, *, dpi: int = 130
) -> dict[str, Path]:
    """Write every output of ``result`` to ``out_dir`` (created if needed); returns the paths."""
    if not isinstance(result, CompressResult):
        raise TypeError(f"result must be a CompressResult, got {type(result).__name__}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in ("results.csv", "summary.csv", "results.json", *FIGURES)}
    _atomic_write(paths["results.csv"], rows_to_csv(result.rows, ROW_COLUMNS))
    summary_cols = list(result.summary[0]) if result.summary else []
    _atomic_write(paths["summary.csv"], rows_to_csv(result.summary, summary_cols))
    _atomic_write(
        paths["results.json"], json.dumps(jsonable(result.to_dict()), indent=1, allow_nan=False)
    )
    figures = {
        "plane.png": plot_compression_plane(result.summary, result.references),
        "accuracy.png": plot_accuracy(result.summary, result.references),
        "ib_curve.png": plot_ib_curve(result.summary),
    }
    for name, fig in figures.items():
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
        _atomic_write(paths[name], buffer.getvalue())
    return paths
