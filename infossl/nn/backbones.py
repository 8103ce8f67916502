"""Backbones that map an input batch to pooled features ``(B, feat_dim)``.

* CIFAR ResNets (He et al. 2016, "Deep Residual Learning for Image Recognition"): a 3×3
  stride-1 stem and no max-pool, so 32×32 inputs keep their resolution in the first stage.
  - ``resnet18``: BasicBlocks [2, 2, 2, 2], widths 64–512, projection (1×1 conv + BN)
    shortcuts — the usual CIFAR ResNet-18 of SSL benchmarks, 11.17 M parameters, 512 features.
  - ``resnet20`` / ``resnet8``: the paper's CIFAR family (section 4.2): three stages of
    n = 3 / 1 BasicBlocks, widths 16/32/64, parameter-free "option A" shortcuts (stride-2
    subsampling and zero-padded channels) — 0.27 M / 0.078 M parameters, 64 features.
* ``convnet``: four 3×3 conv–BN–ReLU layers (the last three of stride 2), global average pool.
* ``mlp``: Linear–BN–ReLU layers on flattened inputs, for vector data.

Every backbone exposes ``feat_dim`` and accepts ``in_channels`` (``in_features`` for the MLP).
With ``channels_last=True`` convolutional backbones store weights and convert inputs to the
``channels_last`` memory format (faster on CPU with bfloat16 autocast).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from infossl._checks import check_choice, check_int


def conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


class PadShortcut(nn.Module):
    """He et al.'s option A: ``x[:, :, ::s, ::s]`` zero-padded to ``cout`` channels."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.stride, self.extra = stride, cout - cin

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]
        half = self.extra // 2
        return F.pad(x, (0, 0, 0, 0, half, self.extra - half))


class BasicBlock(nn.Module):
    """``relu(bn(conv(relu(bn(conv(x))))) + shortcut(x))``."""

    def __init__(self, cin: int, cout: int, stride: int, shortcut: str) -> None:
        super().__init__()
        self.conv1, self.bn1 = conv3x3(cin, cout, stride), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = conv3x3(cout, cout), nn.BatchNorm2d(cout)
        self.shortcut: nn.Module
        if stride == 1 and cin == cout:
            self.shortcut = nn.Identity()
        elif shortcut == "pad":
            self.shortcut = PadShortcut(cin, cout, stride)
        else:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class _ConvBackbone(nn.Module):
    """Shared input handling: shape check and optional channels_last conversion."""

    feat_dim: int
    in_channels: int
    channels_last: bool = False

    def _prepare(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"{type(self).__name__} expects input (B, {self.in_channels}, H, W), "
                f"got {tuple(x.shape)}"
            )
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def use_channels_last(self, enabled: bool = True) -> _ConvBackbone:
        """Switch weights and inputs to the channels_last memory format (or back)."""
        fmt = torch.channels_last if enabled else torch.contiguous_format
        self.to(memory_format=fmt)
        self.channels_last = bool(enabled)
        return self


class CifarResNet(_ConvBackbone):
    """CIFAR-style ResNet: 3×3 stem (stride 1, no max-pool), stages of BasicBlocks, global
    average pool. Stage ``k > 0`` starts with stride 2."""

    def __init__(
        self,
        blocks: Sequence[int],
        widths: Sequence[int],
        in_channels: int = 3,
        shortcut: str = "conv",
        zero_init_residual: bool = False,
    ) -> None:
        super().__init__()
        if len(blocks) != len(widths) or not blocks:
            raise ValueError("blocks and widths must have the same positive length")
        check_choice(shortcut, "shortcut", ("conv", "pad"))
        self.in_channels = check_int(in_channels, "in_channels", low=1)
        self.stem = nn.Sequential(
            conv3x3(in_channels, widths[0]), nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True)
        )
        layers: list[nn.Module] = []
        cin = widths[0]
        for k, (n, width) in enumerate(zip(blocks, widths, strict=True)):
            for j in range(check_int(n, f"blocks[{k}]", low=1)):
                layers.append(BasicBlock(cin, width, 2 if (k > 0 and j == 0) else 1, shortcut))
                cin = width
        self.layers = nn.Sequential(*layers)
        self.feat_dim = cin
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, BasicBlock):
                    nn.init.zeros_(m.bn2.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layers(self.stem(self._prepare(x)))
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)


