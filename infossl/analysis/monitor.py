"""Information diagnostics for any encoder in any training loop.

:class:`InformationMonitor` is the one engine behind every place diagnostics are recorded:
``infossl train`` (through :class:`~infossl.analysis.trainer_diagnostics.DiagnosticsCallback`),
a researcher's own PyTorch loop, and the Lightning callback
(:mod:`infossl.integrations.lightning`). Its inputs are prepared by
:mod:`~infossl.analysis.monitor_inputs`, its guards live in
:mod:`~infossl.analysis.monitor_guards`. On a fixed evaluation batch it

1. draws, once, ``batch_size`` rows of the given inputs and (with labels) a disjoint held-out
   batch of the same size for the probe;
2. makes two augmented views of the batch, once, with the user's augmentation (or one of
   infossl's presets) under a fixed seed, inside an isolated random state;
3. at each due call encodes the views, the clean batch and the held-out batch with the model
   in eval mode, without gradient, restoring every module's train/eval flag and every global
   random state afterwards (so a run with the monitor gives bit-identical weights to one
   without);
4. computes :func:`~infossl.analysis.diagnostics.information_diagnostics` and appends one row to
   ``run_dir/diagnostics.jsonl`` (the format ``infossl train`` writes) and its scalars to
   TensorBoard (``run_dir/tb``).

Cost control (``max_overhead``, default 0.1): after the first pass, a due pass is deferred
while it would make the diagnostics exceed that fraction of the training time so far (the last
pass's duration is the estimate; with ``reserve_final`` one more pass is kept in reserve for a
forced final call). Training time is the wall-clock time between calls minus the monitor's own
time, or the caller's ``train_seconds``. Complexity per pass: the forward passes of 4 ×
``batch_size`` inputs plus O(n² d) for the estimators (n = ``batch_size``).
"""

from __future__ import annotations

import contextlib
import json
import math
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from infossl._atomic import atomic_write_text
from infossl._checks import check_float, check_int
from infossl.analysis.diagnostics import QUANTITIES, DiagnosticsResult, information_diagnostics
from infossl.analysis.monitor_guards import (
    OverheadBudget,
    frozen_modules,
    isolated_random_state,
    preserved_host_random_state,
)
from infossl.analysis.monitor_inputs import (
    PreparedBatch,
    check_autocast,
    check_features,
    check_inputs,
    draw_eval_batch,
    model_device_dtype,
    read_features,
    resolve_views,
    take_rows,
)
from infossl.train.runfiles import DIAGNOSTICS_FILE, read_diagnostics

__all__ = ["DIAGNOSTICS_FILE", "InformationMonitor", "diagnostics_scalars", "read_diagnostics"]

#: Rows are encoded in chunks of this many inputs.
ENCODE_CHUNK = 256


# ----------------------------------------------------------------------------- rows on disk
def _write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    atomic_write_text(path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))


def diagnostics_scalars(row: Mapping[str, Any]) -> dict[str, float]:
    """TensorBoard scalars of one row: ``info/<quantity key>[<kind>]`` (nats) and
    ``info/metrics/<name>``."""
    out: dict[str, float] = {}
    for key, est in row.get("estimates", {}).items():
        out[f"info/{key}[{est['kind']}]"] = float(est["value"])
    for key, value in row.get("metrics", {}).items():
        out[f"info/metrics/{key}"] = float(value)
    return out


