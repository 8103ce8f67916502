"""Information-theoretic generalisation bounds from supersamples (review §2.5).

The conditional-mutual-information (CMI) framework of Steinke & Zakynthinou (2020): a
*supersample* Z̃ holds n pairs of rows drawn from the data, and a uniform selection
U ∈ {0, 1}ⁿ picks the member Z̃_{i,U_i} of each pair that trains the network; the other member
tests it. For a loss ℓ ∈ [0, 1] and pair i, let Δ_i = ℓ(W, Z̃_{i,1}) − ℓ(W, Z̃_{i,0}). Then the
test-minus-train loss of pair i is (−1)^{U_i} Δ_i, whose mean under an independent copy of U_i is
0 and which is |Δ_i|-sub-Gaussian (|Δ_i| ≤ 1), so the Donsker–Varadhan inequality gives, for
every supersample,

    E[gen | Z̃] ≤ (1/n) Σ_i √(2 I^{Z̃}(Δ_i; U_i))                       (ld-CMI)
                ≤ (1/n) Σ_i √(2 I^{Z̃}(F_i; U_i))                       (f-CMI)

with F_i = (f_W(X̃_{i,0}), f_W(X̃_{i,1})) the network's predictions on both members (Δ_i is a
function of F_i and the fixed labels, so the data-processing inequality orders the two).
f-CMI is the functional CMI of Harutyunyan et al. (NeurIPS 2021, in its sample-wise
form, per supersample); ld-CMI is the same per-supersample (disintegrated) form of the
loss-difference bound of Wang & Mao (ICML 2023), valid by the argument above. Both are in nats,
for the 0-1 loss (classification error) here.

Estimation (the protocol of Harutyunyan et al.): K1 supersamples; for each, K2 selections U,
one network trained per selection (a batched ensemble: :func:`infossl.analysis.idnn.train_idnn`
with a fixed ``train_index``), predictions on all 2n rows at logged epochs. I^{Z̃}(Δ_i;U_i) is the
plug-in MI of the K2 draws of (Δ_i, U_i) (:func:`~infossl.estimators.binning.plugin_mi_of_tables`),
exact when the K2 selections are all 2ⁿ of them (``exhaustive``, small n). With sampled
selections the plug-in value is biased upwards by about 1/K2 nats per pair for ld-CMI (3 × 2
table), more for f-CMI (C² × 2), and the square root magnifies it: √(2/K2) per pair where the
true MI is 0. The plug-in bound therefore errs on the loose side; the Miller–Madow-corrected
bound (``*_mm``) removes most of that bias but is no longer one-sided. At epoch 0 the networks do
not depend on U (their initialisation is seeded apart from the selection), so the true bounds are
0 there and the value at epoch 0 measures the estimator's bias. (With ``exhaustive`` the
selection k is the binary code of k and network k is seeded with k, so the initialisation is
a function of U: the exact value is that of this coupled algorithm, and it need not be 0 at
epoch 0; the bound still holds for it.) The measured gap is
the mean over runs of test error (unselected members) minus training error (selected members),
an unbiased estimate of the expected generalisation gap on the data's distribution when the
supersample rows are i.i.d. draws.

Cost: K1·K2 trainings (K2 at once per supersample) plus O(K1·T·n·(K2 + C²)) for the bounds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import model_validator

from infossl._checks import check_choice, check_int
from infossl._config import FrozenConfig, with_defaults
from infossl.analysis.idnn import IDNNConfig, train_idnn
from infossl.estimators._resample import t_interval
from infossl.estimators.binning import plugin_mi_of_tables

__all__ = [
    "DATASETS",
    "CMIBoundConfig",
    "GeneralisationBounds",
    "Supersamples",
    "draw_supersamples",
    "load_pool",
    "run_cmi_bound",
    "supersample_bounds",
]

#: Data the command trains on: the 1,797 digits (64 pixels, 10 classes) or the 4,096-pattern
#: 12-bit task of the information-plane experiment (2 classes).
DATASETS: tuple[str, ...] = ("digits", "idnn")
#: Rows of each data pool: a supersample of n pairs needs 2n of them.
POOL_ROWS = {"digits": 1797, "idnn": 4096}
#: Largest n for ``exhaustive`` selections (2ⁿ trainings per supersample).
MAX_EXHAUSTIVE_PAIRS = 12


@dataclass(frozen=True)
class Supersamples:
    """K1 supersamples of n pairs and K2 selections of each.

    Attributes:
        pairs: (K1, n, 2) row indices into the data pool; pair i of supersample j is
            ``pairs[j, i]`` (all 2n rows of a supersample are distinct).
        selections: (K1, K2, n) U ∈ {0, 1}: member ``U_i`` of pair i trains.
        exhaustive: the K2 = 2ⁿ selections are all of them (the MI values are exact).
    """

    pairs: np.ndarray
    selections: np.ndarray
    exhaustive: bool = False

    def train_index(self, j: int) -> np.ndarray:
        """(K2, n) positions of the training rows in supersample j's rows ``pairs[j].ravel()``."""
        n = self.pairs.shape[1]
        out: np.ndarray = 2 * np.arange(n)[None, :] + self.selections[j]
        return out


