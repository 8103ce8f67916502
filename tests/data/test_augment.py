"""Batched augmentations: each operation against a hand computation or an independent reference
(colorsys, scipy, torch's antialiased interpolate), seeding and per-sample randomness."""

from __future__ import annotations

import colorsys
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.ndimage import convolve1d

from infossl.data import augment as A
from infossl.data import functional as AF
from infossl.data import presets


def rand_images(b=4, c=3, h=8, w=8, seed=0):
    return torch.rand(b, c, h, w, generator=torch.Generator().manual_seed(seed))


# --- functional forms -------------------------------------------------------------------------


def test_hflip_and_solarize_exact():
    x = torch.tensor([[[[0.1, 0.5, 0.9], [0.49, 0.51, 1.0]]]])
    assert torch.equal(AF.hflip(x), torch.tensor([[[[0.9, 0.5, 0.1], [1.0, 0.51, 0.49]]]]))
    expected = torch.tensor([[[[0.1, 0.5, 1 - 0.9], [0.49, 1 - 0.51, 0.0]]]])
    torch.testing.assert_close(AF.solarize(x, 0.5), expected, rtol=0, atol=1e-7)


def test_grayscale_uses_bt601_weights():
    x = torch.tensor([1.0, 0.0, 0.0]).view(1, 3, 1, 1) * torch.ones(1, 3, 2, 2)
    assert torch.allclose(AF.rgb_to_grayscale(x), torch.full((1, 1, 2, 2), 0.299))
    px = torch.tensor([0.2, 0.6, 0.9]).view(1, 3, 1, 1)
    expected = 0.299 * 0.2 + 0.587 * 0.6 + 0.114 * 0.9
    g = AF.grayscale(px)
    assert g.shape == (1, 3, 1, 1)
    torch.testing.assert_close(g, torch.full((1, 3, 1, 1), expected), rtol=0, atol=1e-7)


def test_brightness_exact_with_clipping():
    x = torch.tensor([0.2, 0.5, 0.8]).view(1, 3, 1, 1).repeat(2, 1, 1, 1)
    out = AF.adjust_brightness(x, torch.tensor([0.5, 1.5]))
    torch.testing.assert_close(out[0].flatten(), torch.tensor([0.1, 0.25, 0.4]))
    torch.testing.assert_close(out[1].flatten(), torch.tensor([0.3, 0.75, 1.0]))


def test_contrast_and_saturation_match_blend_formulas():
    x = rand_images(2, 3, 4, 5)
    f = torch.tensor([0.3, 1.7])
    xn = x.numpy().astype(np.float64)
    gray = 0.299 * xn[:, 0] + 0.587 * xn[:, 1] + 0.114 * xn[:, 2]
    mean = gray.mean(axis=(1, 2)).reshape(2, 1, 1, 1)
    fn = f.numpy().reshape(2, 1, 1, 1)
    contrast = np.clip(fn * xn + (1 - fn) * mean, 0, 1)
    saturation = np.clip(fn * xn + (1 - fn) * gray[:, None], 0, 1)
    np.testing.assert_allclose(AF.adjust_contrast(x, f).numpy(), contrast, atol=1e-6)
    np.testing.assert_allclose(AF.adjust_saturation(x, f).numpy(), saturation, atol=1e-6)
    torch.testing.assert_close(AF.adjust_saturation(x, torch.zeros(2)), AF.grayscale(x))


def test_hue_matches_colorsys():
    x = rand_images(3, 3, 4, 4, seed=1)
    x[0, :, 0, 0] = torch.tensor([0.5, 0.5, 0.5])  # grey pixel: hue undefined, kept
    x[0, :, 0, 1] = torch.tensor([0.7, 0.7, 0.2])  # tie between R and G
    shift = torch.tensor([0.25, -0.4, 0.5])
    out = AF.adjust_hue(x, shift).numpy()
    for b in range(3):
        for i in range(4):
            for j in range(4):
                h, s, v = colorsys.rgb_to_hsv(*x[b, :, i, j].tolist())
                ref = colorsys.hsv_to_rgb((h + float(shift[b])) % 1.0, s, v)
                np.testing.assert_allclose(out[b, :, i, j], ref, atol=2e-6)
    torch.testing.assert_close(AF.adjust_hue(x, torch.zeros(3)), x, rtol=0, atol=2e-6)


