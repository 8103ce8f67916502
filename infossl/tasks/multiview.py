"""Multi-view testbeds with known information: a shared latent S and view-specific latents U_i.

Model (Sridharan & Kakade 2008; Federici et al. 2020; Shwartz-Ziv & LeCun 2024, §4):

    S ~ N(0, I_ds),  U1, U2 ~ N(0, I_du),  N1, N2 ~ N(0, I_dx),  E ~ N(0, 1), all independent,
    X_i = A_i S + B_i U_i + σ N_i                              (view i = 1, 2)
    Y   = w·S + κ v·U1 + σ_y E,       Y_class = 1[Y > 0],

with ``|w| = |v| = 1``. ``label="shared"`` sets κ = 0 (the label is a function of the shared latent
plus independent noise: the MultiView assumption holds up to a floor set by σ), and
``label="view-specific"`` uses κ > 0 (the label also depends on U1, which only view 1 shows: the
assumption is violated). Everything is jointly Gaussian, so every entropy and (conditional)
mutual information among ``S, U1, U2, X1, X2, Y`` and linear encodings ``Z_i = W_i X_i + τ_i ξ_i``
is a log-determinant formula (:mod:`infossl.tasks.joint_gaussian`); quantities of the binary label
``Y_class`` are exact up to a 1-D quadrature.

The MultiView assumption (Sridharan & Kakade's Assumption 1) reads
``I(Y;X2|X1) ≤ ε_info`` and ``I(Y;X1|X2) ≤ ε_info``; :attr:`LinearGaussianMultiView.eps_info` is
the smallest such ε, ``max(I(Y;X1|X2), I(Y;X2|X1))``. With view noise σ > 0 the shared label has a
small floor ε_info > 0 (each view sees S only through noise, so the other view still adds a little
label information); it is exactly 0 when σ = 0 and each map ``(S, U_i) ↦ X_i`` is injective, in
which case ``I(X1;X2) = ∞`` (S is then a deterministic function of either view).

:class:`NonlinearMultiView` passes each view through a random invertible MLP ``f_i``. Mutual
information is invariant under a bijection of one variable, so every MI and CMI among
``S, U1, U2, X1, X2, Y, Y_class`` equals that of the linear model; differential entropies of the
views and information of encoders that are not linear in ``f_i⁻¹(X_i)`` are not closed-form.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize

from infossl._checks import as_samples, check_choice, check_float, check_int
from infossl.tasks._base import Task, rng_from_seed
from infossl.tasks._linalg import as_matrix
from infossl.tasks.gaussian import GaussianTask
from infossl.tasks.invertible_mlp import InvertibleMLP
from infossl.tasks.joint_gaussian import JointGaussian

LABEL_MODES: tuple[str, ...] = ("shared", "view-specific")
#: Names accepted by :meth:`LinearGaussianMultiView.information`.
VARIABLES: tuple[str, ...] = ("s", "u1", "u2", "x1", "x2", "y", "y_class", "z1", "z2")
#: Default knob κ of ``label="view-specific"`` (weight of v·U1 in Y).
DEFAULT_VIEW_SPECIFIC_KNOB = 1.0


@dataclass(frozen=True)
class MultiViewSample:
    """One draw of a multi-view task: both views, their latents and the label.

    Attributes:
        x1, x2: the views, ``(n, d_x)`` (vectors) or ``(n, C, H, W)`` (images).
        s: shared latent ``(n, d_s)``.
        u1, u2: view-specific latents ``(n, d_u)``.
        y: the label: continuous ``(n,)`` float for the linear-Gaussian tasks, integer classes
            ``(n,)`` for the image task.
        y_class: a discrete label ``(n,)`` int64 for probes (``1[y > 0]`` when ``y`` is continuous).
    """

    x1: np.ndarray
    x2: np.ndarray
    s: np.ndarray
    u1: np.ndarray
    u2: np.ndarray
    y: np.ndarray
    y_class: np.ndarray

    def __post_init__(self) -> None:
        lengths = {f.name: len(getattr(self, f.name)) for f in fields(self)}
        if len(set(lengths.values())) != 1:
            raise ValueError(f"all fields must have the same number of rows, got {lengths}")

    def __len__(self) -> int:
        return len(self.y)

    def take(self, indices: slice | int | np.ndarray) -> MultiViewSample:
        """The rows ``indices`` of every field (a slice, integer or boolean index array)."""
        return MultiViewSample(**{f.name: getattr(self, f.name)[indices] for f in fields(self)})

    def as_dict(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class LinearEncoder:
    """A linear, optionally noisy, encoder ``Z = W X + τ ξ`` with ``ξ ~ N(0, I)``.

    Attributes:
        weight: ``W``, shape ``(d_z, d_x)``.
        noise: ``τ ≥ 0``; with ``τ = 0`` the encoder is deterministic and ``I(Z;X|·)`` is infinite.
    """

    weight: np.ndarray
    noise: float = 0.0

    def __post_init__(self) -> None:
        weight = np.asarray(self.weight, dtype=np.float64)
        if weight.ndim == 1:
            weight = weight.reshape(1, -1)
        if weight.ndim != 2 or weight.size == 0:
            raise ValueError(f"weight must be a 2-D (d_z, d_x) matrix, got shape {weight.shape}")
        if not np.isfinite(weight).all():
            raise ValueError("weight contains NaN or infinite values")
        object.__setattr__(self, "weight", weight)
        object.__setattr__(self, "noise", check_float(self.noise, "noise", low=0.0))

    @property
    def dim_in(self) -> int:
        return int(self.weight.shape[1])

    @property
    def dim_out(self) -> int:
        return int(self.weight.shape[0])

    def encode(self, x: npt.ArrayLike, seed: int | np.random.Generator = 0) -> np.ndarray:
        """``W x + τ ξ`` for each row of ``x`` (``seed`` draws ξ when ``τ > 0``)."""
        arr = as_samples(x, "x")
        if arr.shape[1] != self.dim_in:
            raise ValueError(f"x must have {self.dim_in} columns, got shape {arr.shape}")
        z = arr @ self.weight.T
        if self.noise > 0:
            z = z + self.noise * rng_from_seed(seed).standard_normal(z.shape)
        out: np.ndarray = z
        return out


def _unit_vector(rng: np.random.Generator, dim: int) -> np.ndarray:
    v = rng.standard_normal(dim)
    out: np.ndarray = v / np.linalg.norm(v)
    return out


class LinearGaussianMultiView:
    """Linear-Gaussian two-view task with exact information (see the module docstring).

    Args:
        dim_s: dimension of the shared latent S.
        dim_u: dimension of each view-specific latent U_i.
        dim_x: dimension of each view X_i.
        noise: view noise σ ≥ 0.
        label: ``"shared"`` (Y = w·S + σ_y E) or ``"view-specific"`` (Y = w·S + κ v·U1 + σ_y E).
        eps_knob: κ ≥ 0, the weight of U1 in the label; ``None`` means 0 for ``"shared"`` and
            ``DEFAULT_VIEW_SPECIFIC_KNOB`` for ``"view-specific"``. Use :meth:`solve_knob_for_eps`
            (or :meth:`with_eps`) to pick κ for a target ε_info.
        label_noise: σ_y ≥ 0.
        seed: seed of the random mixing matrices and label directions.
        mixing: optional ``(A1, B1, A2, B2)`` to use instead of random ones; ``A_i``:
            ``(dim_x, dim_s)``, ``B_i``: ``(dim_x, dim_u)``. Random entries are N(0, 1/(ds+du)),
            so each view coordinate has variance ≈ 1 + σ².
        label_weights: optional ``(w, v)``, shapes ``(dim_s,)`` and ``(dim_u,)``.
    """

    def __init__(
        self,
        dim_s: int = 2,
        dim_u: int = 2,
        dim_x: int = 6,
        noise: float = 0.1,
        label: str = "shared",
        eps_knob: float | None = None,
        label_noise: float = 0.5,
        seed: int | np.random.Generator = 0,
        *,
        mixing: Sequence[np.ndarray] | None = None,
        label_weights: Sequence[np.ndarray] | None = None,
    ) -> None:
        self.dim_s = check_int(dim_s, "dim_s", low=1)
        self.dim_u = check_int(dim_u, "dim_u", low=1)
        self.dim_x = check_int(dim_x, "dim_x", low=1)
        self.noise = check_float(noise, "noise", low=0.0)
        self.label = check_choice(label, "label", LABEL_MODES)
        if eps_knob is None:
            eps_knob = 0.0 if label == "shared" else DEFAULT_VIEW_SPECIFIC_KNOB
        self.eps_knob = check_float(eps_knob, "eps_knob", low=0.0)
        if label == "shared" and self.eps_knob != 0.0:
            raise ValueError(
                f"eps_knob={eps_knob} needs label='view-specific' (a shared label ignores U1)"
            )
        if label == "view-specific" and self.eps_knob == 0.0:
            raise ValueError("label='view-specific' needs eps_knob > 0 (0 gives the shared label)")
        self.label_noise = check_float(label_noise, "label_noise", low=0.0)
        self.seed = seed
        rng = rng_from_seed(seed)
        ds, du, dx = self.dim_s, self.dim_u, self.dim_x
        if mixing is None:
            scale = 1.0 / math.sqrt(ds + du)
            mats = [scale * rng.standard_normal(shape) for shape in [(dx, ds), (dx, du)] * 2]
        else:
            if len(mixing) != 4:
                raise ValueError("mixing must be a sequence (A1, B1, A2, B2)")
            shapes = [(dx, ds), (dx, du)] * 2
            names = ["mixing[0] (A1)", "mixing[1] (B1)", "mixing[2] (A2)", "mixing[3] (B2)"]
            mats = [as_matrix(m, nm, sh) for m, sh, nm in zip(mixing, shapes, names, strict=True)]
        self.a1, self.b1, self.a2, self.b2 = mats
        if label_weights is None:
            self.w, self.v = _unit_vector(rng, ds), _unit_vector(rng, du)
        else:
            if len(label_weights) != 2:
                raise ValueError("label_weights must be a pair (w, v)")
            self.w = as_matrix(label_weights[0], "label_weights[0] (w)", (ds,))
            self.v = as_matrix(label_weights[1], "label_weights[1] (v)", (du,))
        if not np.any(self.w) and not (self.eps_knob and np.any(self.v)) and self.label_noise == 0:
            raise ValueError("the label Y is constant: give a non-zero w, v or label_noise")
        self._joint = self._build_joint(self.eps_knob)

    # ------------------------------------------------------------------ construction helpers
    @property
    def id(self) -> str:
        knob = f"-k{self.eps_knob:g}" if self.label == "view-specific" else ""
        seed = f"-seed{self.seed}" if isinstance(self.seed, (int, np.integer)) else ""
        return (
            f"multiview-linear-s{self.dim_s}-u{self.dim_u}-x{self.dim_x}"
            f"-noise{self.noise:g}-{self.label}{knob}{seed}"
        )

    def _kwargs(self) -> dict[str, Any]:
        return dict(
            dim_s=self.dim_s,
            dim_u=self.dim_u,
            dim_x=self.dim_x,
            noise=self.noise,
            label_noise=self.label_noise,
            seed=self.seed,
            mixing=(self.a1, self.b1, self.a2, self.b2),
            label_weights=(self.w, self.v),
        )

    def with_knob(self, eps_knob: float) -> LinearGaussianMultiView:
        """The same task (same matrices) with label knob κ (``"shared"`` when κ = 0)."""
        knob = check_float(eps_knob, "eps_knob", low=0.0)
        label = "shared" if knob == 0.0 else "view-specific"
        return LinearGaussianMultiView(label=label, eps_knob=knob, **self._kwargs())

    def with_eps(self, target_eps: float, *, label_kind: str = "y") -> LinearGaussianMultiView:
        """The same task with the knob that gives ``eps_info = target_eps`` (nats)."""
        return self.with_knob(self.solve_knob_for_eps(target_eps, label_kind=label_kind))

    def _layout(self) -> dict[str, slice]:
        ds, du, dx = self.dim_s, self.dim_u, self.dim_x
        sizes = {"s": ds, "u1": du, "u2": du, "n1": dx, "n2": dx, "e": 1}
        offsets = np.cumsum([0, *sizes.values()])
        return {k: slice(int(offsets[i]), int(offsets[i + 1])) for i, k in enumerate(sizes)}

    def _build_joint(self, knob: float) -> JointGaussian:
        lay = self._layout()
        total = lay["e"].stop
        joint = JointGaussian(total)

        def block(**parts: np.ndarray) -> np.ndarray:
            rows = next(iter(parts.values())).shape[0]
            m = np.zeros((rows, total))
            for key, value in parts.items():
                m[:, lay[key]] = value
            return m

        eye_dx = np.eye(self.dim_x)
        joint.add("s", block(s=np.eye(self.dim_s)))
        joint.add("u1", block(u1=np.eye(self.dim_u)))
        joint.add("u2", block(u2=np.eye(self.dim_u)))
        joint.add("x1", block(s=self.a1, u1=self.b1, n1=self.noise * eye_dx))
        joint.add("x2", block(s=self.a2, u2=self.b2, n2=self.noise * eye_dx))
        joint.add(
            "y",
            block(
                s=self.w.reshape(1, -1),
                u1=knob * self.v.reshape(1, -1),
                e=np.array([[self.label_noise]]),
            ),
        )
        return joint

    # ------------------------------------------------------------------ sampling
    def sample(self, n: int, seed: int | np.random.Generator) -> MultiViewSample:
        """Draw ``n`` i.i.d. rows from the structural equations (``O(n d_x (d_s + d_u))``)."""
        n = check_int(n, "n", low=1)
        rng = rng_from_seed(seed)
        s = rng.standard_normal((n, self.dim_s))
        u1 = rng.standard_normal((n, self.dim_u))
        u2 = rng.standard_normal((n, self.dim_u))
        x1 = s @ self.a1.T + u1 @ self.b1.T + self.noise * rng.standard_normal((n, self.dim_x))
        x2 = s @ self.a2.T + u2 @ self.b2.T + self.noise * rng.standard_normal((n, self.dim_x))
        y = s @ self.w + self.eps_knob * (u1 @ self.v) + self.label_noise * rng.standard_normal(n)
        return MultiViewSample(
            x1=x1, x2=x2, s=s, u1=u1, u2=u2, y=y, y_class=(y > 0).astype(np.int64)
        )

    # ------------------------------------------------------------------ exact information
    def joint(
        self, encoder1: LinearEncoder | None = None, encoder2: LinearEncoder | None = None
    ) -> JointGaussian:
        """The joint Gaussian of ``s, u1, u2, x1, x2, y`` (and ``z1``, ``z2`` for the encoders)."""
        joint = self._joint.copy()
        for name, view, enc in (("z1", "x1", encoder1), ("z2", "x2", encoder2)):
            if enc is None:
                continue
            if not isinstance(enc, LinearEncoder):
                raise TypeError(f"encoder for {name} must be a LinearEncoder, got {enc!r}")
            if enc.dim_in != self.dim_x:
                raise ValueError(
                    f"encoder for {name} takes {enc.dim_in} inputs but views have {self.dim_x}"
                )
            joint.add(name, enc.weight @ joint.loading(view), enc.noise**2)
        return joint

    def information(
        self,
        a: str | Sequence[str],
        b: str | Sequence[str],
        given: str | Sequence[str] | None = None,
        *,
        encoder1: LinearEncoder | None = None,
        encoder2: LinearEncoder | None = None,
    ) -> float:
        """Exact ``I(A;B|C)`` in nats among ``s, u1, u2, x1, x2, y, y_class, z1, z2``.

        ``y_class`` (= ``1[y > 0]``) may appear alone as ``a`` or ``b``, not in ``given``.
        ``z1``/``z2`` need ``encoder1``/``encoder2``. Returns ``inf`` for infinite information
        (e.g. ``I(Z1;X1|X2)`` of a deterministic encoder).
        """
        names = {"a": _as_names(a, "a"), "b": _as_names(b, "b"), "given": _as_names(given, "given")}
        for arg, values in names.items():
            for value in values:
                check_choice(value, f"{arg} entry", VARIABLES)
        if "y_class" in names["given"]:
            raise ValueError("given cannot contain 'y_class' (conditioning on it is not Gaussian)")
        joint = self.joint(encoder1, encoder2)
        for key in ("z1", "z2"):
            if any(key in v for v in names.values()) and key not in joint.names:
                raise ValueError(f"{key!r} needs encoder{key[1]}=LinearEncoder(...)")
        for first, second in (("a", "b"), ("b", "a")):
            if "y_class" in names[first]:
                if names[first] != ["y_class"]:
                    raise ValueError(f"{first} must be 'y_class' alone when it contains it")
                if "y_class" in names[second]:
                    return joint.sign_entropy("y", names["given"])
                return joint.sign_information("y", names[second], names["given"])
        return joint.mutual_information(names["a"], names["b"], names["given"])

    def bayes_accuracy(
        self,
        given: str | Sequence[str],
        *,
        encoder1: LinearEncoder | None = None,
        encoder2: LinearEncoder | None = None,
    ) -> float:
        """Best possible accuracy for ``y_class`` from ``given`` (reached by a linear probe)."""
        names = _as_names(given, "given")
        for value in names:
            check_choice(value, "given entry", [v for v in VARIABLES if v != "y_class"])
        return self.joint(encoder1, encoder2).sign_bayes_accuracy("y", names)

    def _eps_for(self, joint: JointGaussian, label_kind: str) -> tuple[float, float]:
        if label_kind == "y":
            return (
                joint.mutual_information("y", "x1", "x2"),
                joint.mutual_information("y", "x2", "x1"),
            )
        return joint.sign_information("y", "x1", "x2"), joint.sign_information("y", "x2", "x1")

    @property
    def eps_info(self) -> float:
        """``max(I(Y;X1|X2), I(Y;X2|X1))``: the smallest ε of the MultiView assumption (nats)."""
        return max(self._eps_for(self._joint, "y"))

    @property
    def mutual_information(self) -> float:
        """``I(X1;X2)`` in nats (the information both views share), as in the Task contract."""
        return self._joint.mutual_information("x1", "x2")

    def known_information(self) -> dict[str, float]:
        """Every closed-form quantity of the data (nats; ``inf`` where infinite)."""
        j = self._joint
        y1_2, y2_1 = self._eps_for(j, "y")
        c1_2, c2_1 = self._eps_for(j, "y_class")
        return {
            "I(X1;X2)": j.mutual_information("x1", "x2"),
            "I(X1;S)": j.mutual_information("x1", "s"),
            "I(X2;S)": j.mutual_information("x2", "s"),
            "I(X1;U1)": j.mutual_information("x1", "u1"),
            "I(Y;S)": j.mutual_information("y", "s"),
            "I(Y;U1)": j.mutual_information("y", "u1"),
            "I(Y;X1)": j.mutual_information("y", "x1"),
            "I(Y;X2)": j.mutual_information("y", "x2"),
            "I(Y;X1,X2)": j.mutual_information("y", ["x1", "x2"]),
            "I(Y;X1|X2)": y1_2,
            "I(Y;X2|X1)": y2_1,
            "eps_info": max(y1_2, y2_1),
            "H(Y_class)": j.sign_entropy("y"),
            "I(Y_class;X1)": j.sign_information("y", "x1"),
            "I(Y_class;X2)": j.sign_information("y", "x2"),
            "I(Y_class;X1|X2)": c1_2,
            "I(Y_class;X2|X1)": c2_1,
            "eps_info_class": max(c1_2, c2_1),
        }

    def encoder_information(
        self, encoder1: LinearEncoder, encoder2: LinearEncoder | None = None
    ) -> dict[str, float]:
        """Exact information of ``Z1 = W1 X1 + τ1 ξ1`` (and ``Z2``) in nats.

        Keys: ``I(Z1;S)`` and ``I(Z1;Y)`` (sufficiency), ``I(Z1;U1)`` and ``I(Z1;X1|X2)``
        (superfluous; ``inf`` for a deterministic encoder), ``H(Z1|X2)`` (what a deterministic
        encoder minimises in its place), ``I(Z1;X1)``, ``I(Z1;X2)``, ``I(Z1;Y_class)``, and with
        ``encoder2``: ``I(Z2;S)``, ``I(Z1;Z2)``. The probe ceiling is :meth:`bayes_accuracy`.
        """
        if encoder1 is None:
            raise ValueError("encoder1 is required")
        j = self.joint(encoder1, encoder2)
        out = {
            "I(Z1;S)": j.mutual_information("z1", "s"),
            "I(Z1;Y)": j.mutual_information("z1", "y"),
            "I(Z1;Y_class)": j.sign_information("y", "z1"),
            "I(Z1;U1)": j.mutual_information("z1", "u1"),
            "I(Z1;X1|X2)": j.mutual_information("z1", "x1", "x2"),
            "H(Z1|X2)": j.entropy("z1", "x2"),
            "I(Z1;X1)": j.mutual_information("z1", "x1"),
            "I(Z1;X2)": j.mutual_information("z1", "x2"),
        }
        if encoder2 is not None:
            out["I(Z2;S)"] = j.mutual_information("z2", "s")
            out["I(Z1;Z2)"] = j.mutual_information("z1", "z2")
        return out

    # ------------------------------------------------------------------ the ε knob
    def eps_at_knob(self, eps_knob: float, *, label_kind: str = "y") -> float:
        """``eps_info`` of this task's matrices with label knob κ (nats)."""
        knob = check_float(eps_knob, "eps_knob", low=0.0)
        check_choice(label_kind, "label_kind", ("y", "y_class"))
        return max(self._eps_for(self._build_joint(knob), label_kind))

    def solve_knob_for_eps(
        self, target_eps: float, *, label_kind: str = "y", max_knob: float = 1e3
    ) -> float:
        """The smallest κ ≥ 0 with ``eps_info(κ) = target_eps`` (nats).

        ``label_kind="y"`` uses the continuous label, ``"y_class"`` the binary one. The reachable
        range is ``[eps_info(0), sup_κ eps_info(κ))``: the floor comes from view noise, the
        ceiling from how well view 1 reveals v·U1. Targets outside it raise ``ValueError``.
        Method: scan κ on a log grid for the first bracket, then Brent's method (tolerance 1e-12).
        """
        target = check_float(target_eps, "target_eps", low=0.0)
        check_choice(label_kind, "label_kind", ("y", "y_class"))
        max_knob = check_float(max_knob, "max_knob", low=0.0, low_open=True)

        def gap(knob: float) -> float:
            return max(self._eps_for(self._build_joint(knob), label_kind)) - target

        floor = gap(0.0) + target
        if abs(target - floor) <= 1e-12:
            return 0.0
        if target < floor:
            raise ValueError(
                f"target_eps={target:.6g} is below this task's floor eps_info(0)={floor:.6g} nats "
                "(set by the view noise); lower noise or raise the target"
            )
        grid = np.concatenate([[0.0], np.geomspace(1e-4, max_knob, 80)])
        values = np.array([gap(k) for k in grid])
        above = np.flatnonzero(values >= 0)
        if above.size == 0:
            raise ValueError(
                f"target_eps={target:.6g} is out of reach: eps_info stays below "
                f"{values.max() + target:.6g} nats for knob <= {max_knob:g}"
            )
        hi = int(above[0])
        return float(optimize.brentq(gap, grid[hi - 1], grid[hi], xtol=1e-12, rtol=1e-12))

    def as_task(self) -> ViewPairTask:
        """The pair ``(X1, X2)`` as a known-MI task (``mutual_information = I(X1;X2)``)."""
        return ViewPairTask(self)

    def __repr__(self) -> str:
        return (
            f"LinearGaussianMultiView(dim_s={self.dim_s}, dim_u={self.dim_u}, dim_x={self.dim_x}, "
            f"noise={self.noise}, label={self.label!r}, eps_knob={self.eps_knob}, "
            f"label_noise={self.label_noise}, seed={self.seed!r})"
        )