def draw_supersamples(
    n_rows: int,
    n_pairs: int,
    n_supersamples: int,
    n_selections: int,
    seed: int = 0,
    *,
    exhaustive: bool = False,
) -> Supersamples:
    """Random pairings of 2n of ``n_rows`` rows and uniform selections (or all 2ⁿ of them)."""
    n_pairs = check_int(n_pairs, "n_pairs", low=1)
    n_rows = check_int(n_rows, "n_rows", low=2 * n_pairs)
    n_supersamples = check_int(n_supersamples, "n_supersamples", low=1)
    rng = np.random.default_rng(check_int(seed, "seed", low=0))
    pairs = np.stack(
        [rng.permutation(n_rows)[: 2 * n_pairs].reshape(n_pairs, 2) for _ in range(n_supersamples)]
    )
    if exhaustive:
        check_int(n_pairs, "n_pairs", high=MAX_EXHAUSTIVE_PAIRS)
        codes = np.arange(2**n_pairs)[:, None] >> np.arange(n_pairs)[None, :]
        one = (codes & 1).astype(np.int64)
        selections = np.broadcast_to(one, (n_supersamples, *one.shape)).copy()
    else:
        n_selections = check_int(n_selections, "n_selections", low=2)
        selections = rng.integers(0, 2, size=(n_supersamples, n_selections, n_pairs))
    return Supersamples(pairs=pairs, selections=selections, exhaustive=exhaustive)


