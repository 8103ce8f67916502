"""The staircase experiment of Poole et al. (2019, Fig. 2) and Song & Ermon (2020, Fig. 1).

A critic is trained online on fresh batches of a 20-dimensional Gaussian pair whose true MI steps
through 2, 4, 6, 8, 10 nats (one level per ``steps_per_level`` steps). The bound's value on each
training batch is recorded; since each batch is new data, it is an honest estimate of the bound for
the current critic. Per level, bias and variance are computed over the second half of the level's
steps (after the critic has adapted).

Data: ``x ~ N(0, I_d)``, ``y = rho x + sqrt(1 - rho^2) eps`` with per-coordinate correlation
``rho = sqrt(1 - exp(-2 I / d))``, so that ``I(X;Y) = -(d/2) ln(1 - rho^2)`` exactly.
Cost: ``steps`` optimiser steps per (bound, critic); the concat critic scores ``K^2`` pairs a step.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import model_validator

from infossl._atomic import (
    atomic_write,
    atomic_write_csv,
    atomic_write_figure,
    atomic_write_json,
)
from infossl._checks import check_float, check_int
from infossl._config import FrozenConfig, with_defaults
from infossl._optimisation import fit
from infossl.estimators.neural.critics import CRITICS, make_critic
from infossl.estimators.neural.heads import CriticBound

LEVELS: tuple[float, ...] = (2.0, 4.0, 6.0, 8.0, 10.0)
DEFAULT_VARIANTS: tuple[str, ...] = (
    "infonce",
    "nwj",
    "dv",
    "mine",
    "js",
    "smile-1",
    "smile-5",
    "smile-inf",
    "interpolated",
)
DEFAULT_ALPHA = 0.01
_SIMPLE = ("infonce", "nwj", "dv", "mine", "tuba", "js")


def staircase_rho(mi: float, dim: int) -> float:
    """Per-coordinate correlation giving ``I = -(dim/2) ln(1 - rho^2) = mi`` nats."""
    mi = check_float(mi, "mi", low=0.0)
    dim = check_int(dim, "dim", low=1)
    return math.sqrt(-math.expm1(-2.0 * mi / dim))


def sample_gaussian_pair(
    mi: float, dim: int, batch_size: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch_size`` pairs with ``I(X;Y) = mi`` nats in ``dim`` dimensions (CPU, float32)."""
    rho = staircase_rho(mi, dim)
    x = torch.randn(batch_size, dim, generator=generator)
    noise = torch.randn(batch_size, dim, generator=generator)
    return x, rho * x + math.sqrt(1.0 - rho**2) * noise


@dataclass(frozen=True)
class Variant:
    """A bound with its settings, parsed from a label such as ``"smile-5"``."""

    label: str
    bound: str
    tau: float | None = None
    alpha: float = DEFAULT_ALPHA


def parse_variant(label: str) -> Variant:
    """``infonce``, ``nwj``, ``dv``, ``mine``, ``tuba``, ``js``, ``smile-<tau|inf>``,
    ``interpolated`` (alpha = 0.01) or ``interpolated-<alpha>``."""
    if label in _SIMPLE:
        return Variant(label, label)
    name, _, arg = label.partition("-")
    try:
        if name == "smile" and arg:
            tau = None if arg == "inf" else check_float(float(arg), "tau", low=0.0, low_open=True)
            return Variant(label, "smile", tau=tau)
        if name == "interpolated":
            alpha = check_float(float(arg), "alpha", low=0.0, high=1.0) if arg else DEFAULT_ALPHA
            return Variant(label, "interpolated", alpha=alpha)
    except ValueError as err:
        raise ValueError(f"bad staircase variant {label!r}: {err}") from None
    raise ValueError(
        f"unknown staircase variant {label!r}; use one of {list(_SIMPLE)}, smile-<tau>, smile-inf, "
        "interpolated or interpolated-<alpha>"
    )