def test_resized_crop_identity_integer_crop_and_interpolate_reference():
    x = rand_images(3, 3, 12, 10)
    full = torch.tensor([[0.0, 0.0, 10.0, 12.0]]).repeat(3, 1)
    torch.testing.assert_close(AF.resized_crop(x, full, (12, 10)), x, rtol=0, atol=1e-6)
    box = torch.tensor([[2.0, 3.0, 4.0, 5.0]]).repeat(3, 1)
    torch.testing.assert_close(
        AF.resized_crop(x, box, (5, 4)), x[:, :, 3:8, 2:6], rtol=0, atol=1e-6
    )
    for size in [(6, 5), (20, 17), (7, 13)]:  # shrink (antialiased), enlarge, mixed
        ref = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True)
        torch.testing.assert_close(AF.resized_crop(x, full, size), ref, rtol=0, atol=1e-5)


def test_gaussian_blur_matches_scipy_and_vanishing_sigma_is_identity():
    x = rand_images(2, 3, 9, 11)
    sigma = torch.tensor([0.8, 1.7])
    out = AF.gaussian_blur(x, sigma, 5).numpy()
    for b in range(2):
        t = np.arange(-2, 3)
        w = np.exp(-(t**2) / (2 * float(sigma[b]) ** 2))
        w /= w.sum()
        ref = convolve1d(
            convolve1d(x[b].numpy().astype(np.float64), w, axis=2, mode="mirror"),
            w,
            axis=1,
            mode="mirror",
        )
        np.testing.assert_allclose(out[b], ref, atol=1e-6)
    torch.testing.assert_close(AF.gaussian_blur(x, torch.full((2,), 1e-3), 5), x, rtol=0, atol=1e-7)
    const = torch.full((1, 1, 6, 6), 0.3)
    torch.testing.assert_close(AF.gaussian_blur(const, torch.tensor([2.0]), 5), const)
    with pytest.raises(ValueError, match="kernel_size"):
        AF.gaussian_blur(x, sigma, 4)
    with pytest.raises(ValueError, match="too large"):
        AF.gaussian_blur(x, sigma, 19)


# --- random ops --------------------------------------------------------------------------------


def test_full_scale_crop_is_identity():
    x = rand_images(5, 3, 16, 16)
    crop = A.RandomResizedCrop(16, scale=(1.0, 1.0), ratio=(1.0, 1.0))
    torch.testing.assert_close(
        crop(x.clone(), torch.Generator().manual_seed(0)), x, rtol=0, atol=1e-6
    )


def test_crop_boxes_respect_scale_ratio_and_bounds():
    crop = A.RandomResizedCrop(32, scale=(0.2, 0.6), ratio=(0.75, 1.3333))
    boxes = crop.sample_boxes(4000, 32, 32, torch.Generator().manual_seed(0))
    x0, y0, w, h = boxes.unbind(1)
    assert (x0 >= 0).all() and (y0 >= 0).all()
    assert (x0 + w <= 32 + 1e-9).all() and (y0 + h <= 32 + 1e-9).all()
    frac = w * h / 1024
    assert frac.min() >= 0.2 - 1e-9 and frac.max() <= 0.6 + 1e-9
    assert (w / h).min() >= 0.75 - 1e-9 and (w / h).max() <= 1.3334
    # area fraction ~ U(0.2, 0.6): mean 0.4, sd 0.1155 → stderr 0.0018 with n = 4000
    assert abs(float(frac.mean()) - 0.4) < 0.01
    # a wide image with a square-only ratio falls back to the centred largest square box
    wide = A.RandomResizedCrop(4, scale=(1.0, 1.0), ratio=(1.0, 1.0))
    box = wide.sample_boxes(3, 10, 40, torch.Generator().manual_seed(0))
    torch.testing.assert_close(box[:, 2:], torch.tensor([[10.0, 10.0]] * 3, dtype=box.dtype))


def test_flip_probability_and_exactness():
    x = rand_images(400, 1, 2, 3)
    out = A.RandomHorizontalFlip(0.5)(x.clone(), torch.Generator().manual_seed(3))
    flipped = (out == x.flip(-1)).flatten(1).all(1)
    kept = (out == x).flatten(1).all(1)
    assert bool((flipped | kept).all())
    # binomial(400, ½): mean 200, sd 10
    assert abs(int(flipped.sum()) - 200) < 40
    assert torch.equal(A.RandomHorizontalFlip(0.0)(x.clone(), torch.Generator()), x)


