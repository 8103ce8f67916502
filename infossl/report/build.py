"""``build_report(run_dir)``: one self-contained HTML page for a training run.

Sections: run summary and final metrics; loss terms over training, each labelled by the
information quantity it bounds; the SSL information planes (Ĥ(Z) vs Ĥ(Z1|Z2), Î(Z;Y) vs
Î(X;Z)); every diagnostics quantity over epochs with its estimator ceiling dashed; the
eigenspectrum, RankMe and alignment/uniformity over epochs; downstream accuracy; the last
diagnostics as a table; a reading guide. Figures are PNGs embedded as base64 ``data:`` URIs and
the CSS is inline, so the file opens anywhere without network access.
"""

from __future__ import annotations

import datetime
import html
import math
import os
from pathlib import Path
from typing import Any

from infossl._atomic import atomic_write_text
from infossl.estimate import check_unit, convert_text
from infossl.report import figures
from infossl.report.html import figure_html, page, table_html
from infossl.report.run import RunRecords, load_run

__all__ = ["REPORT_FILE", "SECTIONS", "build_report", "render_report"]

REPORT_FILE = "report.html"
#: (anchor, heading) of every section, in page order.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Run and final metrics"),
    ("loss", "Loss terms as information quantities"),
    ("plane", "SSL information planes"),
    ("information", "Information diagnostics over training"),
    ("spectrum", "Eigenspectrum, RankMe, alignment and uniformity"),
    ("accuracy", "Probe accuracy"),
    ("estimates", "Last diagnostics, with kinds and ceilings"),
    ("guide", "How to read this report"),
)

_MISSING_DIAGNOSTICS = (
    '<p class="warn">No diagnostics were recorded for this run: '
    "<code>infossl train</code> records them unless "
    "<code>diagnostics.enabled=false</code>; in your own loop attach "
    "<code>infossl.InformationMonitor</code> (docs/diagnostics.md).</p>"
)
_NO_LOSS_ROWS = (
    '<p class="warn">No loss rows were logged for this run: '
    "<code>infossl train</code> logs them itself; in your own loop call "
    "<code>monitor.log_loss(loss)</code> every few steps.</p>"
)
_NO_LABELS = (
    '<p class="warn">No accuracy records: the run has no labels (give the '
    "monitor <code>labels=</code>, or train on labelled data).</p>"
)


def _fmt_scale(s: Any) -> str:
    return "not computed" if s is None else f"{float(s):.4g}"


def _fmt_seconds(s: Any) -> str:
    return "" if s is None else f"{float(s):.1f} s"


def _unit_factor(unit: str) -> float:
    return 1.0 if unit == "nats" else 1.0 / math.log(2.0)


def _summary_section(run: RunRecords, unit: str) -> str:
    cfg, s = run.config, run.summary
    train = cfg.get("train", {})
    model = cfg.get("model", {})
    rows = [
        ("method", cfg.get("method", s.get("method"))),
        ("data", (cfg.get("data") or {}).get("name", s.get("data"))),
        ("backbone", s.get("backbone", model.get("backbone"))),
        (
            "epochs (completed / planned)",
            f"{s.get('epochs_completed', '?')} / {train.get('epochs', '?')}",
        ),
        ("batch size", train.get("batch_size")),
        ("steps", s.get("steps")),
        ("stopped", s.get("stopped")),
        ("training time", _fmt_seconds(s.get("train_seconds"))),
        ("precision", (s.get("precision") or {}).get("dtype")),
    ]
    rows = [(k, v) for k, v in rows if v not in (None, "")]
    rows = [(k, v.replace(" / ?", "")) if isinstance(v, str) else (k, v) for k, v in rows]
    out = table_html(["setting", "value"], rows)
    final = []
    names = {
        "linear_acc": "offline linear probe accuracy (validation)",
        "knn_acc": "kNN accuracy (validation, last epoch)",
        "probe_val_acc": "online linear probe accuracy (validation, last epoch)",
    }
    for key, label in names.items():
        value = run.final.get(key, s.get(key))
        if value is not None:
            final.append((label, float(value), ""))
    last = run.diagnostics[-1] if run.diagnostics else None
    if last is not None:
        m = last.get("metrics", {})
        for key, label in (
            ("rankme", "RankMe"),
            ("effective_rank", "effective rank"),
            ("uniformity", "uniformity"),
            ("probe_accuracy", "diagnostics probe accuracy"),
        ):
            if key in m:
                final.append((label, float(m[key]), f"epoch {last['epoch']}"))
        for key, label in (
            ("I(Z1;Z2):infonce", "Î(Z1;Z2), InfoNCE"),
            ("H(Z):gaussian-ridge", "Ĥ(Z), Gaussian"),
            ("I(Z;Y):probe", "Î(Z;Y), probe"),
        ):
            est = last.get("estimates", {}).get(key)
            if est is not None:
                f = _unit_factor(unit)
                ceil = "" if est.get("ceiling") is None else f", ceiling {est['ceiling'] * f:.3g}"
                final.append(
                    (
                        label,
                        float(est["value"]) * f,
                        f"{unit}, {est['kind']}{ceil}, epoch {last['epoch']}",
                    )
                )
    if final:
        out += table_html(["final metric", "value", "note"], final)
    return out