@dataclass
class GeneralisationBounds:
    """Measured generalisation gap and CMI bounds at each logged epoch (0-1 loss, nats).

    Attributes:
        epochs: (T,) logged epochs.
        train_error, test_error: (K1, K2, T) error of each run on its selected / unselected
            members.
        ld_cmi, f_cmi: (K1, T) the bounds of each supersample (module docstring), plug-in MI.
        ld_cmi_mm, f_cmi_mm: (K1, T) the same with Miller–Madow-corrected MI (equal to the
            plug-in ones when ``exhaustive``: the MI is then exact).
        n_pairs, n_classes: n and C.
        exhaustive: the selections were all 2ⁿ (exact MI for each supersample).
        settings: what defines the experiment (data, network, protocol), for the record.
    """

    epochs: np.ndarray
    train_error: np.ndarray
    test_error: np.ndarray
    ld_cmi: np.ndarray
    f_cmi: np.ndarray
    ld_cmi_mm: np.ndarray
    f_cmi_mm: np.ndarray
    n_pairs: int
    n_classes: int
    exhaustive: bool = False
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> np.ndarray:
        """(K1, K2, T) test error − training error of every run."""
        out: np.ndarray = self.test_error - self.train_error
        return out

    def rows(self, level: float = 0.95) -> list[dict[str, Any]]:
        """One record per logged epoch: means and ``level`` t-intervals over supersamples.

        With one supersample the interval of the gap is over its K2 runs and the bounds have no
        interval (NaN).
        """
        per_supersample_gap = self.gap.mean(axis=1)  # (K1, T)
        gap_samples = per_supersample_gap if len(self.ld_cmi) > 1 else self.gap[0]
        out = []
        for t, epoch in enumerate(self.epochs):
            row: dict[str, Any] = {"epoch": int(epoch)}
            row["train_error"] = float(self.train_error[..., t].mean())
            row["test_error"] = float(self.test_error[..., t].mean())
            for name, values in (
                ("gap", gap_samples[:, t]),
                ("ld_cmi_bound", self.ld_cmi[:, t]),
                ("ld_cmi_bound_mm", self.ld_cmi_mm[:, t]),
                ("f_cmi_bound", self.f_cmi[:, t]),
                ("f_cmi_bound_mm", self.f_cmi_mm[:, t]),
            ):
                mean, low, high = t_interval(values, level)
                if name != "gap":  # a bound is a root of an MI: never below 0
                    low = max(low, 0.0)
                row[name], row[f"{name}_low"], row[f"{name}_high"] = mean, low, high
            out.append(row)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record: settings, summary rows and the per-run arrays."""
        arrays = ("epochs", "train_error", "test_error", "ld_cmi", "f_cmi", "ld_cmi_mm", "f_cmi_mm")
        return {
            "settings": self.settings,
            "n_pairs": self.n_pairs,
            "n_classes": self.n_classes,
            "exhaustive": self.exhaustive,
            "unit": "nats (bounds); error rates (gap)",
            "rows": self.rows(),
            **{name: np.asarray(getattr(self, name)).tolist() for name in arrays},
        }


def supersample_bounds(
    predictions: np.ndarray,
    labels: np.ndarray,
    selections: np.ndarray,
    epochs: np.ndarray | None = None,
    *,
    exhaustive: bool = False,
) -> GeneralisationBounds:
    """Gap and ld-/f-CMI bounds from the predictions of every run on both members of each pair.

    Args:
        predictions: (K1, K2, T, n, 2) predicted classes (integers 0..C−1).
        labels: (K1, n, 2) true classes of the pairs' members.
        selections: (K1, K2, n) U of each run.
        epochs: (T,) logged epochs (default 0..T−1).
        exhaustive: the selections are all 2ⁿ (recorded with the result).

    Complexity O(K1·K2·T·n) plus one plug-in table per (supersample, epoch, pair).
    """
    pred = np.asarray(predictions)
    lab = np.asarray(labels)
    sel = np.asarray(selections)
    if pred.ndim != 5 or pred.shape[-1] != 2:
        raise ValueError(f"predictions must have shape (K1, K2, T, n, 2), got {pred.shape}")
    k1, k2, n_epochs, n, _ = pred.shape
    if lab.shape != (k1, n, 2) or sel.shape != (k1, k2, n):
        raise ValueError(
            f"labels must have shape {(k1, n, 2)} and selections {(k1, k2, n)}, "
            f"got {lab.shape} and {sel.shape}"
        )
    for name, a in (("predictions", pred), ("labels", lab)):
        if not np.issubdtype(a.dtype, np.integer) or a.min() < 0:
            raise ValueError(f"{name} must hold non-negative integer classes")
    if not np.isin(sel, (0, 1)).all():
        raise ValueError("selections must hold 0 or 1")
    if k2 < 2:
        raise ValueError(f"need at least 2 selections per supersample, got {k2}")
    n_classes = int(max(pred.max(), lab.max())) + 1
    loss = (pred != lab[:, None, None]).astype(np.int64)  # (K1, K2, T, n, 2)
    u = sel[:, :, None, :]  # (K1, K2, 1, n)
    on_train = np.take_along_axis(loss, u[..., None], axis=-1)[..., 0]
    train_error = on_train.mean(axis=-1)
    test_error = (loss.sum(axis=-1) - on_train).mean(axis=-1)
    delta = loss[..., 1] - loss[..., 0] + 1  # codes 0, 1, 2 for Δ = −1, 0, 1
    both = pred[..., 0] * n_classes + pred[..., 1]  # F_i as one code
    u_runs = np.broadcast_to(u, delta.shape)

    def bound(codes: np.ndarray, miller_madow: bool = False) -> np.ndarray:
        """(1/n) Σ_i √(2 Î(codes_i; U_i)) per (supersample, epoch); K2 draws per table."""
        tables = np.moveaxis(codes, 1, -1).reshape(-1, k2)  # (K1·T·n, K2)
        us = np.moveaxis(u_runs, 1, -1).reshape(-1, k2)
        mi = plugin_mi_of_tables(tables, us, miller_madow).reshape(k1, n_epochs, n)
        out: np.ndarray = np.sqrt(2.0 * mi).mean(axis=-1)
        return out

    return GeneralisationBounds(
        epochs=np.arange(n_epochs) if epochs is None else np.asarray(epochs),
        train_error=train_error,
        test_error=test_error,
        ld_cmi=bound(delta),
        f_cmi=bound(both),
        ld_cmi_mm=bound(delta, not exhaustive),
        f_cmi_mm=bound(both, not exhaustive),
        n_pairs=n,
        n_classes=n_classes,
        exhaustive=exhaustive,
    )


# ----------------------------------------------------------------------------- the experiment
#: The network and training of the digits default: ReLU MLP 64-64-10, Adam 1e-3, batch 64.
DIGITS_NETWORK = IDNNConfig(
    activation="relu",
    epochs=200,
    seeds=(0,),
    hidden=(64,),
    learning_rate=1e-3,
    batch_size=64,
    log_points=12,
)


class CMIBoundConfig(FrozenConfig):
    """Settings of one supersample experiment.

    Attributes:
        data: ``"digits"`` (pixels scaled to [0, 1]) or ``"idnn"`` (the 12-bit task).
        pairs: n, pairs per supersample (2n distinct rows; n rows train each network).
        supersamples: K1. selections: K2 (networks per supersample).
        exhaustive: train all 2ⁿ selections instead of K2 random ones (n ≤ 12).
        network: the network and its Adam training (:class:`~infossl.analysis.idnn.IDNNConfig`:
            hidden widths, activation, epochs, learning rate, batch, log points; its ``seeds``
            and ``train_fraction`` are replaced by the protocol); a dict of its fields works too.
        seed: draws the supersamples and the selections; network k of supersample j is seeded
            j·K2 + k (initialisation and batch order).
    """

    data: str = "digits"
    pairs: int = 250
    supersamples: int = 3
    selections: int = 40
    exhaustive: bool = False
    network: IDNNConfig = DIGITS_NETWORK
    seed: int = 0

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> dict[str, Any]:
        values = with_defaults(cls, data)
        check_choice(values["data"], "data", DATASETS)
        values["pairs"] = check_int(
            values["pairs"], "pairs", low=1, high=POOL_ROWS[values["data"]] // 2
        )
        values["supersamples"] = check_int(values["supersamples"], "supersamples", low=1)
        values["selections"] = check_int(values["selections"], "selections", low=2)
        if values["exhaustive"] not in (True, False):
            raise TypeError(f"exhaustive must be a bool, got {values['exhaustive']!r}")
        if values["exhaustive"]:
            check_int(values["pairs"], "pairs", high=MAX_EXHAUSTIVE_PAIRS)
        values["seed"] = check_int(values["seed"], "seed", low=0)
        return values


def load_pool(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows supersamples are drawn from: x (N, d) float32 and y (N,) int64."""
    check_choice(name, "data", DATASETS)
    if name == "idnn":
        from infossl.data.idnn import load_idnn_task

        x, y = load_idnn_task()
        return np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.int64)
    from infossl.data.digits import load_digits

    digits = load_digits("all")
    x = digits.images.reshape(len(digits.images), -1).numpy().astype(np.float32) / 255.0
    return x, digits.labels.numpy().astype(np.int64)


