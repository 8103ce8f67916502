"""CIFAR-10 / ResNet-20: SimCLR, VICReg, BYOL and Barlow Twins, about an hour each.

Usage (long; run in the background, not in CI):

    mkdir -p runs && nohup env PYTHONPATH=. .venv/bin/python benchmarks/cifar10.py --minutes 60 \\
        > runs/cifar10-benchmark.log 2>&1 &

Quick check of the whole pipeline (a few minutes): ``--quick``.

For each method:

1. **calibrate**: ``infossl train`` for ``--calibration-steps`` steps measures the steady
   end-to-end img/s of this method on this machine (start-up excluded);
2. **train**: ``epochs = floor(0.85 · budget · img/s / 50,000)`` (at least 1), so the run, its
   kNN monitor every ``--knn-every`` epochs and the final linear probe fit in about
   ``--minutes``; the run goes to ``runs/cifar10/<method>`` and is resumed (``--resume``) if
   that folder already holds a checkpoint, so a killed benchmark can be restarted;
3. **record** epochs, wall time, img/s, kNN accuracy (k = 200, τ = 0.1, cosine, bank =
   un-augmented training features) and linear-probe accuracy (logistic regression on frozen
   features) on the 5,000-image ``val`` split, in ``benchmarks/cifar10.md``.

The information diagnostics (``diagnostics.jsonl``) keep ``infossl train``'s defaults unless
``--diagnostics-every``, ``--diagnostics-overhead`` or ``--diagnostics-representation`` say
otherwise (used by ``benchmarks/ssl_infoplane.md``); ``--epochs N`` trains every method for N
epochs instead of calibrating (equal schedules, for curves compared step by step).

Protocol: each method's defaults in ``infossl train`` — SimCLR and BYOL with lightly's CIFAR-10
benchmark settings (SGD, lr 0.06·B/128, momentum 0.9, weight decay 5e-4, cosine schedule, no
warm-up), VICReg and Barlow Twins with solo-learn's (LARS, lr 0.3·B/256, weight decay 1e-4,
η = 0.02, biases and norms excluded, warm-up min(10, epochs/10) epochs, then cosine; plain SGD
diverges on their unnormalised covariance terms) — batch 256, ResNet-20 (0.27 M parameters,
64 features, He et al. 2016), the SimCLR augmentations (BYOL's asymmetric ones for BYOL), each
method's default heads (``infossl.train.methods.METHODS``). The images are JPEG re-encodings of
CIFAR-10: compare methods with each other, not with published numbers.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "cifar10"
TRAIN = DATA / "cifar10_train_jpg.zip"
VAL = DATA / "cifar10_val_jpg.zip"
METHODS = ("simclr", "vicreg", "byol", "barlow_twins")
N_TRAIN = 50_000


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _run(args: list[str], log: Path) -> int:
    """Run ``args`` from the repository root, streaming its output into ``log``."""
    with open(log, "a") as f:
        f.write(f"\n$ {' '.join(args)}\n")
        f.flush()
        return subprocess.run(
            args, cwd=ROOT, env=_env(), stdout=f, stderr=subprocess.STDOUT
        ).returncode


def _common(a: argparse.Namespace) -> list[str]:
    limit = [f"data.limit={a.limit}"] if a.limit else []
    threads = [f"train.threads={a.threads}"] if a.threads else []
    return [
        f"data.name={TRAIN}",
        f"data.val={VAL}",
        "model.backbone=resnet20",
        f"train.batch_size={a.batch}",
        "log.progress=false",
        *limit,
        *threads,
    ]


def _diagnostics(a: argparse.Namespace) -> list[str]:
    """Overrides of the information diagnostics (``diagnostics.jsonl``); none: ``infossl
    train``'s defaults (every 5 epochs, within 10 % of the training time)."""
    every = [f"diagnostics.every_epochs={a.diagnostics_every}"] if a.diagnostics_every else []
    overhead = (
        [f"diagnostics.max_overhead={a.diagnostics_overhead}"] if a.diagnostics_overhead else []
    )
    where = (
        [f"diagnostics.representation={a.diagnostics_representation}"]
        if a.diagnostics_representation
        else []
    )
    return [*every, *overhead, *where]


