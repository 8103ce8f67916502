"""Trainable methods are declared by their objective's recipe; the built models are unchanged.

The expected values were computed with the trainer as it was before the recipes existed (the
``if name == ...`` chains of ``infossl.train.methods``): parameter count, number of
``state_dict`` keys and a hash of their ordered names, and the loss on fixed inputs.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch

from infossl.nn import heads
from infossl.nn.backbones import build_backbone
from infossl.objectives import get_method_spec, list_objectives
from infossl.objectives.recipe import PREDICTORS, PROJECTORS, MethodRecipe
from infossl.train.config import load_config
from infossl.train.methods import LAYOUT_BUILDERS, METHODS, build_method, method_names

pytestmark = pytest.mark.usefixtures("one_thread")

# method: (parameters, state_dict keys, sha256 of the "\n"-joined key names [:16], loss)
EXPECTED = {
    "barlow_twins": (8464778, 21, "466fe92e68165a9b", 2281.64892578125),
    "byol": (1128650, 42, "9d618bcd9422749f", 1.9823448657989502),
    "ceb": (151690, 19, "a2e5f3f4aad62f59", 19.96811294555664),
    "corinfomax": (4536842, 26, "56b8a3eb2089135a", 11.152021408081055),
    "dino": (372298, 38, "68a0ff23eb7e10d2", 7.847542762756348),
    "infonce": (86026, 17, "e20427cc0cfd2156", 5.729546546936035),
    "mib": (86026, 17, "c101ed98207116d8", 0.7886234521865845),
    "moco": (169674, 25, "78acd4fed3860541", 3.2488555908203125),
    "nview_infomax": (86026, 17, "e20427cc0cfd2156", 0.8775162696838379),
    "simclr": (86026, 17, "e20427cc0cfd2156", 5.576222896575928),
    "simsiam": (10565002, 32, "271d18501dba18c0", 0.0009621989447623491),
    "swav": (151562, 18, "f464ad9d08df8fcd", 6.632955551147461),
    "vicreg": (8468874, 23, "1ad8d0d59be912cd", 23.5349063873291),
    "vicreg_logdet": (8468874, 23, "1ad8d0d59be912cd", -28.70130729675293),
    "vicreg_pairdist": (8468874, 23, "1ad8d0d59be912cd", -2887.30322265625),
    "w_mse": (103882, 17, "e20427cc0cfd2156", 2.0136239528656006),
}


def _build(name: str):
    extra = ["objective.whiten_size=128"] if name == "w_mse" else []
    cfg = load_config(None, [f"method={name}", *extra])
    torch.manual_seed(0)
    backbone = build_backbone("mlp", in_features=64, hidden=[32])
    return build_method(
        cfg, backbone, int(backbone.feat_dim), num_classes=10, total_steps=100, distributed=False
    )


def test_every_method_of_before_is_still_trainable():
    assert set(EXPECTED) <= set(method_names())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_built_model_is_unchanged(name):
    params, n_keys, keys_sha, loss = EXPECTED[name]
    method = _build(name)
    keys = list(method.state_dict())
    assert sum(p.numel() for p in method.parameters()) == params
    assert len(keys) == n_keys
    assert hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16] == keys_sha
    g = torch.Generator().manual_seed(1)
    views = [torch.randn(128, 64, generator=g) for _ in range(2)]
    out = method(views, seed=3)
    value = float(method.compute_loss(out).loss.detach())
    assert value == pytest.approx(loss, rel=1e-4, abs=1e-6)


def test_methods_are_the_objectives_with_a_recipe():
    with_recipe = sorted(s.name for s in list_objectives() if s.recipe is not None)
    assert method_names() == with_recipe
    assert METHODS["simclr"] is get_method_spec("simclr").recipe
    assert "barlow" not in METHODS and "barlow_twins" in METHODS  # aliases resolve elsewhere
    assert METHODS["vib"].needs_labels and not METHODS["simclr"].needs_labels


def test_every_layout_and_head_style_has_a_builder():
    from infossl.objectives.recipe import LAYOUTS

    assert set(LAYOUT_BUILDERS) == set(LAYOUTS)
    for style in PROJECTORS:
        assert heads.projector(style, 8, 16, 4, num_hidden=2).out_dim == 4
    for style in PREDICTORS:
        assert heads.predictor(style, 4, 16).out_dim == 4


def test_target_schedules_follow_the_recipe():
    assert _build("moco").target.schedule == "constant"
    assert _build("byol").target.schedule == "cosine"
    assert _build("dino").target.schedule == "cosine"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"layout": "siamese"}, "layout"),
        ({"projector": "huge"}, "projector"),
        ({"layout": "predictor"}, "predictor"),
        ({"predictor": "byol"}, "no predictor"),
        ({"proj_out": 0}, "proj_out"),
        ({"momentum": 1.5}, "momentum"),
        ({"optimizer": "adam"}, "optimizer"),
    ],
)
def test_bad_recipes_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MethodRecipe(**kwargs)


# ------------------------------------------------------------------ generative methods
DIGITS = [
    "data.name=digits",
    "data.limit=256",
    "train.batch_size=64",
    "train.epochs=2",
    "train.precision=fp32",
    "model.proj_hidden=32",
    "model.proj_out=8",
    "log.progress=false",
    "log.tensorboard=false",
    "eval.final_linear=false",
    "eval.knn_every_epochs=0",
    "log.every_steps=1",
]


@pytest.mark.parametrize(
    "name, terms",
    [
        ("autoencoder", {"reconstruction"}),
        ("denoising_autoencoder", {"reconstruction"}),
        ("masked_reconstruction", {"masked_reconstruction"}),
        ("beta_vae", {"distortion", "rate"}),
    ],
)
def test_generative_methods_train_two_epochs_on_digits(name, terms, tmp_path):
    from infossl.train import train
    from infossl.train.logger import read_jsonl

    result = train(load_config(None, [*DIGITS, f"method={name}", f"out={tmp_path}"]))
    assert result.steps == 8
    steps = [r for r in read_jsonl(tmp_path / "metrics.jsonl") if r["kind"] == "train"]
    assert len(steps) == 8 and set(steps[0]["terms"]) == terms
    assert all(np.isfinite(r["loss"]) for r in steps)
    assert steps[-1]["loss"] < steps[0]["loss"]


def test_decoder_reconstructs_the_clean_views_from_corrupted_ones():
    cfg = load_config(None, ["method=denoising_autoencoder", "model.proj_hidden=16"])
    torch.manual_seed(0)
    backbone = build_backbone("mlp", in_features=64, hidden=[32])
    method = build_method(
        cfg,
        backbone,
        32,
        num_classes=None,
        total_steps=10,
        distributed=False,
        input_shape=(1, 8, 8),
    )
    assert method.input_noise == 0.5
    views = [torch.randn(4, 1, 8, 8) for _ in range(2)]
    out = method(views, seed=1)
    assert out["inputs"][0] is views[0]  # the loss's target: the clean view
    noisy = method._corrupt(views, 1)
    assert torch.allclose(out["features"], backbone(noisy[0]))
    assert not torch.allclose(out["features"], backbone(views[0]))
    assert out["reconstruction"][0].shape == (4, 64)


def test_masked_decoder_zeroes_the_masked_patches_of_the_encoder_input():
    cfg = load_config(None, ["method=masked_reconstruction", "model.proj_hidden=16"])
    torch.manual_seed(0)
    backbone = build_backbone("mlp", in_features=64, hidden=[32])
    method = build_method(
        cfg,
        backbone,
        32,
        num_classes=None,
        total_steps=10,
        distributed=False,
        input_shape=(1, 8, 8),
    )
    view = torch.rand(3, 1, 8, 8) + 1.0
    masked, mask = method._mask(view, 5)
    assert mask.shape == (3, 4) and int(mask.sum()) == 3 * 3  # round(4 · 0.75) per row
    zero = masked == 0
    for row in range(3):
        for patch in range(4):
            r, c = divmod(patch, 2)
            block = zero[row, 0, 4 * r : 4 * r + 4, 4 * c : 4 * c + 4]
            assert bool(block.all()) == bool(mask[row, patch])
    out = method([view, view], seed=5)
    assert torch.isfinite(method.compute_loss(out).loss)


# ------------------------------------------------------------------ information bottlenecks
@pytest.mark.parametrize(
    "name, terms",
    [
        ("vib", {"prediction", "rate"}),
        ("multiview_ib", {"prediction", "rate_1", "rate_2"}),
        ("semi_supervised_ib", {"rate", "supervised", "label_marginal"}),
        ("tsai_composite", {"contrastive", "forward_predictive", "inverse_predictive"}),
        ("dubois_rd", {"rate", "invariance"}),
    ],
)
def test_bottleneck_methods_train_two_epochs_on_digits(name, terms, tmp_path):
    from infossl.train import train
    from infossl.train.logger import read_jsonl

    result = train(load_config(None, [*DIGITS, f"method={name}", f"out={tmp_path}"]))
    assert result.steps == 8
    steps = [r for r in read_jsonl(tmp_path / "metrics.jsonl") if r["kind"] == "train"]
    assert len(steps) == 8 and set(steps[0]["terms"]) == terms
    assert all(np.isfinite(r["loss"]) for r in steps)
    assert steps[-1]["loss"] < steps[0]["loss"]


def test_supervised_layouts_read_the_labels():
    cfg = load_config(None, ["method=vib"])
    torch.manual_seed(0)
    backbone = build_backbone("mlp", in_features=64, hidden=[32])
    method = build_method(
        cfg, backbone, int(backbone.feat_dim), num_classes=10, total_steps=100, distributed=False
    )
    assert method.needs_labels and method.label_decoder.out_features == 10
    g = torch.Generator().manual_seed(1)
    out = method([torch.randn(16, 64, generator=g) for _ in range(2)], seed=3)
    assert out["logits"].shape == (32, 10)  # both views stacked
    out["labels"] = torch.arange(16) % 10
    loss = method.compute_loss(out)
    assert set(loss.terms) == {"prediction", "rate"} and torch.isfinite(loss.loss)
    with pytest.raises(ValueError, match="method vib needs labelled data"):
        build_method(
            cfg,
            backbone,
            int(backbone.feat_dim),
            num_classes=None,
            total_steps=100,
            distributed=False,
        )


def test_supervised_method_on_unlabelled_data_is_a_one_line_error(tmp_path):
    from infossl.train import train

    path = tmp_path / "x.npy"
    np.save(path, np.random.default_rng(0).normal(size=(64, 8)).astype(np.float32))
    cfg = load_config(
        None,
        [
            *DIGITS,
            f"data.name={path}",
            "data.val=null",
            "method=vib",
            "model.backbone=mlp",
            f"out={tmp_path / 'run'}",
        ],
    )
    with pytest.raises(ValueError, match=r"^method vib needs labelled data$"):
        train(cfg)
