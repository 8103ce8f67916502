"""PyTorch Lightning callback: infossl's information diagnostics in a Lightning run.

Example::

    from infossl.integrations.lightning import InformationCallback

    cb = InformationCallback(eval_images, eval_labels, views=my_augment, clean=my_normalise,
                             encoder="backbone")
    L.Trainer(max_epochs=100, callbacks=[cb]).fit(module, loader)
    # then: infossl report <default_root_dir>/infossl

It wraps an :class:`~infossl.analysis.monitor.InformationMonitor` (same batch, same views, same
rows, same ≤ ``max_overhead`` time budget): a pass at the start of training (epoch 0), one every
``every_n_epochs`` epochs when the budget allows, and always one after the last epoch. The loss
is logged every ``log_every_n_steps`` steps from what ``training_step`` returns: a tensor, or a
dict with ``"loss"`` and, optionally, an infossl ``LossOutput`` under any key (then every
information term is logged with its label; Lightning itself accepts only a tensor, a dict or
None from ``training_step``, so return ``{"loss": out.loss, "info": out}``). The
diagnostics are also sent to the trainer's Lightning loggers as ``info/<quantity>`` metrics.
Only global rank 0 computes and writes.

Needs ``lightning`` (or the older ``pytorch_lightning``) ≥ 2.0; tested with 2.6.6 beside
torch 2.13.0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from infossl._checks import check_int

try:  # the unified package first, then the standalone one
    import lightning.pytorch as pl
except ImportError:  # pragma: no cover - depends on what is installed
    try:
        import pytorch_lightning as pl  # type: ignore[no-redef]
    except ImportError as err:
        raise ImportError(
            "infossl.integrations.lightning needs PyTorch Lightning: "
            "pip install 'infossl[lightning]'"
        ) from err

__all__ = ["InformationCallback"]


class InformationCallback(pl.Callback):
    """Record infossl's information diagnostics during ``Trainer.fit``.

    Args:
        inputs, labels, views, clean: the evaluation pool, its optional labels, the way to make
            two views and the un-augmented transform, as for
            :class:`~infossl.analysis.monitor.InformationMonitor`.
        encoder: which module gives the features: None (the LightningModule's ``forward``), the
            name of an attribute (``"backbone"``), or a callable ``module -> nn.Module``.
        run_dir: the run folder; default ``<trainer.default_root_dir>/infossl``.
        every_n_epochs: due every N epochs (and after the last one).
        at_start: also before the first step (epoch 0, the initialisation).
        log_every_n_steps: log the loss every N steps (0: never).
        log_to_lightning: also send the diagnostics to the trainer's loggers.
        **monitor_options: any other :class:`InformationMonitor` argument (``batch_size``,
            ``max_overhead``, ``seed``, ``autocast``, ``features``, ``quantities`` …).
    """

    def __init__(
        self,
        inputs: Any,
        labels: Any = None,
        *,
        views: Any,
        clean: Callable[[Any], Any] | None = None,
        encoder: str | Callable[[Any], Any] | None = None,
        run_dir: str | Path | None = None,
        every_n_epochs: int = 1,
        at_start: bool = True,
        log_every_n_steps: int = 10,
        log_to_lightning: bool = True,
        **monitor_options: Any,
    ) -> None:
        super().__init__()
        self.every_n_epochs = check_int(every_n_epochs, "every_n_epochs", low=1)
        self.log_every_n_steps = check_int(log_every_n_steps, "log_every_n_steps", low=0)
        for name, flag in (("at_start", at_start), ("log_to_lightning", log_to_lightning)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} must be a bool, got {flag!r}")
        if not (encoder is None or isinstance(encoder, str) or callable(encoder)):
            raise TypeError(
                "encoder must be None, an attribute name or a callable, got "
                f"{type(encoder).__name__}"
            )
        self.at_start = at_start
        self.log_to_lightning = log_to_lightning
        self.encoder = encoder
        self.run_dir = None if run_dir is None else Path(run_dir)
        self._monitor_args = {
            "inputs": inputs,
            "labels": labels,
            "views": views,
            "clean": clean,
            **monitor_options,
        }
        self.monitor: Any = None

    # ------------------------------------------------------------------------- helpers
    def _model(self, pl_module: Any) -> Any:
        if self.encoder is None:
            return pl_module
        if isinstance(self.encoder, str):
            if not hasattr(pl_module, self.encoder):
                raise ValueError(f"encoder: the LightningModule has no attribute {self.encoder!r}")
            return getattr(pl_module, self.encoder)
        return self.encoder(pl_module)

    def _pass(self, trainer: Any, pl_module: Any, epoch: int, *, force: bool) -> None:
        result = self.monitor.step(
            self._model(pl_module), epoch, int(trainer.global_step), force=force
        )
        if result is None or not self.log_to_lightning:
            return
        metrics = {f"info/{k}": float(e.value) for k, e in result.estimates.items()}
        metrics.update({f"info/{k}": float(v) for k, v in result.metrics.items()})
        for logger in trainer.loggers:
            logger.log_metrics(metrics, step=int(trainer.global_step))

    # ------------------------------------------------------------------------- hooks
    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        if not trainer.is_global_zero:
            return
        from infossl.analysis.monitor import InformationMonitor

        run_dir = self.run_dir or Path(trainer.default_root_dir) / "infossl"
        args = dict(self._monitor_args)
        args.setdefault("method", type(pl_module).__name__)
        args.setdefault(
            "representation",
            self.encoder
            if isinstance(self.encoder, str)
            else "model output"
            if self.encoder is None
            else "encoder(module)",
        )
        self.monitor = InformationMonitor(run_dir, **args)

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        if self.monitor is not None and self.at_start:
            self._pass(trainer, pl_module, int(trainer.current_epoch), force=True)

    def on_train_batch_end(
        self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        if self.monitor is None or not self.log_every_n_steps:
            return
        step = int(trainer.global_step)
        if step % self.log_every_n_steps:
            return
        loss = _loss_from(outputs)
        if loss is not None:
            self.monitor.log_loss(loss, step=step, epoch=int(trainer.current_epoch) + 1)

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        if self.monitor is None:
            return
        epoch = int(trainer.current_epoch) + 1
        last = trainer.max_epochs is not None and epoch >= trainer.max_epochs
        if last or epoch % self.every_n_epochs == 0 or self.monitor.deferred:
            self._pass(trainer, pl_module, epoch, force=last)

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        if self.monitor is not None:
            self.monitor.close()


def _loss_from(outputs: Any) -> Any:
    """The LossOutput or loss tensor in what ``training_step`` returned (None if absent)."""
    import torch

    from infossl.framework import LossOutput

    if isinstance(outputs, LossOutput) or torch.is_tensor(outputs):
        return outputs
    if isinstance(outputs, Mapping):
        for value in outputs.values():
            if isinstance(value, LossOutput):
                return value
        return outputs.get("loss")
    return None