class StaircaseConfig(FrozenConfig):
    """Settings of a staircase run (defaults: Poole et al.'s, except steps per level)."""

    levels: tuple[float, ...] = LEVELS
    dim: int = 20
    batch_size: int = 64
    steps_per_level: int = 4000
    hidden: tuple[int, ...] = (256, 256)
    embed_dim: int = 32
    lr: float = 5e-4
    seed: int = 0

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> dict[str, Any]:
        values = with_defaults(cls, data)
        values["dim"] = check_int(values["dim"], "dim", low=1)
        values["batch_size"] = check_int(values["batch_size"], "batch_size", low=2)
        values["steps_per_level"] = check_int(values["steps_per_level"], "steps_per_level", low=2)
        values["embed_dim"] = check_int(values["embed_dim"], "embed_dim", low=1)
        values["lr"] = check_float(values["lr"], "lr", low=0.0, low_open=True)
        values["seed"] = check_int(values["seed"], "seed", low=0)
        if not values["levels"]:
            raise ValueError("levels must name at least one MI level")
        for level in values["levels"]:
            check_float(level, "levels[...]", low=0.0)
        return values

    @property
    def steps(self) -> int:
        return self.steps_per_level * len(self.levels)

    def true_mi(self) -> np.ndarray:
        """The true MI at every step (the staircase)."""
        return np.repeat(np.asarray(self.levels, dtype=float), self.steps_per_level)


@dataclass
class StaircaseRun:
    """One (bound, critic) run: the estimate at every step and the wall-clock time."""

    variant: str
    critic: str
    estimates: np.ndarray
    seconds: float


def run_variant(
    variant: Variant, critic: str, config: StaircaseConfig, *, progress: bool = False
) -> StaircaseRun:
    """Train one critic through the staircase; record the bound on each (fresh) batch.

    Every run uses the same data stream (seeded by ``config.seed``), so variants are compared on
    identical batches; the critic's initialisation is seeded the same way.
    """
    if critic not in CRITICS:
        raise ValueError(f"critic must be one of {list(CRITICS)}, got {critic!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        net = make_critic(
            critic, config.dim, config.dim, hidden=config.hidden, embed_dim=config.embed_dim
        )
        model = CriticBound(net, variant.bound, tau=variant.tau, alpha=variant.alpha)
    data = torch.Generator().manual_seed(config.seed)
    levels = config.true_mi()
    estimates = np.empty(config.steps)

    def negative_bound(step: int) -> torch.Tensor:
        x, y = sample_gaussian_pair(float(levels[step]), config.dim, config.batch_size, data)
        value = model.training_value(x, y)
        estimates[step] = float(value.detach())
        return -value

    start = time.perf_counter()
    fit(
        model,
        negative_bound,
        torch.optim.Adam(model.parameters(), lr=config.lr),
        config.steps,
        check_finite=False,  # a diverging bound is part of the result, recorded as it comes
        progress=progress,
        description=f"{variant.label} / {critic}",
    )
    return StaircaseRun(variant.label, critic, estimates, time.perf_counter() - start)


def level_table(run: StaircaseRun, config: StaircaseConfig) -> list[dict[str, Any]]:
    """Per level: true MI, mean estimate, bias and variance over the level's second half."""
    rows = []
    half = config.steps_per_level // 2
    for i, mi in enumerate(config.levels):
        tail = run.estimates[i * config.steps_per_level + half : (i + 1) * config.steps_per_level]
        finite = tail[np.isfinite(tail)]
        mean = float(finite.mean()) if finite.size else float("nan")
        rows.append(
            {
                "variant": run.variant,
                "critic": run.critic,
                "true_mi": float(mi),
                "mean": mean,
                "bias": mean - float(mi),
                "variance": float(finite.var(ddof=1)) if finite.size > 1 else float("nan"),
                "steps_averaged": int(finite.size),
            }
        )
    return rows


@dataclass
class StaircaseResult:
    """Every run of a staircase experiment, its level table and the total time."""

    config: StaircaseConfig
    runs: list[StaircaseRun] = field(default_factory=list)
    seconds: float = 0.0

    def table(self) -> list[dict[str, Any]]:
        return [row for run in self.runs for row in level_table(run, self.config)]


