"""``infossl demo``, the library's story on built-in data in a few minutes on 2 CPU cores.

This module is the demo: :func:`run_demo` prints both parts, and ``infossl demo``
(:mod:`infossl.cli.demo_cmd`) only parses its options and calls it. The training of a single
digits run is its neighbour :func:`infossl.demo.digits_run.run_digits_demo`.

Part 1, :func:`estimator_showcase`, runs several estimators on built-in tasks whose mutual
information is known exactly and prints truth next to estimate, so a reader sees where each
method is accurate and where it is biased (high dimension, non-Gaussian marginals, discrete
data).

Part 2, :func:`run_training_story`, trains SimCLR (contrastive: maximise an InfoNCE bound on
I(Z1;Z2)) and VICReg (non-contrastive: invariance + variance + covariance, read as Ĥ(Z1|Z2) down and
Ĥ(Z) up) on the embedded digits with the information diagnostics on, through
:func:`~infossl.demo.digits_run.run_digits_demo` (which also measures the linear probe of the
trained encoder, of the same encoder at initialisation and of the raw pixels), writes the HTML
report of each run, and returns one comparison table of quantities that compare across methods:
probe and kNN accuracy, RankMe (out of the embedding dimension d), Î(Z1;Z2) with its ceiling ln n
and Î(Z;Y) with its ceiling H(Y), at the last diagnostics epoch, and a one-line takeaway computed
from them. Entropies such as Ĥ(Z) and Ĥ(Z1|Z2) grow with d (an isotropic Gaussian has (d/2)
ln(2πe)), so they are left to each run's report, where they compare across epochs.

Both runs share the backbone (the small convolutional net), the batch, the augmentations and a
512-wide projector. The budget is kept by giving each run's training loop (``train.time_limit``,
a checkpointed early stop) what is left of ``minutes_budget`` after the time the previous runs
spent outside training (set-up, the three linear probes, the report): on a slow or busy machine
the runs get fewer epochs, not more time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infossl._checks import check_float, check_int
from infossl.estimate import Estimate

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

__all__ = [
    "COLUMNS",
    "SHOWCASE",
    "STORY_METHODS",
    "ShowcaseRow",
    "StoryRow",
    "TrainingStory",
    "estimator_showcase",
    "run_demo",
    "run_training_story",
    "showcase_table",
    "takeaway",
]


# ------------------------------------------------------------------- part 1: the estimators
#: (task id, methods) pairs of the estimator showcase.
SHOWCASE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("1v1-normal-0.75", ("ksg1", "ksg2", "gaussian", "binned")),
    ("half_cube-1v1-normal-0.75", ("ksg1", "gaussian")),
    ("multinormal-sparse-5-5-2-2.0", ("ksg1", "ksg2", "gaussian")),
    ("multinormal-dense-25-25-0.5", ("ksg1", "gaussian")),
    ("discrete-bsc-0.1", ("auto",)),
)
#: What the reader should see in the showcase table, printed under it.
SHOWCASE_NOTE = (
    "ksg1/ksg2: kNN (Kraskov et al.), accurate in low dimension, biased low in high dimension; "
    "gaussian: exact for Gaussian data, a linear-dependence measure otherwise; binned: "
    "histogram plug-in, biased by the bin width."
)


@dataclass(frozen=True)
class ShowcaseRow:
    task: str
    truth: float
    estimate: Estimate
    seconds: float


def estimator_showcase(n: int = 5000, seed: int = 0) -> list[ShowcaseRow]:
    """Run the showcase estimators on their tasks; return one row per (task, method)."""
    from infossl.api import estimate_mi
    from infossl.tasks import get_task

    rows = []
    for task_id, methods in SHOWCASE:
        task = get_task(task_id)
        x, y = task.sample(n, seed=seed)
        for method in methods:
            start = time.perf_counter()
            est = estimate_mi(x, y, method=method)
            rows.append(
                ShowcaseRow(task_id, task.mutual_information, est, time.perf_counter() - start)
            )
    return rows


def showcase_table(rows: Sequence[ShowcaseRow], n: int) -> Table:
    """The showcase as a ``rich`` table: truth, estimate and error in nats, kind, seconds."""
    from rich.table import Table

    table = Table(title=f"truth vs estimate, n = {n} samples (nats)")
    for col in ("task", "truth", "method", "estimate", "error", "kind", "seconds"):
        table.add_column(col, justify="left" if col in ("task", "method", "kind") else "right")
    for row in rows:
        e = row.estimate
        table.add_row(
            row.task,
            f"{row.truth:.3f}",
            e.method,
            f"{e.value:.3f}",
            f"{e.value - row.truth:+.3f}",
            e.kind,
            f"{row.seconds:.2f}",
        )
    return table


def run_demo(
    *,
    n: int = 5000,
    seed: int = 0,
    out: str | Path = "runs/demo",
    minutes: float = 3.0,
    estimators_only: bool = False,
    console: Console | None = None,
) -> TrainingStory | None:
    """Print the demo: part 1 (:func:`estimator_showcase`), then part 2
    (:func:`run_training_story` in ``out`` within ``minutes``) unless ``estimators_only``.

    Returns the training story (None when it was skipped). ``console`` defaults to a 160-column
    ``rich`` console on standard output.
    """
    from rich.console import Console
    from rich.markup import escape

    console = Console(width=160) if console is None else console
    console.rule("1. Estimators against known mutual information")
    console.print(showcase_table(estimator_showcase(n=n, seed=seed), n))
    console.print(f"[dim]{SHOWCASE_NOTE}[/dim]")
    if estimators_only:
        return None
    console.rule("2. SSL on digits: contrastive and non-contrastive, with diagnostics")
    story = run_training_story(out, minutes_budget=minutes, seed=seed)
    console.print(story.rich_table())
    console.print("[dim]" + escape(" ".join(story.notes())) + "[/dim]")
    for row in story.rows:
        console.print(f"report: {row.report}", markup=False, highlight=False)
    console.print(f"({story.seconds:.0f} s in all)", markup=False, highlight=False)
    console.print(story.takeaway(), markup=False, highlight=False, soft_wrap=True)
    return story


# ---------------------------------------------------------------------- part 2: the training

#: (method, family, projector output width).
STORY_METHODS: tuple[tuple[str, str, int], ...] = (
    ("simclr", "contrastive", 128),
    ("vicreg", "non-contrastive", 512),
)
#: Seconds a run is assumed to spend outside its training loop before one has been measured.
DEFAULT_RUN_OVERHEAD = 30.0
#: The training loop of a run gets at least this many seconds.
MIN_TRAIN_SECONDS = 10.0


@dataclass
class StoryRow:
    """One trained method: accuracies and the last diagnostics (information in nats)."""

    method: str
    family: str
    epochs: float
    train_seconds: float
    linear: dict[str, float]
    knn: float
    diagnostics_epoch: int
    dim: int
    rankme: float
    rank_ceiling: float
    infonce: float
    infonce_ceiling: float
    entropy: float
    conditional_entropy: float
    label_information: float
    label_ceiling: float
    overhead: float | None
    run_dir: Path
    report: Path
    n_val: int = 0


#: (header with its unit on a second line, justification) of the story table, in the style
#: of the estimator table of the demo's first part.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("method", "left"),
    ("family", "left"),
    ("d", "right"),
    ("epochs", "right"),
    ("train\ns", "right"),
    ("linear probe\naccuracy", "right"),
    ("random init\naccuracy", "right"),
    ("raw pixels\naccuracy", "right"),
    ("kNN\naccuracy", "right"),
    ("RankMe\nof d", "right"),
    ("Î(Z1;Z2) InfoNCE\nnats", "right"),
    ("Î(Z;Y) probe\nnats", "right"),
)


@dataclass
class TrainingStory:
    rows: list[StoryRow]
    seconds: float
    out_dir: Path

    HEADER = tuple(name.replace("\n", ", ") for name, _ in COLUMNS)

    def table(self) -> list[list[str]]:
        """Rows of strings under :attr:`HEADER` (ceilings in brackets)."""
        out = []
        for r in self.rows:
            out.append(
                [
                    r.method,
                    r.family,
                    str(r.dim),
                    f"{r.epochs:g}",
                    f"{r.train_seconds:.0f}",
                    f"{r.linear['trained']:.3f}",
                    f"{r.linear['random']:.3f}",
                    f"{r.linear['pixels']:.3f}",
                    f"{r.knn:.3f}",
                    f"{r.rankme:.1f} / {r.rank_ceiling:g}",
                    f"{r.infonce:.2f} (≤ {r.infonce_ceiling:.2f})",
                    f"{r.label_information:.2f} (≤ {r.label_ceiling:.2f})",
                ]
            )
        return out

    def title(self) -> str:
        n_val = self.rows[0].n_val if self.rows else 0
        return (
            f"accuracy on {n_val} test digits; information at the last diagnostics epoch "
            f"on {self.batch_size} training digits (nats)"
        )

    @property
    def batch_size(self) -> int:
        """Size of the diagnostics batch (from the InfoNCE ceiling ln n)."""
        return round(math.exp(self.rows[0].infonce_ceiling)) if self.rows else 0

    def rich_table(self) -> Table:
        """The comparison as a ``rich`` table (the style of the demo's estimator table)."""
        from rich.table import Table

        table = Table(title=self.title())
        for name, justify in COLUMNS:
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for row in self.table():
            table.add_row(*row)
        return table

    def notes(self) -> list[str]:
        n = self.batch_size
        return [
            "Accuracy: logistic regression (linear probe) and weighted kNN (k = 200) on frozen "
            "features of the test digits; raw pixels already reach about 0.97 on this data set.",
            "Î(Z1;Z2): InfoNCE with a fixed cosine/τ critic on scale-normalised embeddings, a "
            f"lower bound that cannot exceed ln {n} = {math.log(max(n, 1)):.2f}; Î(Z;Y): "
            "H(Y) − held-out cross-entropy of a linear probe (lower bound, ceiling H(Y)).",
            "RankMe: effective rank of the embeddings, out of their dimension d. Entropies such "
            "as Ĥ(Z) grow with d, so they are compared over epochs in each report, not across "
            "methods.",
        ]

    def takeaway(self) -> str:
        """One line comparing the runs, from the numbers measured in them."""
        return takeaway(self.rows)

    def format(self, width: int = 160) -> str:
        """The table as plain text, the reading notes, the reports and the takeaway."""
        import io

        from rich.console import Console

        buffer = io.StringIO()
        Console(file=buffer, width=width, color_system=None).print(self.rich_table())
        lines = [
            buffer.getvalue().rstrip("\n"),
            "",
            *self.notes(),
            "",
            *[f"report: {r.report}" for r in self.rows],
            f"({self.seconds:.0f} s in all)",
            self.takeaway(),
        ]
        return "\n".join(lines)


def _compare(a: float, b: float, more: str, less: str) -> str:
    return more if a > b else less if a < b else "the same"


def takeaway(rows: Sequence[StoryRow]) -> str:
    """One line: the best and the worst run on the linear probe (in test digits), their
    effective rank and InfoNCE bound, and every run's gain over its random initialisation."""
    if not rows:
        raise ValueError("rows must not be empty")
    gains = [r.linear["trained"] - r.linear["random"] for r in rows]
    if len(rows) == 1:
        r = rows[0]
        return (
            f"Takeaway: {r.method}'s trained encoder reached {r.linear['trained']:.3f} "
            f"linear-probe accuracy, {gains[0]:+.3f} over the same encoder at random "
            f"initialisation and {r.linear['trained'] - r.linear['pixels']:+.3f} over raw "
            "pixels."
        )
    ranked = sorted(rows, key=lambda r: r.linear["trained"], reverse=True)
    a, b = ranked[0], ranked[-1]
    n = a.n_val
    digits = round((a.linear["trained"] - b.linear["trained"]) * n)
    if digits == 0:
        head = (
            f"Takeaway: {a.method} and {b.method} tied on the linear probe "
            f"({a.linear['trained']:.3f} on {n} test digits)"
        )
    else:
        head = (
            f"Takeaway: {a.method} beat {b.method} on the linear probe by {digits} of {n} "
            f"test digits ({a.linear['trained']:.3f} vs {b.linear['trained']:.3f})"
        )
    rank = _compare(a.rankme, b.rankme, "a higher", "a lower")
    bound = _compare(a.infonce, b.infonce, "a higher", "a lower")
    return (
        f"{head}, with {rank} effective rank (RankMe {a.rankme:.1f} vs {b.rankme:.1f}) and "
        f"{bound} InfoNCE bound ({a.infonce:.2f} vs {b.infonce:.2f} nats); training gained "
        + ", ".join(f"{g:+.3f} ({r.method})" for r, g in zip(rows, gains, strict=True))
        + " over the random-init encoder."
    )


def _last_diagnostics(run_dir: Path) -> dict[str, Any]:
    from infossl.analysis.monitor import read_diagnostics

    rows = read_diagnostics(run_dir)
    if not rows:
        raise RuntimeError(f"{run_dir}: no diagnostics were written")
    return rows[-1]


def run_training_story(
    out_dir: str | Path,
    minutes_budget: float = 3.0,
    *,
    methods: Sequence[tuple[str, str, int]] = STORY_METHODS,
    epochs: int = 40,
    every_epochs: int = 4,
    seed: int = 0,
    threads: int | None = 1,
    progress: bool | None = None,
) -> TrainingStory:
    """Train each method of ``methods`` on digits with diagnostics; compare; write reports.

    Args:
        out_dir: one run folder per method is created inside (``out_dir/<method>``), each
            with ``report.html``.
        minutes_budget: wall-clock budget of the whole story (see the module docstring).
        methods: (method, family, projector width) triples.
        epochs: planned epochs per run; ``every_epochs``: diagnostics period (also at epoch 0
            and after the last completed epoch), strict (no ``max_overhead`` deferral: the
            demo wants the curves; a pass costs about a second on digits).
        threads: torch threads of the runs (default 1: measured 10× faster than 2 threads on
            a 2-core machine shared with other jobs; the previous count is restored after).
        seed, progress: passed to the runs.
    """
    import torch

    from infossl.train.config import DiagnosticsConfig

    minutes_budget = check_float(minutes_budget, "minutes_budget", low=0.0, low_open=True)
    epochs = check_int(epochs, "epochs", low=1)
    every_epochs = check_int(every_epochs, "every_epochs", low=1)
    if not methods:
        raise ValueError("methods must not be empty")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    deadline = start + minutes_budget * 60.0
    section = DiagnosticsConfig(
        enabled=True, every_epochs=every_epochs, seed=seed, max_overhead=None
    )
    threads_before = torch.get_num_threads()
    try:
        rows = _train_all(
            out, methods, epochs, every_epochs, seed, threads, progress, section, deadline
        )
    finally:
        torch.set_num_threads(threads_before)
    return TrainingStory(rows, time.perf_counter() - start, out)


def _train_all(
    out: Path,
    methods: Sequence[tuple[str, str, int]],
    epochs: int,
    every_epochs: int,
    seed: int,
    threads: int | None,
    progress: bool | None,
    section: Any,
    deadline: float,
) -> list[StoryRow]:
    from infossl.analysis.trainer_diagnostics import DiagnosticsCallback
    from infossl.demo.digits_run import run_digits_demo
    from infossl.report import build_report

    outside: list[float] = []
    rows = []
    for i, (method, family, width) in enumerate(methods):
        run_start = time.perf_counter()
        overhead = sum(outside) / len(outside) if outside else DEFAULT_RUN_OVERHEAD
        time_limit = max(MIN_TRAIN_SECONDS, (deadline - run_start) / (len(methods) - i) - overhead)
        run_dir = out / method
        overrides = [
            "model.proj_hidden=512",
            f"model.proj_out={width}",
            "log.tensorboard=false",
            "diagnostics.enabled=true",
            f"diagnostics.every_epochs={every_epochs}",
            f"diagnostics.seed={seed}",
            "diagnostics.max_overhead=null",
        ]
        result = run_digits_demo(
            run_dir,
            method=method,
            epochs=epochs,
            seed=seed,
            time_limit=time_limit,
            threads=threads,
            progress=progress,
            overrides=overrides,
            epoch_callbacks=[DiagnosticsCallback.from_config(section)],
        )
        report = build_report(run_dir)
        wall = float(_summary(run_dir).get("wall_seconds", 0.0))
        outside.append(time.perf_counter() - run_start - wall)
        last = _last_diagnostics(run_dir)
        est, metrics = last["estimates"], last["metrics"]
        overheads = _overheads(run_dir)
        rows.append(
            StoryRow(
                method=method,
                family=family,
                epochs=result.epochs,
                train_seconds=result.train_seconds,
                linear=result.linear,
                knn=result.knn["trained"],
                diagnostics_epoch=int(last["epoch"]),
                dim=int(last["dim"]),
                rankme=metrics["rankme"],
                rank_ceiling=metrics["rank_ceiling"],
                infonce=est["I(Z1;Z2):infonce"]["value"],
                infonce_ceiling=est["I(Z1;Z2):infonce"]["ceiling"],
                entropy=est["H(Z):gaussian-ridge"]["value"],
                conditional_entropy=est["H(Z1|Z2):view-gaussian"]["value"],
                label_information=est["I(Z;Y):probe"]["value"],
                label_ceiling=est["I(Z;Y):probe"]["ceiling"],
                overhead=sum(overheads) / len(overheads) if overheads else None,
                run_dir=run_dir,
                report=report,
                n_val=result.n_val,
            )
        )
    return rows


def _summary(run_dir: Path) -> dict[str, Any]:
    import json

    path = run_dir / "summary.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _overheads(run_dir: Path) -> list[float]:
    from infossl.analysis.monitor import read_diagnostics

    values = [r.get("time", {}).get("overhead") for r in read_diagnostics(run_dir)]
    return [float(v) for v in values if v is not None and math.isfinite(v)]