def run_cmi_bound(
    config: CMIBoundConfig, *, progress: Callable[[int, int], None] | None = None
) -> GeneralisationBounds:
    """Draw the supersamples, train one network per selection, and bound the gap over training.

    ``progress(done, total)`` is called after each supersample's ensemble.
    """
    x, y = load_pool(config.data)
    design = draw_supersamples(
        len(x),
        config.pairs,
        config.supersamples,
        config.selections,
        config.seed,
        exhaustive=config.exhaustive,
    )
    k2 = design.selections.shape[1]
    predictions, epochs = [], np.zeros(0)
    for j in range(config.supersamples):
        rows = design.pairs[j].ravel()
        seeds = tuple(range(j * k2, (j + 1) * k2))
        network = IDNNConfig(**{**config.network.model_dump(), "seeds": seeds})
        training = train_idnn(network, data=(x[rows], y[rows]), train_index=design.train_index(j))
        epochs = training.epochs
        # (T, K2, 2n) -> (K2, T, n, 2): row 2i + m of the supersample is member m of pair i
        predicted = training.predictions(x[rows]).swapaxes(0, 1)
        predictions.append(predicted.reshape(k2, len(epochs), config.pairs, 2))
        if progress is not None:
            progress(j + 1, config.supersamples)
    result = supersample_bounds(
        np.stack(predictions),
        y[design.pairs],
        design.selections,
        epochs,
        exhaustive=design.exhaustive,
    )
    result.settings = {**config.model_dump(), "pool": len(x), "selections_used": k2}
    del result.settings["network"]["seeds"], result.settings["network"]["train_fraction"]
    return result
