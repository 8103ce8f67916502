"""Label-efficiency and ε_info sweeps of the "to compress or not to compress" experiment.

Both halves of the question, summarised from the rows of
:func:`~infossl.analysis.compress_experiment.run_compress_experiment` (one engine: the sweeps are
config options, ``label_sweep`` and ``eps_sweep``, of the same run):

* **label efficiency** (Federici et al. 2020: compressing the view-specific part should help
  when few labels are available and the MultiView assumption holds): probe accuracy per
  ``(point, objective, β, label count)``, mean and 95 % t-interval over seeds, and the paired
  gap to a baseline objective (same seed, same held-out rows, same labelled subsets), next to
  probes on the true ``S`` and on ``X1`` fitted on the same subsets;
* **ε_info sweep**: per measured ``ε_info``, probe accuracy and ``I(Z1;Y)`` with the paired gap
  to the baseline, next to what the review's bound predicts: a code sufficient for the shared
  information loses at most ``ε_info = I(Y;X1|X2)`` nats of label information; for the
  minimal sufficient code ``Z* = E[S|X1]`` of the vector testbed the exact loss
  ``I(Y;X1) − I(Y;Z*)`` and the accuracy cost ``Bayes(X1) − Bayes(Z*)`` are closed forms.

Intervals are Student-t intervals over seeds, ``mean ± t_{n−1, 0.975} · s / √n``: they assume
the per-seed values are independent draws from one distribution (seeds change initialisation,
batches, the held-out sample and the labelled subsets), approximately normal; with n = 1 the
interval is NaN.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from infossl._checks import check_ci_level
from infossl.estimators._resample import t_interval as student_t_interval

__all__ = [
    "LABEL_ROW_COLUMNS",
    "crossovers",
    "label_rows",
    "summarise_eps",
    "summarise_labels",
    "t_interval",
]

#: Columns of the per-seed label-sweep table (:func:`label_rows`).
LABEL_ROW_COLUMNS: tuple[str, ...] = (
    "regime",
    "eps_info",
    "objective",
    "beta",
    "seed",
    "labels",
    "probe_accuracy",
    "probe_accuracy_of_mean",
    "oracle_s",
    "oracle_x1",
    "bayes_accuracy",
)


def t_interval(values: Sequence[float] | np.ndarray, level: float = 0.95) -> dict[str, float]:
    """``{"mean", "low", "high", "n"}``: the Student-t interval ``x̄ ± t_{n−1,(1+level)/2} s/√n``
    of :func:`infossl.estimators._resample.t_interval` after dropping NaN values.

    ``low``/``high`` are NaN when fewer than two values remain (``mean`` too when none does).
    Assumes independent, roughly normal values.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        check_ci_level(level, "level")
        return {"mean": math.nan, "low": math.nan, "high": math.nan, "n": 0}
    mean, low, high = student_t_interval(x, level)
    return {"mean": mean, "low": low, "high": high, "n": int(x.size)}


def _beta_key(beta: Any) -> float | None:
    return None if isinstance(beta, float) and math.isnan(beta) else float(beta)


def _eps_key(eps: Any) -> float:
    return round(float(eps), 9)


