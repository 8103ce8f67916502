"""Empirical coverage of the resampling confidence intervals (``estimate_*(..., ci=0.95)``).

For each estimator × n: draw R independent data sets from a task with known truth; on each,
compute the point estimate and the B resampling replicates exactly as ``infossl.api`` does
(:func:`~infossl.estimators._resample.draw_replicates`: the estimator's own scheme, seed = the
data set's number, ``min_rows = k + 2``; subsamples come as complementary halves). The *same*
replicates then give the interval under each rule, so the columns differ only by the rule:

* before: θ̂ + c·quantiles of the centred replicates, c = sqrt(m/n) (no finite-population
  correction);
* c = sqrt(m/(n − m)): the same with the finite-population correction;
* complementary halves: θ̂ ± t_J·stderr, stderr² = mean of ((θ_S − θ_Sᶜ)/2)² (what
  ``resample_ci`` reports for subsampling); the bootstrap keeps c = 1 throughout.

Coverage is the fraction of intervals containing the truth, with its binomial standard error
sqrt(p(1 − p)/R). Diagnostics per cell: the bias of the point estimate (mean − truth), its
standard deviation over data sets, the ratio of the mean reported stderr to that standard
deviation (near 1 when the scale is right), coverage of three variants (halves with a normal
quantile, halves with the empirical quantile of |d|, type-8 quantiles with c = sqrt(m/(n − m))
and a bias-corrected centre θ̂ − (m/(n − m))·(mean θ_b − θ̂)), and the mean shift of the
replicates, mean(θ_b) − θ̂ (the extra bias of the smaller samples, which centring removes).

Usage (one process, one thread; about 25 minutes on one shared core with the defaults)::

    OMP_NUM_THREADS=1 python benchmarks/interval_coverage.py --out /tmp/coverage.npz
    python benchmarks/interval_coverage.py --summarise /tmp/coverage.npz     # the tables again
    OMP_NUM_THREADS=1 python benchmarks/interval_coverage.py --first 200 --only kl \
        --out /tmp/more.npz
    python benchmarks/interval_coverage.py --summarise /tmp/coverage.npz /tmp/more.npz   # joined
    python benchmarks/interval_coverage.py --only ksg1 --ns 200 --replicates 20   # a quick slice

Every finished cell is saved to ``--out`` at once, so an interrupted run keeps its results.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import multivariate_normal, norm
from scipy.stats import t as student_t

from infossl.estimators import get_estimator_class
from infossl.estimators._resample import (
    draw_replicates,
    half_differences,
    interval_from_replicates,
)
from infossl.tasks import DiscreteTask, bivariate_normal, dense_normal

LEVEL = 0.95
Sampler = Callable[[int, int], tuple[np.ndarray, ...]]


@dataclass(frozen=True)
class Case:
    """One estimator on one task: ``sample(n, seed)`` returns the estimator's data arguments."""

    label: str
    quantity: str
    method: str
    params: dict[str, Any]
    sample: Sampler
    truth: float
    ns: tuple[int, ...]
    task: str
    replicates: dict[int, int] = field(default_factory=dict)  # per-n overrides of R


# ------------------------------------------------------------------------------------ tasks
RHO = 0.5
_BIVARIATE = bivariate_normal(RHO)


def _mi_pair(n: int, seed: int) -> tuple[np.ndarray, ...]:
    return _BIVARIATE.sample(n, seed)


def _entropy_x(n: int, seed: int) -> tuple[np.ndarray, ...]:
    return (_BIVARIATE.sample(n, seed)[0],)


#: X, Y, Z standard normal, corr(X,Y) = 0.6, corr(X,Z) = corr(Y,Z) = 0.3.
_CMI_COV = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, 0.3], [0.3, 0.3, 1.0]])
_CMI_CHOL = np.linalg.cholesky(_CMI_COV)


def gaussian_cmi(cov: np.ndarray) -> float:
    """I(X;Y|Z) = ½ ln(det Σ_XZ det Σ_YZ / (det Σ_Z det Σ_XYZ)) for scalar X, Y, Z (0, 1, 2)."""

    def logdet(idx: list[int]) -> float:
        return float(np.linalg.slogdet(cov[np.ix_(idx, idx)])[1])

    return 0.5 * (logdet([0, 2]) + logdet([1, 2]) - logdet([2]) - logdet([0, 1, 2]))


def _cmi_triple(n: int, seed: int) -> tuple[np.ndarray, ...]:
    xyz = np.random.default_rng(seed).standard_normal((n, 3)) @ _CMI_CHOL.T
    return xyz[:, :1], xyz[:, 1:2], xyz[:, 2:]


