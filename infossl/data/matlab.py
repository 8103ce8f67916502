"""Reading MATLAB ``.mat`` files (format v4 to v7.2) into numpy arrays.

A thin, checked wrapper around :func:`scipy.io.loadmat`: a missing file raises
``FileNotFoundError``; a file that is not a readable MATLAB file, a v7.3 (HDF5) file, or one that
lacks a requested variable raises :class:`~infossl.data.dataset.DatasetError` (a ``ValueError``)
naming the path. MATLAB's metadata entries (``__header__``, ``__version__``, ``__globals__``)
are dropped. Nothing is unpickled or executed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from infossl.data.dataset import DatasetError

__all__ = ["load_mat"]

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def load_mat(
    path: str | os.PathLike[str],
    variables: Sequence[str] | None = None,
    *,
    squeeze: bool = False,
) -> dict[str, np.ndarray]:
    """Load the variables of a MATLAB ``.mat`` file as a dict of numpy arrays.

    ``variables``: names to read (all when None); each must exist. ``squeeze``: drop the unit
    dimensions MATLAB adds (a 1×n row vector becomes shape (n,)). MATLAB v7.3 files are HDF5
    containers that scipy cannot read; the error says so (open them with h5py instead).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    if not isinstance(squeeze, bool):
        raise TypeError(f"squeeze must be a bool, got {type(squeeze).__name__}")
    if variables is not None:
        if isinstance(variables, str) or not all(isinstance(v, str) for v in variables):
            raise TypeError(f"variables must be a sequence of names or None, got {variables!r}")
        variables = list(variables)
    file = Path(path)
    if not file.exists():
        raise FileNotFoundError(f"no such MATLAB file: {file}")
    if not file.is_file():
        raise DatasetError(f"{file} is not a file")
    with file.open("rb") as handle:
        head = handle.read(128)
    if b"MATLAB 7.3" in head or head.startswith(_HDF5_SIGNATURE):
        raise DatasetError(
            f"{file} is a MATLAB v7.3 (HDF5) file, which scipy.io.loadmat cannot read; "
            "open it with h5py or re-save it in MATLAB with -v7"
        )
    from scipy.io import loadmat, whosmat

    try:
        contents = loadmat(str(file), squeeze_me=squeeze, variable_names=variables)
    except NotImplementedError as err:  # scipy's message for v7.3 files
        raise DatasetError(f"{file}: {err} (MATLAB v7.3 files need h5py)") from None
    except Exception as err:  # scipy raises several unrelated types for corrupt files
        raise DatasetError(f"{file} is not a readable MATLAB .mat file: {err}") from None
    arrays = {k: v for k, v in contents.items() if not k.startswith("__")}
    if variables is not None:
        missing = [v for v in variables if v not in arrays]
        if missing:
            available = sorted(name for name, _, _ in whosmat(str(file)))
            raise DatasetError(f"{file} has no variable(s) {missing}; it holds {available}")
    return arrays