def calibrate(method: str, a: argparse.Namespace, folder: Path, log: Path) -> float:
    """Steady-state end-to-end img/s of ``method``: the median rate of the 5-step log intervals
    after the first two (robust to a transient load spike during the short calibration)."""
    out = folder / f"calibrate-{method}"
    if (out / "checkpoints").exists():
        import shutil

        shutil.rmtree(out)
    cmd = [
        sys.executable,
        "-m",
        "infossl",
        "train",
        "--method",
        method,
        "--epochs",
        "1000",
        "--out",
        str(out),
        *_common(a),
        f"train.max_steps={a.calibration_steps}",
        "log.every_steps=5",
        "eval.knn_every_epochs=0",
        "eval.final_linear=false",
        "log.tensorboard=false",
    ]
    if _run(cmd, log) != 0:
        raise RuntimeError(f"calibration of {method} failed; see {log}")
    recs = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    recs = [r for r in recs if r["kind"] == "train"]
    rates = [
        (b["step"] - p["step"]) * a.batch / (b["time"]["elapsed"] - p["time"]["elapsed"])
        for p, b in itertools.pairwise(recs[1:])
    ]
    return statistics.median(rates)


def train_method(method: str, epochs: int, a: argparse.Namespace, folder: Path, log: Path) -> dict:
    out = folder / method
    resume = ["--resume"] if (out / "checkpoints" / "last.pt").exists() else []
    cmd = [
        sys.executable,
        "-m",
        "infossl",
        "train",
        "--method",
        method,
        "--epochs",
        str(epochs),
        "--out",
        str(out),
        *_common(a),
        f"eval.knn_every_epochs={a.knn_every}",
        "log.every_steps=20",
        *_diagnostics(a),
        *resume,
    ]
    t0 = time.time()
    code = _run(cmd, log)
    if code != 0:
        raise RuntimeError(f"training {method} failed (exit {code}); see {log}")
    summary = json.loads((out / "summary.json").read_text())
    summary["benchmark_wall_seconds"] = time.time() - t0
    return summary


