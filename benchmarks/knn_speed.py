"""Speed and memory of the kNN estimators (infossl.estimators.knn).

Measures, on bivariate/multivariate Gaussian data with k = 3:

1. KSG-1 at n = 10,000 for joint dimensions 2 (1+1), 4 (2+2), 50 (25+25) with ``algorithm="auto"``
   (targets: < 0.1 s, < 0.3 s, < 1.5 s);
2. the KD-tree / brute-force crossover at n = 10,000 (both back-ends side by side);
3. 1-D KSG-1 at n = 100,000 against ``sklearn.feature_selection.mutual_info_regression`` with the
   same k, interleaved in one run: time ratio and value difference;
4. peak resident memory of one estimate at n = 200,000, joint dimension 10 (a fresh subprocess per
   case, ``resource.getrusage(RUSAGE_SELF).ru_maxrss``);
5. with ``--previous FILE`` (an earlier copy of ``infossl/estimators/_neighbors.py``): KSG-1
   with that module and with the current one, interleaved in one process (best of N each),
   at n = 10^6 (1+1) and n = 10,000 (2+2, 25+25), with the values compared;
6. ``--grid``: the crossover between the KD-tree, the numpy brute force and the torch brute
   force on the CPU (``device="cpu"``) by n and joint dimension; ``--grid --compiled``: the
   KD-tree against the brute force with and without numba; ``--large-k``: the fused kernel
   against numpy at k up to 2,000;
7. ``--previous FILE --over-k``: ``knn_counts_over_k`` (k = 1, 2, 4, 8) on the KD-tree with
   that module and with the current one, interleaved, counts compared;
8. ``--compiled``: KSG-1 (``algorithm="auto"``) with the numba kernels
   (infossl.estimators._compiled; needs ``pip install "infossl[fast]"``) and with numpy
   (``INFOSSL_NUMBA=0``), interleaved in one warm process, values compared; the first call
   of a fresh process each way (numba load included); the load cost in parts (after
   ``import infossl.estimators.knn``, which every estimator pays anyway).

Timings are the minimum over repeats (the machine is shared). Run from the repository root:

    PYTHONPATH=. .venv/bin/python benchmarks/knn_speed.py [--quick] [--skip-memory]
    PYTHONPATH=. .venv/bin/python benchmarks/knn_speed.py --only --previous /tmp/old.py --grid
    PYTHONPATH=. .venv/bin/python benchmarks/knn_speed.py --only --compiled
    PYTHONPATH=. .venv/bin/python benchmarks/knn_speed.py --only --grid --compiled
    PYTHONPATH=. .venv/bin/python benchmarks/knn_speed.py --only --large-k
    PYTHONPATH=. .venv/bin/python benchmarks/knn_speed.py --only --previous /tmp/old.py --over-k
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Timing:
    """Minimum and median wall time, minimum CPU time (all threads), and the last result.

    The CPU time is what the run costs on an idle machine; the wall time also contains waiting
    for the cores that other processes hold.
    """

    wall: float
    median: float
    cpu: float
    result: Any


def best_time(fn: Callable[[], Any], repeats: int) -> Timing:
    """Time ``repeats`` calls of ``fn``."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return Timing(min(walls), float(np.median(walls)), min(cpus), result)


