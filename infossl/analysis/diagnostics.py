"""SSL information diagnostics of one evaluation batch (the quantities; the monitor that records
them during training is :mod:`infossl.analysis.monitor`).

Variables (all computed on the same fixed batch of n training images, every time):

* ``Z1``, ``Z2``: embeddings of two augmented views (augmentation drawn with a fixed seed);
* ``Z̄``: embeddings of the un-augmented images; ``Y``: their labels, when the data have labels;
* the embedding is the projector output when the method has one (the variable the loss acts
  on), otherwise the backbone output; ``representation`` records which.

Every entropy is of the *scale-normalised* embedding z/s with s² = tr Σ̂(Z1)/d, the same s for
all three variables, so values compare across epochs and methods (an isotropic Gaussian gives
(d/2) ln(2πe) whatever its scale) and a collapse shows as a fall of Ĥ(Z), not as a change of
units. Quantities (nats; each an :class:`~infossl.estimate.Estimate`):

* ``H(Z):gaussian-ridge`` — ½ ln det(2πe(Σ̂ + δI)) of Z1 (upper bound: the Gaussian maximises
  entropy at a given covariance, and the ridge δ adds independent noise); O(n d min(n, d)).
* ``H(Z):kl`` — Kozachenko–Leonenko kNN entropy of Z1 (point estimate; strongly biased once
  d ≳ 10, kept as a trend).
* ``H(Z):matrix-renyi`` — matrix-based Rényi α-entropy of Z1's Gram matrix (proxy, ≤ ln n).
* ``H(Z1|Z2):view-gaussian`` — ½ ln det(2πe(Σ_Δ + δI)), Σ_Δ = Cov(z1 − z2): the
  cross-entropy of the Gaussian channel q(z1|z2) = N(z2 + m, Σ_Δ), which bounds H(Z1|Z2) from
  above for fixed (m, Σ_Δ) (here fitted on the batch, so labelled a proxy). It is VICReg's
  invariance term read as a log-likelihood (Shwartz-Ziv et al., NeurIPS 2023), and
  Ĥ(Z) − Ĥ(Z1|Z2) is a Barber–Agakov-style Gaussian estimate of I(Z1;Z2).
* ``I(Z1;Z2):infonce`` — InfoNCE with the fixed critic f(z1, z2) = cos(z1, z2)/τ over the n
  pairs (lower bound, ceiling ln n; the critic is not trained).
* ``I(Z1;Z2):ksg-2d`` — KSG (k = 3) on shared random 2-D orthonormal projections W of both
  views, averaged over projections: I(WᵀZ1; WᵀZ2) ≤ I(Z1;Z2) by the data-processing inequality
  (lower bound as a quantity; the kNN estimate has its own bias).
* ``I(Z;Y):probe`` — H(Y) − CE of a multinomial logistic probe fitted on Z̄ of the batch and
  evaluated on a disjoint held-out batch (Barber–Agakov lower bound; ceiling H(Y)); the probe
  sees the top ``pca_dims`` principal components (a function of Z̄, so still a lower bound).
* ``I(Z;Y):ross`` — Ross's kNN estimator of I(Z̄;Y) on the same principal components.
* ``I(X;Z):gaussian-aug`` — Ĥ(Z) − Ĥ(Z|X) with the augmentation orbit as the channel noise
  (review §6.4), both Gaussian log-dets: ½ ln det(Σ̂_Z + δI) − ½ ln det(½Σ_Δ + δI) (proxy; exact
  for a Gaussian signal plus independent Gaussian augmentation noise).

Label-free metrics on Z̄: RankMe, effective rank, uniformity (t = 2), alignment of Z1 and Z2,
the covariance spectrum of the L2-normalised embeddings (Jing et al. 2022) and the probe's
held-out accuracy.

References: Garrido et al. (ICML 2023, RankMe); Wang & Isola (ICML 2020); Oord et al. (2018)
and Poole et al. (ICML 2019, InfoNCE); Kraskov et al. (2004); Ross (2014); Barber & Agakov
(2003); Shwartz-Ziv & LeCun (2023), §3, §6.4 and §7.6 of the review.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from infossl._checks import (
    as_samples,
    check_float,
    check_int,
    check_same_length,
    check_seed,
)
from infossl.estimate import Estimate

__all__ = [
    "QUANTITIES",
    "DiagnosticsResult",
    "augmentation_information",
    "covariance_eigenvalues",
    "gaussian_entropy_ridge",
    "infonce_views",
    "information_diagnostics",
    "label_entropy",
    "probe_information",
    "projected_ksg_mi",
    "scale_normalise",
    "view_conditional_entropy",
]

#: Quantities computed by default (keys of :attr:`DiagnosticsResult.estimates`).
QUANTITIES: tuple[str, ...] = (
    "H(Z):gaussian-ridge",
    "H(Z):kl",
    "H(Z):matrix-renyi",
    "H(Z1|Z2):view-gaussian",
    "I(Z1;Z2):infonce",
    "I(Z1;Z2):ksg-2d",
    "I(Z;Y):probe",
    "I(Z;Y):ross",
    "I(X;Z):gaussian-aug",
)
#: Eigenvalues of the spectrum kept per row (largest first).
SPECTRUM_KEEP = 256


# ----------------------------------------------------------------------------- building blocks
def scale_normalise(z: npt.ArrayLike, *others: npt.ArrayLike) -> tuple[list[np.ndarray], float]:
    """Divide ``z`` and ``others`` by s = √(tr Σ̂(z)/d) (s = 1 if z is constant); return (arrays, s).

    After it the mean per-coordinate variance of ``z`` is 1. O(n d).
    """
    z = as_samples(z, "z", min_n=2)
    arrays = [z] + [as_samples(o, f"others[{i}]") for i, o in enumerate(others)]
    for i, a in enumerate(arrays[1:]):
        if a.shape[1] != z.shape[1]:
            raise ValueError(f"others[{i}] has dimension {a.shape[1]}, z has {z.shape[1]}")
    var = float(z.var(axis=0, ddof=1).mean())
    s = math.sqrt(var) if var > 0 else 1.0
    return [a / s for a in arrays], s


def covariance_eigenvalues(z: npt.ArrayLike) -> np.ndarray:
    """All d eigenvalues of the sample covariance (ddof = 1), descending, clipped at 0.

    Computed on the smaller of the d×d covariance and the n×n Gram matrix of the centred data
    (they share their non-zero eigenvalues; the rest are 0): O(n d min(n, d) + min(n, d)³).
    """
    z = as_samples(z, "z", min_n=2)
    n, d = z.shape
    c = z - z.mean(axis=0)
    small = c.T @ c if d <= n else c @ c.T
    lam = np.clip(np.linalg.eigvalsh(small / (n - 1)), 0.0, None)[::-1]
    if d > n:
        lam = np.concatenate([lam, np.zeros(d - n)])
    return lam


def _check_ridge(ridge: Any) -> float:
    return check_float(ridge, "ridge", low=0.0, low_open=True)


def gaussian_entropy_ridge(z: npt.ArrayLike, ridge: float = 1e-4) -> Estimate:
    """Ĥ(Z) = ½ ln det(2πe(Σ̂ + δI)) in nats, δ = ``ridge`` (kind ``"upper"``).

    An upper bound on H(Z): H(Z) ≤ H(Z + N(0, δI)) ≤ the Gaussian entropy at that covariance.
    The ridge keeps it finite when embeddings collapse (each collapsed direction adds
    ½ ln(2πeδ)) or when d ≥ n. Exact, up to the ridge, for Gaussian data. The sample log-det is
    biased low by about d²/(2n) nats. O(n d min(n, d)). Reference: Cover & Thomas §8.6;
    Zhouyin & Liu (2021) for the log-det form.
    """
    z = as_samples(z, "z", min_n=2)
    ridge = _check_ridge(ridge)
    n, d = z.shape
    lam = covariance_eigenvalues(z)
    value = 0.5 * d * math.log(2.0 * math.pi * math.e) + 0.5 * float(np.log(lam + ridge).sum())
    notes = (
        "Gaussian upper bound with ridge; finite-sample log-det bias about "
        f"{d * d / (2 * n):.3g} nats low",
    )
    return Estimate(
        value,
        "nats",
        "upper",
        "gaussian-ridge",
        n,
        (d,),
        params={"ridge": ridge},
        quantity="H(Z)",
        notes=notes,
    )


def _check_views(z1: npt.ArrayLike, z2: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray, int]:
    z1 = as_samples(z1, "z1", min_n=2)
    z2 = as_samples(z2, "z2", min_n=2)
    n = check_same_length(z1=z1, z2=z2)
    if z1.shape[1] != z2.shape[1]:
        raise ValueError(
            f"z1 and z2 must have the same dimension, got {z1.shape[1]} and {z2.shape[1]}"
        )
    return z1, z2, n


def _ridge_logdet(eigenvalues: np.ndarray, ridge: float) -> float:
    return float(np.log(eigenvalues + ridge).sum())


def view_conditional_entropy(z1: npt.ArrayLike, z2: npt.ArrayLike, ridge: float = 1e-4) -> Estimate:
    """Ĥ(Z1|Z2) = ½ ln det(2πe(Σ_Δ + δI)), Σ_Δ the covariance of z1 − z2 (kind ``"proxy"``).

    The cross-entropy E[−ln q(z1|z2)] of the Gaussian channel q = N(z2 + m, Σ_Δ) with its
    maximum-likelihood mean m and covariance; for fixed (m, Σ_Δ) it bounds H(Z1|Z2) from above
    (here both are fitted on the batch, hence a proxy). Exact, up to the ridge, when
    z1 = z2 + ε with Gaussian ε independent of z2. It is VICReg's invariance term read as a
    log-likelihood (Shwartz-Ziv et al., NeurIPS 2023). O(n d min(n, d)).
    """
    z1, z2, n = _check_views(z1, z2)
    ridge = _check_ridge(ridge)
    d = z1.shape[1]
    lam = covariance_eigenvalues(z1 - z2)
    value = 0.5 * d * math.log(2.0 * math.pi * math.e) + 0.5 * _ridge_logdet(lam, ridge)
    return Estimate(
        value,
        "nats",
        "proxy",
        "view-gaussian",
        n,
        (d, d),
        params={"ridge": ridge, "mean_sq_discrepancy": float(lam.sum())},
        quantity="H(Z1|Z2)",
        notes=(
            "cross-entropy of the Gaussian channel q(z1|z2) = N(z2 + m, S), "
            "m and S fitted on the batch",
        ),
    )


def augmentation_information(z1: npt.ArrayLike, z2: npt.ArrayLike, ridge: float = 1e-4) -> Estimate:
    """Î(X;Z) = Ĥ(Z) − Ĥ(Z|X) for augmentation read as a Gaussian channel (kind ``"proxy"``).

    Z = Z1, one augmented view; the spread of a view around its orbit's centre has covariance
    Σ_w = ½ Cov(z1 − z2) (two independent draws of the orbit), so
    Î = ½ ln det(Σ̂_Z + δI) − ½ ln det(Σ_w + δI). Exact, up to the ridge, when
    Z = μ(X) + ε with μ(X) and ε independent Gaussians: then I(X;Z) = ½ ln det(A + S)/det(S)
    for Cov μ = A and Cov ε = S. Collapsed directions (no spread in either) add 0. The review's
    §6.4: "data augmentation as the noise source". O(n d min(n, d)).
    """
    z1, z2, n = _check_views(z1, z2)
    ridge = _check_ridge(ridge)
    d = z1.shape[1]
    lam_z = covariance_eigenvalues(z1)
    lam_w = 0.5 * covariance_eigenvalues(z1 - z2)
    value = 0.5 * (_ridge_logdet(lam_z, ridge) - _ridge_logdet(lam_w, ridge))
    return Estimate(
        value,
        "nats",
        "proxy",
        "gaussian-aug",
        n,
        (1, d),
        params={"ridge": ridge},
        quantity="I(X;Z)",
        notes=("Gaussian channel X -> Z with the augmentation orbit as noise: H_G(Z) - H_G(Z|X)",),
    )


def infonce_views(z1: npt.ArrayLike, z2: npt.ArrayLike, temperature: float = 0.1) -> Estimate:
    """InfoNCE lower bound on I(Z1;Z2) with the fixed critic cos(z1ᵢ, z2ⱼ)/τ over the n pairs.

    Î = ln n + (1/n) Σᵢ [Sᵢᵢ − ln Σⱼ exp Sᵢⱼ] (rows: z1 classifies its partner among all z2);
    a valid lower bound in expectation for any critic, capped at ln n (the ceiling). An
    uninformative critic makes it negative (independent d-dim views: about −1/(2τ²d)); since
    I ≥ 0 the reported value is max(0, Î), still a lower bound (the raw Î is in ``params``).
    O(n² d).
    Reference: Oord et al. (2018); Poole et al. (ICML 2019).
    """
    import torch

    from infossl.bounds import infonce, infonce_ceiling

    z1 = as_samples(z1, "z1", min_n=2)
    z2 = as_samples(z2, "z2", min_n=2)
    n = check_same_length(z1=z1, z2=z2)
    temperature = check_float(temperature, "temperature", low=0.0, low_open=True)
    a = _unit_rows(z1, "z1")
    b = _unit_rows(z2, "z2")
    scores = torch.from_numpy(a @ b.T / temperature)
    raw = float(infonce(scores))
    return Estimate(
        max(raw, 0.0),
        "nats",
        "lower",
        "infonce",
        n,
        (z1.shape[1], z2.shape[1]),
        ceiling=infonce_ceiling(n),
        params={"critic": "cosine/temperature", "temperature": temperature, "raw_bound": raw},
        quantity="I(Z1;Z2)",
    )


def _unit_rows(z: np.ndarray, name: str) -> np.ndarray:
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError(
            f"{name} has {int((norms == 0).sum())} zero row(s); cosine similarity is undefined"
        )
    return z / norms


def projected_ksg_mi(
    z1: npt.ArrayLike,
    z2: npt.ArrayLike,
    *,
    n_projections: int = 8,
    dims: int = 2,
    k: int = 3,
    seed: int | np.random.Generator = 0,
) -> Estimate:
    """Mean over random orthonormal W (d×dims) of the KSG estimate of I(WᵀZ1; WᵀZ2).

    The same W projects both views (their coordinates correspond). Each term is ≤ I(Z1;Z2) by
    the data-processing inequality, so the quantity is a lower bound (kind ``"lower"``); KSG
    (algorithm 1, k neighbours) estimates it with its own small-sample bias. ``stderr``: the
    spread over projections / √P. O(P n log n) for dims ≤ 5. Computed by the registered
    ``sliced`` estimator with ``paired=True`` (:class:`~infossl.estimators.sliced.SlicedMI`).
    Reference: Kraskov, Stögbauer & Grassberger (2004).
    """
    from infossl.estimators.sliced import SlicedMI

    z1 = as_samples(z1, "z1", min_n=2)
    z2 = as_samples(z2, "z2", min_n=2)
    n = check_same_length(z1=z1, z2=z2)
    d = z1.shape[1]
    if z2.shape[1] != d:
        raise ValueError(f"z1 and z2 must have the same dimension, got {d} and {z2.shape[1]}")
    n_projections = check_int(n_projections, "n_projections", low=1)
    dims = check_int(dims, "dims", low=1, high=d)
    k = check_int(k, "k", low=1)
    est = SlicedMI(
        n_projections, "ksg1", {"k": k}, seed=check_seed(seed), paired=True, dims=dims
    ).estimate(z1, z2)
    params = {"k": k, "dims": dims, "n_projections": n_projections}
    return Estimate(
        est.value,
        "nats",
        "lower",
        "ksg-projected",
        n,
        (d, d),
        stderr=est.stderr,
        params=params,
        quantity="I(Z1;Z2)",
        notes=(
            "I(W'Z1;W'Z2) <= I(Z1;Z2) (data processing); KSG estimate of the "
            "projected MI, averaged over random projections",
        ),
    )


def label_entropy(labels: npt.ArrayLike) -> float:
    """Plug-in entropy −Σ p̂ ln p̂ (nats) of the label frequencies."""
    from infossl._checks import as_labels

    codes = as_labels(labels, "labels")
    p = np.bincount(codes) / len(codes)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def _principal_components(fit: np.ndarray, *others: np.ndarray, dims: int) -> list[np.ndarray]:
    """Project on the top ``dims`` principal directions of ``fit`` (centred with fit's mean)."""
    mean = fit.mean(axis=0)
    centred = fit - mean
    if fit.shape[1] <= dims:
        return [centred] + [o - mean for o in others]
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    basis = vt[:dims].T
    return [centred @ basis] + [(o - mean) @ basis for o in others]


def probe_information(
    z_fit: npt.ArrayLike,
    y_fit: npt.ArrayLike,
    z_test: npt.ArrayLike,
    y_test: npt.ArrayLike,
    *,
    C: float = 0.1,
    pca_dims: int | None = 64,
    max_iter: int = 300,
    min_probability: float = 1e-6,
) -> tuple[Estimate, float]:
    """Probe lower bound Î(Z;Y) = H(Y) − CE and the probe's held-out accuracy.

    A multinomial logistic regression (L2, inverse strength ``C``, standardised inputs,
    scikit-learn L-BFGS) is fitted on (z_fit, y_fit) and its cross-entropy CE = −mean ln q(y|z)
    measured on the disjoint (z_test, y_test); H(Y) is the plug-in entropy of y_test. For any
    q, H(Y) − E[−ln q(Y|Z)] ≤ I(Z;Y) (Barber & Agakov 2003), and a held-out CE is an unbiased
    estimate of that expectation. With ``pca_dims`` the probe sees the top principal components
    of z_fit (a function of Z, so the bound still holds). Probabilities are floored at
    ``min_probability`` (a class absent from the fit set). Since I(Z;Y) ≥ 0, the reported value
    is max(0, H(Y) − CE), still a lower bound (the raw difference is in ``params``). Kind
    ``"lower"``, ceiling H(Y).
    Cost: O(iterations · n · dims · classes).
    """
    from sklearn.linear_model import LogisticRegression

    from infossl._checks import as_labels

    zf = as_samples(z_fit, "z_fit", min_n=2)
    zt = as_samples(z_test, "z_test")
    if zt.shape[1] != zf.shape[1]:
        raise ValueError(f"z_test has dimension {zt.shape[1]}, z_fit has {zf.shape[1]}")
    raw_fit = np.asarray(y_fit).reshape(-1)
    raw_test = np.asarray(y_test).reshape(-1)
    as_labels(raw_fit, "y_fit")
    as_labels(raw_test, "y_test")
    check_same_length(z_fit=zf, y_fit=raw_fit)
    check_same_length(z_test=zt, y_test=raw_test)
    C = check_float(C, "C", low=0.0, low_open=True)
    max_iter = check_int(max_iter, "max_iter", low=1)
    min_probability = check_float(
        min_probability, "min_probability", low=0.0, high=1.0, low_open=True, high_open=True
    )
    if len(np.unique(raw_fit)) < 2:
        raise ValueError("y_fit must contain at least 2 classes")
    if pca_dims is not None:
        pca_dims = check_int(pca_dims, "pca_dims", low=1)
        zf, zt = _principal_components(zf, zt, dims=pca_dims)
    mean, std = zf.mean(axis=0), zf.std(axis=0)
    std[std == 0] = 1.0
    model = LogisticRegression(C=C, max_iter=max_iter, tol=1e-4)
    model.fit((zf - mean) / std, raw_fit)
    proba = model.predict_proba((zt - mean) / std)
    column = {c: i for i, c in enumerate(model.classes_.tolist())}
    idx = np.array([column.get(c, -1) for c in raw_test.tolist()])
    p_true = np.where(idx >= 0, proba[np.arange(len(zt)), np.maximum(idx, 0)], 0.0)
    ce = float(-np.log(np.maximum(p_true, min_probability)).mean())
    h_y = label_entropy(raw_test)
    accuracy = float(np.mean(model.classes_[proba.argmax(axis=1)] == raw_test))
    est = Estimate(
        max(h_y - ce, 0.0),
        "nats",
        "lower",
        "probe-ba",
        len(zt),
        (zf.shape[1], 1),
        ceiling=h_y,
        params={
            "C": C,
            "pca_dims": pca_dims,
            "n_fit": len(zf),
            "cross_entropy": ce,
            "H(Y)": h_y,
            "raw_bound": h_y - ce,
        },
        quantity="I(Z;Y)",
        notes=("H(Y) - held-out cross-entropy of a linear probe (Barber-Agakov lower bound)",),
    )
    return est, accuracy


# ----------------------------------------------------------------------------- all at once
@dataclass
class DiagnosticsResult:
    """Diagnostics of one evaluation batch.

    Attributes:
        estimates: quantity key (e.g. ``"I(Z1;Z2):infonce"``) → Estimate (nats).
        metrics: label-free metrics and the probe accuracy (plain floats).
        spectrum: covariance eigenvalues of the L2-normalised Z̄, largest first (≤ 256 kept).
        errors: quantity key → message, for quantities that could not be computed.
        scale: s, the divisor applied to every embedding.
        seconds: quantity key → wall time.
    """

    estimates: dict[str, Estimate]
    metrics: dict[str, float]
    spectrum: list[float]
    errors: dict[str, str] = field(default_factory=dict)
    scale: float = 1.0
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: estimates as :meth:`Estimate.to_dict` dictionaries."""
        return {
            "estimates": {k: e.to_dict() for k, e in self.estimates.items()},
            "metrics": dict(self.metrics),
            "spectrum": list(self.spectrum),
            "errors": dict(self.errors),
            "scale": self.scale,
        }


def information_diagnostics(
    z1: npt.ArrayLike,
    z2: npt.ArrayLike,
    clean: npt.ArrayLike | None = None,
    labels: npt.ArrayLike | None = None,
    holdout: npt.ArrayLike | None = None,
    holdout_labels: npt.ArrayLike | None = None,
    *,
    quantities: Sequence[str] = QUANTITIES,
    temperature: float = 0.1,
    ridge: float = 1e-4,
    k: int = 3,
    n_projections: int = 8,
    pca_dims: int = 64,
    probe_C: float = 0.1,
    seed: int = 0,
    blas_threads: int | None = 1,
) -> DiagnosticsResult:
    """Every diagnostic of the module docstring on one batch (see there for the definitions).

    ``z1``, ``z2``: (n, d) embeddings of two augmented views; ``clean``: (n, d) un-augmented
    embeddings (default ``z1``); ``labels``: their labels (label quantities are skipped when
    None); ``holdout``/``holdout_labels``: a disjoint labelled batch for the probe (without it
    the probe quantity is skipped). A quantity that fails (e.g. a kNN estimator on duplicated
    points, or a cosine quantity on rows of zero norm) is reported in ``errors`` instead of
    stopping the others; so are the label-free metrics and the spectrum.

    ``blas_threads``: the numpy BLAS/LAPACK thread count *during this call* (restored after;
    None leaves it alone). The matrices are at most n × n; one thread is as fast on an idle
    machine and avoids a pathology of multi-threaded OpenBLAS on a busy one (a 512 × 512
    ``eigvalsh`` measured at 5 s with 2 threads under load, 0.05 s with 1).
    """
    if blas_threads is not None:
        from threadpoolctl import threadpool_limits

        blas_threads = check_int(blas_threads, "blas_threads", low=1)
        with threadpool_limits(limits=blas_threads, user_api="blas"):
            return information_diagnostics(
                z1,
                z2,
                clean,
                labels,
                holdout,
                holdout_labels,
                quantities=quantities,
                temperature=temperature,
                ridge=ridge,
                k=k,
                n_projections=n_projections,
                pca_dims=pca_dims,
                probe_C=probe_C,
                seed=seed,
                blas_threads=None,
            )
    unknown = [q for q in quantities if q not in QUANTITIES]
    if unknown:
        raise ValueError(f"quantities: unknown {unknown} (valid: {list(QUANTITIES)})")
    z1a = as_samples(z1, "z1", min_n=4)
    z2a = as_samples(z2, "z2", min_n=4)
    check_same_length(z1=z1a, z2=z2a)
    clean_a = z1a if clean is None else as_samples(clean, "clean", min_n=4)
    hold_a = None if holdout is None else as_samples(holdout, "holdout", min_n=2)
    extra = [clean_a] + ([hold_a] if hold_a is not None else [])
    arrays, s = scale_normalise(z1a, z2a, *extra)
    z1n, z2n, cleann = arrays[0], arrays[1], arrays[2]
    holdn = arrays[3] if hold_a is not None else None
    rng = check_seed(seed)
    pcs: list[np.ndarray] | None = None
    if labels is not None:
        pcs = _principal_components(cleann, *([holdn] if holdn is not None else []), dims=pca_dims)

    def ross() -> Estimate:
        from infossl.api import estimate_mi

        est = estimate_mi(
            np.asarray(labels).reshape(-1).astype(np.int64),
            pcs[0],  # type: ignore[index]
            method="ross",
            k=k,
        )
        return _relabel(est, "I(Z;Y)")

    def probe() -> Estimate:
        est, acc = probe_information(
            cleann, labels, holdn, holdout_labels, C=probe_C, pca_dims=pca_dims
        )
        metrics["probe_accuracy"] = acc
        return est

    def kl() -> Estimate:
        from infossl.api import estimate_entropy

        return _relabel(estimate_entropy(z1n, method="kl", k=k), "H(Z)")

    def matrix() -> Estimate:
        from infossl.api import estimate_entropy

        return _relabel(estimate_entropy(z1n, method="matrix-renyi", sigma="median"), "H(Z)")

    jobs: dict[str, Callable[[], Estimate]] = {
        "H(Z):gaussian-ridge": lambda: gaussian_entropy_ridge(z1n, ridge),
        "H(Z):kl": kl,
        "H(Z):matrix-renyi": matrix,
        "H(Z1|Z2):view-gaussian": lambda: view_conditional_entropy(z1n, z2n, ridge),
        "I(Z1;Z2):infonce": lambda: infonce_views(z1n, z2n, temperature),
        "I(Z1;Z2):ksg-2d": lambda: projected_ksg_mi(
            z1n, z2n, n_projections=n_projections, k=k, seed=rng
        ),
        "I(Z;Y):probe": probe,
        "I(Z;Y):ross": ross,
        "I(X;Z):gaussian-aug": lambda: augmentation_information(z1n, z2n, ridge),
    }
    metrics: dict[str, float] = {}
    estimates: dict[str, Estimate] = {}
    errors: dict[str, str] = {}
    seconds: dict[str, float] = {}
    for key in quantities:
        if key.startswith("I(Z;Y)") and labels is None:
            continue
        if key == "I(Z;Y):probe" and (holdn is None or holdout_labels is None):
            continue
        start = time.perf_counter()
        try:
            estimates[key] = jobs[key]()
        except (ValueError, np.linalg.LinAlgError) as err:
            errors[key] = str(err)
        seconds[key] = time.perf_counter() - start
    start = time.perf_counter()
    try:
        metrics.update(_label_free_metrics(cleann, z1n, z2n))
    except (ValueError, np.linalg.LinAlgError) as err:  # e.g. rows of zero norm
        errors["metrics"] = str(err)
    seconds["metrics"] = time.perf_counter() - start
    spectrum: list[float] = []
    try:
        lam = covariance_eigenvalues(_unit_rows(cleann, "clean"))[:SPECTRUM_KEEP]
        spectrum = [float(v) for v in lam]
    except (ValueError, np.linalg.LinAlgError) as err:
        errors["spectrum"] = str(err)
    return DiagnosticsResult(estimates, metrics, spectrum, errors, s, seconds)


def _relabel(est: Estimate, quantity: str) -> Estimate:
    from dataclasses import replace

    return replace(est, quantity=quantity)


def _label_free_metrics(clean: np.ndarray, z1: np.ndarray, z2: np.ndarray) -> dict[str, float]:
    from infossl.metrics import alignment, effective_rank, rankme, uniformity

    return {
        "rankme": rankme(clean),
        "effective_rank": effective_rank(clean),
        "uniformity": uniformity(clean),
        "alignment": alignment(z1, z2),
        "rank_ceiling": float(min(clean.shape)),
    }