class SmallConvNet(_ConvBackbone):
    """Four conv3×3–BN–ReLU layers of widths ``w, 2w, 4w, 8w`` (strides 1, 2, 2, 2), global
    average pool; ``feat_dim = 8w``."""

    def __init__(self, in_channels: int = 3, width: int = 32) -> None:
        super().__init__()
        self.in_channels = check_int(in_channels, "in_channels", low=1)
        width = check_int(width, "width", low=1)
        chans = [in_channels, width, 2 * width, 4 * width, 8 * width]
        layers: list[nn.Module] = []
        for k in range(4):
            layers += [
                conv3x3(chans[k], chans[k + 1], 1 if k == 0 else 2),
                nn.BatchNorm2d(chans[k + 1]),
                nn.ReLU(inplace=True),
            ]
        self.body = nn.Sequential(*layers)
        self.feat_dim = chans[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(F.adaptive_avg_pool2d(self.body(self._prepare(x)), 1), 1)


class MLP(nn.Module):
    """Linear–BN–ReLU layers on inputs flattened to ``(B, in_features)``; ``feat_dim`` is the
    last hidden width."""

    def __init__(
        self, in_features: int, hidden: Sequence[int] = (512, 512), batch_norm: bool = True
    ) -> None:
        super().__init__()
        self.in_features = check_int(in_features, "in_features", low=1)
        if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence) or not hidden:
            raise TypeError(f"hidden must be a non-empty sequence of widths, got {hidden!r}")
        dims = [self.in_features] + [
            check_int(h, f"hidden[{k}]", low=1) for k, h in enumerate(hidden)
        ]
        layers: list[nn.Module] = []
        for a, b in itertools.pairwise(dims):
            layers.append(nn.Linear(a, b, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm1d(b))
            layers.append(nn.ReLU(inplace=True))
        self.body = nn.Sequential(*layers)
        self.feat_dim = dims[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(x, 1)
        if x.shape[1] != self.in_features:
            raise ValueError(
                f"MLP expects {self.in_features} input features per sample, got {x.shape[1]}"
            )
        return self.body(x)


def resnet18(in_channels: int = 3, **kw: Any) -> CifarResNet:
    """CIFAR ResNet-18: [2, 2, 2, 2] BasicBlocks, widths 64/128/256/512, conv shortcuts."""
    return CifarResNet([2, 2, 2, 2], [64, 128, 256, 512], in_channels, "conv", **kw)


def resnet20(in_channels: int = 3, **kw: Any) -> CifarResNet:
    """He et al.'s CIFAR ResNet-20: 3 × 3 BasicBlocks, widths 16/32/64, option-A shortcuts."""
    return CifarResNet([3, 3, 3], [16, 32, 64], in_channels, "pad", **kw)


def resnet8(in_channels: int = 3, **kw: Any) -> CifarResNet:
    """He et al.'s CIFAR ResNet-8: 3 × 1 BasicBlocks, widths 16/32/64, option-A shortcuts."""
    return CifarResNet([1, 1, 1], [16, 32, 64], in_channels, "pad", **kw)


BACKBONES = {
    "resnet18": resnet18,
    "resnet20": resnet20,
    "resnet8": resnet8,
    "convnet": SmallConvNet,
}


def build_backbone(
    name: str,
    in_channels: int = 3,
    *,
    in_features: int | None = None,
    channels_last: bool = False,
    **options: Any,
) -> nn.Module:
    """Build a backbone by name: ``resnet18``, ``resnet20``, ``resnet8``, ``convnet`` or ``mlp``.

    ``mlp`` needs ``in_features`` (e.g. H·W·C for flattened images); ``options`` go to the
    constructor (``zero_init_residual``, ``width``, ``hidden``, ``batch_norm``).
    """
    check_choice(name, "backbone", [*BACKBONES, "mlp"])
    if name == "mlp":
        if in_features is None:
            raise ValueError("the mlp backbone needs in_features (input dimension)")
        if channels_last:
            raise ValueError("channels_last applies to convolutional backbones, not mlp")
        return MLP(in_features, **options)
    model = BACKBONES[name](in_channels, **options)
    return model.use_channels_last() if channels_last else model