def _as_names(value: str | Sequence[str] | None, argname: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return list(value)
    raise TypeError(f"{argname} must be a variable name or a sequence of names, got {value!r}")


class NonlinearMultiView:
    """The linear-Gaussian task with each view passed through a random invertible MLP.

    ``X_i = f_i(A_i S + B_i U_i + σ N_i)``. Because ``f_i`` is a bijection, every mutual and
    conditional information among ``s, u1, u2, x1, x2, y, y_class`` equals the linear model's
    (:meth:`information`); so do ``eps_info`` and ``mutual_information`` = ``I(X1;X2)``. Not
    carried over: differential entropies of the views (they shift by ``E log|det J_f|``) and the
    information of encoders that are not linear in ``f_i⁻¹(X_i)``.

    Args:
        depth, slope: of each :class:`InvertibleMLP`.
        seed: seeds the linear part and (independently) the two MLPs.
        **linear_kwargs: passed to :class:`LinearGaussianMultiView` (``dim_s``, ``noise``, ...).
    """

    def __init__(
        self, depth: int = 3, slope: float = 0.3, seed: int = 0, **linear_kwargs: Any
    ) -> None:
        if isinstance(seed, np.random.Generator):
            raise TypeError("seed must be an int here (it seeds three independent parts)")
        base_seed = check_int(seed, "seed", low=0)
        self.seed = base_seed
        self.linear = LinearGaussianMultiView(seed=base_seed, **linear_kwargs)
        children = np.random.SeedSequence([base_seed, 1]).spawn(2)
        dim = self.linear.dim_x
        self.f1 = InvertibleMLP(dim, depth, slope, seed=np.random.default_rng(children[0]))
        self.f2 = InvertibleMLP(dim, depth, slope, seed=np.random.default_rng(children[1]))
        self.depth, self.slope = self.f1.depth, self.f1.slope

    @property
    def id(self) -> str:
        return self.linear.id.replace("multiview-linear", f"multiview-mlp{self.depth}")

    @property
    def label(self) -> str:
        return self.linear.label

    @property
    def eps_info(self) -> float:
        return self.linear.eps_info

    @property
    def mutual_information(self) -> float:
        return self.linear.mutual_information

    def sample(self, n: int, seed: int | np.random.Generator) -> MultiViewSample:
        """Draw ``n`` rows: the linear model's sample with ``x_i ← f_i(x_i)``."""
        base = self.linear.sample(n, seed)
        return MultiViewSample(
            **{**base.as_dict(), "x1": self.f1.forward(base.x1), "x2": self.f2.forward(base.x2)}
        )

    def preimage(self, x: np.ndarray, view: int) -> np.ndarray:
        """``f_view⁻¹(x)``: the linear-Gaussian view behind ``x``."""
        view = check_choice(view, "view", (1, 2))
        return (self.f1 if view == 1 else self.f2).inverse(x)

    def information(
        self,
        a: str | Sequence[str],
        b: str | Sequence[str],
        given: str | Sequence[str] | None = None,
    ) -> float:
        """Exact ``I(A;B|C)`` among ``s, u1, u2, x1, x2, y, y_class`` (invariance under f_i)."""
        for arg, value in (("a", a), ("b", b), ("given", given)):
            if {"z1", "z2"} & set(_as_names(value, arg)):
                raise ValueError(
                    f"{arg}: encodings of nonlinear views have no closed form; use "
                    "self.linear.information with encoders applied to self.preimage(x)"
                )
        return self.linear.information(a, b, given)

    def known_information(self) -> dict[str, float]:
        """Same as the linear model's (all are MI/CMI, invariant under the bijections)."""
        return self.linear.known_information()

    def as_task(self) -> ViewPairTask:
        return ViewPairTask(self)

    def __repr__(self) -> str:
        return f"NonlinearMultiView(depth={self.depth}, slope={self.slope}, linear={self.linear!r})"


class ViewPairTask(Task):
    """A multi-view task seen as a known-MI task on ``(X1, X2)`` (the project's Task contract).

    ``mutual_information`` is the exact ``I(X1;X2)``; the log density ratio is the Gaussian one
    evaluated at the linear pre-images (the Jacobians of ``f_i`` cancel in the ratio).
    """

    def __init__(self, task: LinearGaussianMultiView | NonlinearMultiView) -> None:
        base = task.linear if isinstance(task, NonlinearMultiView) else task
        if not math.isfinite(task.mutual_information):
            raise ValueError("I(X1;X2) is infinite for this task (noise=0): it is no MI task")
        joint = base.joint()
        self._gaussian = GaussianTask(
            joint.covariance("x1"), joint.covariance("x2"), joint.covariance("x1", "x2")
        )
        self.task = task
        super().__init__(
            f"{task.id}-views",
            f"views of {type(task).__name__} ({base.label} label)",
            base.dim_x,
            base.dim_x,
            params={"task": repr(task)},
        )

    def _mutual_information(self) -> float:
        return self.task.mutual_information

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        data = self.task.sample(n, rng)
        return data.x1, data.x2

    def _log_density_ratio(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if isinstance(self.task, NonlinearMultiView):
            x, y = self.task.preimage(x, 1), self.task.preimage(y, 2)
        return self._gaussian.log_density_ratio(x, y)