def test_brightness_jitter_factors_in_range_and_per_sample():
    x = torch.full((64, 3, 4, 4), 0.4)
    out = A.ColorJitter(0.5, 0.0, 0.0, 0.0, p=1.0)(x.clone(), torch.Generator().manual_seed(0))
    factors = out[:, 0, 0, 0] / 0.4
    assert factors.min() >= 0.5 - 1e-6 and factors.max() <= 1.5 + 1e-6
    assert torch.unique(factors).numel() == 64
    assert torch.allclose(out, factors.view(-1, 1, 1, 1) * x)


def test_jitter_random_order_differs_from_fixed_order_only_in_order():
    x = rand_images(32, 3, 6, 6)
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    ordered = A.ColorJitter(0.4, 0.4, 0.4, 0.1, p=1.0, random_order=False)(x.clone(), g1)
    shuffled = A.ColorJitter(0.4, 0.4, 0.4, 0.1, p=1.0, random_order=True)(x.clone(), g2)
    assert not torch.allclose(ordered, shuffled)
    # recompute the fixed order by hand from the same draws
    g = torch.Generator().manual_seed(5)
    b = A._uniform(32, 0.6, 1.4, g)
    c = A._uniform(32, 0.6, 1.4, g)
    s = A._uniform(32, 0.6, 1.4, g)
    h = A._uniform(32, -0.1, 0.1, g)
    ref = AF.adjust_hue(
        AF.adjust_saturation(AF.adjust_contrast(AF.adjust_brightness(x, b), c), s), h
    )
    torch.testing.assert_close(ordered, ref, rtol=0, atol=1e-6)


def test_jitter_random_order_matches_per_sample_composition():
    x = rand_images(24, 3, 5, 5, seed=2)
    out = A.ColorJitter(0.4, 0.4, 0.4, 0.1, p=1.0)(x.clone(), torch.Generator().manual_seed(9))
    g = torch.Generator().manual_seed(9)
    params = [A._uniform(24, 0.6, 1.4, g) for _ in range(3)] + [A._uniform(24, -0.1, 0.1, g)]
    order = torch.rand(24, 4, generator=g).argsort(dim=1)
    funcs = [AF.adjust_brightness, AF.adjust_contrast, AF.adjust_saturation, AF.adjust_hue]
    assert len({tuple(o) for o in order.tolist()}) > 5  # several different orders occur
    for i in range(24):
        y = x[i : i + 1]
        for k in order[i].tolist():
            y = funcs[k](y, params[k][i : i + 1])
        torch.testing.assert_close(out[i : i + 1], y, rtol=0, atol=1e-6)


def test_probability_zero_is_identity_and_one_changes_every_sample():
    x = rand_images(16, 3, 8, 8)
    for op in [
        A.ColorJitter(p=0.0),
        A.RandomGrayscale(0.0),
        A.RandomSolarize(0.0),
        A.RandomGaussianBlur(0.0),
        A.GaussianNoise(0.1, p=0.0),
    ]:
        assert torch.equal(op(x.clone(), torch.Generator().manual_seed(0)), x)
    for op in [
        A.ColorJitter(p=1.0),
        A.RandomGrayscale(1.0),
        A.RandomSolarize(1.0, 0.0),
        A.RandomGaussianBlur(1.0, sigma=(1.0, 2.0), kernel_size=3),
        A.GaussianNoise(0.1, p=1.0),
    ]:
        out = op(x.clone(), torch.Generator().manual_seed(0))
        assert bool((out - x).flatten(1).abs().amax(1).gt(1e-4).all()), type(op).__name__
    gray = A.RandomGrayscale(1.0)(x.clone(), torch.Generator())
    assert torch.equal(gray[:, 0], gray[:, 1]) and torch.equal(gray[:, 1], gray[:, 2])
    solar = A.RandomSolarize(1.0, 0.0)(x.clone(), torch.Generator())
    torch.testing.assert_close(solar, 1 - x)


def test_pipeline_is_seeded_per_sample_and_leaves_input_untouched():
    images = (rand_images(1, 3, 16, 16) * 255).to(torch.uint8).repeat(8, 1, 1, 1)
    before = images.clone()
    views = presets.simclr(16, blur_p=0.5)
    v1, v2 = views(images, seed=7)
    w1, w2 = views(images, seed=7)
    assert torch.equal(v1, w1) and torch.equal(v2, w2)
    assert torch.equal(images, before)
    assert v1.dtype == torch.float32 and v1.shape == (8, 3, 16, 16)
    flat = v1.flatten(1)
    assert torch.cdist(flat, flat).add(torch.eye(8) * 1e9).min() > 1e-3  # all samples differ
    assert not torch.allclose(v1, v2)
    assert not torch.allclose(views(images, seed=8)[0], v1)
    gen_a, gen_b = torch.Generator().manual_seed(3), np.random.default_rng(3)
    assert torch.equal(views(images, gen_a)[0], views(images, torch.Generator().manual_seed(3))[0])
    assert torch.equal(views(images, gen_b)[0], views(images, np.random.default_rng(3))[0])


