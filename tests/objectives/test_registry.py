"""Every registered objective: the terms sum to the loss, bad inputs fail clearly, and the
generated methods page matches the committed one."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from infossl.framework import KINDS, LossOutput
from infossl.nn import DiagonalGaussian
from infossl.objectives import get_method_spec, get_objective, list_objectives
from infossl.objectives.docgen import render

B, D = 8, 4
REPO = Path(__file__).resolve().parents[2]


def _rand(*shape, seed=0, grad=True):
    t = torch.randn(*shape, generator=torch.Generator().manual_seed(seed))
    return t.requires_grad_() if grad else t


def _gauss(seed):
    mean = _rand(B, D, seed=seed)
    std = torch.nn.functional.softplus(_rand(B, D, seed=seed + 100)) + 0.1
    return DiagonalGaussian(mean, std).with_sample(seed)


def _views(n=2):
    return [_rand(B, D, seed=s) for s in range(n)]


def _labels():
    return torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])


# name -> (constructor params, positional inputs, keyword inputs)
CASES = {
    "infonce": ({}, lambda: _views(), {}),
    "simclr": ({}, lambda: _views(3), {}),
    "moco": ({"dim": D, "queue_size": 16}, lambda: [_views(), _views()], {}),
    "byol": ({}, lambda: [_views(), _views()], {}),
    "simsiam": ({}, lambda: [_views(), _views()], {}),
    "barlow_twins": ({}, lambda: _views(), {}),
    "vicreg": ({}, lambda: _views(), {}),
    "vicreg_logdet": ({}, lambda: _views(), {}),
    "vicreg_pairdist": ({}, lambda: _views(), {}),
    "w_mse": ({"whiten_size": 8}, lambda: _views(), {}),
    "corinfomax": ({}, lambda: _views(), {}),
    "dino": ({"out_dim": D}, lambda: [_views(3), _views(2)], {}),
    "swav": ({}, lambda: _views(3), {}),
    "vib": ({}, lambda: [_gauss(1), _rand(B, 3, seed=2), _labels()], {}),
    "multiview_ib": ({}, lambda: [[_gauss(1), _gauss(2)], _rand(B, 3, seed=3), _labels()], {}),
    "semi_supervised_ib": (
        {"beta_x": 0.5},
        lambda: [
            _gauss(1),
            _rand(B, 3, seed=2),
            torch.tensor([0, -1, 2, -1, 1, -1, 0, 1]),
            _rand(B, 6, seed=3),
            _rand(B, 6, seed=4, grad=False),
        ],
        {},
    ),
    "beta_vae": ({}, lambda: [_gauss(1), _rand(B, 6, seed=2), _rand(B, 6, seed=3, grad=False)], {}),
    "mib": ({}, lambda: [_gauss(1), _gauss(2)], {}),
    "ceb": ({}, lambda: [_gauss(1), _gauss(2)], {}),
    "tsai_composite": (
        {},
        lambda: [
            _rand(B, D, seed=1),
            _rand(B, D, seed=2),
            _rand(B, 6, seed=3),
            _rand(B, 6, seed=4, grad=False),
        ],
        {},
    ),
    "dubois_rd": ({}, lambda: [_gauss(1), _rand(B, D, seed=2)], {}),
    "implicit_compression": ({}, lambda: [_rand(B, D, seed=1), _rand(B, D, seed=2)], {}),
    "dont_compress": (
        {"ssl": "vicreg"},
        lambda: _views(),
        {
            "reconstructions": [_rand(B, 6, seed=5), _rand(B, 6, seed=6)],
            "targets": [_rand(B, 6, seed=7), _rand(B, 6, seed=8)],
        },
    ),
    "autoencoder": ({}, lambda: [_rand(B, 6, seed=1), _rand(B, 6, seed=2, grad=False)], {}),
    "denoising_autoencoder": ({}, lambda: [_rand(B, 6, seed=1), _rand(B, 6, seed=2)], {}),
    "masked_reconstruction": (
        {},
        lambda: [_rand(B, 4, 6, seed=1), _rand(B, 4, 6, seed=2), torch.tensor([[1, 0, 1, 0]] * B)],
        {},
    ),
    "nview_infomax": ({"mode": "total_correlation"}, lambda: _views(3), {}),
}

REQUIRED = {
    "infonce",
    "simclr",
    "moco",
    "byol",
    "simsiam",
    "barlow_twins",
    "vicreg",
    "w_mse",
    "corinfomax",
    "dino",
    "swav",
    "vib",
    "multiview_ib",
    "semi_supervised_ib",
    "beta_vae",
    "mib",
    "ceb",
    "tsai_composite",
    "dubois_rd",
    "implicit_compression",
    "dont_compress",
    "vicreg_logdet",
    "vicreg_pairdist",
    "autoencoder",
    "denoising_autoencoder",
    "masked_reconstruction",
    "nview_infomax",
}


def test_registry_lists_every_method_of_the_catalogue():
    names = {s.name for s in list_objectives()}
    assert names == REQUIRED == set(CASES)
    assert get_method_spec("nt_xent").name == "simclr"
    assert get_method_spec("vae").name == "beta_vae"
    with pytest.raises(ValueError, match=r"valid names: .*simclr"):
        get_objective("simclr2")
    with pytest.raises(ValueError, match="family"):
        list_objectives("clustering")


@pytest.mark.parametrize("name", sorted(CASES))
def test_terms_sum_to_the_loss_and_are_labelled(name):
    params, inputs, kwargs = CASES[name]
    loss_fn = get_objective(name, **params)
    out = loss_fn(*inputs(), **kwargs)
    assert isinstance(out, LossOutput)
    assert math.isfinite(float(out.loss.detach()))
    out.check(rtol=1e-5, atol=1e-5)
    for term_name, tv in {**out.terms, **out.diagnostics}.items():
        assert tv.kind in KINDS, term_name
        arguments = tv.quantity.split(tv.term.measure, 1)[1]
        assert tv.notation.endswith(arguments), term_name
        assert not tv.value.requires_grad
    # the labels in the output are the documented ones (the same Objective objects)
    labels = {k: v.term for k, v in out.terms.items()}
    assert any(labels == {t.name: t.term for t in loss_fn.objective_for(n).terms} for n in (2, 3))
    out.loss.backward()


VIEW_METHODS = [
    "infonce",
    "simclr",
    "barlow_twins",
    "vicreg",
    "vicreg_logdet",
    "corinfomax",
    "w_mse",
    "swav",
    "nview_infomax",
]
COVARIANCE_METHODS = [
    "barlow_twins",
    "vicreg",
    "vicreg_logdet",
    "vicreg_pairdist",
    "corinfomax",
    "w_mse",
    "simclr",
    "infonce",
]


@pytest.mark.parametrize("name", VIEW_METHODS)
def test_mismatched_view_shapes_name_the_view(name):
    loss_fn = get_objective(name, **CASES[name][0])
    with pytest.raises(ValueError, match=r"(views|scores)\[1\] has shape"):
        loss_fn(_rand(B, D), _rand(B + 1, D))


@pytest.mark.parametrize("name", COVARIANCE_METHODS)
def test_batch_of_one_is_refused(name):
    params = dict(CASES[name][0])
    if name == "w_mse":
        params["whiten_size"] = 2
    loss_fn = get_objective(name, **params)
    with pytest.raises(ValueError, match="batch size 1"):
        loss_fn(_rand(1, D), _rand(1, D, seed=1))


@pytest.mark.parametrize("name", sorted(set(VIEW_METHODS) | {"vicreg_pairdist"}))
def test_nan_embeddings_raise_instead_of_a_nan_loss(name):
    loss_fn = get_objective(name, **CASES[name][0])
    bad = _rand(B, D, grad=False)
    bad[3, 1] = float("nan")
    with pytest.raises(ValueError, match=r"(views|scores)\[0\] contains NaN"):
        loss_fn(bad, _rand(B, D))
    inf = _rand(B, D, grad=False)
    inf[0, 0] = float("inf")
    with pytest.raises(ValueError, match="NaN or infinite"):
        loss_fn(_rand(B, D), inf)


def test_other_bad_inputs():
    with pytest.raises(TypeError, match=r"views\[0\] must be a torch.Tensor"):
        get_objective("vicreg")([[1.0, 2.0]], _rand(B, D))
    with pytest.raises(ValueError, match="at least 2 views"):
        get_objective("vicreg")(_rand(B, D))
    with pytest.raises(ValueError, match=r"must be \(B, D\)"):
        get_objective("simclr")(_rand(B), _rand(B))
    with pytest.raises(TypeError, match="DiagonalGaussian"):
        get_objective("mib")(_rand(B, D), _rand(B, D))
    nan_gauss = DiagonalGaussian(torch.full((B, D), float("nan")), torch.ones(B, D))
    with pytest.raises(ValueError, match=r"encoding1\.mean contains NaN"):
        get_objective("mib")(nan_gauss.with_sample(0), _gauss(1))
    with pytest.raises(ValueError, match="temperature"):
        get_objective("simclr", temperature=0.0)
    with pytest.raises(ValueError, match="predictions and targets"):
        get_objective("byol")(_views(3), _views(2))


def test_stop_gradient_and_scheduled_step_propagate():
    byol = get_objective("byol")
    preds, targets = _views(), _views()
    byol(preds, targets).loss.backward()
    assert all(t.grad is None for t in targets)
    dc = get_objective("dont_compress", ssl="mib", ssl_params={"beta": 1e-3})
    dc.set_step(7)
    assert dc.ssl.step == 7


def test_generated_methods_page_is_committed_and_current():
    page = REPO / "docs" / "methods.md"
    assert page.exists(), "run: python -m infossl.objectives.docgen"
    assert page.read_text(encoding="utf-8") == render(), (
        "docs/methods.md is stale; run: python -m infossl.objectives.docgen"
    )
    text = render()
    for spec in list_objectives():
        assert f"### `{spec.name}`" in text
        for t in spec.example().objective.terms:
            assert f"`{t.name}`" in text
