"""Files of the "to compress or not to compress" experiment: CSV, JSON and PNG figures.

:func:`write_results` writes, to one folder:

* ``results.csv``: one row per ``(regime, objective, β, seed)``, columns
  :data:`~infossl.analysis.compress_experiment.ROW_COLUMNS` (nats; ``nan`` where a term was not
  measured, ``inf`` where it is infinite, e.g. ``I(Z1;X1)`` of a deterministic encoder);
* ``summary.csv``: mean and standard deviation over seeds per ``(regime, objective, β)``;
* ``results.json``: the settings, the per-regime references, every row (with the final loss
  terms) and the summary; non-finite numbers are written as the strings ``"nan"``/``"inf"``;
* ``plane.png``, ``accuracy.png``, ``ib_curve.png``: :mod:`infossl.analysis.compress_plots`
  (the holds regime and the violated one at ``eps_info``);
* with ``label_sweep``: ``label_sweep.csv`` (one row per measured row and label count),
  ``label_summary.csv`` (t-intervals over seeds, :func:`~infossl.analysis.compress_sweep.
  summarise_labels`) and ``label_sweep.png`` (the holds regime and ``eps_info``);
* with ``eps_sweep``: ``eps_summary.csv`` (:func:`~infossl.analysis.compress_sweep.
  summarise_eps`), ``crossover.csv`` (:func:`~infossl.analysis.compress_sweep.crossovers`)
  and ``eps_sweep.png``;
  the sweep tables are also in ``results.json`` (``label_summary``, ``eps_summary``,
  ``crossover``).

Each file is written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from infossl._atomic import atomic_write_figure, atomic_write_text, jsonable
from infossl.analysis.compress_experiment import ROW_COLUMNS, CompressResult
from infossl.analysis.compress_plots import (
    plot_accuracy,
    plot_compression_plane,
    plot_eps_sweep,
    plot_ib_curve,
    plot_label_sweep,
)
from infossl.analysis.compress_sweep import (
    LABEL_ROW_COLUMNS,
    crossovers,
    label_rows,
    summarise_eps,
    summarise_labels,
)

__all__ = ["FIGURES", "jsonable", "rows_to_csv", "sweep_tables", "write_results"]

#: Figure file names written by :func:`write_results`.
FIGURES: tuple[str, ...] = ("plane.png", "accuracy.png", "ib_curve.png")


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


def sweep_tables(result: CompressResult) -> dict[str, list[dict[str, Any]]]:
    """The sweep tables of ``result`` (empty dict without sweeps): ``label_rows`` and
    ``label_summary`` with a label sweep; ``eps_summary`` and ``crossover`` with an ε sweep
    (the baseline of the gaps is SimCLR when it was run, else the first objective)."""
    config = result.config
    baseline = _baseline(result)
    out: dict[str, list[dict[str, Any]]] = {}
    if config.label_sweep:
        out["label_rows"] = label_rows(result.rows)
        out["label_summary"] = summarise_labels(
            out["label_rows"], result.references, baseline=baseline
        )
    if config.eps_sweep:
        out["eps_summary"] = summarise_eps(result.rows, result.references, baseline=baseline)
        out["crossover"] = crossovers(out["eps_summary"])
    return out


def _baseline(result: CompressResult) -> str:
    objectives = result.config.objectives
    return "simclr" if "simclr" in objectives else objectives[0]


def write_results(
    result: CompressResult, out_dir: str | Path, *, dpi: int = 130
) -> dict[str, Path]:
    """Write every output of ``result`` to ``out_dir`` (created if needed); returns the paths."""
    if not isinstance(result, CompressResult):
        raise TypeError(f"result must be a CompressResult, got {type(result).__name__}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in ("results.csv", "summary.csv", "results.json", *FIGURES)}
    atomic_write_text(paths["results.csv"], rows_to_csv(result.rows, ROW_COLUMNS))
    summary_cols = list(result.summary[0]) if result.summary else []
    atomic_write_text(paths["summary.csv"], rows_to_csv(result.summary, summary_cols))
    tables = sweep_tables(result)
    data = result.to_dict()
    data.update({k: v for k, v in tables.items() if k != "label_rows"})
    atomic_write_text(paths["results.json"], json.dumps(jsonable(data), indent=1, allow_nan=False))
    main, refs = result.main_summary(), result.main_references()
    figures = {
        "plane.png": plot_compression_plane(main, refs),
        "accuracy.png": plot_accuracy(main, refs),
        "ib_curve.png": plot_ib_curve(main),
    }
    if "label_rows" in tables:
        paths["label_sweep.csv"] = out / "label_sweep.csv"
        atomic_write_text(
            paths["label_sweep.csv"], rows_to_csv(tables["label_rows"], LABEL_ROW_COLUMNS)
        )
        main_eps = {round(e["eps_info"], 9) for e in main}
        figures["label_sweep.png"] = plot_label_sweep(
            [e for e in tables["label_summary"] if e["eps_info"] in main_eps]
        )
    for name in ("label_summary", "eps_summary", "crossover"):
        if tables.get(name):
            paths[f"{name}.csv"] = out / f"{name}.csv"
            atomic_write_text(
                paths[f"{name}.csv"], rows_to_csv(tables[name], list(tables[name][0]))
            )
    if "eps_summary" in tables:
        figures["eps_sweep.png"] = plot_eps_sweep(tables["eps_summary"], baseline=_baseline(result))
    for name, fig in figures.items():
        paths[name] = out / name
        atomic_write_figure(paths[name], fig, dpi=dpi)
    return paths