def label_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The label sweep as a long table: one row per ``(measured row, label count)`` with
    :data:`LABEL_ROW_COLUMNS` (the code's closed-form ``bayes_accuracy`` repeated per count;
    rows that did not train, or carry no sweep, are left out)."""
    out = []
    for row in rows:
        if row.get("status") != "ok":
            continue
        for entry in row.get("label_sweep", []):
            out.append(
                {
                    **{k: row[k] for k in ("regime", "eps_info", "objective", "beta", "seed")},
                    "labels": int(entry["labels"]),
                    "probe_accuracy": entry["probe_accuracy"],
                    "probe_accuracy_of_mean": entry["probe_accuracy_of_mean"],
                    "oracle_s": entry.get("oracle_s", math.nan),
                    "oracle_x1": entry.get("oracle_x1", math.nan),
                    "bayes_accuracy": row.get("bayes_accuracy", math.nan),
                }
            )
    return out


def _paired_gaps(
    members: Sequence[Mapping[str, Any]],
    baseline: Mapping[int, Mapping[str, Any]],
    column: str,
) -> list[float]:
    """``value − baseline value`` per seed present in both (a paired difference)."""
    return [
        float(m[column]) - float(baseline[m["seed"]][column])
        for m in members
        if m["seed"] in baseline
    ]


def _put(entry: dict[str, Any], prefix: str, interval: Mapping[str, float]) -> None:
    entry[f"{prefix}_mean"] = interval["mean"]
    entry[f"{prefix}_low"] = interval["low"]
    entry[f"{prefix}_high"] = interval["high"]


def summarise_labels(
    label_table: Sequence[Mapping[str, Any]],
    references: Mapping[str, Mapping[str, float]],
    *,
    baseline: str = "simclr",
    level: float = 0.95,
) -> list[dict[str, Any]]:
    """Per ``(regime, ε_info, objective, β, labels)``: ``n`` seeds, probe accuracy on the code
    (``acc_*``) and on the encoder mean (``acc_mean_*``), the paired gap to ``baseline``
    (``gap_*``: same seed and labelled subsets; NaN when the baseline was not run), each as
    ``mean/low/high`` of a t-interval over seeds; the oracle probes on ``S`` and ``X1``
    (``oracle_s_*``, ``oracle_x1_*``); the code's closed-form Bayes accuracy (``bayes_mean``,
    NaN for kNN runs) and the point's Bayes accuracies from ``X1``, ``S`` and ``Z*``
    (``bayes_x1``, ``bayes_s``, ``bayes_sufficient``), which do not depend on the label count.
    """
    groups: dict[tuple, list[Mapping[str, Any]]] = {}
    for row in label_table:
        key = (
            row["regime"],
            _eps_key(row["eps_info"]),
            row["objective"],
            _beta_key(row["beta"]),
            int(row["labels"]),
        )
        groups.setdefault(key, []).append(row)
    by_eps = {_eps_key(ref["eps_info"]): ref for ref in references.values()}
    out = []
    for (regime, eps, objective, beta, labels), members in groups.items():
        base = {m["seed"]: m for m in groups.get((regime, eps, baseline, None, labels), [])}
        ref = by_eps.get(eps, {})
        entry: dict[str, Any] = {
            "regime": regime,
            "eps_info": eps,
            "objective": objective,
            "beta": math.nan if beta is None else beta,
            "labels": labels,
            "n": len(members),
        }
        _put(entry, "acc", t_interval([m["probe_accuracy"] for m in members], level))
        _put(entry, "acc_mean", t_interval([m["probe_accuracy_of_mean"] for m in members], level))
        gaps = _paired_gaps(members, base, "probe_accuracy") if base else []
        _put(entry, "gap", t_interval(gaps, level))
        _put(entry, "oracle_s", t_interval([m["oracle_s"] for m in members], level))
        _put(entry, "oracle_x1", t_interval([m["oracle_x1"] for m in members], level))
        entry["bayes_mean"] = t_interval([m["bayes_accuracy"] for m in members], level)["mean"]
        entry["bayes_x1"] = ref.get("bayes_accuracy_x1", math.nan)
        entry["bayes_s"] = ref.get("bayes_accuracy_s", math.nan)
        entry["bayes_sufficient"] = ref.get("bayes_accuracy_sufficient", math.nan)
        out.append(entry)
    return sorted(out, key=_order(out))


def _order(entries: Sequence[Mapping[str, Any]]) -> Any:
    objectives = list(dict.fromkeys(e["objective"] for e in entries))

    def key(e: Mapping[str, Any]) -> tuple:
        beta = e["beta"]
        return (
            e["eps_info"],
            objectives.index(e["objective"]),
            -math.inf if math.isnan(beta) else beta,
            e.get("labels", 0),
        )

    return key


def summarise_eps(
    rows: Sequence[Mapping[str, Any]],
    references: Mapping[str, Mapping[str, float]],
    *,
    baseline: str = "simclr",
    level: float = 0.95,
) -> list[dict[str, Any]]:
    """Per measured ``(ε_info, objective, β)``, ascending in ε (the holds regime is the floor):

    * ``acc_*``, ``gap_*``: probe accuracy (``probe_labels`` labels) and its paired gap to
      ``baseline``, t-intervals over seeds;
    * ``i_z1_y_*``, ``i_gap_*``: ``I(Z1;Y)`` (closed form or kNN, nats) and its paired gap to
      the baseline; ``i_z1_y_lb_mean``: the Gaussian lower bound (kNN runs);
    * the bound: ``bound_nats`` = ``ε_info`` (the most label information a code sufficient for
      the shared information can lose), ``ideal_loss_nats`` = ``I(Y;X1) − I(Y;Z*)`` (what the
      minimal sufficient code ``Z*`` loses, exact), ``ideal_acc_cost`` = ``Bayes(X1) −
      Bayes(Z*)`` (the accuracy that loss costs), ``i_y_x1`` = ``I(Y;X1)``, ``bayes_x1``,
      ``bayes_sufficient``.
    """
    groups: dict[tuple, list[Mapping[str, Any]]] = {}
    for row in rows:
        if row.get("status") != "ok":
            continue
        key = (_eps_key(row["eps_info"]), row["objective"], _beta_key(row["beta"]))
        groups.setdefault(key, []).append(row)
    by_eps = {_eps_key(ref["eps_info"]): ref for ref in references.values()}
    out = []
    for (eps, objective, beta), members in groups.items():
        base = {m["seed"]: m for m in groups.get((eps, baseline, None), [])}
        ref = by_eps.get(eps, {})
        entry: dict[str, Any] = {
            "regime": members[0]["regime"],
            "eps_info": eps,
            "objective": objective,
            "beta": math.nan if beta is None else beta,
            "n": len(members),
            "method": members[0].get("method", ""),
        }
        _put(entry, "acc", t_interval([m["probe_accuracy"] for m in members], level))
        _put(
            entry,
            "gap",
            t_interval(_paired_gaps(members, base, "probe_accuracy") if base else [], level),
        )
        _put(entry, "i_z1_y", t_interval([m["i_z1_y"] for m in members], level))
        _put(
            entry, "i_gap", t_interval(_paired_gaps(members, base, "i_z1_y") if base else [], level)
        )
        entry["i_z1_y_lb_mean"] = t_interval([m.get("i_z1_y_lb", math.nan) for m in members])[
            "mean"
        ]
        i_y_x1 = ref.get("I(Y;X1)", math.nan)
        entry.update(
            bound_nats=eps,
            i_y_x1=i_y_x1,
            ideal_loss_nats=i_y_x1 - ref.get("I(Y;Z*)", math.nan),
            bayes_x1=ref.get("bayes_accuracy_x1", math.nan),
            bayes_sufficient=ref.get("bayes_accuracy_sufficient", math.nan),
        )
        entry["ideal_acc_cost"] = entry["bayes_x1"] - entry["bayes_sufficient"]
        out.append(entry)
    return sorted(out, key=_order(out))


def crossovers(eps_summary: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per non-baseline ``(objective, β)`` of :func:`summarise_eps`: where compression stops
    paying.

    ``last_not_worse``: the largest ε whose gap interval reaches 0 or above (``gap_high ≥ 0``)
    with every smaller ε also so; ``first_worse``: the smallest ε whose interval lies below 0
    (``gap_high < 0``); ``first_better``: the smallest ε whose interval lies above 0. NaN where
    none; the rows of the baseline itself (gap ≡ 0) are skipped.
    """
    groups: dict[tuple, list[Mapping[str, Any]]] = {}
    for e in eps_summary:
        if math.isnan(e["gap_mean"]) or (e["gap_low"] == 0.0 and e["gap_high"] == 0.0):
            continue
        groups.setdefault((e["objective"], _beta_key(e["beta"])), []).append(e)
    out = []
    for (objective, beta), members in groups.items():
        members = sorted(members, key=lambda e: e["eps_info"])
        worse = [e["eps_info"] for e in members if e["gap_high"] < 0]
        better = [e["eps_info"] for e in members if e["gap_low"] > 0]
        last_ok = math.nan
        for e in members:
            if e["gap_high"] < 0:
                break
            last_ok = e["eps_info"]
        out.append(
            {
                "objective": objective,
                "beta": math.nan if beta is None else beta,
                "last_not_worse": last_ok,
                "first_worse": worse[0] if worse else math.nan,
                "first_better": better[0] if better else math.nan,
            }
        )
    return out
