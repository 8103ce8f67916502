"""SSL training: config, methods, optimisers, checkpoints, logs, the trainer and evaluation.

Heavy modules are imported on use; ``from infossl.train import train, load_config`` works.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ConfigError", "RunConfig", "load_config", "train"]


def __getattr__(name: str) -> Any:
    if name in ("ConfigError", "RunConfig", "load_config"):
        from infossl.train import config

        return getattr(config, name)
    if name == "train":
        from infossl.train.trainer import train

        return train
    raise AttributeError(f"module 'infossl.train' has no attribute {name!r}")
