"""The training loop of ``infossl train``: any two-view method, resumable, distributed.

One optimiser step:

1. the batch's uint8 images go to the device and are augmented there into two views, with a
   generator seeded from ``(seed, epoch, batch, rank)`` — so the views of a step never depend
   on what ran before, and a resumed run draws exactly the same views;
2. backbone and heads run under autocast (see :mod:`infossl.train.precision`), the objective
   in float32; the online linear probe trains on detached features of view 1;
3. the loss, every information term and the probe loss are checked: a NaN or infinity stops
   the run *before* the parameters change, naming the step and the term
   (:class:`NonFiniteLossError`); the last checkpoint on disk stays the last good one;
4. backward, optimiser step, per-step learning rate, EMA / prototype updates.

Checkpoints (``<out>/checkpoints/last.pt``, atomic, with a SHA-256 checksum of their content,
see :mod:`infossl.train.checkpoint`) hold model, optimiser, schedule, gradient scaler, global
RNG states, the resolved precision and the position in the epoch; ``resume`` continues
bit-for-bit (same weights, same logged metrics) as if never interrupted. A state with a
non-finite tensor (a BatchNorm statistic that overflowed) is not written: the previous
checkpoint stays the last good one and the skip is logged. ``last.json`` is written after
``last.pt`` from the same state and repaired from ``last.pt`` on resume, so the two agree. The
run holds the lock of its folder (:mod:`infossl.train.runlock`) from before it reads or writes
anything there until it ends: a second run on the same folder is refused. Resuming
with a different ``train.epochs`` (at least the epochs already started) extends or shortens
the run: the learning-rate schedule is re-planned over the new total
(:meth:`~infossl.train.optim.WarmupCosine.replan`: warm-up kept, cosine recomputed), EMA
momentum schedules span the new total, and the change is logged as a ``resume`` record in
``metrics.jsonl``, listed under ``resolved.epoch_changes`` in ``config.yaml`` and reported on
stderr.

Inside a process group (``torchrun``) gradients are averaged by DistributedDataParallel,
BatchNorm statistics cover all processes (:mod:`infossl.train.sync_bn`), losses gather the
global batch, each process reads its shard of a per-epoch permutation (the same seed on every
process), and only rank 0 writes logs and checkpoints.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from infossl._atomic import atomic_write_text
from infossl.data import BatchLoader
from infossl.framework import LossOutput
from infossl.nn.distributed import all_reduce_sum
from infossl.train.build import build_optimization, build_parts
from infossl.train.checkpoint import (
    NonFiniteCheckpointError,
    capture_rng_state,
    read_checkpoint,
    remove_stale_temporaries,
    require_keys,
    restore_rng_state,
    write_checkpoint,
    write_json_atomic,
)
from infossl.train.config import RunConfig, config_differences, validate_config
from infossl.train.data_setup import RunData, load_run_data, make_eval_transform, make_views
from infossl.train.dist_env import setup_distributed
from infossl.train.features import encode_dataset
from infossl.train.logger import RunLogger
from infossl.train.methods import METHODS, SSLMethod, canonical_method, default_augment
from infossl.train.precision import Precision
from infossl.train.runlock import RunLock

__all__ = [
    "CHECKPOINT_FORMAT",
    "EXTENDABLE_KEYS",
    "RESUMABLE_KEYS",
    "RUN_CHECKPOINT_KEYS",
    "EpochInfo",
    "NonFiniteLossError",
    "StepInfo",
    "TrainResult",
    "derive_seed",
    "train",
]

CHECKPOINT_FORMAT = 1
#: Config keys that may change between a run and its resumption (they do not change results).
RESUMABLE_KEYS = (
    "out",
    "train.max_steps",
    "train.time_limit",
    "train.threads",
    "train.compile",
    "log.progress",
    "log.tensorboard",
    "checkpoint",
    "eval.final_linear",
    "diagnostics",
)
#: Config keys that may change on resume and change the plan of the rest of the run.
EXTENDABLE_KEYS = ("train.epochs",)
#: The entries every checkpoint of a run has (``--resume`` refuses a file without one).
RUN_CHECKPOINT_KEYS = (
    "format",
    "config",
    "precision",
    "backbone",
    "data",
    "model",
    "optimizer",
    "scheduler",
    "scaler",
    "rng",
    "progress",
)


class NonFiniteLossError(RuntimeError):
    """The loss or one of its terms became NaN or infinite; the run stopped before updating."""

    def __init__(self, message: str, *, step: int, term: str, checkpoint: Path | None) -> None:
        super().__init__(message)
        self.step = step
        self.term = term
        self.checkpoint = checkpoint


@dataclass(frozen=True)
class StepInfo:
    """What a callback sees after each optimiser step (``step`` counts completed steps)."""

    step: int
    epoch: int
    batch: int
    output: LossOutput
    method: SSLMethod


@dataclass(frozen=True)
class EpochInfo:
    """What an epoch callback sees: ``event="start"`` once before the first step of a run (also
    of a resumed one; ``epoch``/``step`` are then the checkpoint's) and ``"end"`` after each
    completed epoch, after its evaluation record and before its checkpoint. ``trainer`` gives
    read access to the model, data, views, device and run folder; callbacks must not change
    training state or global random state."""

    event: str
    epoch: int
    step: int
    trainer: Trainer


@dataclass
class TrainResult:
    out: Path
    steps: int
    epochs_completed: float
    stopped: str
    checkpoint: Path | None
    summary: dict[str, Any] = field(default_factory=dict)
    rank: int = 0


def derive_seed(*parts: int) -> int:
    """A 63-bit seed from integers (NumPy ``SeedSequence``; independent streams per tuple)."""
    return int(
        np.random.SeedSequence([int(p) for p in parts]).generate_state(1, np.uint64)[0] % (2**63)
    )


def _progress_enabled(setting: Any) -> bool:
    import sys

    return sys.stderr.isatty() if setting == "auto" else bool(setting)


class _Progress:
    """A rich progress bar on stderr (no-op when disabled)."""

    def __init__(self, enabled: bool, total: int, completed: int) -> None:
        self.bar = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self.bar.start()
        self.task = self.bar.add_task("training", total=total, completed=completed)

    def update(self, completed: int, text: str | None = None) -> None:
        if self.bar is not None:
            kwargs = {"description": text} if text is not None else {}
            self.bar.update(self.task, completed=completed, **kwargs)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


class Trainer:
    """One run (see the module docstring). Use :func:`train`."""

    def __init__(
        self,
        cfg: RunConfig,
        *,
        resume: bool = False,
        callbacks: Sequence[Callable[[StepInfo], None]] = (),
        epoch_callbacks: Sequence[Callable[[EpochInfo], None]] = (),
    ) -> None:
        self.callbacks = list(callbacks)
        self.epoch_callbacks = list(epoch_callbacks)
        self.lock = RunLock(cfg.out)
        self.env, self.device = setup_distributed(cfg.train.device)
        try:
            self._setup(cfg, resume)
        except BaseException:
            self.lock.release()
            self.env.close()
            raise

    def _setup(self, cfg: RunConfig, resume: bool) -> None:
        if cfg.train.threads is not None:
            torch.set_num_threads(cfg.train.threads)
        self.out = Path(cfg.out)
        self.ckpt_dir = self.out / "checkpoints"
        self.ckpt_path = self.ckpt_dir / "last.pt"
        self.sidecar_path = self.ckpt_dir / "last.json"
        if resume and not self.ckpt_path.exists():
            raise FileNotFoundError(f"nothing to resume: {self.ckpt_path} does not exist")
        if self.env.is_main:  # the whole run, before reading or writing anything in the folder
            self.lock.acquire()
        state = self._resume_state(cfg) if resume else None
        self.epoch_change: dict[str, Any] | None = None
        self.epoch_changes: list[dict[str, Any]] = []
        if state is not None:
            cfg = self._merge_resume_config(state, cfg)
        elif self.ckpt_path.exists():
            raise FileExistsError(
                f"{self.ckpt_path} already exists: pass --resume to continue "
                "that run, or choose another out folder"
            )
        self.cfg = cfg
        self._check_batch()
        self.data: RunData = load_run_data(cfg.data, default_augment(cfg.method))
        self.views = make_views(self.data, dict(cfg.data.augment_options))
        self.eval_transform = make_eval_transform(self.data)
        self.loader = self._make_loader()
        self.steps_per_epoch = len(self.loader)
        self.total_steps = cfg.train.epochs * self.steps_per_epoch
        precision = Precision(**state["precision"]) if state is not None else None
        if METHODS[canonical_method(cfg.method)].needs_labels and self.data.num_classes is None:
            raise ValueError(f"method {cfg.method} needs labelled data")
        self.method, self.spec, self.precision = build_parts(
            cfg,
            self.data,
            self.device,
            total_steps=self.total_steps,
            world_size=self.env.world_size,
            seed=cfg.train.seed,
            precision=precision,
        )
        self.opt = build_optimization(cfg, self.method, self.steps_per_epoch)
        self.scaler = torch.amp.GradScaler(
            self.device.type, enabled=self.precision.needs_grad_scaler
        )
        self.model: torch.nn.Module = self.method
        if self.env.distributed:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.model = torch.nn.parallel.DistributedDataParallel(
                self.method, device_ids=ids, broadcast_buffers=False
            )
        self.step = 0
        self.epoch = 0
        self.batch = 0
        self.epoch_stats = {"probe_correct": 0.0, "probe_total": 0.0}
        self.train_seconds = 0.0
        self.train_images = 0
        self.last_checkpoint: tuple[Path, int] | None = None
        if state is not None:
            self._restore(state)
            if self.epoch_change is not None:
                self._replan(state)
        if self.env.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            remove_stale_temporaries(self.ckpt_dir)
            remove_stale_temporaries(self.out)  # config.yaml, metrics.jsonl, diagnostics
            atomic_write_text(self.out / "config.yaml", cfg.to_yaml(self.resolved()))
        self.logger = RunLogger(
            self.out,
            enabled=self.env.is_main,
            tensorboard=cfg.log.tensorboard,
            resume_step=self.step if state is not None else None,
        )
        if self.epoch_change is not None:
            self._log_epoch_change()

    # ----------------------------------------------------------------------- set-up
    def _resume_state(self, cfg: RunConfig) -> dict[str, Any]:
        """The verified checkpoint to resume from; ``last.json`` is made to agree with it."""
        loaded = read_checkpoint(self.ckpt_path)
        state = loaded.state
        require_keys(state, self.ckpt_path, RUN_CHECKPOINT_KEYS, "a checkpoint of infossl train")
        if state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(
                f"{self.ckpt_path}: unsupported checkpoint format {state.get('format')!r}"
            )
        if self.env.is_main:
            self._repair_sidecar(self._sidecar(state["progress"], loaded.digest))
        return state

    def _sidecar(self, progress: dict[str, Any], digest: str | None) -> dict[str, Any]:
        """``last.json``: the position of ``last.pt`` and its checksum, from its own state."""
        return {
            "step": int(progress["step"]),
            "epoch": int(progress["epoch"]),
            "batch": int(progress["batch"]),
            "path": str(self.ckpt_path),
            "checksum": digest,
        }

    def _repair_sidecar(self, expected: dict[str, Any]) -> None:
        """Rewrite ``last.json`` when it does not describe ``last.pt`` (a kill between the two
        writes); the checkpoint is what counts."""
        from infossl.train.runfiles import read_json

        try:
            current = read_json(self.sidecar_path) if self.sidecar_path.is_file() else None
        except ValueError:
            current = "unreadable"
        if current == expected:
            return
        write_json_atomic(self.sidecar_path, expected)
        if isinstance(current, dict):
            said = f"step {current.get('step')}"
        else:
            said = "nothing" if current is None else "unreadable"
        sys.stderr.write(
            f"{self.sidecar_path}: repaired to describe {self.ckpt_path} "
            f"(step {expected['step']}; it said {said})\n"
        )

    def _merge_resume_config(self, state: dict[str, Any], cfg: RunConfig) -> RunConfig:
        saved = validate_config(state["config"])
        diffs = config_differences(saved, cfg, ignore=RESUMABLE_KEYS + EXTENDABLE_KEYS)
        if diffs:
            raise ValueError(
                f"cannot resume {self.ckpt_path}: the config differs from the "
                f"checkpoint's in {', '.join(diffs)}"
            )
        merged = saved.to_dict()
        new = cfg.to_dict()
        for key in RESUMABLE_KEYS + EXTENDABLE_KEYS:
            section, _, name = key.partition(".")
            if name:
                merged[section][name] = new[section][name]
            else:
                merged[section] = new[section]
        before, after = saved.train.epochs, cfg.train.epochs
        if after != before:
            p = state["progress"]
            started = int(p["epoch"]) + (1 if int(p["batch"]) else 0)
            if after < started:
                raise ValueError(
                    f"cannot resume {self.ckpt_path} with train.epochs={after}: "
                    f"the checkpoint (step {int(p['step'])}) has already "
                    f"{'started' if int(p['batch']) else 'completed'} epoch "
                    f"{started}; pass --epochs {started} or more"
                )
            self.epoch_change = {"epochs_from": before, "epochs_to": after}
            self._saved_cfg = saved
        return validate_config(merged)

    def _replan(self, state: dict[str, Any]) -> None:
        """Re-plan the schedule of a run resumed with another ``train.epochs``."""
        change = self.epoch_change
        if change is None:
            return
        sched = self.opt.scheduler
        if "warmup_steps" not in state["scheduler"]:  # checkpoints without the plan in it
            old = build_optimization(self._saved_cfg, self.method, self.steps_per_epoch)
            sched.total_steps = old.scheduler.total_steps
            sched.warmup_steps = old.scheduler.warmup_steps
        total_from = sched.total_steps
        lr_from = self.opt.lr * sched.factor(self.step)
        sched.replan(self.total_steps)
        change.update(
            {
                "step": self.step,
                "epoch": self.epoch,
                "total_steps_from": total_from,
                "total_steps_to": self.total_steps,
                "warmup_steps": sched.warmup_steps,
                "lr_from": lr_from,
                "lr_to": self.opt.lr * sched.factor(self.step),
            }
        )
        self.epoch_changes.append(dict(change))

    def _log_epoch_change(self) -> None:
        """The ``resume`` record (once per change, also if the extended run is resumed again
        before its first checkpoint) and one line on stderr."""
        c = self.epoch_change
        if c is None:
            return
        record = {"kind": "resume", **c}
        if self.env.is_main:
            logged = [r for r in _read_eval(self.out) if r.get("kind") == "resume"]
            if not any(
                r.get("step") == c["step"] and r.get("epochs_to") == c["epochs_to"] for r in logged
            ):
                self.logger.log(record)
            sys.stderr.write(
                f"{self.out}: train.epochs {c['epochs_from']} -> {c['epochs_to']} at step "
                f"{c['step']}: learning-rate schedule re-planned to end at step "
                f"{c['total_steps_to']} (was {c['total_steps_from']}; warm-up of "
                f"{c['warmup_steps']} step{'' if c['warmup_steps'] == 1 else 's'} not "
                f"repeated), lr {c['lr_from']:.4g} -> {c['lr_to']:.4g}\n"
            )

    def resolved(self) -> dict[str, Any]:
        """What the run's ``auto`` and default (None) settings became; ``config.yaml`` lists it
        under ``resolved``."""
        defaults = METHODS[canonical_method(self.cfg.method)]
        m = self.cfg.model
        model: dict[str, Any] = {
            "backbone": self.spec.name,
            "feat_dim": int(self.method.feat_dim),
            "proj_hidden": m.proj_hidden or defaults.proj_hidden,
            "proj_out": m.proj_out or defaults.proj_out,
            "proj_layers": m.proj_layers or defaults.proj_layers,
        }
        if hasattr(self.method, "predictor"):
            model["pred_hidden"] = m.pred_hidden or defaults.pred_hidden
        if hasattr(self.method, "target"):
            model["momentum"] = defaults.momentum if m.momentum is None else m.momentum
        if defaults.layout in ("dino", "prototypes"):  # the layouts with prototypes
            model["num_prototypes"] = m.num_prototypes or defaults.num_prototypes
        sched = self.opt.scheduler
        return {
            "method": canonical_method(self.cfg.method),
            "device": str(self.device),
            "world_size": self.env.world_size,
            "threads": torch.get_num_threads(),
            "precision": self.precision.dtype,
            "channels_last": self.precision.channels_last,
            "precision_reason": self.precision.reason,
            "augment": self.data.augment,
            "model": model,
            "optim": {
                "name": self.opt.name,
                "lr": self.opt.lr,
                "weight_decay": self.opt.weight_decay,
                "warmup_steps": sched.warmup_steps,
                "total_steps": sched.total_steps,
                "steps_per_epoch": self.steps_per_epoch,
                "final_lr": self.opt.lr * sched.final_ratio,
            },
            "epoch_changes": [dict(c) for c in self.epoch_changes],
        }

    def _check_batch(self) -> None:
        b, w = self.cfg.train.batch_size, self.env.world_size
        if b % w:
            raise ValueError(
                f"train.batch_size={b} must be divisible by the number of processes ({w})"
            )

    def _make_loader(self) -> BatchLoader:
        c, e = self.cfg.train, self.env
        try:
            if c.augment_scope == "global":
                return BatchLoader(self.data.train, c.batch_size, seed=c.seed)
            return BatchLoader(
                self.data.train,
                c.batch_size // e.world_size,
                seed=c.seed,
                rank=e.rank,
                world_size=e.world_size,
            )
        except ValueError as err:
            raise ValueError(f"train.batch_size: {err}") from None

    # ----------------------------------------------------------------------- state
    def _state(self) -> dict[str, Any]:
        return {
            "format": CHECKPOINT_FORMAT,
            "config": self.cfg.to_dict(),
            "precision": self.precision.to_dict(),
            "backbone": {
                "name": self.spec.name,
                "options": self.spec.options,
                "input_shape": list(self.spec.input_shape),
                "feat_dim": self.method.feat_dim,
            },
            "data": {
                "mean": list(self.data.mean),
                "std": list(self.data.std),
                "augment": self.data.augment,
            },
            "model": self.method.state_dict(),
            "optimizer": self.opt.optimizer.state_dict(),
            "scheduler": self.opt.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(),
            "rng": capture_rng_state(),
            "epoch_changes": [dict(c) for c in self.epoch_changes],
            "progress": {
                "step": self.step,
                "epoch": self.epoch,
                "batch": self.batch,
                "epoch_stats": dict(self.epoch_stats),
                "train_seconds": self.train_seconds,
                "train_images": self.train_images,
            },
        }

    def _restore(self, state: dict[str, Any]) -> None:
        self.method.load_state_dict(state["model"])
        self.opt.optimizer.load_state_dict(state["optimizer"])
        self.opt.scheduler.load_state_dict(state["scheduler"])
        if state["scaler"]:
            self.scaler.load_state_dict(state["scaler"])
        restore_rng_state(state["rng"])
        p = state["progress"]
        self.step, self.epoch, self.batch = int(p["step"]), int(p["epoch"]), int(p["batch"])
        self.epoch_stats = {k: float(v) for k, v in p["epoch_stats"].items()}
        self.train_seconds = float(p["train_seconds"])
        self.train_images = int(p["train_images"])
        self.epoch_changes = [dict(c) for c in state.get("epoch_changes", [])]
        self.last_checkpoint = (self.ckpt_path, self.step)

    def save(self, *, epoch_copy: bool = False) -> None:
        """Write ``last.pt``, then ``last.json`` from it (rank 0 only; the others wait).

        A state with a non-finite tensor (parameters, buffers such as BatchNorm statistics,
        optimiser state) is not a good checkpoint: nothing is written, the previous
        ``last.pt`` stays the last good one, and the skip is reported on stderr and as a
        ``checkpoint_skipped`` record in ``metrics.jsonl``.
        """
        written = 1.0
        if self.env.is_main:
            state = self._state()
            try:
                saved = write_checkpoint(self.ckpt_path, state)
            except NonFiniteCheckpointError as err:
                written = 0.0
                self._skipped_checkpoint(err)
            else:
                if epoch_copy:
                    write_checkpoint(self.ckpt_dir / f"epoch_{self.epoch:04d}.pt", state)
                write_json_atomic(self.sidecar_path, self._sidecar(state["progress"], saved.digest))
        if self.env.distributed:  # every process learns whether rank 0 wrote
            flag = torch.tensor([written if self.env.is_main else 0.0], device=self.device)
            written = float(all_reduce_sum(flag)[0])
        if written:
            self.last_checkpoint = (self.ckpt_path, self.step)
        self.env.barrier()

    def _skipped_checkpoint(self, err: NonFiniteCheckpointError) -> None:
        kept = self.last_checkpoint[1] if self.last_checkpoint is not None else None
        detail = err.detail
        self.logger.log(
            {
                "kind": "checkpoint_skipped",
                "step": self.step,
                "epoch": self.epoch,
                "tensor": err.tensor,
                "detail": detail,
                "kept_step": kept,
            }
        )
        kept_text = f"step {kept}" if kept is not None else "none written yet"
        sys.stderr.write(
            f"checkpoint at step {self.step} skipped: tensor {err.tensor} is not finite "
            f"({detail}); the last good checkpoint stays {self.ckpt_path} ({kept_text})\n"
        )

    # ----------------------------------------------------------------------- one step
    def _batch(self, order: torch.Tensor, b: int) -> tuple[list[torch.Tensor], torch.Tensor, int]:
        bs = self.loader.batch_size
        sel = order[b * bs : (b + 1) * bs]
        ds = self.data.train
        images = ds.inputs.index_select(0, sel).to(self.device, non_blocking=True)
        labels = ds.labels.index_select(0, sel).to(self.device, non_blocking=True)
        global_scope = self.cfg.train.augment_scope == "global"
        seed = derive_seed(self.cfg.train.seed, self.epoch, b, 0 if global_scope else self.env.rank)
        views = self.views(images, seed)
        if global_scope and self.env.distributed:
            n = bs // self.env.world_size
            rows = slice(self.env.rank * n, (self.env.rank + 1) * n)
            views, labels = [v[rows] for v in views], labels[rows]
        return views, labels, seed

    def _check_outputs(self, out: dict[str, Any]) -> None:
        tensors = self.method.embeddings(out)
        finite = torch.stack([torch.isfinite(t).all() for t in tensors]).all().float()
        if self.env.distributed:
            finite = all_reduce_sum(finite) / self.env.world_size
        if float(finite) < 1.0:
            keys = [k for k in out if k not in ("features", "probe_logits")]
            self._non_finite(
                f"the method's outputs ({', '.join(keys)}) are not finite before "
                "the loss (the encoder diverged)",
                "outputs",
            )

    def _non_finite(self, what: str, term: str) -> None:
        where = f"step {self.step + 1} (epoch {self.epoch + 1}, batch {self.batch + 1})"
        if self.last_checkpoint is not None:
            path, step = self.last_checkpoint
            kept = f"the last good checkpoint is {path} (step {step})"
        else:
            kept = "no checkpoint had been written yet"
        raise NonFiniteLossError(
            f"non-finite loss at {where}: {what}; training stopped, {kept}",
            step=self.step + 1,
            term=term,
            checkpoint=None if self.last_checkpoint is None else self.last_checkpoint[0],
        )

    def _reduced_values(
        self, loss_out: LossOutput, probe: dict[str, torch.Tensor]
    ) -> dict[str, float]:
        names = (
            ["loss"]
            + [f"terms/{n}" for n in loss_out.terms]
            + [f"diagnostics/{n}" for n in loss_out.diagnostics]
            + list(probe)
        )
        values = torch.stack(
            [loss_out.loss.detach().float()]
            + [tv.value.float().to(self.device) for tv in loss_out.terms.values()]
            + [tv.value.float().to(self.device) for tv in loss_out.diagnostics.values()]
            + [v.detach().float() for v in probe.values()]
        )
        if self.env.distributed:
            values = all_reduce_sum(values) / self.env.world_size
        return dict(zip(names, values.tolist(), strict=True))

    def _guard(self, values: dict[str, float], loss_out: LossOutput) -> None:
        bad = [
            k
            for k, v in values.items()
            if not math.isfinite(v) and not k.startswith("diagnostics/")
        ]
        if not bad:
            return
        for key in bad:
            if key.startswith("terms/"):
                name = key.split("/", 1)[1]
                tv = loss_out.terms[name]
                self._non_finite(
                    f"term {name!r} = {values[key]} ({tv.term.label}, weight {tv.weight:g})", name
                )
        if "probe_loss" in bad:
            self._non_finite(
                f"the online probe's cross-entropy = {values['probe_loss']}", "probe_loss"
            )
        self._non_finite(f"loss = {values['loss']} while every term is finite", "loss")

    def _train_step(self, order: torch.Tensor, b: int) -> tuple[LossOutput, dict[str, float]]:
        views, labels, seed = self._batch(order, b)
        self.method.set_step(self.step)
        with self.precision.autocast(self.device):
            out = self.model(views, seed=seed)
        self._check_outputs(out)
        if self.method.needs_labels:
            out["labels"] = labels
        with torch.autocast(self.device.type, enabled=False):
            loss_out = self.method.compute_loss(out)
            total = loss_out.loss
            probe: dict[str, torch.Tensor] = {}
            if "probe_logits" in out:
                logits = out["probe_logits"].float()
                probe["probe_loss"] = F.cross_entropy(logits, labels)
                probe["probe_acc"] = (logits.argmax(1) == labels).float().mean()
                total = total + probe["probe_loss"]
        values = self._reduced_values(loss_out, probe)
        self._guard(values, loss_out)
        opt = self.opt.optimizer
        opt.zero_grad(set_to_none=True)
        self.scaler.scale(total).backward()
        self.method.before_optimizer_step(self.epoch)
        if self.cfg.optim.grad_clip is not None:
            self.scaler.unscale_(opt)
            torch.nn.utils.clip_grad_norm_(
                [p for g in opt.param_groups for p in g["params"]], self.cfg.optim.grad_clip
            )
        self.scaler.step(opt)
        self.scaler.update()
        self.opt.scheduler.step()
        self.method.after_optimizer_step()
        if "probe_acc" in values:
            n = labels.shape[0] * self.env.world_size
            self.epoch_stats["probe_correct"] += values["probe_acc"] * n
            self.epoch_stats["probe_total"] += n
        return loss_out, values

    def _record(
        self, values: dict[str, float], loss_out: LossOutput, lr: float, rate: float, elapsed: float
    ) -> dict[str, Any]:
        rec: dict[str, Any] = {
            "kind": "train",
            "step": self.step,
            "epoch": self.epoch + 1,
            "loss": values["loss"],
            "lr": lr,
            "terms": {n: values[f"terms/{n}"] for n in loss_out.terms},
            "weights": {n: tv.weight for n, tv in loss_out.terms.items()},
        }
        if loss_out.diagnostics:
            rec["diagnostics"] = {n: values[f"diagnostics/{n}"] for n in loss_out.diagnostics}
        if "probe_loss" in values:
            rec["probe"] = {"loss": values["probe_loss"], "acc": values["probe_acc"]}
        rec["time"] = {"img_per_s": rate, "elapsed": elapsed}
        return rec

    # ----------------------------------------------------------------------- evaluation
    def _encode(self, inputs: torch.Tensor) -> torch.Tensor:
        return encode_dataset(
            self.method.backbone,
            inputs,
            self.eval_transform,
            device=self.device,
            autocast=lambda: self.precision.autocast(self.device),
        )

    def _epoch_eval(self, final: bool = False) -> dict[str, Any]:
        """kNN monitor (un-augmented training features as the bank) and the online probe's
        accuracy on the validation set."""
        val = self.data.val
        e = self.cfg.eval
        rec: dict[str, Any] = {}
        if self.epoch_stats["probe_total"] > 0:
            rec["probe_train_acc"] = (
                self.epoch_stats["probe_correct"] / self.epoch_stats["probe_total"]
            )
        knn_due = e.knn_every_epochs and (self.epoch % e.knn_every_epochs == 0 or final)
        if val is None or not val.has_labels or not (knn_due or self.method.probe is not None):
            return rec
        val_feats = self._encode(val.inputs)
        if self.method.probe is not None:
            with torch.no_grad():
                w = self.method.probe.weight.detach().float().cpu()
                bias = self.method.probe.bias.detach().float().cpu()
                pred = (val_feats @ w.T + bias).argmax(1)
            rec["probe_val_acc"] = float((pred == val.labels).float().mean())
        if knn_due and self.data.train.has_labels:
            from infossl.metrics.probes import knn_accuracy

            train_feats = self._encode(self.data.train.inputs)
            if self.env.is_main:
                rec["knn_acc"] = knn_accuracy(
                    train_feats,
                    self.data.train.labels,
                    val_feats,
                    val.labels,
                    k=e.knn_k,
                    tau=e.knn_tau,
                )
            self._cache_feats = (train_feats, val_feats)
        return rec

    def _final_linear(self) -> dict[str, Any]:
        val = self.data.val
        if not (
            self.cfg.eval.final_linear
            and val is not None
            and val.has_labels
            and self.data.train.has_labels
        ):
            return {}
        cached = getattr(self, "_cache_feats", None)
        if cached is None:
            cached = (self._encode(self.data.train.inputs), self._encode(val.inputs))
        if not self.env.is_main:
            return {}
        from infossl.metrics.probes import linear_probe

        res = linear_probe(cached[0], self.data.train.labels, cached[1], val.labels)
        return {"linear_acc": res.accuracy, "linear_train_acc": res.train_accuracy}

    # ----------------------------------------------------------------------- the loop
    def run(self) -> TrainResult:
        cfg = self.cfg
        progress = _Progress(
            self.env.is_main and _progress_enabled(cfg.log.progress), self.total_steps, self.step
        )
        t_run = time.perf_counter()
        stopped = "completed"
        self._cache_feats = None
        self._epoch_event("start")
        try:
            while self.epoch < cfg.train.epochs:
                order = self.loader.indices(self.epoch)
                self.method.train()
                t_log, n_log = time.perf_counter(), 0
                while self.batch < self.steps_per_epoch:
                    t0 = time.perf_counter()
                    loss_out, values = self._train_step(order, self.batch)
                    self.step += 1
                    self.batch += 1
                    if self.step == 1:
                        self.logger.write_header(loss_out)
                    n_log += cfg.train.batch_size
                    self.train_images += cfg.train.batch_size
                    stop = self._stop_reason(t_run)
                    if (
                        self.step % cfg.log.every_steps == 0
                        or self.step == 1
                        or self.batch == self.steps_per_epoch
                        or stop
                    ):
                        now = time.perf_counter()
                        rate = n_log / max(now - t_log, 1e-9)
                        lr = self.opt.optimizer.param_groups[0]["lr"]
                        self.logger.log(self._record(values, loss_out, lr, rate, now - t_run))
                        progress.update(self.step, self._progress_text(values, loss_out, rate))
                        t_log, n_log = now, 0
                    else:
                        progress.update(self.step)
                    every = cfg.checkpoint.every_steps
                    if (
                        every
                        and self.step % every == 0
                        and not stop
                        and not self._epoch_end_save_due()
                    ):
                        self.save()
                    self.train_seconds += time.perf_counter() - t0
                    for cb in self.callbacks:
                        cb(StepInfo(self.step, self.epoch, self.batch, loss_out, self.method))
                    if stop:
                        stopped = stop
                        break
                if stopped != "completed":
                    self.save()
                    break
                self._end_epoch()
        finally:
            progress.close()
        return self._finish(stopped, time.perf_counter() - t_run)

    def _stop_reason(self, t_run: float) -> str:
        c = self.cfg.train
        if c.max_steps is not None and self.step >= c.max_steps:
            return "max_steps"
        if c.time_limit is not None:
            # on the run's device: NCCL reduces CUDA tensors only
            elapsed = torch.tensor([time.perf_counter() - t_run], device=self.device)
            if self.env.distributed:  # all processes must agree to stop together
                elapsed = all_reduce_sum(elapsed) / self.env.world_size
            if float(elapsed) >= c.time_limit:
                return "time_limit"
        return ""

    def _epoch_end_save_due(self) -> bool:
        """Whether the epoch just finished (or finishing now) ends with a checkpoint."""
        if self.batch < self.steps_per_epoch:
            return False
        done = self.epoch + 1
        every = self.cfg.checkpoint.every_epochs
        return done == self.cfg.train.epochs or bool(every and done % every == 0)

    def _end_epoch(self) -> None:
        save = self._epoch_end_save_due()
        self.epoch += 1
        self.batch = 0
        rec = self._epoch_eval(final=self.epoch == self.cfg.train.epochs)
        rec.update({"kind": "eval", "step": self.step, "epoch": self.epoch})
        self.logger.log(rec)
        self.logger.flush()
        self.epoch_stats = {"probe_correct": 0.0, "probe_total": 0.0}
        self._epoch_event("end")
        if save:
            self.save(epoch_copy=self.cfg.checkpoint.keep_epochs)

    def _epoch_event(self, event: str) -> None:
        for cb in self.epoch_callbacks:
            cb(EpochInfo(event, self.epoch, self.step, self))

    def _progress_text(self, values: dict[str, float], loss_out: LossOutput, rate: float) -> str:
        terms = list(loss_out.terms)[:2]
        parts = [f"ep {self.epoch + 1}/{self.cfg.train.epochs}", f"loss {values['loss']:.4f}"]
        parts += [f"{n} {values[f'terms/{n}']:.3f}" for n in terms]
        parts.append(f"{rate:.0f} img/s")
        return "  ".join(parts)

    def _finish(self, stopped: str, wall: float) -> TrainResult:
        summary: dict[str, Any] = {}
        if stopped == "completed":
            final = self._final_linear()
            summary.update(final)
            last_eval = [r for r in _read_eval(self.out) if r.get("kind") == "eval"]
            if last_eval:
                summary.update(
                    {k: v for k, v in last_eval[-1].items() if k not in ("kind", "step", "epoch")}
                )
            if final:
                self.logger.log({"kind": "final", "step": self.step, "epoch": self.epoch, **final})
        summary.update(
            {
                "method": self.cfg.method,
                "data": self.cfg.data.name,
                "stopped": stopped,
                "steps": self.step,
                "epochs_completed": self.step / self.steps_per_epoch,
                "wall_seconds": wall,
                "train_seconds": self.train_seconds,
                "img_per_s": self.train_images / max(self.train_seconds, 1e-9),
                "precision": self.precision.to_dict(),
                "backbone": self.spec.name,
                "world_size": self.env.world_size,
            }
        )
        if self.env.is_main:
            write_json_atomic(self.out / "summary.json", summary)
        self.logger.close()
        return TrainResult(
            self.out,
            self.step,
            self.step / self.steps_per_epoch,
            stopped,
            self.last_checkpoint[0] if self.last_checkpoint else None,
            summary,
            rank=self.env.rank,
        )

    def close(self) -> None:
        self.logger.close()
        self.lock.release()
        self.env.close()


def _read_eval(out: Path) -> list[dict[str, Any]]:
    from infossl.train.logger import read_jsonl

    return read_jsonl(out / "metrics.jsonl")


def train(
    cfg: RunConfig,
    *,
    resume: bool = False,
    callbacks: Sequence[Callable[[StepInfo], None]] = (),
    epoch_callbacks: Sequence[Callable[[EpochInfo], None]] = (),
) -> TrainResult:
    """Run (or resume) the training described by ``cfg``; see the module docstring."""
    trainer = Trainer(cfg, resume=resume, callbacks=callbacks, epoch_callbacks=epoch_callbacks)
    try:
        return trainer.run()
    finally:
        trainer.close()