def gaussian_xy(n: int, dx: int, dy: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x ~ N(0, I); y = 0.5 x[:, :dy] (padded) + noise: dependent, tie-free."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dx))
    y = rng.standard_normal((n, dy))
    m = min(dx, dy)
    y[:, :m] += 0.5 * x[:, :m]
    return x, y


def targets(repeats: int) -> list[dict[str, Any]]:
    from infossl.estimators.knn import KSG1

    rows = []
    for dx, dy, target in ((1, 1, 0.1), (2, 2, 0.3), (25, 25, 1.5)):
        x, y = gaussian_xy(10_000, dx, dy)
        est = KSG1(k=3)
        est.estimate(x, y)  # warm-up (imports, allocator)
        t = best_time(lambda est=est, x=x, y=y: est.estimate(x, y), repeats)
        rows.append(
            {
                "dims": f"{dx}+{dy}",
                "n": 10_000,
                "seconds": t.wall,
                "cpu_s": t.cpu,
                "median_s": t.median,
                "target": target,
                "value": t.result.value,
                "load": os.getloadavg()[0],
            }
        )
    return rows


def crossover(repeats: int, quick: bool) -> list[dict[str, Any]]:
    from infossl.estimators.knn import KSG1

    dims = (
        [(2, 2), (3, 3), (4, 4), (5, 5)]
        if quick
        else [(2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (8, 8), (25, 25)]
    )
    rows = []
    for dx, dy in dims:
        x, y = gaussian_xy(10_000, dx, dy)
        row: dict[str, Any] = {"dims": f"{dx}+{dy}"}
        for algorithm in ("tree", "brute"):
            reps = 1 if (algorithm == "tree" and dx + dy > 12) else repeats
            est = KSG1(algorithm=algorithm)
            t = best_time(lambda est=est, x=x, y=y: est.estimate(x, y), reps)
            row[algorithm], row[f"cpu_{algorithm}"] = t.wall, t.cpu
            row[f"value_{algorithm}"] = t.result.value
        rows.append(row)
    return rows


def versus_sklearn(repeats: int) -> dict[str, Any]:
    from sklearn.feature_selection import mutual_info_regression

    from infossl.estimators.knn import KSG1

    x, y = gaussian_xy(100_000, 1, 1)
    ours_t = sk_t = ours_c = sk_c = float("inf")
    for _ in range(repeats):  # interleaved, so both see the same machine load
        t = best_time(lambda: KSG1(k=3).estimate(x, y), 1)
        ours_t, ours_c, ours = min(ours_t, t.wall), min(ours_c, t.cpu), t.result
        t = best_time(
            lambda: mutual_info_regression(x, y[:, 0], n_neighbors=3, random_state=0)[0], 1
        )
        sk_t, sk_c, sk = min(sk_t, t.wall), min(sk_c, t.cpu), t.result
    return {
        "n": 100_000,
        "ours_s": ours_t,
        "sklearn_s": sk_t,
        "ratio": sk_t / ours_t,
        "ours_cpu_s": ours_c,
        "sklearn_cpu_s": sk_c,
        "cpu_ratio": sk_c / ours_c,
        "ours": ours.value,
        "sklearn": float(sk),
        "abs_diff": abs(ours.value - float(sk)),
    }


_MEMORY_SNIPPET = """
import json, resource, sys, time
import numpy as np
sys.path.insert(0, ".")
from infossl.estimators.knn import KSG1, KozachenkoLeonenko
case = sys.argv[1]
rng = np.random.default_rng(0)
x = rng.standard_normal((200_000, 5))
y = 0.5 * x + rng.standard_normal((200_000, 5))
start, start_cpu = time.perf_counter(), time.process_time()
if case == "ksg1 5+5":
    value = KSG1().estimate(x, y).value
else:
    value = KozachenkoLeonenko().estimate(np.hstack([x, y])).value
print(json.dumps({"case": case, "seconds": time.perf_counter() - start,
                  "cpu_s": time.process_time() - start_cpu, "value": value,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def memory() -> list[dict[str, Any]]:
    rows = []
    for case in ("kl 10-D", "ksg1 5+5"):
        out = subprocess.run(
            [sys.executable, "-c", _MEMORY_SNIPPET, case],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    return rows


def load_previous(path: str) -> Any:
    """Import an earlier copy of ``_neighbors.py`` under another module name."""
    spec = importlib.util.spec_from_file_location("previous_neighbors", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["previous_neighbors"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def before_after(path: str, repeats: int) -> list[dict[str, Any]]:
    """KSG-1 with the module at ``path`` and with the current one, interleaved, best of N."""
    from infossl.estimators import _neighbors, knn

    previous = load_previous(path)

    def old_counts(*args: Any, device: str | None = None, **kw: Any) -> Any:
        return previous.knn_counts(*args, **kw)

    backends = {"before": old_counts, "after": _neighbors.knn_counts}
    rows = []
    for n, dx, dy in ((1_000_000, 1, 1), (100_000, 1, 1), (10_000, 2, 2), (10_000, 25, 25)):
        x, y = gaussian_xy(n, dx, dy)
        best = {name: float("inf") for name in backends}
        values: dict[str, float] = {}
        loads = [os.getloadavg()[0]]
        for _ in range(repeats if n < 1_000_000 else max(2, repeats // 2)):
            for name, fn in backends.items():
                knn.knn_counts = fn  # type: ignore[assignment]
                t = best_time(lambda x=x, y=y: knn.KSG1(k=3).estimate(x, y).value, 1)
                best[name], values[name] = min(best[name], t.wall), t.result
        knn.knn_counts = _neighbors.knn_counts
        loads.append(os.getloadavg()[0])
        rows.append(
            {
                "case": f"n={n:,} {dx}+{dy}",
                **{f"{k}_s": v for k, v in best.items()},
                "speedup": best["before"] / best["after"],
                "identical": values["before"] == values["after"],
                "value": values["after"],
                "load": f"{loads[0]:.2f}-{loads[1]:.2f}",
            }
        )
        print(
            f"{rows[-1]['case']:>16}: before {best['before']:.3f} s  after {best['after']:.3f} s"
            f"  x{rows[-1]['speedup']:.2f}  identical {rows[-1]['identical']}"
            f"  load {rows[-1]['load']}",
            flush=True,
        )
    return rows


def over_k_before_after(path: str, repeats: int) -> list[dict[str, Any]]:
    """``knn_counts_over_k`` (k = 1, 2, 4, 8, KD-tree) with the module at ``path`` and with the
    current one, interleaved, best of N, counts compared."""
    from infossl.estimators import _neighbors

    previous = load_previous(path)
    backends = {"before": previous.knn_counts_over_k, "after": _neighbors.knn_counts_over_k}
    rows = []
    for n, d in ((5_000, 3), (20_000, 1), (20_000, 3), (20_000, 4)):
        x, y = gaussian_xy(n, d, d)
        best = {name: float("inf") for name in backends}
        counts: dict[str, Any] = {}
        loads = [os.getloadavg()[0]]
        for _ in range(repeats):
            for name, fn in backends.items():
                t = best_time(
                    lambda fn=fn, x=x, y=y: fn(
                        [x, y], (1, 2, 4, 8), [(0,), (1,)], algorithm="tree"
                    ),
                    1,
                )
                best[name], counts[name] = min(best[name], t.wall), t.result
        loads.append(os.getloadavg()[0])
        pairs = zip(counts["before"], counts["after"], strict=True)
        same = all(np.array_equal(a, b) for a, b in pairs)
        rows.append(
            {
                "case": f"n={n:,} {d}+{d} k=1,2,4,8",
                **{f"{k}_s": v for k, v in best.items()},
                "speedup": best["before"] / best["after"],
                "identical": same,
                "load": f"{loads[0]:.2f}-{loads[1]:.2f}",
            }
        )
        print(
            f"{rows[-1]['case']:>22}: before {best['before']:.3f} s  after {best['after']:.3f} s"
            f"  x{rows[-1]['speedup']:.2f}  identical {same}  load {rows[-1]['load']}",
            flush=True,
        )
    return rows


COMPILED_CASES = (
    (2_000, 5, 5),
    (5_000, 10, 10),
    (10_000, 25, 25),
    (10_000, 10, 10),
    (10_000, 5, 5),
    (20_000, 10, 10),
    (5_000, 25, 25),
    (2_000, 25, 25),
    (50_000, 5, 5),
)


def compiled_vs_numpy(repeats: int) -> list[dict[str, Any]]:
    """KSG-1 with the numba screen (``INFOSSL_NUMBA=1``) and without (``0``), interleaved,
    best of N, in one process (numba loaded: what every search after the first sees)."""
    from infossl.estimators import _compiled
    from infossl.estimators.knn import KSG1

    if not _compiled.numba_available():
        raise SystemExit('--compiled needs numba: pip install "infossl[fast]"')
    rows = []
    for n, dx, dy in COMPILED_CASES:
        x, y = gaussian_xy(n, dx, dy)
        best = {"numpy": float("inf"), "numba": float("inf")}
        values: dict[str, float] = {}
        loads = [os.getloadavg()[0]]
        for _ in range(repeats if n <= 20_000 else max(2, repeats // 2)):
            for name in best:
                os.environ[_compiled.ENV_SWITCH] = "1" if name == "numba" else "0"
                t = best_time(lambda x=x, y=y: KSG1(k=3).estimate(x, y).value, 1)
                best[name], values[name] = min(best[name], t.wall), t.result
        os.environ.pop(_compiled.ENV_SWITCH)
        loads.append(os.getloadavg()[0])
        work = float(n) * (-(-n // 32) * 32) * (dx + dy)  # rows x padded columns x coordinates
        rows.append(
            {
                "case": f"n={n:,} {dx}+{dy}",
                **{f"{k}_s": v for k, v in best.items()},
                "speedup": best["numpy"] / best["numba"],
                "compiled_used": work >= _compiled.COMPILED_MIN_WORK,
                "identical": values["numpy"] == values["numba"],
                "load": f"{loads[0]:.2f}-{loads[1]:.2f}",
            }
        )
        print(
            f"{rows[-1]['case']:>16}: numpy {best['numpy']:.3f} s  numba {best['numba']:.3f} s"
            f"  x{rows[-1]['speedup']:.2f}  used {rows[-1]['compiled_used']}"
            f"  identical {rows[-1]['identical']}  load {rows[-1]['load']}",
            flush=True,
        )
    return rows


LARGE_K_CASES = (
    ("sorted 1-D pair", 8_000, 0, 2_000),
    ("5+5", 8_000, 5, 2_000),
    ("5+5", 4_000, 5, 300),
    ("5+5", 8_000, 5, 30),
    ("5+5", 8_000, 5, 3),
)


def large_k() -> list[dict[str, Any]]:
    """The brute force at large k, fused kernel against numpy (one call each after a warm-up,
    the compiled path forced for any size): the candidate selection's cost grows with k."""
    from infossl.estimators import _compiled
    from infossl.estimators._neighbors import knn_counts

    _compiled.COMPILED_MIN_WORK = 0.0
    rows = []
    for name, n, d, k in LARGE_K_CASES:
        if d == 0:
            x = np.linspace(0.0, 1.0, n)[:, None]
            spaces = [x, x**2]
        else:
            spaces = list(gaussian_xy(n, d, d))
        out = {}
        for switch in ("1", "0"):
            os.environ[_compiled.ENV_SWITCH] = switch
            run = lambda spaces=spaces, k=k: knn_counts(spaces, k, [(0,), (1,)], algorithm="brute")  # noqa: E731
            run()
            out[switch] = best_time(run, 1)
        os.environ.pop(_compiled.ENV_SWITCH)
        same = np.array_equal(out["1"].result.counts, out["0"].result.counts)
        rows.append(
            {
                "case": f"{name} n={n:,} k={k}",
                "fused_s": out["1"].wall,
                "numpy_s": out["0"].wall,
                "identical": bool(same),
            }
        )
        print(
            f"large k, {rows[-1]['case']}: fused {out['1'].wall:.3f} s  numpy "
            f"{out['0'].wall:.3f} s  identical {same}  load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    return rows


_COLD = """
import sys
import time
from benchmarks.knn_speed import gaussian_xy
from infossl.estimators.knn import KSG1
n, d = int(sys.argv[1]), int(sys.argv[2])
x, y = gaussian_xy(n, d, d)
t0 = time.perf_counter()
KSG1(k=3).estimate(x, y)
print(time.perf_counter() - t0)
"""
#: (n, d) of the first-call comparison: d + d dimensions, 2.5e8 to 5e9 comparisons.
COLD_CASES = ((5_000, 5), (5_000, 10), (10_000, 5), (10_000, 10), (10_000, 25))


_LOAD = """
import time
import numpy as np
import infossl.estimators.knn  # paid by every user of the estimators, numba or not
t0 = time.perf_counter()
import numba
t1 = time.perf_counter()
from infossl.estimators import _numba_kernels
t2 = time.perf_counter()
_numba_kernels.chebyshev_block(np.zeros((2, 32), np.int16), 0, 1, np.zeros((1, 32), np.int16))
x = np.arange(64.0).reshape(32, 2)
_numba_kernels.chebyshev_knn_block(
    np.arange(64, dtype=np.int16).reshape(2, 32), np.array([0, 1, 2]), x, 0, 1, 32,
    np.ones((32, 1), np.int64), np.eye(2, dtype=bool), 1.0, True, 4, np.zeros((32, 1)),
    np.zeros((32, 2), np.int64), np.zeros(32, bool),
)
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def load_cost(repeats: int) -> dict[str, list[float]]:
    """Seconds to import numba, define the kernels and make their first (cached) calls, each in
    a fresh process."""
    parts: dict[str, list[float]] = {"import": [], "define": [], "first_call": []}
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", _LOAD], capture_output=True, text=True, check=True
        )
        for name, value in zip(parts, out.stdout.split(), strict=True):
            parts[name].append(float(value))
    totals = [sum(v) for v in zip(*parts.values(), strict=True)]
    print(
        "loading numba and the kernel: "
        + "  ".join(f"{k} {min(v):.2f}-{max(v):.2f} s" for k, v in parts.items())
        + f"  total {min(totals):.2f}-{max(totals):.2f} s  load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    return {**parts, "total": totals}


def cold_first_call(repeats: int) -> list[dict[str, Any]]:
    """First KSG-1 call of a fresh process (infossl imported, numba not): numba off, on (its
    load included) and the default rule, alternating, best of ``repeats``, per case."""
    rows = []
    switch = {"numpy": "0", "numba": "1", "auto": "auto"}
    for n, d in COLD_CASES:
        best = dict.fromkeys(switch, float("inf"))
        for _ in range(repeats):
            for name in best:
                env = {**os.environ, "INFOSSL_NUMBA": switch[name]}
                out = subprocess.run(
                    [sys.executable, "-c", _COLD, str(n), str(d)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                best[name] = min(best[name], float(out.stdout.strip().splitlines()[-1]))
        work = float(n) * (-(-n // 32) * 32) * 2 * d
        rows.append({"case": f"n={n:,} {d}+{d}", "comparisons": work, **best})
        print(
            f"first call of a process, {d}+{d} n={n:,} ({work:.1e} comparisons): numpy "
            f"{best['numpy']:.3f} s  numba {best['numba']:.3f} s (load included)  default "
            f"{best['auto']:.3f} s  load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    return rows


def grid(
    repeats: int,
    quick: bool,
    compiled: bool = False,
    sizes: tuple[int, ...] | None = None,
    dims: tuple[tuple[int, int], ...] | None = None,
) -> list[dict[str, Any]]:
    """Wall time of KSG-1 with each CPU back-end by n and joint dimension (interleaved).

    The torch back-end (float64 ``torch.cdist``) runs at n <= 10,000 only: it is the slowest
    CPU back-end everywhere it was measured. With ``compiled`` (``--grid --compiled``) the
    brute force runs with numba (``brute-numba``, kernels loaded) and without, and torch is
    left out.
    """
    from infossl.estimators.knn import KSG1

    try:
        import torch  # noqa: F401

        have_torch = True
    except ImportError:
        have_torch = False
    from infossl.estimators import _compiled

    have_numba = compiled and _compiled.numba_available()
    sizes = sizes or ((2_000, 10_000) if quick else (2_000, 10_000, 30_000))
    dims = dims or ((1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (8, 8))
    rows = []
    for n in sizes:
        for dx, dy in dims:
            x, y = gaussian_xy(n, dx, dy)
            makers = {"tree": KSG1(algorithm="tree"), "brute": KSG1(algorithm="brute")}
            if have_numba:
                makers["brute-numba"] = KSG1(algorithm="brute")
            if have_torch and n <= 10_000 and not compiled:
                makers["torch-cpu"] = KSG1(device="cpu")
            best = {name: float("inf") for name in makers}
            values = set()
            reps = repeats if n <= 10_000 else max(1, repeats // 2)
            for _ in range(reps):
                for name, est in makers.items():
                    os.environ[_compiled.ENV_SWITCH] = "1" if name == "brute-numba" else "0"
                    t = best_time(lambda est=est, x=x, y=y: est.estimate(x, y).value, 1)
                    best[name] = min(best[name], t.wall)
                    values.add(t.result)
            os.environ.pop(_compiled.ENV_SWITCH, None)
            row = {"n": n, "dims": f"{dx}+{dy}", **best, "identical": len(values) == 1}
            row["fastest"] = min(best, key=best.__getitem__)
            row["load"] = os.getloadavg()[0]
            rows.append(row)
            print(
                f"n={n:>6} {dx}+{dy}: "
                + "  ".join(f"{k} {v:.3f} s" for k, v in best.items())
                + f"  fastest {row['fastest']}  identical {row['identical']}"
                + f"  load {row['load']:.2f}",
                flush=True,
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and dimensions")
    parser.add_argument("--skip-memory", action="store_true", help="skip the n=200,000 runs")
    parser.add_argument("--previous", help="an earlier _neighbors.py to time side by side")
    parser.add_argument("--grid", action="store_true", help="CPU back-end crossover grid")
    parser.add_argument("--compiled", action="store_true", help="numba screen against numpy")
    parser.add_argument("--large-k", action="store_true", help="fused kernel at large k")
    parser.add_argument("--grid-n", help="with --grid: sample sizes, e.g. 60000,100000")
    parser.add_argument("--grid-d", help="with --grid: d of the d+d pairs, e.g. 3,4")
    parser.add_argument(
        "--over-k", action="store_true", help="with --previous: knn_counts_over_k on the KD-tree"
    )
    parser.add_argument(
        "--only", action="store_true", help="run --previous / --grid / --compiled / --large-k only"
    )
    args = parser.parse_args()
    repeats = 2 if args.quick else 5
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "load_start": os.getloadavg(),
    }
    if args.previous and args.over_k:
        report["over_k"] = over_k_before_after(args.previous, repeats)
    elif args.previous:
        report["before_after"] = before_after(args.previous, repeats)
    if args.grid:
        report["grid"] = grid(
            3 if args.quick else repeats,
            args.quick,
            args.compiled,
            tuple(int(v) for v in args.grid_n.split(",")) if args.grid_n else None,
            tuple((int(v), int(v)) for v in args.grid_d.split(",")) if args.grid_d else None,
        )
    elif args.compiled:
        report["compiled"] = compiled_vs_numpy(3 if args.quick else repeats)
        report["compiled_first_call"] = cold_first_call(2 if args.quick else 3)
        report["compiled_load_cost"] = load_cost(3 if args.quick else 5)
    if args.large_k:
        report["large_k"] = large_k()
    if args.only:
        report["load_end"] = os.getloadavg()
        print(json.dumps(report, indent=1))
        return
    report["targets"] = targets(3 if args.quick else 10)
    for row in report["targets"]:
        print(
            f"KSG-1 n=10,000 {row['dims']:>6}: {row['seconds']:.3f} s wall (median "
            f"{row['median_s']:.3f}), {row['cpu_s']:.3f} s CPU (target < {row['target']} s)  "
            f"I={row['value']:.4f}  load {row['load']:.1f}",
            flush=True,
        )
    report["crossover"] = crossover(repeats, args.quick)
    for row in report["crossover"]:
        print(
            f"crossover {row['dims']:>6}: tree {row['tree']:.3f} s ({row['cpu_tree']:.3f} CPU)"
            f"  brute {row['brute']:.3f} s ({row['cpu_brute']:.3f} CPU)"
            f"  same value: {row['value_tree'] == row['value_brute']}",
            flush=True,
        )
    report["sklearn_1d"] = versus_sklearn(3 if args.quick else 5)
    s = report["sklearn_1d"]
    print(
        f"1-D n=100,000: ours {s['ours_s']:.3f} s ({s['ours_cpu_s']:.3f} CPU), sklearn "
        f"{s['sklearn_s']:.3f} s ({s['sklearn_cpu_s']:.3f} CPU): sklearn/ours = "
        f"{s['ratio']:.2f} wall, {s['cpu_ratio']:.2f} CPU; values {s['ours']:.6f} vs "
        f"{s['sklearn']:.6f}",
        flush=True,
    )
    if not args.skip_memory:
        report["memory"] = memory()
        for row in report["memory"]:
            print(
                f"n=200,000 {row['case']}: {row['seconds']:.1f} s ({row['cpu_s']:.1f} CPU), "
                f"peak RSS {row['peak_rss_mib']:.0f} MiB",
                flush=True,
            )
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
