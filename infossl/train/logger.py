"""Run logs: one JSON object per line (``metrics.jsonl``) and TensorBoard event files (``tb/``).

Record kinds in ``metrics.jsonl``:

* ``{"kind": "terms", ...}`` — once, the information reading of every loss term: name →
  quantity (``I(Z1;Z2)``), kind (lower / upper / point / proxy), bound, notation.
* ``{"kind": "train", "step", "epoch", "loss", "terms": {name: value}, "weights": {name: w},
  "diagnostics", "lr", "probe", "time": {...}}`` — every ``log.every_steps`` steps.
* ``{"kind": "eval", "step", "epoch", ...}`` — kNN monitor, probe accuracy, final results.
* ``{"kind": "resume", "step", "epochs_from", "epochs_to", ...}`` — a resumed run extended to
  more epochs (the re-planned schedule); not sent to TensorBoard.
* ``{"kind": "checkpoint_skipped", "step", "epoch", "tensor", "detail", "kept_step"}`` — a
  checkpoint not written because a tensor of the state was not finite (``kept_step``: the
  step of the last good one, null if none); not sent to TensorBoard.

Wall-clock readings (``img_per_s``, ``elapsed``) sit under ``"time"`` only, so two runs of the
same config give identical records once ``"time"`` is dropped. TensorBoard tags carry the
information label, e.g. ``terms/mi/I(Z1;Z2)[lower]``. On resume the JSONL file is cut back to
the checkpoint's step and TensorBoard is told to purge later events (``purge_step``), so a
killed and resumed run leaves the same logs as an uninterrupted one.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infossl._atomic import atomic_write_text
from infossl.framework import LossOutput, TermValue
from infossl.train.runfiles import read_jsonl

__all__ = ["RunLogger", "read_jsonl", "term_header", "term_tag"]

#: Record kinds that are events, not measurements: written to JSONL only.
_EVENT_KINDS = ("resume", "checkpoint_skipped")


def term_tag(group: str, name: str, tv: TermValue) -> str:
    """TensorBoard tag of a term: ``group/name/quantity[kind]``."""
    return f"{group}/{name}/{tv.quantity}[{tv.kind}]"


def term_header(out: LossOutput) -> dict[str, Any]:
    """The ``"terms"`` record: what each term and diagnostic measures."""

    def describe(tv: TermValue) -> dict[str, Any]:
        return {
            "quantity": tv.quantity,
            "kind": tv.kind,
            "bound": tv.bound,
            "notation": tv.notation,
            "label": tv.term.label,
        }

    return {
        "kind": "terms",
        "terms": {n: describe(tv) for n, tv in out.terms.items()},
        "diagnostics": {n: describe(tv) for n, tv in out.diagnostics.items()},
        "constant": out.constant,
    }


def _clean(value: Any) -> Any:
    """JSON-safe: non-finite floats become strings ``"nan"``, ``"inf"``, ``"-inf"``."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _scalars(record: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in record.items():
        if key in ("kind", "step", "epoch"):
            continue
        tag = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_scalars(value, tag + "/"))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[tag] = float(value)
    return out


class RunLogger:
    """Writes records to ``folder/metrics.jsonl`` and ``folder/tb`` (when ``enabled``).

    Args:
        folder: the run folder.
        enabled: False on every process but rank 0 (then nothing is written).
        tensorboard: also write TensorBoard scalars.
        resume_step: the checkpoint step when resuming (records after it are dropped);
            None starts new logs.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        enabled: bool = True,
        tensorboard: bool = True,
        resume_step: int | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.enabled = bool(enabled)
        self.path = self.folder / "metrics.jsonl"
        self._writer = None
        self._tags: dict[str, str] = {}
        self._header_written = False
        if not self.enabled:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        if resume_step is None:
            atomic_write_text(self.path, "")
        else:
            kept = [
                r
                for r in read_jsonl(self.path)
                if r.get("kind") == "terms" or int(r.get("step", 0)) <= resume_step
            ]
            self._header_written = any(r.get("kind") == "terms" for r in kept)
            self._tags = self._tags_from(kept)
            text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in kept)
            atomic_write_text(self.path, text)  # a kill here keeps the rows of the last run
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            purge = None if resume_step is None else resume_step + 1
            self._writer = SummaryWriter(str(self.folder / "tb"), purge_step=purge)

    @staticmethod
    def _tags_from(records: list[dict[str, Any]]) -> dict[str, str]:
        tags: dict[str, str] = {}
        for r in records:
            if r.get("kind") == "terms":
                for group in ("terms", "diagnostics"):
                    for name, d in r.get(group, {}).items():
                        tags[f"{group}/{name}"] = f"{group}/{name}/{d['quantity']}[{d['kind']}]"
        return tags

    def write_header(self, out: LossOutput) -> None:
        """Write the ``"terms"`` record once (the first call wins)."""
        if not self.enabled or self._header_written:
            return
        header = term_header(out)
        self._tags.update({f"terms/{n}": term_tag("terms", n, tv) for n, tv in out.terms.items()})
        self._tags.update(
            {
                f"diagnostics/{n}": term_tag("diagnostics", n, tv)
                for n, tv in out.diagnostics.items()
            }
        )
        self._append(header)
        self._header_written = True

    def _append(self, record: Mapping[str, Any]) -> None:
        line = json.dumps(_clean(record), sort_keys=True) + "\n"
        try:
            with open(self.path, "a") as f:
                f.write(line)
        except OSError as err:  # a full disk: name the file (a bare write error names none)
            if err.filename is not None or err.errno is None:
                raise
            raise OSError(err.errno, err.strerror, str(self.path)) from err

    def log(self, record: Mapping[str, Any]) -> None:
        """Append one record (needs ``kind`` and ``step``) and its scalars to TensorBoard."""
        if not self.enabled:
            return
        self._append(record)
        if self._writer is not None and record.get("kind") not in _EVENT_KINDS:
            step = int(record["step"])
            for tag, value in _scalars(record).items():
                group_name = "/".join(tag.split("/")[:2])
                self._writer.add_scalar(self._tags.get(group_name, tag), value, step)

    def scalars(self, values: Mapping[str, float], step: int) -> None:
        """Write ``tag → value`` scalars to TensorBoard only (no JSONL record)."""
        if not self.enabled or self._writer is None:
            return
        for tag, value in values.items():
            if math.isfinite(float(value)):
                self._writer.add_scalar(tag, float(value), int(step))

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