def test_normalize_and_evaluation_pipeline():
    images = torch.tensor([0, 51, 255], dtype=torch.uint8).view(1, 3, 1, 1)
    out = presets.evaluation(mean=(0.5, 0.5, 0.5), std=(0.5, 0.25, 0.5))(images, seed=0)
    torch.testing.assert_close(out.flatten(), torch.tensor([-1.0, (0.2 - 0.5) / 0.25, 1.0]))
    assert torch.equal(presets.evaluation()(images, seed=0), images.float() / 255)


def test_presets_shapes_and_asymmetry():
    images = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)
    byol = presets.byol(32)
    assert len(byol) == 2 and byol.pipelines[0] is not byol.pipelines[1]
    solar = [[op.p for op in p.ops if isinstance(op, A.RandomSolarize)] for p in byol.pipelines]
    assert solar == [[], [0.2]]
    assert [type(op).__name__ for op in presets.byol(96).pipelines[0].ops].count(
        "RandomGaussianBlur"
    ) == 1
    mc = presets.multicrop(32, 16, 3)
    views = mc(images, seed=0)
    assert [v.shape[-1] for v in views] == [32, 32, 16, 16, 16] and mc.n_global == 2
    d = presets.digits(8)
    dv = d(torch.randint(0, 256, (5, 1, 8, 8), dtype=torch.uint8), seed=0)
    assert [v.shape for v in dv] == [(5, 1, 8, 8)] * 2
    gray = presets.simclr(8, channels=1)(torch.randint(0, 256, (3, 1, 8, 8), dtype=torch.uint8), 0)
    assert gray[0].shape == (3, 1, 8, 8)
    assert presets.build_views("simclr", size=8).pipelines[0].ops[0].size == (8, 8)


def test_kernel_size_follows_ten_percent_rule():
    blur = A.RandomGaussianBlur()
    assert blur.kernel_for(32, 32) == 3
    assert blur.kernel_for(224, 224) == 23
    assert blur.kernel_for(96, 128) == 11


def test_bad_inputs_raise_clear_errors():
    view = presets.simclr(8)
    with pytest.raises(ValueError, match=r"shape \(B, C, H, W\)"):
        view(torch.zeros(3, 8, 8, dtype=torch.uint8), 0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        view(torch.full((2, 3, 8, 8), 2.0), 0)
    with pytest.raises(TypeError, match="images must be a torch tensor"):
        view(np.zeros((2, 3, 8, 8)), 0)
    with pytest.raises(TypeError, match="uint8 or float"):
        view(torch.zeros(2, 3, 8, 8, dtype=torch.int32), 0)
    with pytest.raises(ValueError, match="saturation jitter needs 3-channel"):
        view(torch.zeros(2, 1, 8, 8, dtype=torch.uint8), 0)
    with pytest.raises(TypeError, match="seed"):
        view(torch.zeros(2, 3, 8, 8, dtype=torch.uint8), -1)
    with pytest.raises(ValueError, match="p must be <= 1"):
        A.RandomGrayscale(1.5)
    with pytest.raises(ValueError, match=r"hue must be <= 0\.5"):
        A.ColorJitter(hue=0.7)
    with pytest.raises(ValueError, match="scale must satisfy low <= high"):
        A.RandomResizedCrop(8, scale=(0.9, 0.1))
    with pytest.raises(ValueError, match="sigma must be positive"):
        A.RandomGaussianBlur(sigma=(0.0, 1.0))
    with pytest.raises(ValueError, match="preset must be one of"):
        presets.build_views("moco")
    with pytest.raises(ValueError, match="both mean and std"):
        presets.simclr(8, mean=(0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="channel statistics"):
        A.Normalize((0.5,), (0.5,))(torch.zeros(1, 3, 2, 2))


def test_noise_std_matches():
    x = torch.full((64, 1, 16, 16), 0.5)
    out = A.GaussianNoise(0.05)(x.clone(), torch.Generator().manual_seed(0))
    # 16,384 draws: the sample sd of N(0, 0.05²) is within 2% of 0.05 with overwhelming odds
    assert math.isclose(float((out - 0.5).std()), 0.05, rel_tol=0.03)
