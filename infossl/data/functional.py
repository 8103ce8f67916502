"""Batched image operations with one parameter per sample (float images in [0, 1]).

Every function takes ``x`` of shape ``(B, C, H, W)`` and per-sample parameters of shape ``(B,)``
and costs O(B·C·H·W) (the blur O(B·C·H·W·K)). Formulas follow the torchvision definitions so
that presets reproduce the published pipelines (SimCLR, Chen et al. 2020, appendix A; BYOL,
Grill et al. 2020, table 6):

* grayscale ``Y = 0.299 R + 0.587 G + 0.114 B`` (ITU-R BT.601);
* brightness ``clip(f·x)``; contrast ``clip(f·x + (1−f)·mean(Y))``; saturation
  ``clip(f·x + (1−f)·Y)``; hue: rotate the HSV hue by ``h`` turns;
* solarize: ``x ≥ t → 1 − x``;
* Gaussian blur: separable kernel ``w_k ∝ exp(−k²/2σ²)``, ``k = −r..r``, reflect padding.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

GRAY_WEIGHTS = (0.299, 0.587, 0.114)


def _per_sample(v: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return v.to(device=x.device, dtype=x.dtype).view(-1, 1, 1, 1)


def to_float(images: torch.Tensor) -> torch.Tensor:
    """``uint8`` → ``float32 / 255``; a float tensor is copied to float32 (values kept)."""
    if images.dtype == torch.uint8:
        return images.to(torch.float32).div_(255.0)
    if not images.dtype.is_floating_point:
        raise TypeError(f"images must be uint8 or float, got {images.dtype}")
    return images.to(torch.float32, copy=True)


def hflip(x: torch.Tensor) -> torch.Tensor:
    """Mirror left–right."""
    return x.flip(-1)


def interpolation_matrices(
    start: torch.Tensor, length: torch.Tensor, in_size: int, out_size: int
) -> torch.Tensor:
    """Per-sample resampling matrices ``(B, out_size, in_size)`` along one axis.

    Output pixel ``i`` is centred on input coordinate ``u_i = start + (i + ½)·s − ½`` with
    ``s = length / out_size`` (pixel-centre convention, align_corners=False), clamped to
    ``[0, in_size − 1]``. Weights follow the triangle (bilinear) filter widened by the
    downscale factor, ``w_ij ∝ max(0, 1 − |u_i − j| / max(s, 1))``, normalised per row: plain
    bilinear when enlarging, antialiased when shrinking (as ``F.interpolate(antialias=True)``
    and Pillow). O(B·out·in).
    """
    scale = (length / out_size).unsqueeze(1)
    i = torch.arange(out_size, dtype=start.dtype, device=start.device)
    u = (start.unsqueeze(1) + (i + 0.5) * scale - 0.5).clamp(0.0, in_size - 1)
    j = torch.arange(in_size, dtype=start.dtype, device=start.device)
    dist = (u.unsqueeze(2) - j).abs_() / scale.clamp(min=1.0).unsqueeze(2)
    w = (1.0 - dist).clamp_(min=0.0)
    return w / w.sum(dim=2, keepdim=True)


def resized_crop(x: torch.Tensor, boxes: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Crop ``boxes`` ``(B, 4)`` = ``(x0, y0, w, h)`` in pixels (edges, continuous) and resize
    to ``size`` = ``(H', W')``: ``out_b = R_b · x_b · C_bᵀ`` with the separable matrices of
    :func:`interpolation_matrices` (two batched matmuls, O(B·C·H'·W·(H + W'))).

    A box equal to the image with ``size`` = ``(H, W)`` reproduces the image exactly.
    """
    height, width = x.shape[-2:]
    boxes = boxes.to(device=x.device, dtype=x.dtype)
    x0, y0, w, h = boxes.unbind(1)
    cols = interpolation_matrices(x0, w, width, size[1])  # (B, W', W)
    rows = interpolation_matrices(y0, h, height, size[0])  # (B, H', H)
    return torch.matmul(torch.matmul(rows.unsqueeze(1), x), cols.transpose(1, 2).unsqueeze(1))


def rgb_to_grayscale(x: torch.Tensor) -> torch.Tensor:
    """BT.601 luma ``(B, 1, H, W)`` of RGB ``x``; a 1-channel ``x`` is returned unchanged."""
    if x.shape[1] == 1:
        return x
    gray = x[:, 0:1] * GRAY_WEIGHTS[0]
    return gray.add_(x[:, 1:2], alpha=GRAY_WEIGHTS[1]).add_(x[:, 2:3], alpha=GRAY_WEIGHTS[2])


def grayscale(x: torch.Tensor) -> torch.Tensor:
    """Luma repeated over the input's channels (shape unchanged)."""
    return rgb_to_grayscale(x).expand_as(x).contiguous()