def _terms_table(run: RunRecords, unit: str) -> str:
    if run.header is None or not run.header.get("terms"):
        return ""
    rows = []
    last = run.train[-1] if run.train else {}
    f = _unit_factor(unit)
    for name, d in run.header.get("terms", {}).items():
        value = last.get("terms", {}).get(name)
        proxy = d["kind"] == "proxy"
        if value is not None and not proxy:
            value = float(value) * f
        rows.append(
            (
                name,
                d["quantity"],
                d["kind"],
                d["bound"],
                d.get("notation", ""),
                last.get("weights", {}).get(name),
                value,
                "proxy units" if proxy else unit,
            )
        )
    return table_html(
        ["term", "quantity", "kind", "bound", "notation", "weight", "last value", "unit"], rows
    )


def _estimates_section(run: RunRecords, unit: str) -> str:
    if not run.diagnostics:
        return _MISSING_DIAGNOSTICS
    last = run.diagnostics[-1]
    f = _unit_factor(unit)
    rows = []
    for key, est in last.get("estimates", {}).items():
        ceiling = None if est.get("ceiling") is None else est["ceiling"] * f
        notes = "; ".join(convert_text(str(n), unit) for n in est.get("notes", []))
        rows.append(
            (
                key,
                est["value"] * f,
                unit,
                est["kind"],
                ceiling,
                "yes" if est.get("saturated") else "",
                est["method"],
                est["n"],
                notes,
            )
        )
    out = (
        f"<p>Epoch {last['epoch']}, step {last['step']}, n = {last.get('n')} samples, "
        f"embedding: {html.escape(str(last.get('representation')))} "
        f"(d = {last.get('dim')}), scale divisor s = {_fmt_scale(last.get('scale'))}.</p>"
    )
    out += table_html(
        ["quantity", "value", "unit", "kind", "ceiling", "saturated", "method", "n", "notes"], rows
    )
    if last.get("errors"):
        out += table_html(["quantity not computed", "reason"], list(last["errors"].items()))
    timed = [r["time"] for r in run.diagnostics[1:] if r.get("time")]
    trained = sum(float(t.get("train_seconds") or 0.0) for t in timed)
    if timed and trained > 0:
        spent = sum(float(t.get("seconds") or 0.0) for t in timed)
        out += (
            f'<p class="sub">Diagnostics cost: {spent:.1f} s after the first pass, '
            f"{spent / trained:.1%} of the {trained:.1f} s of training between them "
            "(wall clock).</p>"
        )
    return out


_GUIDE = """
<ul>
<li><b>Kinds.</b> <i>lower</i>: a lower bound on the quantity (InfoNCE, the probe bound,
KSG on projections by data processing); <i>upper</i>: an upper bound (the Gaussian log-det
entropy); <i>point</i>: an estimate that may err either way (kNN); <i>proxy</i>: a monotone
surrogate with an information reading but no guaranteed relation (matrix-based Rényi entropy,
Gaussian-channel conditional entropy, Î(X;Z)).</li>
<li><b>Ceilings</b> (dashed lines): the largest value a method can report here. InfoNCE cannot
exceed ln K (K = batch size), a plug-in or matrix estimate ln n, a label bound H(Y), a rank
min(n, d). A value at its ceiling says more about the estimator than about the
representation.</li>
<li><b>Entropies</b> are of the embedding divided by s, s² = tr Σ̂(Z1)/d, so an isotropic
Gaussian gives (d/2) ln(2πe) at any scale; collapsed directions pull Ĥ(Z) down by
½ ln(2πe δ) each (δ = ridge).</li>
<li><b>Information planes.</b> Left: a contrastive objective pushes Ĥ(Z) up (uniformity) and
Ĥ(Z1|Z2) down (alignment); the diagonal distance Ĥ(Z) − Ĥ(Z1|Z2) is a Gaussian reading of
I(Z1;Z2). Right: Î(Z;Y) rising towards H(Y) while Î(X;Z) falls would be compression of
task-irrelevant input information; a deterministic encoder has no finite I(X;Z) without a noise
model, here the augmentation orbit read as Gaussian noise.</li>
<li>All diagnostics use the same fixed batch of training images, the same two augmented views
and a disjoint held-out batch for the probe, every time.</li>
</ul>
"""