# ----------------------------------------------------------------------------- the monitor
class InformationMonitor:
    """Information diagnostics of any encoder, written to a run folder that ``infossl report``
    renders (see the module docstring).

    Args:
        run_dir: the run folder (created). Diagnostics go to ``diagnostics.jsonl``, loss rows
            (:meth:`log_loss`) to ``metrics.jsonl``, scalars to ``tb/``, a ``config.yaml``
            describing the monitor, and ``summary.json`` on :meth:`close`.
        inputs: the evaluation pool: a tensor or array (N, ...) of model-ready inputs or raw
            images, or a list of items (e.g. PIL images) for per-item transforms.
        labels: (N,) integer labels, optional; they enable Î(Z;Y) and the probe accuracy.
        views: how to make two views: a callable on a batch tensor (or on one item when
            ``inputs`` is a list) returning one view (called twice) or a sequence of ≥ 2
            views; an infossl :class:`~infossl.data.augment.MultiView`; or a preset name
            (``"simclr"``, ``"byol"``, ``"digits"``, ``"multicrop"``; uint8 or [0, 1] images),
            built with ``view_options`` (size and channels are read from the inputs).
        clean: the un-augmented, model-ready transform of an input batch (or item); default:
            the identity for tensors, infossl's evaluation pipeline (normalised with
            ``view_options``' mean/std when given) for presets.
        batch_size: rows in the evaluation batch (and in the held-out batch).
        every: with :meth:`step`, compute on every ``every``-th call (others return None).
        max_overhead: the time-budget rule (None: strictly every ``every`` calls).
        reserve_final: keep one pass in reserve for a final ``force=True`` call (so that the
            whole run, the forced last pass included, stays within ``max_overhead``).
        seed: draws the batch and the views, once.
        quantities, temperature, ridge, k, n_projections, pca_dims: passed to
            :func:`~infossl.analysis.diagnostics.information_diagnostics`.
        autocast: a dtype (``torch.bfloat16``) to encode under ``torch.autocast``, or None.
        features: how to read the (n, d) features from the model's output when it is not a
            tensor: an index (tuple output), a key (dict output) or a callable.
        tensorboard: also write TensorBoard scalars.
        resume_step: continue an existing run folder: keep its rows with ``step ≤ resume_step``
            (None starts the files anew).
        name, method: the run's data set name and method name, for the report's summary.
        representation: what the features are (recorded in every row), e.g. ``"backbone"``.
        logger: an existing :class:`~infossl.train.logger.RunLogger` of ``run_dir`` to write
            TensorBoard scalars through (used by ``infossl train``); None creates one.
    """

    def __init__(
        self,
        run_dir: str | Path,
        inputs: Any,
        labels: Any = None,
        *,
        views: Any,
        clean: Callable[[Any], Any] | None = None,
        view_options: Mapping[str, Any] | None = None,
        batch_size: int = 512,
        every: int = 1,
        max_overhead: float | None = 0.1,
        reserve_final: bool = True,
        seed: int = 0,
        quantities: Sequence[str] = QUANTITIES,
        temperature: float = 0.1,
        ridge: float = 1e-4,
        k: int = 3,
        n_projections: int = 8,
        pca_dims: int = 64,
        autocast: Any = None,
        features: int | str | Callable[[Any], Any] | None = None,
        tensorboard: bool = True,
        resume_step: int | None = None,
        name: str | None = None,
        method: str | None = None,
        representation: str = "model output",
        logger: Any = None,
    ) -> None:
        self.run_dir = Path(run_dir)
        self.batch_size = check_int(batch_size, "batch_size", low=4)
        self.every = check_int(every, "every", low=1)
        self.seed = check_int(seed, "seed", low=0)
        self.budget = OverheadBudget(max_overhead, reserve_final=bool(reserve_final))
        unknown = [q for q in quantities if q not in QUANTITIES]
        if unknown:
            raise ValueError(f"quantities: unknown {unknown} (valid: {list(QUANTITIES)})")
        self.quantities = tuple(quantities)
        self.temperature = check_float(temperature, "temperature", low=0.0, low_open=True)
        self.ridge = check_float(ridge, "ridge", low=0.0, low_open=True)
        self.k = check_int(k, "k", low=1)
        self.n_projections = check_int(n_projections, "n_projections", low=1)
        self.pca_dims = check_int(pca_dims, "pca_dims", low=1)
        self.autocast = check_autocast(autocast)
        self.features = check_features(features)
        if resume_step is not None:
            resume_step = check_int(resume_step, "resume_step", low=0)
        self._inputs, self._labels = check_inputs(inputs, labels)
        self._views, self._clean = resolve_views(views, clean, view_options, self._inputs)
        self._prepared: PreparedBatch | None = None
        self._on_device: dict[str, tuple[Any, ...]] = {}
        self._calls = 0
        self._deferred = False
        self._loss_step = 0
        self._own_seconds = 0.0
        self._first_seconds = 0.0
        self._clock = time.perf_counter()
        self._train_seconds_at_open: float | None = None
        self._last_train_seconds: float | None = None
        self._last_wall_train = 0.0
        self._last_epoch = 0
        self._model_name: str | None = None
        self._closed = False
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.run_dir / DIAGNOSTICS_FILE
        kept = (
            []
            if resume_step is None
            else [r for r in read_diagnostics(self.run_dir) if int(r.get("step", 0)) <= resume_step]
        )
        _write_rows(self.path, kept)
        if logger is None:
            from infossl.train.logger import RunLogger

            with preserved_host_random_state():
                logger = RunLogger(self.run_dir, tensorboard=tensorboard, resume_step=resume_step)
            self._owns_logger = True
            self._write_config(name, method)
        else:
            self._owns_logger = False
        self.logger = logger
        self.name, self.method = name, method
        pool = len(self._inputs)
        wanted = 2 * self.batch_size if self._labels is not None else self.batch_size
        if self._owns_logger and pool < wanted:
            got = pool // 2 if self._labels is not None else pool
            warnings.warn(
                f"the evaluation pool has {pool} rows, fewer than the {wanted} that "
                f"batch_size={self.batch_size} needs"
                + (" with a held-out batch" if self._labels is not None else "")
                + f": the diagnostics use n = {got}",
                UserWarning,
                stacklevel=2,
            )
        if not isinstance(representation, str):
            raise TypeError(f"representation must be a string, got {representation!r}")
        self.representation = representation

    @property
    def deferred(self) -> bool:
        """Whether the last due pass was put off by the time budget (the next call runs it
        if the budget then allows)."""
        return self._deferred

    def reset_clock(self, train_seconds: float | None = None) -> None:
        """Start measuring training time now (or from the caller's cumulative
        ``train_seconds``); :meth:`step` budgets against the time since."""
        self._clock = time.perf_counter()
        self._own_seconds = 0.0
        self._last_wall_train = 0.0
        if train_seconds is not None:
            train_seconds = check_float(train_seconds, "train_seconds", low=0.0)
        self._train_seconds_at_open = train_seconds
        self._last_train_seconds = train_seconds

    # ------------------------------------------------------------------------- public API
    def step(
        self,
        model: Any,
        epoch: int | None = None,
        step: int | None = None,
        *,
        force: bool = False,
        train_seconds: float | None = None,
    ) -> DiagnosticsResult | None:
        """Diagnostics of ``model`` now, if due (see the class docstring); else None.

        A pass that ran always returns its result: quantities that could not be computed
        (e.g. non-finite or collapsed features) are in ``result.errors`` and a
        ``RuntimeWarning`` names them.

        ``model``: any callable mapping a batch to features (an ``nn.Module`` is run in eval
        mode on its own device and dtype, its flags restored). ``epoch``/``step`` label the
        row (default: the call count and the number of :meth:`log_loss` calls). ``force``
        runs regardless of ``every`` and the budget. ``train_seconds``: the caller's
        cumulative training time (default: wall clock between calls minus the monitor's time).
        """
        if self._closed:
            raise ValueError("the monitor is closed")
        call_start = time.perf_counter()
        first = self._calls == 0
        self._calls += 1
        if train_seconds is not None:
            train_seconds = check_float(train_seconds, "train_seconds", low=0.0)
            if self._train_seconds_at_open is None:
                self._train_seconds_at_open = train_seconds
            trained = train_seconds - self._train_seconds_at_open
        else:
            trained = 0.0 if first else call_start - self._clock - self._own_seconds
        epoch = self._calls if epoch is None else check_int(epoch, "epoch", low=0)
        step = self._loss_step if step is None else check_int(step, "step", low=0)
        due = force or first or self._deferred or self._calls % self.every == 0
        if not due:
            return None
        if not (force or first or self.budget.allows(trained)):
            self._deferred = True
            return None
        device, _ = model_device_dtype(model)
        with isolated_random_state(self.seed, device):
            result = self._pass(model, epoch, step, trained, train_seconds)
        seconds = time.perf_counter() - call_start
        self.budget.record(seconds, counted=not first)
        self._deferred = False
        self._own_seconds += seconds
        if first:
            self._first_seconds = seconds
        if first and train_seconds is None:  # training time counts from the first pass on
            self._clock = time.perf_counter() - self._own_seconds
            self._last_wall_train = 0.0
        return result

    __call__ = step

    def log_loss(
        self,
        loss: Any,
        step: int | None = None,
        epoch: int | None = None,
        *,
        lr: float | None = None,
    ) -> None:
        """Append a training row to ``metrics.jsonl`` (and TensorBoard).

        ``loss``: an infossl :class:`~infossl.framework.LossOutput` (every information term is
        logged with its label), or a scalar tensor / float. Each call reads the value (a device
        synchronisation on GPUs): call it every few steps. ``step`` defaults to a counter of
        the calls.
        """
        start = time.perf_counter()
        from infossl.framework import LossOutput

        if self._closed:
            raise ValueError("the monitor is closed")
        self._loss_step = self._loss_step + 1 if step is None else check_int(step, "step", low=0)
        if epoch is not None:
            self._last_epoch = check_int(epoch, "epoch", low=0)
        out = loss if isinstance(loss, LossOutput) else _scalar_output(loss)
        with preserved_host_random_state():
            self._log_train_row(out, lr)
        self._own_seconds += time.perf_counter() - start

    def _log_train_row(self, out: Any, lr: float | None) -> None:
        self.logger.write_header(out)
        value = float(out.loss.detach())
        if not math.isfinite(value):
            warnings.warn(
                f"the logged loss is not finite ({value}) at step {self._loss_step}",
                RuntimeWarning,
                stacklevel=3,
            )
        record: dict[str, Any] = {
            "kind": "train",
            "step": self._loss_step,
            "epoch": self._last_epoch,
            "loss": value,
            "terms": {n: float(tv.value) for n, tv in out.terms.items()},
            "weights": {n: tv.weight for n, tv in out.terms.items()},
        }
        if out.diagnostics:
            record["diagnostics"] = {n: float(tv.value) for n, tv in out.diagnostics.items()}
        if lr is not None:
            record["lr"] = check_float(lr, "lr", low=0.0)
        self.logger.log(record)

    def close(self) -> None:
        """Write ``summary.json`` and close the files (idempotent).

        ``summary.json`` holds ``monitor_seconds`` (everything the monitor spent) and
        ``monitor_overhead``: its time after the first pass (passes and :meth:`log_loss`)
        over the training time, the quantity the budget keeps under ``max_overhead``.
        """
        if self._closed:
            return
        self._closed = True
        with preserved_host_random_state():
            self._close_files()

    def _close_files(self) -> None:
        if self._owns_logger:
            from infossl.train.checkpoint import write_json_atomic

            rows = read_diagnostics(self.run_dir)
            wall = time.perf_counter() - self._clock
            summary = {
                "method": self.method or "custom",
                "data": self.name or "custom",
                "backbone": self._model_name,
                "stopped": "completed",
                "steps": self._loss_step,
                "epochs_completed": rows[-1]["epoch"] if rows else 0,
                "wall_seconds": wall,
                "train_seconds": wall - self._own_seconds,
                "monitor_seconds": self._own_seconds,
                "monitor_overhead": (self._own_seconds - self._first_seconds)
                / max(wall - self._own_seconds, 1e-9),
                "diagnostics_rows": len(rows),
            }
            write_json_atomic(self.run_dir / "summary.json", summary)
            self.logger.close()
        else:
            self.logger.flush()

    def __enter__(self) -> InformationMonitor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------------- internals
    def _write_config(self, name: str | None, method: str | None) -> None:
        import yaml

        path = self.run_dir / "config.yaml"
        cfg = {
            "method": method or "custom",
            "data": {"name": name or "custom"},
            "monitor": {
                "batch_size": self.batch_size,
                "every": self.every,
                "max_overhead": self.budget.max_overhead,
                "seed": self.seed,
                "quantities": list(self.quantities),
                "temperature": self.temperature,
                "ridge": self.ridge,
                "k": self.k,
                "n_projections": self.n_projections,
                "pca_dims": self.pca_dims,
            },
        }
        atomic_write_text(path, yaml.safe_dump(cfg, sort_keys=False))

    def _prepare(self, device: Any) -> PreparedBatch:
        if self._prepared is None:
            has_labels = self._labels is not None
            fit, hold = draw_eval_batch(
                len(self._inputs), self.batch_size, self.seed, holdout=has_labels
            )
            batch = take_rows(self._inputs, fit)
            v1, v2 = self._views(batch)
            clean = self._clean(batch)
            held = self._clean(take_rows(self._inputs, hold)) if has_labels else None
            labels = self._labels
            self._prepared = PreparedBatch(
                v1,
                v2,
                clean,
                held,
                None if labels is None else labels[fit],
                None if labels is None else labels[hold],
            )
        return self._prepared

    def _encode_all(self, model: Any, prepared: PreparedBatch) -> dict[str, np.ndarray]:
        import torch

        device, dtype = model_device_dtype(model)
        key = str(device)
        if key not in self._on_device:
            self._on_device = {
                key: tuple(
                    None if t is None else t.to(device)
                    for t in (prepared.view1, prepared.view2, prepared.clean, prepared.holdout)
                )
            }
        v1, v2, clean, held = self._on_device[key]
        ctx = (
            (lambda: torch.autocast(device.type, dtype=self.autocast))
            if self.autocast is not None
            else contextlib.nullcontext
        )
        with frozen_modules(model):
            out = {
                "z1": self._encode(model, v1, dtype, ctx),
                "z2": self._encode(model, v2, dtype, ctx),
                "clean": self._encode(model, clean, dtype, ctx),
            }
            if held is not None:
                out["holdout"] = self._encode(model, held, dtype, ctx)
        return out

    def _encode(self, model: Any, x: Any, dtype: Any, ctx: Callable[[], Any]) -> np.ndarray:
        import torch

        parts = []
        for a in range(0, x.shape[0], ENCODE_CHUNK):
            xb = x[a : a + ENCODE_CHUNK]
            if dtype is not None and xb.is_floating_point() and xb.dtype != dtype:
                xb = xb.to(dtype)
            with ctx():
                z = read_features(model(xb), self.features)
            parts.append(z.detach().float().reshape(z.shape[0], -1))
        return torch.cat(parts).double().cpu().numpy()

    def _pass(
        self, model: Any, epoch: int, step: int, trained: float, train_seconds: float | None
    ) -> DiagnosticsResult:
        start = time.perf_counter()
        if self._model_name is None:
            self._model_name = type(model).__name__
        device, _ = model_device_dtype(model)
        prepared = self._prepare(device)
        emb = self._encode_all(model, prepared)
        row: dict[str, Any] = {
            "epoch": epoch,
            "step": step,
            "representation": self.representation,
            "n": int(emb["z1"].shape[0]),
            "dim": int(emb["z1"].shape[1]),
        }
        parts: dict[str, float] = {}
        try:
            result = information_diagnostics(
                emb["z1"],
                emb["z2"],
                emb["clean"],
                prepared.labels,
                emb.get("holdout"),
                prepared.holdout_labels,
                quantities=self.quantities,
                temperature=self.temperature,
                ridge=self.ridge,
                k=self.k,
                n_projections=self.n_projections,
                pca_dims=self.pca_dims,
                seed=self.seed,
            )
            row.update(result.to_dict())
            parts = result.seconds
        except (ValueError, np.linalg.LinAlgError) as err:  # e.g. non-finite embeddings
            result = DiagnosticsResult({}, {}, [], {"all": str(err)}, float("nan"))
            row.update(
                {
                    "estimates": {},
                    "metrics": {},
                    "spectrum": [],
                    "errors": {"all": str(err)},
                    "scale": None,
                }
            )
        if result.errors:
            warnings.warn(
                f"information diagnostics at epoch {epoch}, step {step}: "
                f"{len(result.errors)} not computed: "
                + "; ".join(f"{k}: {v}" for k, v in result.errors.items()),
                RuntimeWarning,
                stacklevel=3,
            )
        seconds = time.perf_counter() - start
        if train_seconds is not None:
            since = train_seconds - (
                self._last_train_seconds if self._last_train_seconds is not None else train_seconds
            )
            self._last_train_seconds = train_seconds
        else:
            since = trained - self._last_wall_train
            self._last_wall_train = trained
        row["time"] = {
            "seconds": seconds,
            "train_seconds": since,
            "overhead": seconds / since if since > 0 else None,
            "parts": parts,
        }
        self._append(row)
        return result

    def _append(self, row: dict[str, Any]) -> None:
        with open(self.path, "a") as f:
            f.write(json.dumps(row, sort_keys=True) + "\n")
        self.logger.scalars(diagnostics_scalars(row), int(row["step"]))


def _scalar_output(loss: Any) -> Any:
    import torch

    from infossl.framework import LossOutput

    if isinstance(loss, np.generic) and np.issubdtype(type(loss), np.number):
        loss = loss.item()
    if isinstance(loss, bool) or not (torch.is_tensor(loss) or isinstance(loss, (int, float))):
        raise TypeError(
            f"loss must be a LossOutput, a scalar tensor or a number, got {type(loss).__name__}"
        )
    value = torch.as_tensor(loss).detach().float()
    if value.numel() != 1:
        raise ValueError(f"loss must be a scalar, got shape {tuple(value.shape)}")
    return LossOutput(value.reshape(()).cpu(), {})
