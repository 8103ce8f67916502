"""Image version of the multi-view testbed: two renders of one shape with view-specific nuisances.

Latents (all drawn independently unless stated):

* shared ``S = (class, cx, cy, r)``: shape class uniform in {circle, square, triangle}; size ``r``
  uniform in ``radius_range`` (fraction of the image side; every class has area ``π r²``, so the
  area does not reveal the class); centre ``c = e + (1 − 2e)·Uniform(0, 1)²`` with ``e`` the
  shape's largest extent (``1.555 r``, the triangle's circumradius), so the shape stays inside.
* view-specific ``U_i = (fg, bg, angle, texture_orientation, texture_phase[, hue])``:
  foreground level uniform in ``[0.55, 1]``, background level in ``[0, 0.3]``, rotation uniform in
  ``±max_rotation``, a background grating ``texture · sin(2π k (x cos φ + y sin φ) + phase)``, and
  for 3 channels a hue that tints the foreground.

Views: ``X_i = render(S, U_i)``, ``(n, C, size, size)`` float32, with anti-aliased edges (pixel
coverage ``clip(½ − d·size, 0, 1)`` of the signed distance ``d`` to the shape boundary).

Label: ``label="shared"``: ``Y = class`` (``h(S)``). ``label="view-specific"``:
``Y = 2·class + B``, ``B = 1[fg_1 > t]`` with ``P(B = 1) = q`` (the knob), so the label also
depends on view 1's nuisance.

What is known exactly: the latent distribution, hence ``H(Y) = ln 3 + h_b(q)``,
``I(Y;S) = ln 3``, ``I(Y;U1) = h_b(q)`` (``h_b`` the binary entropy; ``q = 0`` for the shared
label). Pixel values lie in ``[−texture, 1]``.
Information with respect to pixels is not closed-form. If each render determines its shape class
(and, in the view-specific regime, view 1's bit ``B``: the foreground level is visible in any fully
covered pixel) then ``I(Y;X1|X2) = h_b(q)``, ``I(Y;X2|X1) = 0`` and ``ε_info = h_b(q)``; this
holds up to rare renders too small or too blurred to tell a square from a circle.

Cost: ``O(n · size²)`` per view, in chunks of ``CHUNK`` samples (no loop over single samples).
"""

from __future__ import annotations

import math
from typing import Literal, overload

import numpy as np
import numpy.typing as npt
from scipy import optimize

from infossl._checks import check_choice, check_float, check_int
from infossl.tasks._base import rng_from_seed
from infossl.tasks.multiview import LABEL_MODES, MultiViewSample

SHAPES: tuple[str, ...] = ("circle", "square", "triangle")
#: Half side of the square with the area of a circle of radius 1: √π / 2.
SQUARE_HALF_SIDE = math.sqrt(math.pi) / 2.0
#: Circumradius of the equilateral triangle with the area of a circle of radius 1.
TRIANGLE_CIRCUMRADIUS = math.sqrt(4.0 * math.pi / (3.0 * math.sqrt(3.0)))
FG_RANGE = (0.55, 1.0)
BG_RANGE = (0.0, 0.3)
#: Samples rendered per vectorised chunk (bounds memory at about CHUNK · size² · 40 bytes).
CHUNK = 2048


def _binary_entropy(q: float) -> float:
    if q <= 0.0 or q >= 1.0:
        return 0.0
    return -(q * math.log(q) + (1.0 - q) * math.log1p(-q))


