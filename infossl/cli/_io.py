"""Reading sample files and printing estimates for the command line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from infossl.estimate import Estimate


def parse_columns(spec: str | None, name: str) -> list[int] | None:
    """Parse '0,2,5' or '0:3' (half-open range) into column indices; None keeps all columns.

    ``ValueError`` naming the option for a malformed, negative, empty or reversed spec.
    """
    if spec is None:
        return None
    cols: list[int] = []
    for part in spec.split(","):
        cols.extend(_column_part(part.strip(), name, spec))
    if not cols or min(cols) < 0:
        raise ValueError(f"{name} must name non-negative column indices, got {spec!r}")
    return cols


def _column_part(part: str, name: str, spec: str) -> list[int]:
    """The columns of one item of a column spec: 'i' or 'lo:hi' with lo < hi."""
    try:
        if ":" not in part:
            return [int(part)]
        lo, hi = (int(v) for v in part.split(":"))
    except ValueError:
        raise ValueError(f"{name} must look like '0,1' or '0:3', got {spec!r}") from None
    if hi <= lo:
        raise ValueError(
            f"{name}: the range {part!r} is empty (lo:hi takes columns lo to hi-1; "
            f"write it with lo < hi, e.g. '{min(lo, hi)}:{max(lo, hi) + 1}')"
        )
    return list(range(lo, hi))


def input_file(path: Path, kinds: str = "a .npy, .npz or .csv file") -> Path:
    """``path``, checked to be an existing, non-empty file (``FileNotFoundError`` when missing,
    ``ValueError`` for a folder or a 0-byte file); ``kinds`` names the files the command reads."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a folder, not a file; give {kinds}")
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if path.stat().st_size == 0:
        raise ValueError(f"{path} is empty (0 bytes); write the samples to it first")
    return path


def npz_keys(path: Path) -> list[str]:
    """The array names inside an .npz file (``ValueError`` for a folder, an empty or an
    unreadable file; ``FileNotFoundError`` for a missing one)."""
    path = input_file(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            return list(data.files)
    except (OSError, ValueError, EOFError) as err:
        raise ValueError(f"{path}: not a readable .npz file ({err})") from None


def load_array(
    path: Path, *, key: str | None = None, columns: list[int] | None = None
) -> np.ndarray:
    """Load samples from .npy, .npz (array ``key`` or the first) or .csv/.txt (header skipped).

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming the path for a
    folder, an empty or unreadable file, and listing the arrays present for a missing .npz key.
    """
    path = input_file(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        arr = _load_npy(path)
    elif suffix == ".npz":
        files = npz_keys(path)
        if not files:
            raise ValueError(f"{path} holds no arrays")
        if key is not None and key not in files:
            raise ValueError(f"{path} has no array {key!r}; arrays present: {', '.join(files)}")
        try:
            with np.load(path, allow_pickle=False) as data:
                arr = data[key if key is not None else files[0]]
        except (OSError, ValueError, EOFError) as err:
            raise ValueError(f"{path}: not a readable .npz file ({err})") from None
    elif suffix in (".csv", ".txt", ".tsv"):
        delimiter = "\t" if suffix == ".tsv" else ("," if suffix == ".csv" else None)
        arr = _load_text(path, delimiter)
    else:
        raise ValueError(f"{path}: unsupported file type {suffix!r} (use .npy, .npz or .csv)")
    arr = np.asarray(arr)
    if arr.size == 0:
        raise ValueError(f"{path} is empty")
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if columns is not None:
        if max(columns) >= arr.shape[1]:
            raise ValueError(f"{path} has {arr.shape[1]} columns; asked for column {max(columns)}")
        arr = arr[:, columns]
    return arr


def _load_npy(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as err:
        raise ValueError(f"{path}: not a readable .npy file ({err})") from None


def _load_text(path: Path, delimiter: str | None) -> np.ndarray:
    try:
        with path.open(encoding="utf-8") as fh:
            first = fh.readline()
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text; give a text file of numbers") from None
    fields = first.strip().split(delimiter) if first.strip() else []
    skip = 0
    try:
        [float(f) for f in fields]
    except ValueError:
        skip = 1  # a header row
    try:
        return np.loadtxt(path, delimiter=delimiter, skiprows=skip, ndmin=2)
    except ValueError as err:
        raise ValueError(f"{path}: could not read numbers ({err})") from None


def print_estimates(
    estimates: Sequence[Estimate],
    truth: Sequence[float | None] | None = None,
    title: str | None = None,
    unit: str | None = None,
) -> None:
    """Print estimates as a rich table (one row each), with the truth when given.

    Every row and note is shown in one unit: ``unit``, or that of the first estimate (``truth``
    must be given in it).
    """
    from rich.console import Console
    from rich.table import Table

    if estimates:
        unit = unit or estimates[0].unit
        estimates = [e.to(unit) for e in estimates]
    table = Table(title=title)
    cols = ["quantity", "method", "kind", "value", "unit", "stderr", "CI", "ceiling", "n", "dims"]
    if truth is not None:
        cols.insert(3, "truth")
    for col in cols:
        table.add_column(col, justify="right" if col in ("value", "truth", "stderr") else "left")
    for i, e in enumerate(estimates):
        ci = "" if e.ci is None else f"[{e.ci[0]:.4g}, {e.ci[1]:.4g}]"
        row = [
            e.quantity,
            e.method,
            e.kind,
            f"{e.value:.4g}",
            e.unit,
            "" if e.stderr is None else f"{e.stderr:.2g}",
            ci,
            _ceiling_text(e),
            str(e.n),
            "×".join(map(str, e.dims)),
        ]
        if truth is not None:
            t = truth[i]
            row.insert(3, "" if t is None else f"{t:.4g}")
        table.add_row(*row)
    console = Console(width=160)
    console.print(table)
    for e in estimates:
        for note in e.notes:
            console.print(f"[dim]note ({e.method}): {note}[/dim]")


def _ceiling_text(e: Estimate) -> str:
    if e.ceiling is None:
        return ""
    return f"{e.ceiling:.4g}" + (" (saturated)" if e.saturated else "")
