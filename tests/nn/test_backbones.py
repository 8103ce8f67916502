"""Backbones: parameter counts against closed forms, shapes, memory formats, bad inputs."""

from __future__ import annotations

import pytest
import torch

from infossl.nn.backbones import (
    MLP,
    BasicBlock,
    PadShortcut,
    SmallConvNet,
    build_backbone,
    resnet8,
    resnet18,
    resnet20,
)


def n_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def conv(cin: int, cout: int, k: int = 3) -> int:
    return cin * cout * k * k


def bn(c: int) -> int:
    return 2 * c


def basic_block(cin: int, cout: int, projection: bool) -> int:
    total = conv(cin, cout) + bn(cout) + conv(cout, cout) + bn(cout)
    if projection and cin != cout:
        total += conv(cin, cout, 1) + bn(cout)
    return total


def resnet_params(blocks: list[int], widths: list[int], projection: bool, cin: int = 3) -> int:
    total = conv(cin, widths[0]) + bn(widths[0])
    prev = widths[0]
    for n, w in zip(blocks, widths, strict=True):
        for _ in range(n):
            total += basic_block(prev, w, projection)
            prev = w
    return total


def test_resnet18_parameter_count_matches_closed_form_and_known_value():
    # torchvision ResNet-18 has 11,689,512 parameters; the CIFAR variant swaps the 7×7 stem
    # (9,408) for a 3×3 one (1,728) and has no 1000-way classifier (513,000).
    expected = 11_689_512 - 513_000 - 9_408 + 1_728
    assert resnet_params([2, 2, 2, 2], [64, 128, 256, 512], True) == expected == 11_168_832
    assert n_params(resnet18()) == expected


def test_resnet20_and_resnet8_parameter_counts():
    # He et al. 2016 table 6: ResNet-20 has 0.27M parameters (with its 64→10 classifier).
    expected20 = resnet_params([3, 3, 3], [16, 32, 64], False)
    assert n_params(resnet20()) == expected20 == 269_072
    assert abs((expected20 + 64 * 10 + 10) / 1e6 - 0.27) < 0.005
    assert n_params(resnet8()) == resnet_params([1, 1, 1], [16, 32, 64], False) == 74_640
    assert n_params(resnet20(in_channels=1)) == resnet_params([3, 3, 3], [16, 32, 64], False, 1)


@pytest.mark.parametrize(
    "name,feat", [("resnet18", 512), ("resnet20", 64), ("resnet8", 64), ("convnet", 256)]
)
@pytest.mark.parametrize("channels,size", [(3, 32), (1, 8)])
def test_conv_backbones_return_pooled_features(name, feat, channels, size):
    model = build_backbone(name, channels)
    out = model(torch.randn(3, channels, size, size))
    assert model.feat_dim == feat
    assert out.shape == (3, feat)
    assert torch.isfinite(out).all()


def test_stem_keeps_resolution_no_maxpool():
    model = resnet18()
    feats = model.stem(torch.randn(1, 3, 32, 32))
    assert feats.shape == (1, 64, 32, 32)
    assert not any(isinstance(m, torch.nn.MaxPool2d) for m in model.modules())
    assert model.stem[0].kernel_size == (3, 3) and model.stem[0].stride == (1, 1)


def test_pad_shortcut_is_subsample_plus_zero_channels():
    x = torch.randn(2, 16, 4, 4)
    out = PadShortcut(16, 32, 2)(x)
    assert out.shape == (2, 32, 2, 2)
    torch.testing.assert_close(out[:, 8:24], x[:, :, ::2, ::2], rtol=0, atol=0)
    assert out[:, :8].abs().sum() == 0 and out[:, 24:].abs().sum() == 0


def test_zero_init_residual_makes_blocks_pass_the_shortcut():
    model = resnet20(zero_init_residual=True).eval()
    block = model.layers[0]
    assert isinstance(block, BasicBlock)
    x = torch.randn(2, 16, 8, 8)
    torch.testing.assert_close(block(x), torch.relu(x), rtol=0, atol=0)


def test_channels_last_gives_same_output_and_gradients():
    torch.manual_seed(0)
    ref = resnet20().eval()
    cl = resnet20().eval()
    cl.load_state_dict(ref.state_dict())
    cl.use_channels_last()
    assert cl.stem[0].weight.is_contiguous(memory_format=torch.channels_last)
    x = torch.randn(4, 3, 16, 16)
    torch.testing.assert_close(cl(x), ref(x), rtol=1e-4, atol=1e-5)
    cl(x).sum().backward()
    ref(x).sum().backward()
    torch.testing.assert_close(
        cl.stem[0].weight.grad, ref.stem[0].weight.grad, rtol=1e-3, atol=1e-4
    )


def test_bfloat16_autocast_close_to_float32():
    torch.manual_seed(0)
    model = build_backbone("resnet8", channels_last=True).eval()
    x = torch.randn(4, 3, 16, 16)
    full = model(x)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        half = model(x)
    rel = (half.float() - full).norm() / full.norm()
    assert rel < 0.05


def test_gradients_reach_the_stem():
    model = SmallConvNet(in_channels=1, width=8)
    model(torch.randn(4, 1, 8, 8)).pow(2).mean().backward()
    assert model.body[0].weight.grad is not None
    assert model.body[0].weight.grad.abs().sum() > 0


def test_mlp_flattens_and_reports_feat_dim():
    model = build_backbone("mlp", in_features=64, hidden=(32, 16))
    assert isinstance(model, MLP) and model.feat_dim == 16
    assert model(torch.randn(5, 1, 8, 8)).shape == (5, 16)
    assert model(torch.randn(5, 64)).shape == (5, 16)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="backbone must be one of"):
        build_backbone("resnet50")
    with pytest.raises(ValueError, match="in_features"):
        build_backbone("mlp")
    with pytest.raises(ValueError, match="channels_last"):
        build_backbone("mlp", in_features=4, channels_last=True)
    with pytest.raises(ValueError, match=r"expects input \(B, 3, H, W\)"):
        resnet8()(torch.randn(2, 1, 8, 8))
    with pytest.raises(ValueError, match="expects 64 input features"):
        MLP(64)(torch.randn(2, 10))
    with pytest.raises(TypeError, match="in_channels"):
        build_backbone("resnet8", in_channels=2.5)
    with pytest.raises(ValueError, match="width"):
        SmallConvNet(width=0)
