"""Downstream probes of frozen features: weighted kNN classifier and linear probe.

Both take features as numpy arrays or torch tensors. The kNN classifier runs in torch on the
device of its inputs (CPU for numpy), blocked over queries so memory stays O(block · bank).
The linear probe is multinomial logistic regression on standardised features, either with
scikit-learn's L-BFGS solver (default) or with a full-batch torch L-BFGS that minimises the same
objective on any device, for feature sets too large for scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from infossl._checks import check_choice, check_float, check_int, check_seed

__all__ = [
    "KNN_PRESETS",
    "ProbeResult",
    "knn_accuracy",
    "knn_predict",
    "linear_probe",
]

#: Named (k, τ) settings of the weighted cosine kNN classifier.
#: "moco": the kNN monitor of MoCo's CIFAR-10 demo (k = 200, τ = 0.1), widely copied "as in
#: InstDisc"; "instdisc": Wu et al. 2018 on ImageNet (k = 200, τ = 0.07); "dino": DINO's
#: evaluation and solo-learn's default (k = 20, τ = 0.07).
KNN_PRESETS: dict[str, tuple[int, float]] = {
    "moco": (200, 0.1),
    "instdisc": (200, 0.07),
    "dino": (20, 0.07),
}


# ----------------------------------------------------------------------------- validation
def _features(x: Any, name: str, device: torch.device | None = None) -> torch.Tensor:
    """A finite 2-D float tensor; numpy input becomes float64 on the CPU."""
    if isinstance(x, torch.Tensor):
        t = x.detach()
        if not t.is_floating_point():
            t = t.double()
        elif t.dtype in (torch.float16, torch.bfloat16):
            t = t.float()
    else:
        try:
            arr = np.asarray(x)
        except (TypeError, ValueError) as err:
            raise TypeError(f"{name} must be an array-like of numbers: {err}") from None
        if arr.dtype == object or arr.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
        t = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float64))
    if device is not None:
        t = t.to(device)
    if t.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n, dim), got shape {tuple(t.shape)}")
    if t.shape[0] == 0 or t.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {tuple(t.shape)})")
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    return t


def _labels(y: Any, name: str, n: int, device: torch.device) -> torch.Tensor:
    """Non-negative integer class labels of shape (n,) as an int64 tensor."""
    arr = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    if arr.dtype.kind not in "biu":
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (n,), got shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} labels but the features have {n} rows")
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} must be non-negative class indices, got {int(arr.min())}")
    return torch.as_tensor(arr.astype(np.int64), device=device)


def _unit_rows(t: torch.Tensor, name: str) -> torch.Tensor:
    norms = t.norm(dim=1, keepdim=True)
    if bool((norms == 0).any()):
        raise ValueError(f"{name} has row(s) of zero norm; cosine similarity is undefined")
    return t / norms


# ----------------------------------------------------------------------------- kNN
def knn_predict(
    train_features: Any,
    train_labels: Any,
    test_features: Any,
    *,
    k: int = 200,
    tau: float = 0.1,
    n_classes: int | None = None,
    block_size: int = 1024,
) -> torch.Tensor:
    """Weighted cosine kNN classifier (Wu et al. 2018, InstDisc; MoCo's kNN monitor).

    Rows are L2-normalised; for each query the k most cosine-similar training rows vote for their
    class with weight ``exp(s_i / τ)``; the prediction is the class with the largest total weight
    (ties go to the lowest class index). Weights are computed as ``exp((s_i − s_max)/τ)``, which
    leaves the vote unchanged and cannot overflow. ``k`` is clipped to the bank size. Defaults
    are the "moco" preset (k = 200, τ = 0.1); see :data:`KNN_PRESETS`. Runs on the device of
    ``train_features``. Cost: O(n_test · n_train · dim), memory O(block_size · n_train).

    Returns the predicted labels as an int64 tensor of shape ``(n_test,)``.
    """
    k = check_int(k, "k", low=1)
    tau = check_float(tau, "tau", low=0.0, low_open=True)
    block_size = check_int(block_size, "block_size", low=1)
    bank = _features(train_features, "train_features")
    queries = _features(test_features, "test_features", device=bank.device)
    if queries.shape[1] != bank.shape[1]:
        raise ValueError(
            f"test_features has dimension {queries.shape[1]} but train_features has {bank.shape[1]}"
        )
    labels = _labels(train_labels, "train_labels", bank.shape[0], bank.device)
    needed = int(labels.max()) + 1
    if n_classes is None:
        n_classes = needed
    n_classes = check_int(n_classes, "n_classes", low=needed)
    dtype = torch.promote_types(bank.dtype, queries.dtype)
    bank = _unit_rows(bank.to(dtype), "train_features")
    queries = _unit_rows(queries.to(dtype), "test_features")
    k = min(k, bank.shape[0])
    predictions = []
    for start in range(0, queries.shape[0], block_size):
        sim = queries[start : start + block_size] @ bank.T
        top_sim, top_idx = sim.topk(k, dim=1)
        weights = torch.exp((top_sim - top_sim[:, :1]) / tau)
        votes = torch.zeros(sim.shape[0], n_classes, dtype=dtype, device=bank.device)
        votes.scatter_add_(1, labels[top_idx], weights)
        predictions.append(votes.argmax(dim=1))
    return torch.cat(predictions)


def knn_accuracy(
    train_features: Any,
    train_labels: Any,
    test_features: Any,
    test_labels: Any,
    *,
    k: int = 200,
    tau: float = 0.1,
    n_classes: int | None = None,
    block_size: int = 1024,
) -> float:
    """Top-1 accuracy (fraction in [0, 1]) of :func:`knn_predict` on labelled test features."""
    pred = knn_predict(
        train_features,
        train_labels,
        test_features,
        k=k,
        tau=tau,
        n_classes=n_classes,
        block_size=block_size,
    )
    truth = _labels(test_labels, "test_labels", pred.shape[0], pred.device)
    return float((pred == truth).double().mean())


# ----------------------------------------------------------------------------- linear probe
@dataclass(frozen=True)
class ProbeResult:
    """Outcome of a linear probe.

    Attributes:
        accuracy: top-1 accuracy on the test features, in [0, 1].
        train_accuracy: top-1 accuracy on the training features.
        C: inverse L2 strength used for the final fit (chosen on a validation split when a grid
            was given).
        backend: ``"sklearn"`` or ``"torch"``.
        n_train, n_test, n_classes: sizes.
        val_accuracy: accuracy per C on the validation split (empty when a single C was given).
    """

    accuracy: float
    train_accuracy: float
    C: float
    backend: str
    n_train: int
    n_test: int
    n_classes: int
    val_accuracy: dict[float, float]


def _fit_sklearn(x: np.ndarray, y: np.ndarray, c: float, max_iter: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=max_iter, tol=1e-6)
    model.fit(x, y)
    return model.predict


def _fit_torch(
    x: np.ndarray | torch.Tensor,
    y: np.ndarray | torch.Tensor,
    c: float,
    max_iter: int,
    n_classes: int,
) -> Any:
    """Minimise mean cross-entropy + ‖W‖²/(2·C·n) (scikit-learn's objective divided by n)."""
    xt = torch.as_tensor(x)
    yt = torch.as_tensor(y, device=xt.device)
    n, dim = xt.shape
    weight = torch.zeros(dim, n_classes, dtype=xt.dtype, device=xt.device, requires_grad=True)
    bias = torch.zeros(n_classes, dtype=xt.dtype, device=xt.device, requires_grad=True)
    optimiser = torch.optim.LBFGS(
        [weight, bias],
        lr=1.0,
        max_iter=max_iter,
        tolerance_grad=1e-9,
        tolerance_change=1e-12,
        history_size=20,
        line_search_fn="strong_wolfe",
    )
    penalty = 1.0 / (2.0 * c * n)

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = F.cross_entropy(xt @ weight + bias, yt) + penalty * (weight**2).sum()
        loss.backward()
        return loss

    optimiser.step(closure)

    def predict(features: Any) -> np.ndarray:
        with torch.no_grad():
            ft = torch.as_tensor(features, device=xt.device, dtype=xt.dtype)
            return (ft @ weight + bias).argmax(dim=1).cpu().numpy()

    return predict


def _check_c_grid(C: float | Sequence[float]) -> list[float]:
    if isinstance(C, Sequence) and not isinstance(C, str):
        if len(C) == 0:
            raise ValueError("C must be a positive number or a non-empty sequence of them")
        return [check_float(c, f"C[{i}]", low=0.0, low_open=True) for i, c in enumerate(C)]
    return [check_float(C, "C", low=0.0, low_open=True)]


def linear_probe(
    train_features: Any,
    train_labels: Any,
    test_features: Any,
    test_labels: Any,
    *,
    C: float | Sequence[float] = 1.0,
    val_fraction: float = 0.2,
    backend: str = "sklearn",
    max_iter: int = 1000,
    seed: int | np.random.Generator = 0,
) -> ProbeResult:
    """Linear probe: multinomial logistic regression on standardised frozen features.

    Features are standardised with the training mean and std. The objective is
    ``Σ_i CE(W h_i + b, y_i) + ‖W‖²/(2C)`` (scikit-learn's convention; the bias is not
    penalised), solved by L-BFGS: scikit-learn's ``LogisticRegression`` (``backend="sklearn"``)
    or a full-batch torch L-BFGS on the features' device (``backend="torch"``; the same
    objective divided by n). When ``C`` is a sequence, each value is fitted on a random
    ``1 − val_fraction`` part of the training set, the best validation accuracy picks C (ties:
    the smallest C), and the probe is refitted on the whole training set. ``seed`` draws the
    validation split. Cost: O(iterations · n · dim · classes).
    """
    check_choice(backend, "backend", ("sklearn", "torch"))
    max_iter = check_int(max_iter, "max_iter", low=1)
    grid = _check_c_grid(C)
    train_t = _features(train_features, "train_features")
    test_t = _features(test_features, "test_features", device=train_t.device)
    if test_t.shape[1] != train_t.shape[1]:
        raise ValueError(
            f"test_features has dimension {test_t.shape[1]} but train_features has "
            f"{train_t.shape[1]}"
        )
    y_train = _labels(train_labels, "train_labels", train_t.shape[0], train_t.device)
    y_test = _labels(test_labels, "test_labels", test_t.shape[0], train_t.device)
    n_classes = int(max(int(y_train.max()), int(y_test.max()))) + 1
    if int(torch.unique(y_train).numel()) < 2:
        raise ValueError("train_labels must contain at least 2 classes")

    if backend == "sklearn":
        x_train = train_t.cpu().numpy()
        x_test = test_t.cpu().numpy()
        yt_np, ys_np = y_train.cpu().numpy(), y_test.cpu().numpy()

        def fit(x: np.ndarray, y: np.ndarray, c: float) -> Any:
            return _fit_sklearn(x, y, c, max_iter)
    else:
        x_train, x_test = train_t, test_t
        yt_np, ys_np = y_train, y_test

        def fit(x: Any, y: Any, c: float) -> Any:
            return _fit_torch(x, y, c, max_iter, n_classes)

    val_accuracy: dict[float, float] = {}
    best_c = grid[0]
    if len(grid) > 1:
        val_fraction = check_float(
            val_fraction, "val_fraction", low=0.0, high=1.0, low_open=True, high_open=True
        )
        rng = check_seed(seed)
        n = train_t.shape[0]
        n_val = max(1, round(val_fraction * n))
        if n - n_val < 2:
            raise ValueError(f"val_fraction={val_fraction} leaves fewer than 2 training rows")
        order = rng.permutation(n)
        val_idx, fit_idx = order[:n_val], order[n_val:]
        fit_x, val_x = _subset(x_train, fit_idx), _subset(x_train, val_idx)
        fit_x, val_x = _standardise(fit_x, val_x)
        fit_y, val_y = _subset(yt_np, fit_idx), _subset(yt_np, val_idx)
        for c in grid:
            predict = fit(fit_x, fit_y, c)
            val_accuracy[c] = _accuracy(predict(val_x), val_y)
        best_c = max(grid, key=lambda c: (val_accuracy[c], -c))
    x_train_s, x_test_s = _standardise(x_train, x_test)
    predict = fit(x_train_s, yt_np, best_c)
    return ProbeResult(
        accuracy=_accuracy(predict(x_test_s), ys_np),
        train_accuracy=_accuracy(predict(x_train_s), yt_np),
        C=best_c,
        backend=backend,
        n_train=int(train_t.shape[0]),
        n_test=int(test_t.shape[0]),
        n_classes=n_classes,
        val_accuracy=val_accuracy,
    )


def _subset(a: Any, idx: np.ndarray) -> Any:
    if isinstance(a, torch.Tensor):
        return a[torch.as_tensor(idx, device=a.device)]
    return a[idx]


def _standardise(train: Any, *others: Any) -> list[Any]:
    """Subtract the training mean and divide by the training std (1 where a column is constant)."""
    if isinstance(train, torch.Tensor):
        mean = train.mean(dim=0)
        std = train.std(dim=0, unbiased=False)
        std = torch.where(std == 0, torch.ones_like(std), std)
    else:
        mean = train.mean(axis=0)
        std = train.std(axis=0)
        std[std == 0] = 1.0
    return [(a - mean) / std for a in (train, *others)]


def _accuracy(pred: Any, truth: Any) -> float:
    pred_np = pred.cpu().numpy() if isinstance(pred, torch.Tensor) else np.asarray(pred)
    truth_np = truth.cpu().numpy() if isinstance(truth, torch.Tensor) else np.asarray(truth)
    return float(np.mean(pred_np == truth_np))
