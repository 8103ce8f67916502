"""Information diagnostics for any encoder in any training loop, and the trainer's callback.

:class:`InformationMonitor` is the one engine behind every place diagnostics are recorded:
``infossl train`` (through :class:`DiagnosticsCallback`), a researcher's own PyTorch loop, and
the Lightning callback (:mod:`infossl.integrations.lightning`). On a fixed evaluation batch it

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
import random
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from infossl._checks import check_choice, check_float, check_int
from infossl.analysis.diagnostics import QUANTITIES, DiagnosticsResult, information_diagnostics

__all__ = [
    "DIAGNOSTICS_FILE",
    "DiagnosticsCallback",
    "InformationMonitor",
    "OverheadBudget",
    "callbacks_from_config",
    "draw_eval_batch",
    "read_diagnostics",
]

DIAGNOSTICS_FILE = "diagnostics.jsonl"
#: Rows are encoded in chunks of this many inputs.
ENCODE_CHUNK = 256


# ----------------------------------------------------------------------------- rows on disk
def read_diagnostics(run_dir: str | Path) -> list[dict[str, Any]]:
    """The rows of ``run_dir/diagnostics.jsonl`` (a truncated last line is ignored)."""
    from infossl.train.logger import read_jsonl

    return read_jsonl(Path(run_dir) / DIAGNOSTICS_FILE)


def _write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))
    tmp.replace(path)


def diagnostics_scalars(row: Mapping[str, Any]) -> dict[str, float]:
    """TensorBoard scalars of one row: ``info/<quantity key>[<kind>]`` (nats) and
    ``info/metrics/<name>``."""
    out: dict[str, float] = {}
    for key, est in row.get("estimates", {}).items():
        out[f"info/{key}[{est['kind']}]"] = float(est["value"])
    for key, value in row.get("metrics", {}).items():
        out[f"info/metrics/{key}"] = float(value)
    return out


# ----------------------------------------------------------------------------- budget
class OverheadBudget:
    """The ≤ ``max_overhead`` rule: may one more pass run, given the training time so far?

    The first recorded pass is free (there is no cost estimate before it); after it a pass is
    allowed while ``spent + r · last ≤ max_overhead · trained``, with r = 2 when a final pass
    is kept in reserve (``reserve_final``) and 1 otherwise. ``max_overhead=None`` allows every
    pass.
    """

    def __init__(self, max_overhead: float | None, *, reserve_final: bool = False) -> None:
        if max_overhead is not None:
            max_overhead = check_float(max_overhead, "max_overhead", low=0.0, low_open=True)
        self.max_overhead = max_overhead
        self.reserve = 2.0 if reserve_final else 1.0
        self.spent = 0.0
        self.last: float | None = None

    def allows(self, trained_seconds: float) -> bool:
        if self.max_overhead is None or self.last is None:
            return True
        return self.spent + self.reserve * self.last <= self.max_overhead * trained_seconds

    def record(self, seconds: float, *, counted: bool = True) -> None:
        """Note a pass of ``seconds``; ``counted=False`` for the free first pass."""
        self.last = float(seconds)
        if counted:
            self.spent += float(seconds)


# ----------------------------------------------------------------------------- random state
@contextlib.contextmanager
def _preserved_host_random_state() -> Iterator[None]:
    """Restore ``random``'s and numpy's global states after the block (file writers and
    libraries may draw from them)."""
    py_state = random.getstate()
    np_state = np.random.get_state()  # noqa: NPY002 (the global state user code draws from)
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)  # noqa: NPY002


@contextlib.contextmanager
def isolated_random_state(seed: int, device: Any = None) -> Iterator[None]:
    """Run a block with torch (CPU, and ``device``'s CUDA generator), numpy and ``random``
    seeded with ``seed``; every global random state is restored afterwards."""
    import torch

    cuda = device is not None and torch.device(device).type == "cuda"
    devices = [torch.device(device).index or 0] if cuda else []
    with _preserved_host_random_state(), torch.random.fork_rng(devices=devices):
        torch.random.default_generator.manual_seed(seed)
        if cuda:
            with torch.cuda.device(devices[0]):
                torch.cuda.manual_seed(seed)
        random.seed(seed)
        np.random.seed(seed % 2**32)  # noqa: NPY002
        yield


@contextlib.contextmanager
def frozen_modules(model: Any) -> Iterator[None]:
    """Eval mode and no gradient for the block; every module's ``training`` flag is restored."""
    import torch

    is_module = isinstance(model, torch.nn.Module)
    modules = list(model.modules()) if is_module else []
    flags = [m.training for m in modules]
    if is_module:
        model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for m, flag in zip(modules, flags, strict=True):
            m.training = flag


# ----------------------------------------------------------------------------- batch
def draw_eval_batch(n: int, batch_size: int, seed: int, *, holdout: bool = True
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Fixed (fit, held-out) row indices of a set of ``n`` rows, drawn once with ``seed``.

    Each half has ``batch_size`` rows, fewer when ``n < 2 · batch_size`` (both ⌊n/2⌋); without
    ``holdout`` the fit half takes up to ``batch_size`` of all n rows and the held-out half is
    empty. Independent of any global random state.
    """
    n = check_int(n, "n", low=0)
    batch_size = check_int(batch_size, "batch_size", low=1)
    size = min(batch_size, n // 2) if holdout else min(batch_size, n)
    if size < 4:
        raise ValueError(f"the evaluation inputs have {n} rows; diagnostics need at least "
                         f"{8 if holdout else 4}")
    order = np.random.default_rng(seed).permutation(n)
    fit = np.sort(order[:size])
    hold = np.sort(order[size:2 * size]) if holdout else np.zeros(0, dtype=np.int64)
    return fit, hold


def _take(inputs: Any, idx: np.ndarray) -> Any:
    import torch

    if torch.is_tensor(inputs):
        return inputs.index_select(0, torch.as_tensor(idx, dtype=torch.long,
                                                      device=inputs.device))
    if isinstance(inputs, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(inputs[idx]))
    return [inputs[int(i)] for i in idx]


def _as_batch(items: Any, what: str) -> Any:
    """A batch tensor from a tensor, or from a list of per-item tensors (stacked)."""
    import torch

    if torch.is_tensor(items):
        return items
    if isinstance(items, list) and items and all(torch.is_tensor(t) for t in items):
        return torch.stack(items)
    raise TypeError(f"{what} must give torch tensors, got {type(items).__name__}"
                    + (f" of {type(items[0]).__name__}" if isinstance(items, list) and items
                       else ""))


def _two_views(out: Any, again: Callable[[], Any], what: str) -> tuple[Any, Any]:
    import torch

    if torch.is_tensor(out):
        return out, again()
    if isinstance(out, (list, tuple)) and len(out) >= 2:
        return out[0], out[1]
    raise TypeError(f"{what} must return a tensor (one view; it is called twice) or a "
                    f"sequence of at least 2 views, got {type(out).__name__}")


@dataclass
class _Prepared:
    """The fixed inputs of every pass (CPU tensors), made once."""

    view1: Any
    view2: Any
    clean: Any
    holdout: Any
    labels: np.ndarray | None
    holdout_labels: np.ndarray | None


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
        self.autocast = _check_autocast(autocast)
        self.features = _check_features(features)
        if resume_step is not None:
            resume_step = check_int(resume_step, "resume_step", low=0)
        self._inputs, self._labels = _check_inputs(inputs, labels)
        self._views, self._clean = _resolve_views(views, clean, view_options, self._inputs)
        self._prepared: _Prepared | None = None
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
        kept = ([] if resume_step is None else
                [r for r in read_diagnostics(self.run_dir) if int(r.get("step", 0))
                 <= resume_step])
        _write_rows(self.path, kept)
        if logger is None:
            from infossl.train.logger import RunLogger

            with _preserved_host_random_state():
                logger = RunLogger(self.run_dir, tensorboard=tensorboard,
                                   resume_step=resume_step)
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
            warnings.warn(f"the evaluation pool has {pool} rows, fewer than the {wanted} that "
                          f"batch_size={self.batch_size} needs"
                          + (" with a held-out batch" if self._labels is not None else "")
                          + f": the diagnostics use n = {got}", UserWarning, stacklevel=2)
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
    def step(self, model: Any, epoch: int | None = None, step: int | None = None, *,
             force: bool = False, train_seconds: float | None = None
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
        device, _ = _model_device_dtype(model)
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

    def log_loss(self, loss: Any, step: int | None = None, epoch: int | None = None, *,
                 lr: float | None = None) -> None:
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
        self._loss_step = self._loss_step + 1 if step is None else check_int(step, "step",
                                                                                low=0)
        if epoch is not None:
            self._last_epoch = check_int(epoch, "epoch", low=0)
        out = loss if isinstance(loss, LossOutput) else _scalar_output(loss)
        with _preserved_host_random_state():
            self._log_train_row(out, lr)
        self._own_seconds += time.perf_counter() - start

    def _log_train_row(self, out: Any, lr: float | None) -> None:
        self.logger.write_header(out)
        value = float(out.loss.detach())
        if not math.isfinite(value):
            warnings.warn(f"the logged loss is not finite ({value}) at step {self._loss_step}",
                          RuntimeWarning, stacklevel=3)
        record: dict[str, Any] = {
            "kind": "train", "step": self._loss_step, "epoch": self._last_epoch, "loss": value,
            "terms": {n: float(tv.value) for n, tv in out.terms.items()},
            "weights": {n: tv.weight for n, tv in out.terms.items()}}
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
        with _preserved_host_random_state():
            self._close_files()

    def _close_files(self) -> None:
        if self._owns_logger:
            from infossl.train.checkpoint import write_json_atomic

            rows = read_diagnostics(self.run_dir)
            wall = time.perf_counter() - self._clock
            summary = {"method": self.method or "custom", "data": self.name or "custom",
                       "backbone": self._model_name, "stopped": "completed",
                       "steps": self._loss_step,
                       "epochs_completed": rows[-1]["epoch"] if rows else 0,
                       "wall_seconds": wall, "train_seconds": wall - self._own_seconds,
                       "monitor_seconds": self._own_seconds,
                       "monitor_overhead": (self._own_seconds - self._first_seconds)
                       / max(wall - self._own_seconds, 1e-9),
                       "diagnostics_rows": len(rows)}
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
        cfg = {"method": method or "custom", "data": {"name": name or "custom"},
               "monitor": {"batch_size": self.batch_size, "every": self.every,
                           "max_overhead": self.budget.max_overhead, "seed": self.seed,
                           "quantities": list(self.quantities),
                           "temperature": self.temperature, "ridge": self.ridge, "k": self.k,
                           "n_projections": self.n_projections, "pca_dims": self.pca_dims}}
        path.write_text(yaml.safe_dump(cfg, sort_keys=False))

    def _prepare(self, device: Any) -> _Prepared:
        if self._prepared is None:
            has_labels = self._labels is not None
            fit, hold = draw_eval_batch(len(self._inputs), self.batch_size, self.seed,
                                        holdout=has_labels)
            batch = _take(self._inputs, fit)
            v1, v2 = self._views(batch)
            clean = self._clean(batch)
            held = self._clean(_take(self._inputs, hold)) if has_labels else None
            labels = self._labels
            self._prepared = _Prepared(
                v1, v2, clean, held,
                None if labels is None else labels[fit],
                None if labels is None else labels[hold])
        return self._prepared

    def _encode_all(self, model: Any, prepared: _Prepared) -> dict[str, np.ndarray]:
        import torch

        device, dtype = _model_device_dtype(model)
        key = str(device)
        if key not in self._on_device:
            self._on_device = {key: tuple(
                None if t is None else t.to(device)
                for t in (prepared.view1, prepared.view2, prepared.clean, prepared.holdout))}
        v1, v2, clean, held = self._on_device[key]
        ctx = ((lambda: torch.autocast(device.type, dtype=self.autocast))
               if self.autocast is not None else contextlib.nullcontext)
        with frozen_modules(model):
            out = {"z1": self._encode(model, v1, dtype, ctx),
                   "z2": self._encode(model, v2, dtype, ctx),
                   "clean": self._encode(model, clean, dtype, ctx)}
            if held is not None:
                out["holdout"] = self._encode(model, held, dtype, ctx)
        return out

    def _encode(self, model: Any, x: Any, dtype: Any, ctx: Callable[[], Any]) -> np.ndarray:
        import torch

        parts = []
        for a in range(0, x.shape[0], ENCODE_CHUNK):
            xb = x[a:a + ENCODE_CHUNK]
            if dtype is not None and xb.is_floating_point() and xb.dtype != dtype:
                xb = xb.to(dtype)
            with ctx():
                z = _read_features(model(xb), self.features)
            parts.append(z.detach().float().reshape(z.shape[0], -1))
        return torch.cat(parts).double().cpu().numpy()

    def _pass(self, model: Any, epoch: int, step: int, trained: float,
              train_seconds: float | None) -> DiagnosticsResult:
        start = time.perf_counter()
        if self._model_name is None:
            self._model_name = type(model).__name__
        device, _ = _model_device_dtype(model)
        prepared = self._prepare(device)
        emb = self._encode_all(model, prepared)
        row: dict[str, Any] = {"epoch": epoch, "step": step,
                               "representation": self.representation,
                               "n": int(emb["z1"].shape[0]), "dim": int(emb["z1"].shape[1])}
        parts: dict[str, float] = {}
        try:
            result = information_diagnostics(
                emb["z1"], emb["z2"], emb["clean"], prepared.labels, emb.get("holdout"),
                prepared.holdout_labels, quantities=self.quantities,
                temperature=self.temperature, ridge=self.ridge, k=self.k,
                n_projections=self.n_projections, pca_dims=self.pca_dims, seed=self.seed)
            row.update(result.to_dict())
            parts = result.seconds
        except (ValueError, np.linalg.LinAlgError) as err:  # e.g. non-finite embeddings
            result = DiagnosticsResult({}, {}, [], {"all": str(err)}, float("nan"))
            row.update({"estimates": {}, "metrics": {}, "spectrum": [],
                        "errors": {"all": str(err)}, "scale": None})
        if result.errors:
            warnings.warn(f"information diagnostics at epoch {epoch}, step {step}: "
                          f"{len(result.errors)} not computed: "
                          + "; ".join(f"{k}: {v}" for k, v in result.errors.items()),
                          RuntimeWarning, stacklevel=3)
        seconds = time.perf_counter() - start
        if train_seconds is not None:
            since = train_seconds - (self._last_train_seconds
                                     if self._last_train_seconds is not None else train_seconds)
            self._last_train_seconds = train_seconds
        else:
            since = trained - self._last_wall_train
            self._last_wall_train = trained
        row["time"] = {"seconds": seconds, "train_seconds": since,
                       "overhead": seconds / since if since > 0 else None, "parts": parts}
        self._append(row)
        return result

    def _append(self, row: dict[str, Any]) -> None:
        with open(self.path, "a") as f:
            f.write(json.dumps(row, sort_keys=True) + "\n")
        self.logger.scalars(diagnostics_scalars(row), int(row["step"]))


# ----------------------------------------------------------------------------- argument checks
def _check_inputs(inputs: Any, labels: Any) -> tuple[Any, np.ndarray | None]:
    import torch

    if isinstance(inputs, np.ndarray) or torch.is_tensor(inputs):
        if inputs.ndim < 1:
            raise ValueError("inputs must have a leading sample axis, got a scalar")
        n = int(inputs.shape[0])
    elif isinstance(inputs, Sequence) and not isinstance(inputs, (str, bytes)):
        n = len(inputs)
    else:
        raise TypeError("inputs must be a tensor, an array or a list of items, got "
                        f"{type(inputs).__name__}")
    if n < 8:
        raise ValueError(f"inputs has {n} rows; the diagnostics need at least 8 (and a few "
                         "hundred for estimates worth reading)")
    if labels is None:
        return inputs, None
    from infossl._checks import as_labels

    raw = labels.detach().cpu().numpy() if torch.is_tensor(labels) else np.asarray(labels)
    if raw.ndim == 2 and raw.shape[1] == 1:
        raw = raw.reshape(-1)
    if raw.ndim != 1:
        raise ValueError(f"labels must be (N,) class indices, got shape {raw.shape} (for "
                         "one-hot labels pass labels.argmax(1))")
    codes = as_labels(raw, "labels")
    if len(codes) != n:
        raise ValueError(f"labels has {len(codes)} entries, inputs has {n} rows")
    return inputs, raw


def _check_autocast(value: Any) -> Any:
    import torch

    if value is None:
        return None
    if not isinstance(value, torch.dtype) or not value.is_floating_point:
        raise TypeError(f"autocast must be a floating torch dtype or None, got {value!r}")
    return value


def _check_features(value: Any) -> Any:
    if value is None or callable(value) or isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("features must be None, an index, a key or a callable, got "
                        f"{value!r}")
    return value


def _read_features(out: Any, how: Any) -> Any:
    import torch

    if how is not None and callable(how):
        out = how(out)
    elif how is not None:
        found = (how in out if isinstance(how, str) and isinstance(out, Mapping) else
                 isinstance(how, int) and isinstance(out, (tuple, list))
                 and -len(out) <= how < len(out))
        if not found:
            raise ValueError(f"features={how!r} does not select anything from the model's "
                             f"{type(out).__name__} output")
        out = out[how]
    if not torch.is_tensor(out):
        raise TypeError(f"the model returned {type(out).__name__}, not a tensor: pass "
                        "features= (an index, a key or a callable) to pick the (n, d) "
                        "features")
    if out.ndim < 2:
        raise ValueError(f"the model's features must have shape (n, d), got "
                         f"{tuple(out.shape)}")
    return out


def _model_device_dtype(model: Any) -> tuple[Any, Any]:
    import torch

    if isinstance(model, torch.nn.Module):
        for t in (*model.parameters(), *model.buffers()):
            if t.is_floating_point():
                return t.device, t.dtype
        for t in model.buffers():
            return t.device, None
    elif not callable(model):
        raise TypeError(f"model must be a callable (an nn.Module), got {type(model).__name__}")
    return torch.device("cpu"), None


def _scalar_output(loss: Any) -> Any:
    import torch

    from infossl.framework import LossOutput

    if isinstance(loss, np.generic) and np.issubdtype(type(loss), np.number):
        loss = loss.item()
    if isinstance(loss, bool) or not (torch.is_tensor(loss) or isinstance(loss, (int, float))):
        raise TypeError(f"loss must be a LossOutput, a scalar tensor or a number, got "
                        f"{type(loss).__name__}")
    value = torch.as_tensor(loss).detach().float()
    if value.numel() != 1:
        raise ValueError(f"loss must be a scalar, got shape {tuple(value.shape)}")
    return LossOutput(value.reshape(()).cpu(), {})


def _resolve_views(views: Any, clean: Any, options: Mapping[str, Any] | None, inputs: Any
                   ) -> tuple[Callable[[Any], tuple[Any, Any]], Callable[[Any], Any]]:
    """(make two views of a batch, make the clean batch) from the user's arguments."""
    from infossl.data.augment import MultiView

    per_item = not (isinstance(inputs, np.ndarray) or _is_tensor(inputs))
    if clean is not None and not callable(clean):
        raise TypeError(f"clean must be a callable, got {type(clean).__name__}")
    if isinstance(views, str) or isinstance(views, MultiView):
        if per_item:
            raise TypeError("infossl's presets work on image tensors (B, C, H, W); for a list "
                            "of items pass your own views callable")
        options = dict(options or {})
        if isinstance(views, str):
            from infossl.data.presets import PRESETS, build_views

            check_choice(views, "views", sorted(PRESETS))
            shape = tuple(inputs.shape)
            if len(shape) != 4:
                raise ValueError(f"preset views need images (N, C, H, W), got {shape}")
            if views != "digits":
                options.setdefault("channels", shape[1])
                options.setdefault("size" if views != "multicrop" else "global_size",
                                   shape[2])
            else:
                options.setdefault("size", shape[2])
            multi = build_views(views, **options)
        else:
            multi = views
        if clean is None:
            from infossl.data.presets import evaluation

            pipe = evaluation(options.get("mean"), options.get("std"))
            clean = lambda x: pipe(x, 0)  # noqa: E731
        seeds = iter(range(2**31))

        def preset_views(batch: Any) -> tuple[Any, Any]:
            out = multi(batch, next(seeds))
            return out[0], out[1]

        return preset_views, clean
    if not callable(views):
        raise TypeError("views must be a callable, an infossl MultiView or a preset name, got "
                        f"{type(views).__name__}")
    if clean is None:
        if per_item:
            raise TypeError("inputs is a list of items: pass clean=, the un-augmented "
                            "transform of one item to a tensor")
        if inputs.dtype in (np.uint8, _uint8()):
            warnings.warn("inputs are uint8 and clean= is not given: the clean and held-out "
                          "batches reach the model as raw 0-255 floats, unlike your views; "
                          "pass clean=, your un-augmented transform (e.g. normalisation)",
                          UserWarning, stacklevel=3)
        clean = _identity_float
    if per_item:
        def item_views(batch: Any) -> tuple[Any, Any]:
            pairs = [_two_views(views(item), lambda item=item: views(item), "views")
                     for item in batch]
            return (_as_batch([p[0] for p in pairs], "views"),
                    _as_batch([p[1] for p in pairs], "views"))

        def item_clean(batch: Any) -> Any:
            return _as_batch([clean(item) for item in batch], "clean")

        return item_views, item_clean

    def batch_views(batch: Any) -> tuple[Any, Any]:
        a, b = _two_views(views(batch), lambda: views(batch), "views")
        return _as_batch(a, "views"), _as_batch(b, "views")

    user_clean = clean
    return batch_views, lambda batch: _as_batch(user_clean(batch), "clean")


def _is_tensor(x: Any) -> bool:
    import torch

    return torch.is_tensor(x)


def _identity_float(x: Any) -> Any:
    return x.float() if x.dtype == _uint8() else x


def _uint8() -> Any:
    import torch

    return torch.uint8


# ----------------------------------------------------------------------------- trainer adapter
class DiagnosticsCallback:
    """``infossl train``'s epoch callback: an :class:`InformationMonitor` on the run's data.

    Plugs into ``infossl.train.trainer.train(cfg, epoch_callbacks=[...])``: called with an
    ``EpochInfo`` at the start of a run (``event="start"``: epoch 0, the initialisation, when
    ``at_start``) and after each epoch (``event="end"``); it always runs after the last epoch.
    The evaluation pool is the training set; the views are the run's augmentation, the clean
    inputs its evaluation transform, the encoder the backbone (then the projector when
    ``representation="projector"`` and the method has one), under the run's autocast. A due
    pass is deferred while it, plus the reserved final pass, would make the diagnostics after
    epoch 0 exceed ``max_overhead`` of the training-step time (:class:`OverheadBudget`); the
    epoch-0 and last-epoch passes always run. Rows go to ``diagnostics.jsonl`` (rank 0 only),
    scalars through the run's TensorBoard writer; on resume rows after the checkpoint's step
    are dropped. Each row: ``epoch``, ``step``, ``representation``, ``n``, ``dim``,
    ``estimates`` (quantity key → :meth:`Estimate.to_dict`), ``metrics``, ``spectrum``,
    ``errors``, ``scale`` and ``time`` (the only non-reproducible field).
    """

    def __init__(self, every_epochs: int = 5, batch_size: int = 512, *, seed: int = 0,
                 temperature: float = 0.1, representation: str = "projector",
                 at_start: bool = True, quantities: Sequence[str] = QUANTITIES,
                 pca_dims: int = 64, ridge: float = 1e-4, k: int = 3,
                 n_projections: int = 8, max_overhead: float | None = 0.1) -> None:
        self.every_epochs = check_int(every_epochs, "every_epochs", low=1)
        self.batch_size = check_int(batch_size, "batch_size", low=8)
        self.seed = check_int(seed, "seed", low=0)
        self.representation = check_choice(representation, "representation",
                                           ("projector", "backbone"))
        if not isinstance(at_start, bool):
            raise TypeError(f"at_start must be a bool, got {at_start!r}")
        self.at_start = at_start
        self.options = {"temperature": temperature, "quantities": tuple(quantities),
                        "pca_dims": pca_dims, "ridge": ridge, "k": k,
                        "n_projections": n_projections, "max_overhead": max_overhead}
        OverheadBudget(max_overhead)  # validates it
        self.monitor: InformationMonitor | None = None

    @classmethod
    def from_config(cls, section: Any) -> DiagnosticsCallback:
        """Build from a ``diagnostics`` config section (attributes of the same names)."""
        names = ("every_epochs", "batch_size", "seed", "temperature", "representation",
                 "at_start", "max_overhead")
        return cls(**{n: getattr(section, n) for n in names if hasattr(section, n)})

    def __call__(self, info: Any) -> None:
        trainer = info.trainer
        if not trainer.env.is_main:
            return
        if info.event == "start":
            self._open(trainer, info.step)
            if info.step == 0 and self.at_start:
                self._step(trainer, info, force=True)
            return
        last = info.epoch == trainer.cfg.train.epochs
        assert self.monitor is not None
        if last or info.epoch % self.every_epochs == 0 or self.monitor.deferred:
            self._step(trainer, info, force=last)

    def _open(self, trainer: Any, step: int) -> None:
        data = trainer.data.train
        labels = data.labels if getattr(data, "has_labels", False) else None
        encoder = _trainer_encoder(trainer.method, self.representation)
        self.monitor = InformationMonitor(
            trainer.out, data.inputs, labels,
            views=lambda x: trainer.views(x.to(trainer.device), self.seed),
            clean=lambda x: trainer.eval_transform(x.to(trainer.device)),
            batch_size=self.batch_size, seed=self.seed, reserve_final=True,
            autocast=trainer.precision.autocast_dtype, resume_step=step if step > 0 else None,
            logger=trainer.logger, representation=encoder[1], **self.options)
        self.monitor.reset_clock(float(trainer.train_seconds))
        self._encoder = encoder[0]

    def _step(self, trainer: Any, info: Any, *, force: bool) -> None:
        assert self.monitor is not None
        self.monitor.step(self._encoder, info.epoch, info.step, force=force,
                          train_seconds=float(trainer.train_seconds))


def _trainer_encoder(method: Any, representation: str) -> tuple[Any, str]:
    import torch

    if representation == "projector" and getattr(method, "projector", None) is not None:
        return torch.nn.Sequential(method.backbone, method.projector), "projector"
    return torch.nn.Sequential(method.backbone), "backbone"


def callbacks_from_config(cfg: Any) -> list[DiagnosticsCallback]:
    """``[DiagnosticsCallback]`` when ``cfg.diagnostics.enabled``, else ``[]`` (a RunConfig)."""
    section = getattr(cfg, "diagnostics", None)
    if section is None or not section.enabled:
        return []
    return [DiagnosticsCallback.from_config(section)]