def _circle(lx: np.ndarray, ly: np.ndarray, radius: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.hypot(lx, ly) - radius
    return out


def _square(lx: np.ndarray, ly: np.ndarray, radius: np.ndarray) -> np.ndarray:
    half = SQUARE_HALF_SIDE * radius
    qx, qy = np.abs(lx) - half, np.abs(ly) - half
    outside = np.hypot(np.maximum(qx, 0.0), np.maximum(qy, 0.0))
    out: np.ndarray = outside + np.minimum(np.maximum(qx, qy), 0.0)
    return out


#: Outward edge normals of the triangle, 120° apart.
_TRIANGLE_NORMALS = 1.5 * np.pi + 2.0 * np.pi * np.arange(3) / 3.0


def _triangle(lx: np.ndarray, ly: np.ndarray, radius: np.ndarray) -> np.ndarray:
    # max over the three half-planes: exact inside and along the edges, an underestimate near
    # the vertices (which only softens the anti-aliasing there)
    inradius = 0.5 * TRIANGLE_CIRCUMRADIUS * radius
    cos, sin = np.cos(_TRIANGLE_NORMALS), np.sin(_TRIANGLE_NORMALS)
    edge = [cos[k] * lx + sin[k] * ly for k in range(3)]
    out: np.ndarray = np.maximum(np.maximum(edge[0], edge[1]), edge[2]) - inradius
    return out


_DISTANCES = (_circle, _square, _triangle)


def _signed_distance(
    shape: np.ndarray, lx: np.ndarray, ly: np.ndarray, radius: np.ndarray
) -> np.ndarray:
    """Signed distance (negative inside) to each sample's shape in its local frame.

    ``shape`` ``(m,)``, ``radius`` ``(m, 1)``, ``lx``, ``ly`` ``(m, P)`` local coordinates. Each
    class is computed on its own rows (a loop over the three classes, not over samples).
    """
    distance = np.empty_like(lx)
    for code, function in enumerate(_DISTANCES):
        rows = shape == code
        if rows.any():
            distance[rows] = function(lx[rows], ly[rows], radius[rows])
    return distance


@overload
def render_shapes(
    shape: npt.ArrayLike,
    cx: npt.ArrayLike,
    cy: npt.ArrayLike,
    radius: npt.ArrayLike,
    angle: npt.ArrayLike,
    fg: npt.ArrayLike,
    bg: npt.ArrayLike,
    texture_orientation: npt.ArrayLike,
    texture_phase: npt.ArrayLike,
    *,
    hue: npt.ArrayLike | None = None,
    size: int = 16,
    texture: float = 0.08,
    texture_cycles: float = 3.0,
    return_mask: Literal[False] = False,
) -> np.ndarray: ...


@overload
def render_shapes(
    shape: npt.ArrayLike,
    cx: npt.ArrayLike,
    cy: npt.ArrayLike,
    radius: npt.ArrayLike,
    angle: npt.ArrayLike,
    fg: npt.ArrayLike,
    bg: npt.ArrayLike,
    texture_orientation: npt.ArrayLike,
    texture_phase: npt.ArrayLike,
    *,
    hue: npt.ArrayLike | None = None,
    size: int = 16,
    texture: float = 0.08,
    texture_cycles: float = 3.0,
    return_mask: Literal[True],
) -> tuple[np.ndarray, np.ndarray]: ...


def render_shapes(
    shape: npt.ArrayLike,
    cx: npt.ArrayLike,
    cy: npt.ArrayLike,
    radius: npt.ArrayLike,
    angle: npt.ArrayLike,
    fg: npt.ArrayLike,
    bg: npt.ArrayLike,
    texture_orientation: npt.ArrayLike,
    texture_phase: npt.ArrayLike,
    *,
    hue: npt.ArrayLike | None = None,
    size: int = 16,
    texture: float = 0.08,
    texture_cycles: float = 3.0,
    return_mask: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Render a batch of shapes; every argument is a length-n array (one entry per image).

    Coordinates are fractions of the image side: pixel ``(row i, column j)`` has centre
    ``x = (j + ½)/size``, ``y = (i + ½)/size``. ``shape`` ∈ {0 circle, 1 square, 2 triangle};
    ``angle`` in radians (counter-clockwise in ``(x, y)``). Returns float32 images
    ``(n, C, size, size)`` with ``C = 3`` when ``hue`` is given, else 1; with
    ``return_mask=True`` also the coverage masks ``(n, size, size)`` in ``[0, 1]``.
    """
    size = check_int(size, "size", low=4, high=256)
    texture = check_float(texture, "texture", low=0.0)
    texture_cycles = check_float(texture_cycles, "texture_cycles", low=0.0)
    shape_arr = np.asarray(shape).reshape(-1)
    n = shape_arr.shape[0]
    if n == 0:
        raise ValueError("shape is empty: nothing to render")
    if not np.isin(shape_arr, (0, 1, 2)).all():
        raise ValueError(f"shape must hold codes 0, 1, 2 ({', '.join(SHAPES)})")
    named = {
        "cx": cx,
        "cy": cy,
        "radius": radius,
        "angle": angle,
        "fg": fg,
        "bg": bg,
        "texture_orientation": texture_orientation,
        "texture_phase": texture_phase,
    }
    if hue is not None:
        named["hue"] = hue
    arrays = {}
    for name, value in named.items():
        arr = np.asarray(value, dtype=np.float64).reshape(-1)
        if arr.shape[0] != n:
            raise ValueError(f"{name} has {arr.shape[0]} entries but shape has {n}")
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or infinite values")
        arrays[name] = arr
    if (arrays["radius"] <= 0).any():
        raise ValueError("radius must be > 0")
    channels = 1 if hue is None else 3
    coords = (np.arange(size) + 0.5) / size
    gx = np.tile(coords, size)[None, :]  # (1, P) column coordinate, row-major pixels
    gy = np.repeat(coords, size)[None, :]
    images = np.empty((n, channels, size, size), dtype=np.float32)
    masks = np.empty((n, size, size), dtype=np.float32) if return_mask else None
    for start in range(0, n, CHUNK):  # vectorised chunks bound the memory; no per-sample loop
        part = slice(start, min(start + CHUNK, n))
        col = {k: v[part, None] for k, v in arrays.items()}
        px, py = gx - col["cx"], gy - col["cy"]
        cos, sin = np.cos(col["angle"]), np.sin(col["angle"])
        lx, ly = cos * px + sin * py, -sin * px + cos * py
        distance = _signed_distance(shape_arr[part], lx, ly, col["radius"])
        mask = np.clip(0.5 - distance * size, 0.0, 1.0)
        phi = col["texture_orientation"]
        grating = np.sin(
            2.0 * np.pi * texture_cycles * (np.cos(phi) * gx + np.sin(phi) * gy)
            + col["texture_phase"]
        )
        background = col["bg"] + texture * grating
        for c in range(channels):  # loop over colour channels only
            fg_c = col["fg"]
            if hue is not None:
                fg_c = fg_c * (0.6 + 0.4 * np.cos(col["hue"] - 2.0 * np.pi * c / 3.0))
            pixels = background + (fg_c - background) * mask
            images[part, c] = pixels.reshape(-1, size, size)
        if masks is not None:
            masks[part] = mask.reshape(-1, size, size)
    return (images, masks) if masks is not None else images  # masks is set iff return_mask


class ShapesMultiView:
    """Two rendered views of one shape (see the module docstring).

    Args:
        size: image side in pixels (16 default, 32 for the longer variant; 8 to 256 allowed).
        channels: 1 (grey) or 3 (the foreground tinted by a view-specific hue).
        label: ``"shared"`` (``Y = class``) or ``"view-specific"`` (``Y = 2·class + B``).
        eps_knob: ``q = P(B = 1)`` in ``(0, 1)`` for ``"view-specific"`` (default ½, giving
            ``ε_info = ln 2``); must be None or 0 for ``"shared"``.
        radius_range: range of the size latent r (fraction of the side).
        max_rotation: largest view rotation in radians (default 30°).
        texture: amplitude of the background grating (0 disables it).
        texture_cycles: grating frequency in cycles per image side.
    """

    s_columns: tuple[str, ...] = ("class", "cx", "cy", "radius")
    #: Columns of ``s`` that hold discrete symbols (the shape class).
    s_discrete_columns: tuple[int, ...] = (0,)

    def __init__(
        self,
        size: int = 16,
        channels: int = 1,
        label: str = "shared",
        eps_knob: float | None = None,
        radius_range: tuple[float, float] = (0.12, 0.25),
        max_rotation: float = math.pi / 6.0,
        texture: float = 0.08,
        texture_cycles: float = 3.0,
    ) -> None:
        self.size = check_int(size, "size", low=8, high=256)
        self.channels = check_choice(channels, "channels", (1, 3))
        self.label = check_choice(label, "label", LABEL_MODES)
        if label == "shared":
            if eps_knob not in (None, 0, 0.0):
                raise ValueError(f"eps_knob={eps_knob} needs label='view-specific'")
            self.eps_knob = 0.0
        else:
            knob = 0.5 if eps_knob is None else eps_knob
            self.eps_knob = check_float(
                knob, "eps_knob", low=0.0, high=1.0, low_open=True, high_open=True
            )
        if not isinstance(radius_range, (tuple, list)) or len(radius_range) != 2:
            raise TypeError(f"radius_range must be a pair (low, high), got {radius_range!r}")
        r_low = check_float(radius_range[0], "radius_range[0]", low=0.0, low_open=True)
        r_high = check_float(radius_range[1], "radius_range[1]", low=r_low)
        if TRIANGLE_CIRCUMRADIUS * r_high >= 0.5:
            raise ValueError(
                f"radius_range[1]={r_high} is too large: shapes must fit "
                f"(need radius < {0.5 / TRIANGLE_CIRCUMRADIUS:.3f})"
            )
        if r_low * self.size < 1.0:
            raise ValueError(
                f"radius_range[0]={r_low} is below one pixel at size={self.size}: the class "
                "would not be identifiable"
            )
        self.radius_range = (r_low, r_high)
        self.max_rotation = check_float(max_rotation, "max_rotation", low=0.0, high=math.pi)
        self.texture = check_float(texture, "texture", low=0.0)
        self.texture_cycles = check_float(texture_cycles, "texture_cycles", low=0.0)

    @property
    def id(self) -> str:
        knob = f"-q{self.eps_knob:g}" if self.label == "view-specific" else ""
        return f"multiview-shapes-{self.size}px-c{self.channels}-{self.label}{knob}"

    @property
    def u_columns(self) -> tuple[str, ...]:
        base = ("fg", "bg", "angle", "texture_orientation", "texture_phase")
        return (*base, "hue") if self.channels == 3 else base

    @property
    def fg_threshold(self) -> float:
        """``t`` with ``P(fg > t) = q``: the view-1 bit of the view-specific label."""
        low, high = FG_RANGE
        return high - self.eps_knob * (high - low)

    # ------------------------------------------------------------------ known information
    @property
    def eps_info(self) -> float:
        """``h_b(q)`` nats (0 for the shared label), assuming renders identify class and B."""
        return _binary_entropy(self.eps_knob)

    def known_information(self) -> dict[str, float]:
        """Exact latent quantities (nats); the X terms assume identifiable renders (see above)."""
        eps = self.eps_info
        return {
            "H(Y)": math.log(3.0) + eps,
            "I(Y;S)": math.log(3.0),
            "I(Y;U1)": eps,
            "I(Y;X1|X2)": eps,
            "I(Y;X2|X1)": 0.0,
            "eps_info": eps,
        }

    @staticmethod
    def solve_knob_for_eps(target_eps: float) -> float:
        """``q ∈ (0, ½]`` with ``h_b(q) = target_eps``; needs ``0 < target_eps ≤ ln 2``."""
        target = check_float(target_eps, "target_eps", low=0.0, low_open=True, high=math.log(2.0))
        if target >= math.log(2.0) - 1e-15:
            return 0.5
        return float(
            optimize.brentq(
                lambda q: _binary_entropy(q) - target, 1e-300, 0.5, xtol=1e-15, rtol=1e-14
            )
        )

    # ------------------------------------------------------------------ sampling
    def _nuisances(self, n: int, rng: np.random.Generator) -> np.ndarray:
        cols = [
            rng.uniform(*FG_RANGE, size=n),
            rng.uniform(*BG_RANGE, size=n),
            rng.uniform(-self.max_rotation, self.max_rotation, size=n),
            rng.uniform(0.0, np.pi, size=n),
            rng.uniform(0.0, 2.0 * np.pi, size=n),
        ]
        if self.channels == 3:
            cols.append(rng.uniform(0.0, 2.0 * np.pi, size=n))
        return np.stack(cols, axis=1)

    def _render(self, s: np.ndarray, u: np.ndarray) -> np.ndarray:
        return render_shapes(
            s[:, 0].astype(np.int64),
            s[:, 1],
            s[:, 2],
            s[:, 3],
            u[:, 2],
            u[:, 0],
            u[:, 1],
            u[:, 3],
            u[:, 4],
            hue=u[:, 5] if self.channels == 3 else None,
            size=self.size,
            texture=self.texture,
            texture_cycles=self.texture_cycles,
        )

    def sample(self, n: int, seed: int | np.random.Generator) -> MultiViewSample:
        """Draw ``n`` pairs of views with their latents; same seed, same images."""
        n = check_int(n, "n", low=1)
        rng = rng_from_seed(seed)
        shape = rng.integers(0, len(SHAPES), size=n)
        radius = rng.uniform(*self.radius_range, size=n)
        extent = TRIANGLE_CIRCUMRADIUS * radius
        centre = extent[:, None] + (1.0 - 2.0 * extent[:, None]) * rng.uniform(size=(n, 2))
        s = np.column_stack([shape.astype(np.float64), centre, radius])
        u1, u2 = self._nuisances(n, rng), self._nuisances(n, rng)
        y = shape.astype(np.int64)
        if self.label == "view-specific":
            y = 2 * y + (u1[:, 0] > self.fg_threshold).astype(np.int64)
        return MultiViewSample(
            x1=self._render(s, u1),
            x2=self._render(s, u2),
            s=s,
            u1=u1,
            u2=u2,
            y=y,
            y_class=y.copy(),
        )

    def __repr__(self) -> str:
        return (
            f"ShapesMultiView(size={self.size}, channels={self.channels}, label={self.label!r}, "
            f"eps_knob={self.eps_knob}, radius_range={self.radius_range}, "
            f"max_rotation={self.max_rotation:.4g}, texture={self.texture})"
        )
