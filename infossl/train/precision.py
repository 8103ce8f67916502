"""Numeric precision and memory format of training: fp32, bf16 / fp16 autocast, channels_last.

``precision="auto"`` resolves, once per run, to:

* CUDA: bf16 autocast where the GPU supports bf16, else fp16 autocast with gradient scaling;
  channels_last for convolutional backbones.
* CPU without native bf16 (``torch.ops.mkldnn._is_mkldnn_bf16_supported()`` false), or an MLP
  backbone (small GEMMs, where bf16 conversions cost more than they save): fp32, NCHW.
* Other CPUs: the fastest of {fp32, bf16} × {NCHW, channels_last} for *this* backbone and
  input size, measured on a few forward + backward steps and cached in
  ``$INFOSSL_CACHE/precision.json`` (key: CPU model, torch version, threads, backbone, input
  shape). bf16 is chosen only if at least :data:`MIN_GAIN` faster than fp32 NCHW.

Losses are always computed in fp32 (the trainer leaves autocast before the objective), so
reduced precision affects the encoder and heads only.
"""

from __future__ import annotations

import contextlib
import json
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

__all__ = ["MIN_GAIN", "Precision", "choose_setting", "measure_cpu_settings", "resolve_precision"]

#: A reduced-precision setting must beat fp32 NCHW by this factor to be chosen automatically.
MIN_GAIN = 1.10


@dataclass(frozen=True)
class Precision:
    """A resolved setting: ``dtype`` ("fp32", "bf16", "fp16"), ``channels_last``, why."""

    dtype: str
    channels_last: bool
    reason: str = ""

    @property
    def autocast_dtype(self) -> torch.dtype | None:
        return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.dtype)

    def autocast(self, device: torch.device) -> contextlib.AbstractContextManager[Any]:
        """The autocast context for the encoder forward (a no-op for fp32)."""
        dtype = self.autocast_dtype
        if dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=device.type, dtype=dtype)

    @property
    def needs_grad_scaler(self) -> bool:
        return self.dtype == "fp16"

    def to_dict(self) -> dict[str, Any]:
        return {"dtype": self.dtype, "channels_last": self.channels_last, "reason": self.reason}


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cpu_bf16_supported() -> bool:
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def measure_cpu_settings(
    make_backbone: Callable[[], nn.Module],
    input_shape: tuple[int, ...],
    *,
    batch_size: int = 64,
    rounds: int = 3,
    steps: int = 2,
) -> dict[str, float]:
    """Images per second of forward + backward for each of fp32/bf16 × NCHW/channels_last.

    The four settings run in interleaved rounds on copies of one model (``make_backbone()``),
    after one warm-up step each; the median round is returned. Cost: about
    ``4 · (rounds · steps + 1)`` training steps of ``batch_size`` images.
    """
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(batch_size, *input_shape, generator=gen)
    settings: dict[str, tuple[nn.Module, bool]] = {}
    for dtype in ("fp32", "bf16"):
        for fmt in ("nchw", "channels_last"):
            model = make_backbone().train()
            if fmt == "channels_last":
                model = model.to(memory_format=torch.channels_last)
                if hasattr(model, "channels_last"):
                    model.channels_last = True
            settings[f"{dtype}/{fmt}"] = (model, dtype == "bf16")

    def step(model: nn.Module, bf16: bool) -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = model(x).float().square().mean()
        loss.backward()
        model.zero_grad(set_to_none=True)

    for model, bf16 in settings.values():
        step(model, bf16)
    rates: dict[str, list[float]] = {k: [] for k in settings}
    for _ in range(rounds):
        for name, (model, bf16) in settings.items():
            t0 = time.perf_counter()
            for _ in range(steps):
                step(model, bf16)
            rates[name].append(steps * batch_size / (time.perf_counter() - t0))
    return {k: statistics.median(v) for k, v in rates.items()}


def _cache_path() -> Path:
    from infossl.data.cache import default_cache_dir

    return default_cache_dir() / "precision.json"


def _read_cache(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, json.JSONDecodeError):
        return {}


def choose_setting(rates: dict[str, float], channels_last: bool | None = None) -> str:
    """The fastest measured setting (``"bf16/channels_last"``, ...), or ``"fp32/<layout>"``
    unless a bf16 setting beats fp32 in the same layout by :data:`MIN_GAIN`; ``channels_last``
    restricts the layout (None: both)."""
    layouts = (
        ["nchw", "channels_last"]
        if channels_last is None
        else (["channels_last"] if channels_last else ["nchw"])
    )
    candidates = [f"{d}/{f}" for d in ("fp32", "bf16") for f in layouts]
    best = max(candidates, key=lambda k: rates[k])
    fp32 = f"fp32/{layouts[0]}" if channels_last is not None else "fp32/nchw"
    if best.startswith("bf16") and rates[best] < MIN_GAIN * rates[fp32]:
        best = max((k for k in candidates if k.startswith("fp32")), key=lambda k: rates[k])
    return best


def _auto_cpu(
    backbone_key: str,
    make_backbone: Callable[[], nn.Module],
    input_shape: tuple[int, ...],
    cache: bool,
    channels_last: bool | None,
) -> Precision:
    key = (
        f"{_cpu_name()}|torch {torch.__version__}|threads {torch.get_num_threads()}|"
        f"{backbone_key}|{tuple(input_shape)}"
    )
    path = _cache_path()
    rates = _read_cache(path).get(key) if cache else None
    source = "cached measurement"
    if rates is None:
        rates = measure_cpu_settings(make_backbone, input_shape)
        source = "measured"
        if cache:
            from infossl.train.checkpoint import write_json_atomic

            data = _read_cache(path)
            data[key] = rates
            try:
                write_json_atomic(path, data)
            except OSError:
                pass
    dtype, fmt = choose_setting(rates, channels_last).split("/")
    text = ", ".join(f"{k} {v:.0f} img/s" for k, v in rates.items())
    return Precision(dtype, fmt == "channels_last", f"{source} on this CPU: {text}")


def resolve_precision(
    requested: str,
    channels_last: str | bool,
    device: torch.device,
    *,
    backbone_name: str,
    backbone_key: str,
    make_backbone: Callable[[], nn.Module],
    input_shape: tuple[int, ...],
    cache: bool = True,
) -> Precision:
    """Turn the config's ``precision`` and ``channels_last`` into a :class:`Precision`."""
    conv = backbone_name != "mlp"
    cl_fixed = None if channels_last == "auto" else bool(channels_last) and conv
    if requested == "fp16" and device.type != "cuda":
        raise ValueError(
            f"train.precision='fp16' needs a CUDA device; use 'bf16' or 'fp32' on {device.type}"
        )
    if device.type == "cuda":
        if requested == "auto":
            requested = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return Precision(requested, conv if cl_fixed is None else cl_fixed, "CUDA autocast")
    if requested != "auto":
        return Precision(requested, False if cl_fixed is None else cl_fixed, "requested")
    if not _cpu_bf16_supported():
        return Precision("fp32", bool(cl_fixed), "no native bf16 on this CPU")
    if not conv:
        return Precision("fp32", False, "MLP backbone: bf16 does not pay off")
    return _auto_cpu(backbone_key, make_backbone, input_shape, cache, cl_fixed)