def run_staircase(
    config: StaircaseConfig,
    variants: Sequence[str] = DEFAULT_VARIANTS,
    critics: Sequence[str] = ("separable", "concat"),
    *,
    progress: bool = False,
) -> StaircaseResult:
    """Run every (variant, critic) pair through the staircase, one after the other."""
    parsed = [parse_variant(v) for v in variants]
    for critic in critics:
        if critic not in CRITICS:
            raise ValueError(f"critic must be one of {list(CRITICS)}, got {critic!r}")
    result = StaircaseResult(config)
    start = time.perf_counter()
    for critic in critics:
        for variant in parsed:
            result.runs.append(run_variant(variant, critic, config, progress=progress))
    result.seconds = time.perf_counter() - start
    return result


def smooth(values: np.ndarray, span: int) -> np.ndarray:
    """Exponential moving average with ``alpha = 2 / (span + 1)`` (as pandas ``ewm(span)``)."""
    alpha = 2.0 / (span + 1.0)
    out = np.empty_like(values, dtype=float)
    acc = values[0]
    for i, v in enumerate(values):  # sequential recurrence over a 1-D trace, not over samples
        acc = alpha * v + (1.0 - alpha) * acc if i else v
        out[i] = acc
    return out


def plot_staircase(result: StaircaseResult, path: str | Path) -> Path:
    """Estimate vs step for every run (raw and smoothed), the true staircase and the ln K line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    config = result.config
    variants = list(dict.fromkeys(r.variant for r in result.runs))
    critics = list(dict.fromkeys(r.critic for r in result.runs))
    fig, axes = plt.subplots(
        len(critics),
        len(variants),
        figsize=(2.6 * len(variants), 2.4 * len(critics)),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    steps = np.arange(config.steps)
    truth = config.true_mi()
    ln_k = math.log(config.batch_size)
    top = max(config.levels) * 1.25 + 0.5
    for run in result.runs:
        ax = axes[critics.index(run.critic)][variants.index(run.variant)]
        ax.plot(steps, np.clip(run.estimates, -1.0, top), color="tab:blue", alpha=0.25, lw=0.5)
        span = max(config.steps_per_level // 20, 1)
        ax.plot(steps, smooth(run.estimates, span), color="tab:blue")
        ax.plot(steps, truth, color="black", lw=1)
        ax.axhline(ln_k, color="tab:red", ls="--", lw=0.8)
        ax.set_ylim(-1.0, top)
        ax.set_title(f"{run.variant} ({run.critic})", fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("step")
    for row in axes:
        row[0].set_ylabel("MI (nats)")
    fig.suptitle(
        f"Staircase: d={config.dim}, K={config.batch_size}; black = true MI, "
        f"red dashed = ln K = {ln_k:.2f} nats",
        fontsize=10,
    )
    fig.tight_layout()
    path = Path(path)
    atomic_write_figure(path, fig, dpi=110)
    plt.close(fig)
    return path


def write_results(result: StaircaseResult, out_dir: str | Path) -> dict[str, Path]:
    """Write ``staircase.csv`` (bias/variance table), ``staircase.json`` (config, table, times),
    ``staircase_estimates.npz`` (every trace) and ``staircase.png``; return their paths."""

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = result.table()
    paths = {
        "table": out / "staircase.csv",
        "json": out / "staircase.json",
        "estimates": out / "staircase_estimates.npz",
        "figure": out / "staircase.png",
    }
    atomic_write_csv(paths["table"], table)
    summary = {
        "config": result.config.model_dump(),
        "seconds_total": result.seconds,
        "seconds_per_run": {f"{r.variant}/{r.critic}": r.seconds for r in result.runs},
        "table": table,
    }
    atomic_write_json(paths["json"], summary, indent=2)
    estimates = {f"{r.variant}__{r.critic}": r.estimates for r in result.runs}
    # numpy's stub matches a **dict of arrays against the keyword allow_pickle: bool
    atomic_write(paths["estimates"], lambda fh: np.savez_compressed(fh, **estimates))  # type: ignore[arg-type]
    plot_staircase(result, paths["figure"])
    return paths