def baselines(checkpoint: Path, encoders: list[str], log: Path) -> list[tuple[str, dict]]:
    """kNN and linear-probe accuracy of untrained references with the same protocol.

    ``random``: the checkpoint's architecture at random initialisation (seed 0); ``pixels``: the
    normalised input image (3,072 features). Each via ``infossl eval knn|linear``.
    """
    rows = []
    for encoder in encoders:
        result: dict = {"encoder": encoder}
        for kind in ("knn", "linear"):
            cmd = [
                sys.executable,
                "-m",
                "infossl",
                "eval",
                kind,
                "--checkpoint",
                str(checkpoint),
                "--encoder",
                encoder,
            ]
            t0 = time.time()
            proc = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True)
            with open(log, "a") as f:
                f.write(f"\n$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
            if proc.returncode != 0:
                raise RuntimeError(f"eval {kind} --encoder {encoder} failed; see {log}")
            out = json.loads(proc.stdout[proc.stdout.index("{") :])
            result[kind] = out
            result[f"{kind}_seconds"] = time.time() - t0
        rows.append((encoder, result))
    return rows


def _machine() -> str:
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        name = next(
            ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("Model name")
        )
    except (OSError, StopIteration):
        name = platform.processor()
    return f"{name}, {os.cpu_count()} CPUs"


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--methods", default=",".join(METHODS))
    p.add_argument("--minutes", type=float, default=60.0, help="budget per method")
    p.add_argument(
        "--epochs", type=int, default=None, help="train every method this long (no calibration)"
    )
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--calibration-steps", type=int, default=40)
    p.add_argument("--knn-every", type=int, default=5)
    p.add_argument(
        "--diagnostics-every", type=int, default=None, help="information diagnostics every N epochs"
    )
    p.add_argument(
        "--diagnostics-overhead",
        type=float,
        default=None,
        help="largest fraction of the training time the diagnostics may take",
    )
    p.add_argument(
        "--diagnostics-representation",
        choices=("projector", "backbone"),
        default=None,
        help="embedding the diagnostics measure (infossl train's default: projector)",
    )
    p.add_argument("--limit", type=int, default=None, help="use only N training images")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads per run")
    p.add_argument("--folder", default=str(ROOT / "runs" / "cifar10"))
    p.add_argument("--results", default=str(ROOT / "benchmarks" / "cifar10.md"))
    p.add_argument(
        "--baselines",
        default=None,
        metavar="CHECKPOINT",
        help="instead of training: kNN and linear accuracy of a random-init encoder "
        "(CHECKPOINT's architecture) and of raw pixels, appended to the results",
    )
    p.add_argument("--baseline-encoders", default="random,pixels")
    p.add_argument(
        "--quick",
        action="store_true",
        help="pipeline check: 1,000 images, batch 128, 1 epoch, 8 calibration steps",
    )
    a = p.parse_args()
    if not (TRAIN.is_file() and VAL.is_file()):
        sys.exit(f"CIFAR-10 not found under {DATA}")
    if a.quick:
        a.limit, a.batch, a.calibration_steps, a.minutes = 1000, 128, 8, 0.0
        a.folder = str(Path(a.folder).with_name("cifar10-quick"))
        a.results = str(Path(a.folder) / "results.md")
    folder = Path(a.folder)
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "benchmark.log"
    if a.baselines:
        write_baselines(Path(a.baselines), a.baseline_encoders.split(","), log, a.results)
        return
    n_train = a.limit or N_TRAIN
    rows = []
    for method in a.methods.split(","):
        if a.epochs:
            rate, epochs = float("nan"), a.epochs
        else:
            rate = calibrate(method, a, folder, log)
            epochs = max(1, math.floor(0.85 * a.minutes * 60 * rate / n_train))
        print(f"{method}: {rate:.1f} img/s → {epochs} epochs", flush=True)
        s = train_method(method, epochs, a, folder, log)
        rows.append((method, epochs, s, rate))
        print(
            f"{method}: kNN {s.get('knn_acc')}, linear {s.get('linear_acc')}, "
            f"{s['wall_seconds'] / 60:.1f} min",
            flush=True,
        )
    lines = [
        f"## {datetime.date.today().isoformat()}{' (quick check)' if a.quick else ''}",
        "",
        f"Machine: {_machine()}.",
        "",
        "Command: `PYTHONPATH=. .venv/bin/python benchmarks/cifar10.py "
        + " ".join(sys.argv[1:])
        + "`",
        "",
        "| method | epochs | wall time | train img/s | kNN acc (val) | linear acc (val) | "
        "precision |",
        "|---|---|---|---|---|---|---|",
    ]
    for method, epochs, s, _ in rows:
        prec = s["precision"]["dtype"] + (" + CL" if s["precision"]["channels_last"] else "")
        lines.append(
            f"| {method} | {epochs} | {s['wall_seconds'] / 60:.1f} min | "
            f"{s['img_per_s']:.0f} | {s.get('knn_acc', float('nan')):.4f} | "
            f"{s.get('linear_acc', float('nan')):.4f} | {prec} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    with open(a.results, "a") as f:
        f.write("\n" + text)


def write_baselines(checkpoint: Path, encoders: list[str], log: Path, results: str) -> None:
    rows = baselines(checkpoint, encoders, log)
    lines = [
        f"## {datetime.date.today().isoformat()}: untrained references",
        "",
        f"Machine: {_machine()}.",
        "",
        "Command: `PYTHONPATH=. .venv/bin/python benchmarks/cifar10.py "
        + " ".join(sys.argv[1:])
        + "`",
        "",
        "| encoder | kNN acc (val) | linear acc (val) | seconds (kNN + linear) |",
        "|---|---|---|---|",
    ]
    for encoder, r in rows:
        lines.append(
            f"| {encoder} | {r['knn']['accuracy']:.4f} | {r['linear']['accuracy']:.4f} "
            f"| {r['knn_seconds']:.0f} + {r['linear_seconds']:.0f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    with open(results, "a") as f:
        f.write("\n" + text)


if __name__ == "__main__":
    main()
