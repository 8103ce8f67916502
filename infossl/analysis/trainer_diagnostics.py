"""``infossl train``'s diagnostics: an epoch callback running the information monitor.

The trainer never imports the analysis layer: ``infossl train`` (and any caller of
:func:`infossl.train.trainer.train`) adds :func:`callbacks_from_config`'s callbacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from infossl._checks import check_choice, check_int
from infossl.analysis.diagnostics import QUANTITIES
from infossl.analysis.monitor import InformationMonitor
from infossl.analysis.monitor_guards import OverheadBudget

__all__ = ["DiagnosticsCallback", "callbacks_from_config"]


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

    def __init__(
        self,
        every_epochs: int = 5,
        batch_size: int = 512,
        *,
        seed: int = 0,
        temperature: float = 0.1,
        representation: str = "projector",
        at_start: bool = True,
        quantities: Sequence[str] = QUANTITIES,
        pca_dims: int = 64,
        ridge: float = 1e-4,
        k: int = 3,
        n_projections: int = 8,
        max_overhead: float | None = 0.1,
    ) -> None:
        self.every_epochs = check_int(every_epochs, "every_epochs", low=1)
        self.batch_size = check_int(batch_size, "batch_size", low=8)
        self.seed = check_int(seed, "seed", low=0)
        self.representation = check_choice(
            representation, "representation", ("projector", "backbone")
        )
        if not isinstance(at_start, bool):
            raise TypeError(f"at_start must be a bool, got {at_start!r}")
        self.at_start = at_start
        self.options = {
            "temperature": temperature,
            "quantities": tuple(quantities),
            "pca_dims": pca_dims,
            "ridge": ridge,
            "k": k,
            "n_projections": n_projections,
            "max_overhead": max_overhead,
        }
        OverheadBudget(max_overhead)  # validates it
        self.monitor: InformationMonitor | None = None

    @classmethod
    def from_config(cls, section: Any) -> DiagnosticsCallback:
        """Build from a ``diagnostics`` config section (attributes of the same names)."""
        names = (
            "every_epochs",
            "batch_size",
            "seed",
            "temperature",
            "representation",
            "at_start",
            "max_overhead",
        )
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
            trainer.out,
            data.inputs,
            labels,
            views=lambda x: trainer.views(x.to(trainer.device), self.seed),
            clean=lambda x: trainer.eval_transform(x.to(trainer.device)),
            batch_size=self.batch_size,
            seed=self.seed,
            reserve_final=True,
            autocast=trainer.precision.autocast_dtype,
            resume_step=step if step > 0 else None,
            logger=trainer.logger,
            representation=encoder[1],
            **self.options,
        )
        self.monitor.reset_clock(float(trainer.train_seconds))
        self._encoder = encoder[0]

    def _step(self, trainer: Any, info: Any, *, force: bool) -> None:
        assert self.monitor is not None
        self.monitor.step(
            self._encoder,
            info.epoch,
            info.step,
            force=force,
            train_seconds=float(trainer.train_seconds),
        )


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