def quantised_normal_pmf(rho: float, levels: int) -> np.ndarray:
    """P(X in cell i, Y in cell j) for a standard bivariate normal cut at its marginal quantiles."""
    cuts = norm.ppf(np.linspace(0.0, 1.0, levels + 1)[1:-1])
    edges = np.concatenate([[-np.inf], cuts, [np.inf]])
    dist = multivariate_normal(mean=[0.0, 0.0], cov=[[1.0, rho], [rho, 1.0]])
    big = 12.0  # ±inf as far out as the normal CDF can tell
    e = np.clip(edges, -big, big)
    cdf = np.array([[dist.cdf([a, b]) for b in e] for a in e])
    pmf = cdf[1:, 1:] - cdf[:-1, 1:] - cdf[1:, :-1] + cdf[:-1, :-1]
    pmf = np.clip(pmf, 0.0, None)
    out: np.ndarray = pmf / pmf.sum()
    return out


_DISCRETE = DiscreteTask(quantised_normal_pmf(RHO, 3), task_id="quantised-normal-0.5-3x3")


def _discrete_pair(n: int, seed: int) -> tuple[np.ndarray, ...]:
    return _DISCRETE.sample(n, seed)


_DENSE = dense_normal(5, 5, 0.5)


def _dense_pair(n: int, seed: int) -> tuple[np.ndarray, ...]:
    return _DENSE.sample(n, seed)


_ONE = {"workers": 1}  # kNN searches on one thread
_MI = _BIVARIATE.mutual_information
_H = 0.5 * math.log(2 * math.pi * math.e)
_NS = (200, 1000, 5000)

CASES = [
    Case("gaussian", "mi", "gaussian", {}, _mi_pair, _MI, _NS, "1v1 normal ρ=0.5"),
    Case("plugin", "mi", "plugin", {}, _discrete_pair, _DISCRETE.mutual_information, _NS,
         "normal ρ=0.5 cut at tertiles (3×3)"),
    Case("ksg1", "mi", "ksg1", _ONE, _mi_pair, _MI, _NS, "1v1 normal ρ=0.5"),
    Case("ksg2", "mi", "ksg2", _ONE, _mi_pair, _MI, _NS, "1v1 normal ρ=0.5"),
    Case("kl", "entropy", "kl", _ONE, _entropy_x, _H, _NS, "N(0,1), h = ½ln(2πe)"),
    Case("frenzel-pompe", "cmi", "frenzel-pompe", _ONE, _cmi_triple, gaussian_cmi(_CMI_COV),
         _NS, "normal, ρxy=0.6, ρxz=ρyz=0.3"),
    Case("sliced", "mi", "sliced", {"n_projections": 4, "estimator_params": _ONE}, _mi_pair,
         _MI, (200, 1000), "1v1 normal ρ=0.5 (SI = I in 1+1)"),
    Case("kde", "mi", "kde", {}, _mi_pair, _MI, (200, 1000), "1v1 normal ρ=0.5"),
    Case("ksg1 (5+5)", "mi", "ksg1", _ONE, _dense_pair, _DENSE.mutual_information, (1000,),
         "dense normal 5v5 off-diag 0.5"),
    Case("copula-max", "mi", "copula-max", _ONE, _mi_pair, _MI, (200, 1000),
         "1v1 normal ρ=0.5 (method='auto')"),
    Case("copula-max (5+5)", "mi", "copula-max", _ONE, _dense_pair, _DENSE.mutual_information,
         (1000,), "dense normal 5v5 off-diag 0.5 (method='auto')"),
]  # fmt: skip


# ------------------------------------------------------------------------------- measuring
def run_cell(
    case: Case, n: int, replicates: int, resamples: int, first: int = 0
) -> dict[str, np.ndarray]:
    """Point estimates (R,) and replicate matrix (R, B) for one estimator × n, on the data sets
    numbered ``first``, …, ``first + R − 1`` (the number seeds the data, estimator and draws)."""
    cls = get_estimator_class(case.quantity, case.method)
    points = np.empty(replicates)
    reps = np.empty((replicates, resamples))
    m = n
    for i in range(replicates):
        r = first + i
        params = {"seed": r, **case.params} if "seed" in cls.param_names() else case.params
        est = cls(**params)
        arrays = case.sample(n, 1_000_003 * n + r)
        points[i] = est.estimate(*arrays).value
        reps[i], m = draw_replicates(
            lambda *a, e=est: e.estimate(*a).value,
            arrays,
            n_resamples=resamples,
            scheme=cls.resampling,
            seed=r,
            min_rows=int(case.params.get("k", 3)) + 2,
        )
    return {"points": points, "reps": reps, "m": np.array(m), "n": np.array(n)}