def render_report(run: RunRecords, unit: str = "nats") -> str:
    """The HTML text of the report of ``run`` (values in ``unit``)."""
    unit = check_unit(unit)
    has_diag = bool(run.diagnostics)
    parts: dict[str, str] = {"summary": _summary_section(run, unit)}
    fig = figures.loss_terms_figure(run, unit)
    parts["loss"] = _terms_table(run, unit) + (
        figure_html(
            fig,
            "Each term of the loss against the step, titled by the information quantity it "
            "bounds; dashed: the InfoNCE ceiling ln K where the loss adds it as a constant.",
            "loss terms",
        )
        if fig is not None
        else _NO_LOSS_ROWS
    )
    panels = (
        (
            "plane",
            figures.information_plane_figure(run, unit),
            "Left: Ĥ(Z1|Z2) vs Ĥ(Z); right: Î(X;Z) vs Î(Z;Y), ceiling H(Y) dashed; colour: epoch."
            + (
                ""
                if run.series("I(Z;Y):probe")[0].size
                else " The right plane is empty: the run has no labels, so there is no Î(Z;Y)."
            ),
        ),
        (
            "information",
            figures.information_curves_figure(run, unit),
            "Every diagnostic against epoch; dashed lines: estimator ceilings.",
        ),
        (
            "spectrum",
            figures.spectrum_figure(run),
            "Left: covariance eigenvalues of the L2-normalised embeddings (one curve per "
            "diagnostics epoch). Middle: RankMe and effective rank, dashed the largest possible "
            "rank. Right: alignment and uniformity.",
        ),
    )
    why_empty = {
        "plane": "the diagnostics rows hold neither Ĥ(Z) with Ĥ(Z1|Z2) nor Î(X;Z) "
        "with Î(Z;Y) (see the quantities not computed below)",
        "information": "the diagnostics rows hold no estimates (see the errors below)",
        "spectrum": "the diagnostics rows hold no spectrum (see the errors below)",
    }
    for key, fig, caption in panels:
        if fig is None:
            parts[key] = (
                _MISSING_DIAGNOSTICS
                if not has_diag
                else f'<p class="warn">Nothing to draw: {why_empty[key]}.</p>'
            )
        else:
            parts[key] = figure_html(fig, caption, key)
    fig = figures.probe_accuracy_figure(run)
    shown = [
        name
        for key, name in (("knn_acc", "kNN monitor"), ("probe_val_acc", "online probe"))
        if any(key in r for r in run.evals)
    ]
    if run.metric_series("probe_accuracy")[0].size:
        shown.append("diagnostics probe")
    caption = (
        (", ".join(shown) or "No per-epoch")
        + " accuracy per epoch"
        + ("; final offline linear probe dash-dotted." if "linear_acc" in run.final else ".")
    )
    parts["accuracy"] = _NO_LABELS if fig is None else figure_html(fig, caption, "accuracy")
    parts["estimates"] = _estimates_section(run, unit)
    parts["guide"] = _GUIDE
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    subtitle = f"run folder {run.path} · information in {unit} · written {stamp}"
    return page(f"infossl report: {run.name}", subtitle, [(a, h, parts[a]) for a, h in SECTIONS])


def build_report(
    run_dir: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    unit: str = "nats",
) -> Path:
    """Write the report of ``run_dir`` to ``out`` (default ``run_dir/report.html``); return it.

    Of the folders on the way to ``out`` only the last may be missing (it is created):
    ``FileNotFoundError`` names a missing parent, ``ValueError`` an ``out`` that is a folder.
    """
    run = load_run(run_dir)
    path = _output_file(Path(out) if out is not None else run.path / REPORT_FILE)
    text = render_report(run, unit)
    return atomic_write_text(path, text)


def _output_file(path: Path) -> Path:
    """``path``, checked to be writable as a file; its folder is created when only that one
    folder is missing."""
    if path.is_dir():
        raise ValueError(
            f"report output {path} is a folder; give a file name such as {path / REPORT_FILE}"
        )
    folder = path.parent
    if not folder.is_dir():
        if folder.exists():
            raise ValueError(f"cannot write {path}: {folder} is a file, not a folder")
        if not folder.parent.is_dir():
            raise FileNotFoundError(
                f"cannot write {path}: folder {folder.parent} does not exist; "
                "create it first or choose another output path"
            )
        folder.mkdir()
    return path
