"""The information-plane engine: one recorder, one result type, for any network.

:class:`InformationPlaneRecorder` runs a model on a fixed evaluation set (X uniform over its n
rows, labels Y), captures the outputs T_ℓ of named layers with forward hooks (or takes the
activations from the caller, :meth:`~InformationPlaneRecorder.record_activations`, e.g. from a
batched functional network) and estimates (I(X;T_ℓ), I(T_ℓ;Y)) per layer and epoch. Its result,
like that of the IDNN reproduction (:mod:`infossl.analysis.idnn`, one recorder per seed), is an
:class:`InformationPlane`: arrays over (network, epoch, layer), optional accuracy curves, JSON
round trip. Figures: :mod:`infossl.analysis.infoplane_plots`.

The estimator and its parameters *define* the quantity — a deterministic network has
I(X;T) = ∞ for continuous X, or ln n for n distinct inputs and an injective layer (Saxe et al.
2018; Geiger 2021) — so every value carries them:

* ``"binning"``: each unit cut into ``bins`` equal-width bins over a range **fixed across
  epochs**: ``value_range=(low, high)``; ``"global"`` (default; Saxe et al.'s rule for
  unbounded units: per layer, the smallest and largest activity over *all* recorded epochs, so
  activations are kept and the values computed in :meth:`results`); or ``"first"`` (per layer,
  the range of the first recorded epoch, then fixed; values outside go to the outer bins).
  I(X;T̃) = H(T̃) for distinct inputs and I(T̃;Y) = H(T̃) − H(T̃|Y), plug-in.
* ``"idnn"``: the convention of Shwartz-Ziv & Tishby's code (``np.digitize`` on
  ``linspace(low, high, bins)`` edges, default 30 edges on [−1, 1]).
* ``"kde"``: Kolchinsky–Tracey pairwise-distance bounds for T + N(0, σ²I)
  (``noise_variance`` = σ², required): ``i_xt`` the KL upper bound, ``i_xt_lower`` the
  Bhattacharyya lower bound; the I(T;Y) pair is a difference of bounds (kind ``"proxy"``).
* ``"matrix-renyi"``: matrix-based Rényi α-MI of Gaussian Gram matrices (``alpha``, ``sigma``
  rule); Y enters as one-hot vectors; constant columns are dropped first (they do not change
  distances). Not a Shannon quantity.
* ``"noisy"``: for networks that inject noise themselves (Goldfeld et al. 2019; pass the
  :class:`~infossl.analysis.noisy_network.GaussianNoiseInjection` as ``noise``; every recorded
  layer must be noisy): the sample-propagation estimator of the true I(X;T_ℓ) of the noisy
  network (see :mod:`infossl.analysis.noisy_network`), ``n_conditional`` noisy passes per
  input for h(T|X = x), ``n_mc`` Monte Carlo draws per centre.

Values are in ``unit`` (``"bits"`` by default, as in the literature). :meth:`check_dpi` flags
violations of I(X;T_1) ≥ I(X;T_2) ≥ … (layers in forward order) beyond a tolerance: a true
Markov chain obeys it, estimates need not (binning: Geiger 2021). Gradient statistics per layer
(drift/diffusion) are :func:`~infossl.analysis.gradient_snr.gradient_snr`, re-exported here.

References: Shwartz-Ziv & Tishby (2017); Saxe et al. (ICLR 2018); Kolchinsky & Tracey (2017);
Sánchez Giraldo et al. (2015); Goldfeld et al. (ICML 2019); Geiger, IEEE TNNLS (2021).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch
from torch import nn

from infossl._checks import (
    check_choice,
    check_float,
    check_int,
    check_seed,
    check_value_range,
)
from infossl.analysis.gradient_snr import GradientStats, diffusion_onset, gradient_snr
from infossl.analysis.noisy_network import (
    GaussianNoiseInjection,
    _submodule,
    gaussian_mixture_entropy,
)
from infossl.estimate import Estimate, check_unit

__all__ = [
    "ESTIMATORS",
    "DPIViolation",
    "GaussianNoiseInjection",
    "GradientStats",
    "InformationPlane",
    "InformationPlaneRecorder",
    "LayerInformation",
    "check_dpi",
    "diffusion_onset",
    "gradient_snr",
]

ESTIMATORS: tuple[str, ...] = ("binning", "idnn", "kde", "matrix-renyi", "noisy")


# ----------------------------------------------------------------------------- DPI check
@dataclass(frozen=True)
class DPIViolation:
    """``later`` carries more information than ``earlier`` by ``excess`` (beyond tolerance)."""

    earlier: str
    later: str
    earlier_value: float
    later_value: float
    excess: float
    row: int | None = None


def _value(v: Any) -> float:
    return float(v.value) if isinstance(v, Estimate) else float(v)


def check_dpi(
    values: Any, *, tolerance: float = 0.0, names: Sequence[str] | None = None
) -> list[DPIViolation]:
    """Violations of the data-processing inequality along a chain of layers.

    For a Markov chain X → T_1 → T_2 → … every I(X;T_m) ≤ I(X;T_ℓ) for ℓ < m (also for
    I(T;Y)). ``values``: one chain (floats or Estimates, layers in forward order) or a 2-D array
    (rows = epochs). Every pair ℓ < m with value_m > value_ℓ + ``tolerance`` is reported (pairs,
    not just neighbours: small rises can add up). An empty list means no violation.
    """
    tolerance = check_float(tolerance, "tolerance", low=0.0)
    if isinstance(values, np.ndarray) and values.ndim == 2:
        rows = values.astype(float)
        single = False
    else:
        rows = np.array([[_value(v) for v in values]])
        single = True
    if rows.ndim != 2 or rows.shape[1] == 0:
        raise ValueError(f"values must be a non-empty chain or a 2-D array, got shape {rows.shape}")
    if not np.isfinite(rows).all():
        raise ValueError("values contain NaN or infinite entries")
    n_layers = rows.shape[1]
    labels = list(names) if names is not None else [f"T{i + 1}" for i in range(n_layers)]
    if len(labels) != n_layers:
        raise ValueError(f"names has {len(labels)} entries for {n_layers} layers")
    out = []
    for r, row in enumerate(rows):
        for m in range(1, n_layers):
            for ell in range(m):
                excess = row[m] - row[ell]
                if excess > tolerance:
                    out.append(
                        DPIViolation(
                            labels[ell],
                            labels[m],
                            float(row[ell]),
                            float(row[m]),
                            float(excess),
                            None if single else r,
                        )
                    )
    return out


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class LayerInformation:
    """The information-plane point of one layer at one epoch (in the recorder's unit)."""

    epoch: int
    layer: str
    i_xt: Estimate
    i_ty: Estimate | None = None
    i_xt_lower: Estimate | None = None
    i_ty_lower: Estimate | None = None


#: Estimator names of files written before the engines were merged, and their names now.
_LEGACY_ESTIMATORS = {"kt": "kde"}


def _listed(a: np.ndarray | None) -> Any:
    return None if a is None else np.asarray(a).tolist()


@dataclass
class InformationPlane:
    """Information-plane coordinates of every (network, epoch, layer), in ``unit``.

    Attributes:
        epochs: recorded epochs (E,); layers: layer names in forward order (L,).
        i_xt, i_ty: (S, E, L) values of I(X;T) and I(T;Y) (the upper bound for ``"kde"``);
            ``i_ty`` is None without labels.
        estimator, estimator_params: the estimator and everything that defines the quantity
            (bins, ranges, σ², samples used).
        h_x, h_y: entropies of the evaluation set, the largest values the estimates can take.
        unit: ``"bits"`` or ``"nats"``.
        i_xt_lower, i_ty_lower: (S, E, L) lower-bound companions (``"kde"`` only, else None).
        seeds: one label per network (S,).
        config: the experiment's settings (e.g. an :class:`~infossl.analysis.idnn.IDNNConfig`),
            None for a recorder on a user's model.
        train_accuracy, test_accuracy, train_loss: (S, E) curves when the experiment has them.
        seconds: wall-clock times by phase; points: the per-point Estimates of a recorder.
    """

    epochs: np.ndarray
    layers: tuple[str, ...]
    i_xt: np.ndarray
    i_ty: np.ndarray | None
    estimator: str
    estimator_params: dict[str, Any]
    h_x: float
    h_y: float | None
    unit: str = "bits"
    i_xt_lower: np.ndarray | None = None
    i_ty_lower: np.ndarray | None = None
    seeds: tuple[int, ...] = (0,)
    config: Any = None
    train_accuracy: np.ndarray | None = None
    test_accuracy: np.ndarray | None = None
    train_loss: np.ndarray | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    points: list[LayerInformation] = field(default_factory=list)

    @property
    def experiment(self) -> str:
        """``"idnn"`` for the IDNN reproduction, ``"recorder"`` otherwise."""
        from infossl.analysis.idnn import IDNNConfig

        return "idnn" if isinstance(self.config, IDNNConfig) else "recorder"

    @classmethod
    def stack(cls, planes: Sequence[InformationPlane], seeds: Sequence[int]) -> InformationPlane:
        """One plane with a network axis from single-network planes (same epochs and layers).

        Parameters that differ between networks (the ``"global"`` binning ranges) become a list
        with one entry per network.
        """
        if not planes or len(planes) != len(seeds):
            raise ValueError(f"need one plane per seed, got {len(planes)} for {len(seeds)}")
        first = planes[0]
        for p in planes[1:]:
            same = (p.layers, p.estimator, p.unit) == (first.layers, first.estimator, first.unit)
            if not same or not np.array_equal(p.epochs, first.epochs):
                raise ValueError("planes must share epochs, layers, estimator and unit")

        def joined(attr: str) -> np.ndarray | None:
            parts = [getattr(p, attr) for p in planes]
            return None if any(a is None for a in parts) else np.concatenate(parts)

        params = dict(first.estimator_params)
        if "ranges" in params:
            params["ranges"] = [p.estimator_params["ranges"] for p in planes]
        return cls(
            epochs=first.epochs,
            layers=first.layers,
            i_xt=joined("i_xt"),  # type: ignore[arg-type]
            i_ty=joined("i_ty"),
            estimator=first.estimator,
            estimator_params=params,
            h_x=first.h_x,
            h_y=first.h_y,
            unit=first.unit,
            i_xt_lower=joined("i_xt_lower"),
            i_ty_lower=joined("i_ty_lower"),
            seeds=tuple(int(s) for s in seeds),
        )

    def compression(self) -> np.ndarray:
        """Network-averaged drop max_epoch I(X;T) − I(X;T) at the last epoch, per layer (L,)."""
        mean = self.i_xt.mean(axis=0)
        return mean.max(axis=0) - mean[-1]

    def rows(self) -> list[dict[str, Any]]:
        """One flat record per (network, epoch, layer), for CSV output."""
        u = self.unit
        columns = {f"I_XT_{u}": self.i_xt, f"I_TY_{u}": self.i_ty}
        if self.i_xt_lower is not None and self.i_ty_lower is not None:
            columns |= {f"I_XT_lower_{u}": self.i_xt_lower, f"I_TY_lower_{u}": self.i_ty_lower}
        curves = {"train_accuracy": self.train_accuracy, "test_accuracy": self.test_accuracy}
        out = []
        for s, seed in enumerate(self.seeds):
            for e, epoch in enumerate(self.epochs):
                for li, name in enumerate(self.layers):
                    row: dict[str, Any] = {"seed": int(seed), "epoch": int(epoch), "layer": name}
                    row |= {k: float(v[s, e, li]) for k, v in columns.items() if v is not None}
                    row |= {k: float(v[s, e]) for k, v in curves.items() if v is not None}
                    out.append(row)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable settings and all arrays (nested lists, network × epoch × layer)."""
        u = self.unit
        config = None
        if self.config is not None:
            config = {
                k: (list(v) if isinstance(v, tuple) else v)
                for k, v in self.config.model_dump().items()
            }
        return {
            "experiment": self.experiment,
            "unit": u,
            "config": config,
            "estimator": self.estimator,
            "estimator_params": self.estimator_params,
            f"H_X_{u}": self.h_x,
            f"H_Y_{u}": self.h_y,
            "epochs": self.epochs.tolist(),
            "layers": list(self.layers),
            "seeds": list(self.seeds),
            f"I_XT_{u}": _listed(self.i_xt),
            f"I_TY_{u}": _listed(self.i_ty),
            f"I_XT_lower_{u}": _listed(self.i_xt_lower),
            f"I_TY_lower_{u}": _listed(self.i_ty_lower),
            f"compression_{u}": self.compression().tolist(),
            "train_accuracy": _listed(self.train_accuracy),
            "test_accuracy": _listed(self.test_accuracy),
            "train_loss": _listed(self.train_loss),
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InformationPlane:
        """Rebuild a plane from :meth:`to_dict` output (e.g. a saved ``infoplane.json``)."""
        if not isinstance(data, dict) or data.get("experiment") not in ("idnn", "recorder"):
            raise ValueError("data must be the to_dict() output of an information plane")
        u = check_unit(data.get("unit", "bits"))
        config = None
        if data["experiment"] == "idnn":
            from infossl.analysis.idnn import IDNNConfig

            cfg = dict(data["config"])
            for key in ("seeds", "hidden"):
                cfg[key] = tuple(cfg[key])
            config = IDNNConfig(**cfg)

        def array(key: str) -> np.ndarray | None:
            return None if data.get(key) is None else np.asarray(data[key], dtype=np.float64)

        params = dict(data["estimator_params"])
        estimator = _LEGACY_ESTIMATORS.get(data["estimator"], data["estimator"])
        if params.get("strategy") == "idnn":  # the IDNN binning convention, saved as "binning"
            estimator = "idnn"
        seeds = data.get("seeds", config.seeds if config is not None else None)
        h_y = data.get(f"H_Y_{u}")
        return cls(
            epochs=np.asarray(data["epochs"], dtype=np.int64),
            layers=tuple(data["layers"]),
            i_xt=array(f"I_XT_{u}"),  # type: ignore[arg-type]
            i_ty=array(f"I_TY_{u}"),
            estimator=estimator,
            estimator_params=params,
            h_x=float(data[f"H_X_{u}"]),
            h_y=None if h_y is None else float(h_y),
            unit=u,
            i_xt_lower=array(f"I_XT_lower_{u}"),
            i_ty_lower=array(f"I_TY_lower_{u}"),
            seeds=tuple(int(s) for s in seeds),
            config=config,
            train_accuracy=array("train_accuracy"),
            test_accuracy=array("test_accuracy"),
            train_loss=array("train_loss"),
            seconds=dict(data.get("seconds", {})),
        )


# ----------------------------------------------------------------------------- the recorder
def _codes(a: np.ndarray) -> np.ndarray:
    from infossl.estimators.binning import row_codes

    return row_codes(a.reshape(len(a), -1))


class InformationPlaneRecorder:
    """Record (I(X;T_ℓ), I(T_ℓ;Y)) of named layers of ``model`` (see the module docstring).

    Args:
        model: any ``nn.Module``, or None when the caller supplies the activations
            (:meth:`record_activations`); ``layers``: names from ``model.named_modules()`` (any
            names without a model), in forward order (the order :meth:`check_dpi` uses).
        estimator: one of :data:`ESTIMATORS`.
        unit: ``"bits"`` (default) or ``"nats"``.
        bins: binning: bins per unit (default 30 for a fixed range, 100 for ``"global"`` and
            ``"first"``, Saxe et al.'s choice); idnn: number of edges (default 30).
        value_range: binning: ``(low, high)``, ``"global"`` or ``"first"``; idnn: ``(low, high)``
            (default (−1, 1)).
        noise_variance: kde: σ² of the added noise (required; it defines the quantity).
        alpha, sigma: matrix-renyi parameters.
        noise: noisy: the network's :class:`GaussianNoiseInjection`.
        n_conditional, n_mc: noisy: passes per input for h(T|X = x); Monte Carlo draws per
            centre.
        batch_size: forward-pass chunk; ``seed``: Monte Carlo draws of the noisy estimator.

    The model runs in eval mode without gradient during :meth:`record` (its mode is restored);
    the hooks exist only during the forward passes.
    """

    def __init__(
        self,
        model: nn.Module | None,
        layers: Sequence[str],
        estimator: str = "binning",
        *,
        unit: str = "bits",
        bins: int | None = None,
        value_range: tuple[float, float] | str | None = None,
        noise_variance: float | None = None,
        alpha: float = 1.01,
        sigma: float | str = "tapia-estevez",
        noise: GaussianNoiseInjection | None = None,
        n_conditional: int = 16,
        n_mc: int = 10,
        batch_size: int = 1024,
        seed: int = 0,
    ) -> None:
        if model is not None and not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module or None, got {type(model).__name__}")
        if isinstance(layers, str) or not isinstance(layers, Sequence) or not layers:
            raise TypeError(f"layers must be a non-empty sequence of module names, got {layers!r}")
        self.model = model
        self.layers = tuple(layers)
        self._modules = [] if model is None else [_submodule(model, n) for n in self.layers]
        self.estimator = check_choice(estimator, "estimator", ESTIMATORS)
        self.unit = check_unit(unit)
        self.batch_size = check_int(batch_size, "batch_size", low=1)
        self.seed = check_int(seed, "seed", low=0)
        self.params = self._check_params(
            bins, value_range, noise_variance, alpha, sigma, noise, n_conditional, n_mc
        )
        self.noise = noise
        if model is None and self.estimator == "noisy":
            raise ValueError("estimator='noisy' needs the model (it runs the noisy network)")
        self.points: list[LayerInformation] = []
        self._stored: list[
            tuple[int, dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray | None]
        ] = []
        self._first_range: dict[str, tuple[float, float]] = {}
        self._h: tuple[float, float | None] = (0.0, None)
        self._inputs: tuple[np.ndarray, np.ndarray | None, np.ndarray] | None = None

    def _check_params(
        self,
        bins: Any,
        value_range: Any,
        noise_variance: Any,
        alpha: Any,
        sigma: Any,
        noise: Any,
        n_conditional: Any,
        n_mc: Any,
    ) -> dict[str, Any]:
        e = self.estimator
        if e == "binning":
            if value_range is None:
                value_range = "global"
            if isinstance(value_range, str):
                check_choice(value_range, "value_range", ("global", "first"))
                default_bins = 100
            else:
                value_range = check_value_range(value_range)
                default_bins = 30
            return {
                "bins": default_bins if bins is None else check_int(bins, "bins", low=1),
                "value_range": value_range,
            }
        if e == "idnn":
            rng = (-1.0, 1.0) if value_range is None else check_value_range(value_range)
            return {
                "bins": 30 if bins is None else check_int(bins, "bins", low=2),
                "value_range": rng,
            }
        if e == "kde":
            if noise_variance is None:
                raise ValueError(
                    "noise_variance is required for estimator='kde' (σ² defines "
                    "the quantity; Saxe et al. use 0.1, their notebook 1e-3)"
                )
            return {
                "noise_variance": check_float(
                    noise_variance, "noise_variance", low=0.0, low_open=True
                )
            }
        if e == "matrix-renyi":
            from infossl.estimators.kernel import SIGMA_RULES, _check_alpha, _check_rule_or_width

            return {
                "alpha": _check_alpha(alpha),
                "sigma": _check_rule_or_width(sigma, "sigma", SIGMA_RULES),
            }
        if not isinstance(noise, GaussianNoiseInjection):
            raise TypeError(
                "estimator='noisy' needs noise=GaussianNoiseInjection(model, layers, "
                "beta) installed on the model"
            )
        missing = [name for name in self.layers if name not in noise.layers]
        if missing:
            raise ValueError(
                f"layers {missing} are not noisy; estimator='noisy' needs noise "
                "injected after every recorded layer"
            )
        return {
            "beta": noise.beta,
            "n_conditional": check_int(n_conditional, "n_conditional", low=2),
            "n_mc": check_int(n_mc, "n_mc", low=1),
        }

    # -------------------------------------------------------------------- forward passes
    @torch.no_grad()
    def activations(self, x: torch.Tensor) -> dict[str, np.ndarray]:
        """Outputs of every recorded layer on ``x``, flattened to (n, units), float64.

        For ``estimator="noisy"`` these are the noiseless S_ℓ (noise active upstream).
        """
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
        if self.model is None:
            raise ValueError("this recorder has no model: pass activations to record_activations")
        captured: dict[str, list[torch.Tensor]] = {name: [] for name in self.layers}
        handles = []
        if self.estimator != "noisy":
            for name, module in zip(self.layers, self._modules, strict=True):

                def hook(mod: nn.Module, inputs: Any, output: Any, name: str = name) -> None:
                    captured[name].append(output.detach().reshape(output.shape[0], -1).cpu())

                handles.append(module.register_forward_hook(hook))
        was_training = self.model.training
        self.model.eval()
        try:
            for chunk, a in enumerate(range(0, x.shape[0], self.batch_size)):
                self.model(x[a : a + self.batch_size])
                if self.estimator == "noisy":
                    assert self.noise is not None
                    for name in self.layers:
                        out = self.noise.clean[name]
                        captured[name].append(out.reshape(out.shape[0], -1).cpu())
                calls = {name: len(parts) for name, parts in captured.items()}
                if any(c != chunk + 1 for c in calls.values()):
                    raise ValueError(
                        f"layers: each recorded module must run once per forward "
                        f"pass, got call counts {calls} after {chunk + 1} pass(es)"
                    )
        finally:
            for h in handles:
                h.remove()
            self.model.train(was_training)
        return {name: torch.cat(parts).double().numpy() for name, parts in captured.items()}

    # -------------------------------------------------------------------- recording
    def record(self, epoch: int, x: torch.Tensor, y: Any = None) -> list[LayerInformation]:
        """Estimate the plane at ``epoch`` on inputs ``x`` (n, ...) and labels ``y`` (n,).

        Use the same x and y at every epoch. Returns this epoch's points (empty for binning
        with ``value_range="global"``, computed by :meth:`results`).
        """
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
        if self.model is None:
            raise ValueError("this recorder has no model: pass activations to record_activations")
        return self._record(epoch, x, y, None)

    def record_activations(
        self, epoch: int, activations: Mapping[str, Any], x: Any, y: Any = None
    ) -> list[LayerInformation]:
        """:meth:`record` with the layers' outputs on ``x`` given (arrays or tensors, n rows).

        For a network the recorder cannot hook, e.g. a batched functional one (the IDNN
        ensemble). Not for ``estimator="noisy"``, which runs the noisy model itself.
        """
        if self.estimator == "noisy":
            raise ValueError("estimator='noisy' runs the model itself: use record(epoch, x, y)")
        if not isinstance(activations, Mapping) or set(activations) != set(self.layers):
            got = sorted(activations) if isinstance(activations, Mapping) else activations
            raise ValueError(
                f"activations must map each of {list(self.layers)} to an array, got {got}"
            )
        x_t = torch.as_tensor(x)
        acts = {}
        for name in self.layers:
            t = np.asarray(torch.as_tensor(activations[name]).detach().cpu(), dtype=np.float64)
            if t.ndim < 1 or len(t) != len(x_t):
                raise ValueError(f"activations[{name!r}] has {len(t)} rows for {len(x_t)} inputs")
            if not np.isfinite(t).all():
                raise ValueError(f"activations[{name!r}] contain NaN or infinite values")
            acts[name] = t.reshape(len(t), -1)
        return self._record(epoch, x_t, y, acts)

    def _record(
        self, epoch: int, x: torch.Tensor, y: Any, acts: dict[str, np.ndarray] | None
    ) -> list[LayerInformation]:
        epoch = check_int(epoch, "epoch", low=0)
        if any(p.epoch == epoch for p in self.points) or any(s[0] == epoch for s in self._stored):
            raise ValueError(f"epoch {epoch} was already recorded")
        x_np = x.detach().reshape(x.shape[0], -1).cpu().double().numpy()
        y_np = None if y is None else np.asarray(torch.as_tensor(y).cpu()).reshape(-1)
        if y_np is not None and len(y_np) != len(x_np):
            raise ValueError(f"y has {len(y_np)} labels for {len(x_np)} inputs")
        x_codes = self._input_codes(x_np, y_np)
        if acts is None:
            acts = self.activations(x)
        if self.estimator == "binning" and self.params["value_range"] == "global":
            stored = {k: v.astype(np.float32) for k, v in acts.items()}
            self._stored.append((epoch, stored, x_np, x_codes, y_np))
            return []
        if self.estimator == "noisy":
            new = self._noisy_points(epoch, x, x_np, y_np, acts)
        else:
            new = [
                self._point(
                    epoch, name, x_np, x_codes, acts[name], y_np, self._range(name, acts[name])
                )
                for name in self.layers
            ]
        self.points.extend(new)
        return new

    def _input_codes(self, x_np: np.ndarray, y_np: np.ndarray | None) -> np.ndarray:
        """Row codes of X, and H(X), H(Y) in nats; reused while the evaluation set is unchanged
        (an O(n·d) comparison instead of an O(n log n) sort per epoch)."""
        from infossl.estimators.binning import entropy_of_codes

        cached = self._inputs
        if (
            cached is not None
            and np.array_equal(cached[0], x_np)
            and (y_np is None) == (cached[1] is None)
            and (y_np is None or np.array_equal(cached[1], y_np))
        ):
            return cached[2]
        x_codes = _codes(x_np)
        h_x = entropy_of_codes(x_codes)[0]
        h_y = None if y_np is None else entropy_of_codes(_codes(y_np.reshape(-1, 1)))[0]
        self._h = (h_x, h_y)
        self._inputs = (x_np, y_np, x_codes)
        return x_codes

    def _range(self, name: str, t: np.ndarray) -> tuple[float, float] | None:
        vr = self.params.get("value_range")
        if self.estimator not in ("binning", "idnn"):
            return None
        if vr == "first":
            if name not in self._first_range:
                lo, hi = float(t.min()), float(t.max())
                self._first_range[name] = (lo, max(hi, lo + 1e-12))
            return self._first_range[name]
        return vr  # a fixed (low, high)

    def _convert(self, est: Estimate | None, quantity: str) -> Estimate | None:
        if est is None:
            return None
        return replace(est, quantity=quantity).to(self.unit)

    def _point(
        self,
        epoch: int,
        name: str,
        x_np: np.ndarray,
        xc: np.ndarray,
        t: np.ndarray,
        y_np: np.ndarray | None,
        value_range: tuple[float, float] | None,
    ) -> LayerInformation:
        from infossl.estimators import get_estimator_class

        e = self.estimator
        lower_xt = lower_ty = i_ty = None
        if e in ("binning", "idnn"):
            cls = get_estimator_class("mi", "binned")
            strategy = "idnn" if e == "idnn" else "uniform"
            kw = {"bins": self.params["bins"], "strategy": strategy, "value_range": value_range}
            i_xt = cls(x_discrete=True, **kw).estimate(xc, t)
            if y_np is not None:
                i_ty = cls(y_discrete=True, **kw).estimate(t, y_np)
        elif e == "kde":
            var = self.params["noise_variance"]
            up = get_estimator_class("mi", "kt-upper")(var)
            low = get_estimator_class("mi", "kt-lower")(var)
            i_xt, lower_xt = up.estimate(xc, t), low.estimate(xc, t)
            if y_np is not None:
                i_ty, lower_ty = up.estimate(y_np, t), low.estimate(y_np, t)
        else:
            i_xt, i_ty = self._matrix_renyi(x_np, t, y_np)
        return LayerInformation(
            epoch,
            name,
            self._convert(i_xt, "I(X;T)"),  # type: ignore[arg-type]
            self._convert(i_ty, "I(T;Y)"),
            self._convert(lower_xt, "I(X;T)"),
            self._convert(lower_ty, "I(T;Y)"),
        )

    def _matrix_renyi(
        self, x_np: np.ndarray, t: np.ndarray, y_np: np.ndarray | None
    ) -> tuple[Estimate, Estimate | None]:
        from infossl.estimators import get_estimator_class

        est = get_estimator_class("mi", "matrix-renyi")(
            alpha=self.params["alpha"], sigma=self.params["sigma"], max_samples=max(3000, len(t))
        )

        def varying(a: np.ndarray) -> np.ndarray | None:
            keep = np.ptp(a, axis=0) > 0
            return a[:, keep] if keep.any() else None

        xv, tv = varying(x_np), varying(t)
        n = len(t)
        zero = Estimate(
            0.0,
            "nats",
            "proxy",
            "matrix-renyi",
            n,
            (x_np.shape[1], t.shape[1]),
            ceiling=math.log(n),
            notes=("constant layer: the Gram matrix is all ones, so the entropy is 0",),
        )
        i_xt = zero if xv is None or tv is None else est.estimate(xv, tv)
        if y_np is None:
            return i_xt, None
        codes = _codes(y_np.reshape(-1, 1))
        onehot = (codes[:, None] == np.arange(codes.max() + 1)).astype(np.float64)
        yv = varying(onehot)
        i_ty = zero if yv is None or tv is None else est.estimate(tv, yv)
        return i_xt, i_ty

    # -------------------------------------------------------------------- noisy networks
    def _noisy_points(
        self,
        epoch: int,
        x: torch.Tensor,
        x_np: np.ndarray,
        y_np: np.ndarray | None,
        acts: dict[str, np.ndarray],
    ) -> list[LayerInformation]:
        beta, n_c, n_mc = (self.params[k] for k in ("beta", "n_conditional", "n_mc"))
        rng = check_seed(self.seed + epoch)
        repeated = x.repeat_interleave(n_c, dim=0)
        cond = self.activations(repeated)  # (m·n_c, d) per layer, rows grouped by input
        out = []
        for name in self.layers:
            s = acts[name]
            m, d = s.shape
            h_t = gaussian_mixture_entropy(s, beta, n_mc=n_mc, seed=rng)
            centres = cond[name].reshape(m, n_c, d)
            h_cond, se_cond = _conditional_sp(centres, beta, n_mc, rng)
            value = h_t.value - h_cond
            stderr = math.sqrt(h_t.stderr**2 + se_cond**2)
            params = {"beta": beta, "n_conditional": n_c, "n_mc": n_mc}
            i_xt = Estimate(
                value,
                "nats",
                "point",
                "noisy-sp",
                m,
                (x_np.shape[1], d),
                ceiling=math.log(m),
                stderr=stderr,
                params=params,
                quantity="I(X;T)",
            )
            i_ty = None
            if y_np is not None:
                codes = _codes(y_np.reshape(-1, 1))
                h_y_terms = [
                    (
                        np.mean(codes == c),
                        gaussian_mixture_entropy(s[codes == c], beta, n_mc=n_mc, seed=rng),
                    )
                    for c in np.unique(codes)
                ]
                h_ty = sum(p * e.value for p, e in h_y_terms)
                se = math.sqrt(h_t.stderr**2 + sum((p * e.stderr) ** 2 for p, e in h_y_terms))
                i_ty = Estimate(
                    h_t.value - h_ty,
                    "nats",
                    "point",
                    "noisy-sp",
                    m,
                    (d, 1),
                    stderr=se,
                    params=params,
                    quantity="I(T;Y)",
                )
            out.append(
                LayerInformation(
                    epoch, name, i_xt.to(self.unit), None if i_ty is None else i_ty.to(self.unit)
                )
            )
        return out

    # -------------------------------------------------------------------- outputs
    def results(self) -> InformationPlane:
        """Every recorded epoch as an :class:`InformationPlane` with one network (S = 1);
        computes the ``"global"``-range binning now."""
        points = list(self.points)
        if self._stored:
            ranges = {
                name: (
                    min(float(a[name].min()) for _, a, _, _, _ in self._stored),
                    max(float(a[name].max()) for _, a, _, _, _ in self._stored),
                )
                for name in self.layers
            }
            ranges = {k: (lo, max(hi, lo + 1e-12)) for k, (lo, hi) in ranges.items()}
            for epoch, acts, x_np, x_codes, y_np in self._stored:
                points += [
                    self._point(
                        epoch,
                        name,
                        x_np,
                        x_codes,
                        acts[name].astype(np.float64),
                        y_np,
                        ranges[name],
                    )
                    for name in self.layers
                ]
            self.params["ranges"] = {k: list(v) for k, v in ranges.items()}
        if not points:
            raise ValueError("nothing recorded yet: call record(epoch, x, y) first")
        epochs = np.array(sorted({p.epoch for p in points}))
        e_index = {e: i for i, e in enumerate(epochs)}
        l_index = {name: i for i, name in enumerate(self.layers)}
        shape = (len(epochs), len(self.layers))

        def gather(attr: str) -> np.ndarray | None:
            if any(getattr(p, attr) is None for p in points):
                return None
            arr = np.zeros(shape)
            for p in points:
                arr[e_index[p.epoch], l_index[p.layer]] = getattr(p, attr).value
            return arr[None]

        factor = 1.0 if self.unit == "nats" else 1.0 / math.log(2.0)
        h_x, h_y = self._h
        return InformationPlane(
            epochs=epochs,
            layers=self.layers,
            i_xt=gather("i_xt"),  # type: ignore[arg-type]
            i_ty=gather("i_ty"),
            estimator=self.estimator,
            estimator_params=dict(self.params),
            h_x=h_x * factor,
            h_y=None if h_y is None else h_y * factor,
            unit=self.unit,
            i_xt_lower=gather("i_xt_lower"),
            i_ty_lower=gather("i_ty_lower"),
            points=sorted(points, key=lambda p: (p.epoch, l_index[p.layer])),
        )

    def check_dpi(self, *, tolerance: float = 0.0) -> dict[str, list[DPIViolation]]:
        """:func:`check_dpi` of I(X;T) and I(T;Y) across layers at every recorded epoch.

        Row indices of the violations are positions in ``results().epochs``.
        """
        plane = self.results()
        out = {"I(X;T)": check_dpi(plane.i_xt[0], tolerance=tolerance, names=plane.layers)}
        if plane.i_ty is not None:
            out["I(T;Y)"] = check_dpi(plane.i_ty[0], tolerance=tolerance, names=plane.layers)
        return out


def _conditional_sp(
    centres: np.ndarray, beta: float, n_mc: int, rng: np.random.Generator
) -> tuple[float, float]:
    """(1/m) Σ_x ĥ_SP(centres[x]) and its Monte Carlo standard error; centres (m, n_c, d).

    All inputs at once (blocks of inputs bound the memory to about 2²¹ kernel entries).
    """
    m, n_c, d = centres.shape
    points = np.repeat(centres, n_mc, axis=1) + beta * rng.standard_normal((m, n_c * n_mc, d))
    values = np.empty(m)
    variances = np.empty(m)
    step = max(1, (1 << 21) // (n_c * n_c * n_mc))
    const = math.log(n_c) + 0.5 * d * math.log(2.0 * math.pi * beta**2)
    for a in range(0, m, step):
        p, c = points[a : a + step], centres[a : a + step]
        d2 = (
            (p**2).sum(axis=2)[:, :, None]
            + (c**2).sum(axis=2)[:, None, :]
            - 2.0 * np.einsum("mkd,mjd->mkj", p, c)
        )
        logk = -np.maximum(d2, 0.0) / (2.0 * beta**2)
        top = logk.max(axis=2)
        terms = const - (top + np.log(np.exp(logk - top[:, :, None]).sum(axis=2)))
        values[a : a + step] = terms.mean(axis=1)
        variances[a : a + step] = terms.var(axis=1, ddof=1) / terms.shape[1]
    return float(values.mean()), float(math.sqrt(variances.sum()) / m)