def adjust_brightness(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """``clip(f·x, 0, 1)`` per sample."""
    return (x * _per_sample(factor, x)).clamp_(0.0, 1.0)


def adjust_contrast(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """``clip(f·x + (1−f)·m, 0, 1)`` with ``m`` the sample's mean luma."""
    f = _per_sample(factor, x)
    mean = rgb_to_grayscale(x).mean(dim=(1, 2, 3), keepdim=True)
    return (x * f).add_((1 - f) * mean).clamp_(0.0, 1.0)


def adjust_saturation(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """``clip(f·x + (1−f)·Y, 0, 1)`` with ``Y`` the per-pixel luma (RGB only)."""
    f = _per_sample(factor, x)
    gray = rgb_to_grayscale(x)
    gray = gray.mul(1 - f) if gray is x else gray.mul_(1 - f)
    return (x * f).add_(gray).clamp_(0.0, 1.0)


def blend_with_luma(
    x: torch.Tensor, factor: torch.Tensor, pixel: torch.Tensor, mean: torch.Tensor
) -> torch.Tensor:
    """``clip(f·x + (1−f)·(p·Y + m·mean(Y)), 0, 1)`` per sample: brightness (p = m = 0),
    contrast (m = 1) and saturation (p = 1) in one pass."""
    f = _per_sample(factor, x)
    p, m = _per_sample(pixel, x), _per_sample(mean, x)
    if not bool((p != 0).any() or (m != 0).any()):
        return (x * f).clamp_(0.0, 1.0)
    gray = rgb_to_grayscale(x)
    mean_luma = gray.mean(dim=(1, 2, 3), keepdim=True)
    ref = gray.mul(p) if gray is x else gray.mul_(p)
    ref.add_(mean_luma.mul_(m))
    return (x * f).add_(ref.mul_(1 - f)).clamp_(0.0, 1.0)


def adjust_hue(x: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Rotate the HSV hue by ``shift`` turns (in [−½, ½]); value and saturation are kept.

    RGB → hue ``h`` in sixths of a turn (``(G−B)/c`` if R is the maximum, ``(B−R)/c + 2`` if G,
    ``(R−G)/c + 4`` if B; ties resolved R, G, B; 0 for grey), value ``v = max`` and chroma
    ``c = max − min``; then ``channel_n = v − c·clip(2 − |k − 2|, 0, 1)`` with
    ``k = (n + h + 6·shift) mod 6`` for n = 5, 3, 1 (R, G, B), the closed form of HSV → RGB.
    """
    r, g, b = x[:, 0:1], x[:, 1:2], x[:, 2:3]
    maxc = x.amax(dim=1, keepdim=True)
    chroma = x.amin(dim=1, keepdim=True).neg_().add_(maxc)
    is_r = r == maxc
    is_g = (g == maxc).logical_and_(~is_r)
    h = torch.where(
        is_r,
        g - b,
        torch.where(is_g, (b - r).add_(chroma, alpha=2.0), (r - g).add_(chroma, alpha=4.0)),
    )
    h.div_(torch.where(chroma > 0, chroma, 1.0))
    h.add_(_per_sample(shift, x), alpha=6.0)
    h.sub_(torch.floor(h * (1.0 / 6.0)).mul_(6.0))  # h in [0, 6)
    n = torch.tensor([5.0, 3.0, 1.0], device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
    k = h + n  # in [1, 11)
    k.sub_((k >= 6.0).to(x.dtype).mul_(6.0))  # k mod 6
    ramp = k.sub_(2.0).abs_().neg_().add_(2.0).clamp_(0.0, 1.0)  # clip(2 - |k - 2|, 0, 1)
    return ramp.mul_(chroma).neg_().add_(maxc).clamp_(0.0, 1.0)


def solarize(x: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Invert the values at or above ``threshold``: ``x ≥ t → 1 − x``."""
    return torch.where(x >= threshold, 1.0 - x, x)


def gaussian_kernels(sigma: torch.Tensor, kernel_size: int) -> torch.Tensor:
    """Normalised 1-D kernels ``(B, K)``, ``w_k ∝ exp(−k²/2σ²)`` for ``k = −r..r``.

    ``sigma`` must be positive; as σ → 0 the kernel tends to a unit impulse (identity).
    """
    r = kernel_size // 2
    t = torch.arange(-r, r + 1, dtype=sigma.dtype, device=sigma.device)
    w = torch.exp(-0.5 * (t / sigma.unsqueeze(1)) ** 2)
    return w / w.sum(dim=1, keepdim=True)


def gaussian_blur(x: torch.Tensor, sigma: torch.Tensor, kernel_size: int) -> torch.Tensor:
    """Separable Gaussian blur with a per-sample σ (odd ``kernel_size`` K, reflect padding)."""
    if kernel_size % 2 == 0 or kernel_size < 1:
        raise ValueError(f"kernel_size must be a positive odd integer, got {kernel_size}")
    r = kernel_size // 2
    if r >= min(x.shape[-2:]):
        raise ValueError(
            f"kernel_size {kernel_size} is too large for {tuple(x.shape[-2:])} "
            "images (reflect padding needs radius < side)"
        )
    if r == 0:
        return x
    w = gaussian_kernels(sigma.to(device=x.device, dtype=x.dtype), kernel_size)
    height, width = x.shape[-2:]
    padded = F.pad(x, (r, r, 0, 0), mode="reflect")
    taps = [w[:, k].view(-1, 1, 1, 1) for k in range(kernel_size)]
    out = padded[..., 0:width] * taps[0]
    for k in range(1, kernel_size):
        out.addcmul_(padded[..., k : k + width], taps[k])
    padded = F.pad(out, (0, 0, r, r), mode="reflect")
    out = padded[..., 0:height, :] * taps[0]
    for k in range(1, kernel_size):
        out.addcmul_(padded[..., k : k + height, :], taps[k])
    return out


def normalize(x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """``(x − mean_c) / std_c`` per channel."""
    c = x.shape[1]
    return (x - mean.to(x).view(1, c, 1, 1)).div_(std.to(x).view(1, c, 1, 1))
