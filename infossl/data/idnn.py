"""The 12-bit task of Shwartz-Ziv & Tishby (2017), shipped with the package.

X holds all 4,096 binary patterns of 12 bits, each exactly once; y is the binary label the
authors assigned each pattern with a spherically symmetric rule (label mean 0.517, so
H(Y) = 0.99916 bits). With X uniform over the patterns, I(X;Y) = H(Y). The arrays are
``infossl/data/var_u.npz``, a lossless copy of ``var_u.mat`` from github.com/artemyk/ibsgd
(MIT licence, see ``var_u.LICENSE.txt`` beside it).

References: Shwartz-Ziv & Tishby, "Opening the Black Box of Deep Neural Networks via
Information", arXiv:1703.00810 (2017); Saxe et al., ICLR 2018.
"""

from __future__ import annotations

import io
import os
from importlib import resources

import numpy as np

from infossl.data.dataset import DatasetError
from infossl.data.matlab import load_mat

__all__ = ["IDNN_INPUT_BITS", "IDNN_N_PATTERNS", "idnn_task_from_mat", "load_idnn_task"]

IDNN_INPUT_BITS = 12
IDNN_N_PATTERNS = 2**IDNN_INPUT_BITS
_RESOURCE = "data/var_u.npz"


def _checked(features: np.ndarray, labels: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate the task's shape and values; return (X float64 (4096, 12), y int64 (4096,))."""
    features = np.asarray(features)
    labels = np.asarray(labels).reshape(-1)
    if features.shape != (IDNN_N_PATTERNS, IDNN_INPUT_BITS):
        raise DatasetError(f"{where}: F must have shape (4096, 12), got {features.shape}")
    if labels.shape != (IDNN_N_PATTERNS,):
        raise DatasetError(f"{where}: y must hold 4096 labels, got {labels.size}")
    if not (np.isin(features, (0, 1)).all() and np.isin(labels, (0, 1)).all()):
        raise DatasetError(f"{where}: F and y must be binary (0/1)")
    return features.astype(np.float64), labels.astype(np.int64)


def load_idnn_task() -> tuple[np.ndarray, np.ndarray]:
    """The shipped task: ``X`` float64 (4096, 12) with entries 0/1, ``y`` int64 (4096,) in {0, 1}.

    Rows are in the original order (pattern i is the binary expansion of i, most significant
    bit first).
    """
    blob = resources.files("infossl").joinpath(_RESOURCE).read_bytes()
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        return _checked(data["F"], data["y"], f"infossl/{_RESOURCE}")


def idnn_task_from_mat(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """Read the task from a ``var_u.mat`` file (variables ``F`` and ``y``), checked like
    :func:`load_idnn_task`."""
    arrays = load_mat(path, variables=("F", "y"))
    return _checked(arrays["F"], arrays["y"], str(path))