def scales(scheme: str, n: int, m: int) -> tuple[float, float]:
    """(before, after) factors c for the scheme."""
    if scheme == "bootstrap":
        return 1.0, 1.0
    return math.sqrt(m / n), math.sqrt(m / (n - m))


def coverage(
    points: np.ndarray, reps: np.ndarray, truth: float, scale: float, *, shift: float = 0.0
) -> np.ndarray:
    """Per data set: does θ̂ + c·[q_.025, q_.975] of the centred replicates contain the truth.

    ``shift`` ≠ 0 moves the centre to θ̂ − shift·(mean θ_b − θ̂): the bias-corrected centring
    (shift = m/(n − m) for a bias ∝ 1/n under subsampling, 1 for the bootstrap).
    """
    hits = np.empty(len(points), dtype=bool)
    for r, (p, row) in enumerate(zip(points, reps, strict=True)):
        centre = p - shift * (row.mean() - p)
        (lo, hi), _ = interval_from_replicates(row, centre, level=LEVEL, scale=scale)
        hits[r] = lo <= truth <= hi
    return hits


def coverage_pairs(
    points: np.ndarray, reps: np.ndarray, truth: float, n: int, m: int
) -> dict[str, float]:
    """Coverage of the complementary-halves intervals: θ̂ ± t_J·s, θ̂ ± z·s, θ̂ ± q(|d|)."""
    d = np.stack([half_differences(row, n, m) for row in reps])
    s = np.sqrt(np.mean(d**2, axis=1))
    err = np.abs(points - truth)
    z = norm.ppf((1 + LEVEL) / 2)
    t = student_t.ppf((1 + LEVEL) / 2, df=d.shape[1])
    q = np.quantile(np.abs(d), LEVEL, axis=1)
    return {
        "pairs_t": float(np.mean(err <= t * s)),
        "pairs_z": float(np.mean(err <= z * s)),
        "pairs_q": float(np.mean(err <= q)),
        "pairs_ratio": float(s.mean() / points.std(ddof=1)),
    }


def coverage_type8(points: np.ndarray, reps: np.ndarray, truth: float, scale: float) -> float:
    """Coverage with median-unbiased (Hyndman–Fan type 8) quantiles instead of linear ones."""
    centred = reps - reps.mean(axis=1, keepdims=True)
    alpha = (1.0 - LEVEL) / 2.0
    lo, hi = np.quantile(centred, [alpha, 1.0 - alpha], axis=1, method="median_unbiased")
    return float(np.mean((points + scale * lo <= truth) & (truth <= points + scale * hi)))


def _pct(p: float, r: int) -> str:
    """``p`` in percent with its binomial standard error over r data sets."""
    return f"{100 * p:.1f} ± {100 * math.sqrt(p * (1 - p) / r):.1f}"


def summarise_cell(case: Case, cell: dict[str, np.ndarray]) -> dict[str, Any]:
    """Coverage under each interval rule, and the point estimate's bias and spread."""
    points, reps = cell["points"], cell["reps"]
    n, m = int(cell["n"]), int(cell["m"])
    scheme = get_estimator_class(case.quantity, case.method).resampling
    before, after = scales(scheme, n, m)
    debias = 1.0 if scheme == "bootstrap" else m / (n - m)
    sd = float(points.std(ddof=1))
    out: dict[str, Any] = {
        "n": n,
        "R": len(points),
        "scheme": scheme,
        "before": coverage(points, reps, case.truth, before).mean(),
        "after": coverage(points, reps, case.truth, after).mean(),
        "bias_corrected": coverage(points, reps, case.truth, after, shift=debias).mean(),
        "type8": coverage_type8(points, reps, case.truth, after),
        "bias": float(points.mean() - case.truth),
        "sd": sd,
        "stderr_ratio": float(after * reps.std(axis=1, ddof=1).mean() / sd),
        "shift": float((reps.mean(axis=1) - points).mean()),
    }
    if scheme == "subsample" and 2 * m <= n:
        out.update(coverage_pairs(points, reps, case.truth, n, m))
    return out


def _row(case: Case, s: dict[str, Any], cols: list[str]) -> str:
    return "| " + " | ".join([case.label, case.task, *cols]) + " |"


def tables(rows: list[tuple[Case, dict[str, Any]]]) -> str:
    """Coverage (percent ± binomial s.e.) and, below, the diagnostics of every cell."""
    cover = [
        "| estimator | task | n | R | scheme | before: c = √(m/n) | c = √(m/(n−m)) "
        "| complementary halves, t |",
        "|" + "---|" * 8,
    ]
    diag = [
        "| estimator | task | n | bias | sd(θ̂) | bias/sd | stderr/sd, c = √(m/(n−m)) "
        "| stderr/sd, halves | halves, z | halves, q(abs d) | type-8 quantiles "
        "| bias-corrected centre | mean θ_b − θ̂ |",
        "|" + "---|" * 13,
    ]
    for case, s in rows:
        r, dash = s["R"], "—"
        pairs = _pct(s["pairs_t"], r) if "pairs_t" in s else dash
        cover.append(
            _row(
                case,
                s,
                [
                    str(s["n"]),
                    str(r),
                    s["scheme"],
                    _pct(s["before"], r),
                    _pct(s["after"], r),
                    pairs,
                ],
            )
        )
        diag.append(
            _row(
                case,
                s,
                [
                    str(s["n"]),
                    f"{s['bias']:+.4f}",
                    f"{s['sd']:.4f}",
                    f"{s['bias'] / s['sd']:+.2f}",
                    f"{s['stderr_ratio']:.2f}",
                    f"{s['pairs_ratio']:.2f}" if "pairs_ratio" in s else dash,
                    f"{100 * s['pairs_z']:.1f}" if "pairs_z" in s else dash,
                    f"{100 * s['pairs_q']:.1f}" if "pairs_q" in s else dash,
                    f"{100 * s['type8']:.1f}",
                    f"{100 * s['bias_corrected']:.1f}",
                    f"{s['shift']:+.4f}",
                ],
            )
        )
    return "\n".join(cover) + "\n\n" + "\n".join(diag)


# ------------------------------------------------------------------------------ storage
def _key(case: Case, n: int) -> str:
    return f"{case.label}|{n}"


def load(path: Path) -> dict[str, dict[str, np.ndarray]]:
    """The cells saved in ``path`` (none if it does not exist)."""
    if not path.exists():
        return {}
    cells: dict[str, dict[str, np.ndarray]] = {}
    with np.load(path) as data:
        for name in data.files:
            key, _, part = name.rpartition("/")
            cells.setdefault(key, {})[part] = data[name]
    return cells


def merge(runs: list[dict[str, dict[str, np.ndarray]]]) -> dict[str, dict[str, np.ndarray]]:
    """Cells of several runs (disjoint data sets, ``--first``) joined along the data sets."""
    cells: dict[str, dict[str, np.ndarray]] = {}
    for run in runs:
        for key, cell in run.items():
            if key not in cells:
                cells[key] = dict(cell)
                continue
            for part in ("points", "reps"):
                cells[key][part] = np.concatenate([cells[key][part], cell[part]])
    return cells


def save(path: Path, cells: dict[str, dict[str, np.ndarray]]) -> None:
    flat = {f"{k}/{part}": v for k, cell in cells.items() for part, v in cell.items()}
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **flat)  # type: ignore[arg-type]
    tmp.replace(path)


def summary(cells: dict[str, dict[str, np.ndarray]]) -> str:
    rows = []
    for case in CASES:
        for n in case.ns:
            cell = cells.get(_key(case, n))
            if cell is not None:
                rows.append((case, summarise_cell(case, cell)))
    return tables(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("coverage.npz"))
    parser.add_argument("--replicates", type=int, default=200, help="data sets R per cell")
    parser.add_argument("--resamples", type=int, default=100, help="replicates B per interval")
    parser.add_argument("--only", nargs="*", help="estimator labels to run")
    parser.add_argument("--ns", nargs="*", type=int, help="sample sizes to run")
    parser.add_argument("--first", type=int, default=0, help="number of the first data set")
    parser.add_argument(
        "--summarise", type=Path, nargs="*", help="print the tables of saved runs (joined)"
    )
    args = parser.parse_args(argv)
    if args.summarise:
        print(summary(merge([load(p) for p in args.summarise])))
        return 0
    cells = load(args.out)
    todo = [
        (case, n)
        for n in sorted({n for c in CASES for n in c.ns})  # small n first: results come early
        for case in CASES
        if n in case.ns and (not args.only or case.label in args.only)
        if not args.ns or n in args.ns
    ]
    for case, n in todo:
        if _key(case, n) in cells:
            continue
        start = time.perf_counter()
        r = case.replicates.get(n, args.replicates)
        cells[_key(case, n)] = run_cell(case, n, r, args.resamples, args.first)
        save(args.out, cells)
        print(f"{case.label} n={n}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
    print(summary(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
