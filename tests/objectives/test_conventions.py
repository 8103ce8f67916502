"""The objectives follow torch / lightly conventions.

* a ``LossOutput`` stands in for the loss tensor (``crit(z1, z2).backward()``, ``float``,
  arithmetic), with the same gradients as ``out.loss.backward()``;
* ``torch.compile`` traces every registered objective without a graph break;
* bfloat16 inputs give a finite loss within 2 % of the float64 loss on the same values;
* VICReg and CorInfoMax label their invariance term identically, as the diagnostics do;
* MoCo's queue follows the keys' dtype.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from infossl.analysis.diagnostics import view_conditional_entropy
from infossl.framework import LossOutput
from infossl.nn import DiagonalGaussian
from infossl.objectives import (
    CorInfoMaxLoss,
    MoCoLoss,
    VICRegLoss,
    get_method_spec,
    get_objective,
    list_objectives,
)
from infossl.objectives.docgen import method_section


def _rand(*shape, seed=0, dtype=torch.float64, scale=1.0, shift=0.0):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=gen, dtype=torch.float64) * scale + shift).to(dtype)


def _gauss(b, d, seed):
    mean = _rand(b, d, seed=seed)
    std = F.softplus(_rand(b, d, seed=seed + 100)) + 0.1
    return DiagonalGaussian(mean, std, _rand(b, d, seed=seed + 200))


def _labels(b, unlabelled=False):
    y = torch.arange(b) % 3
    if unlabelled:
        y[1::2] = -1
    return y


def _views(b, d, n=2, seed=0):
    return [_rand(b, d, seed=seed + i, scale=1.0 + 0.5 * i, shift=0.1 * i) for i in range(n)]


def cases(b: int, d: int) -> dict:
    """``name -> (constructor params, positional inputs, keyword inputs)``, float64 inputs."""
    rec = {
        "reconstructions": [_rand(b, 6, seed=5), _rand(b, 6, seed=6)],
        "targets": [_rand(b, 6, seed=7), _rand(b, 6, seed=8)],
    }
    return {
        "infonce": ({}, _views(b, d), {}),
        "simclr": ({}, _views(b, d), {}),
        "moco": ({"dim": d, "queue_size": 4 * b}, [_views(b, d), _views(b, d, seed=9)], {}),
        "byol": ({}, [_views(b, d), _views(b, d, seed=9)], {}),
        "simsiam": ({}, [_views(b, d), _views(b, d, seed=9)], {}),
        "barlow_twins": ({}, _views(b, d), {}),
        "vicreg": ({}, _views(b, d), {}),
        "vicreg_logdet": ({}, _views(b, d), {}),
        "vicreg_pairdist": ({}, _views(b, d), {}),
        "w_mse": ({"whiten_size": b}, _views(b, d), {}),
        "corinfomax": ({}, _views(b, d), {}),
        "dino": ({"out_dim": d}, [_views(b, d, 3), _views(b, d, 2, seed=9)], {}),
        "swav": ({}, _views(b, d, 3), {}),
        "vib": ({}, [_gauss(b, d, 1), _rand(b, 3, seed=2), _labels(b)], {}),
        "multiview_ib": (
            {},
            [[_gauss(b, d, 1), _gauss(b, d, 2)], _rand(b, 3, seed=3), _labels(b)],
            {},
        ),
        "semi_supervised_ib": (
            {"beta_x": 0.5},
            [
                _gauss(b, d, 1),
                _rand(b, 3, seed=2),
                _labels(b, unlabelled=True),
                _rand(b, 6, seed=3),
                _rand(b, 6, seed=4),
            ],
            {},
        ),
        "beta_vae": ({}, [_gauss(b, d, 1), _rand(b, 6, seed=2), _rand(b, 6, seed=3)], {}),
        "mib": ({}, [_gauss(b, d, 1), _gauss(b, d, 2)], {}),
        "ceb": ({}, [_gauss(b, d, 1), _gauss(b, d, 2)], {}),
        "tsai_composite": (
            {},
            [_rand(b, d, seed=1), _rand(b, d, seed=2), _rand(b, 6, seed=3), _rand(b, 6, seed=4)],
            {},
        ),
        "dubois_rd": ({}, [_gauss(b, d, 1), _rand(b, d, seed=2)], {}),
        "implicit_compression": ({}, [_rand(b, d, seed=1), _rand(b, d, seed=2)], {}),
        "dont_compress": ({"ssl": "vicreg"}, _views(b, d), rec),
        "autoencoder": ({}, [_rand(b, 6, seed=1), _rand(b, 6, seed=2)], {}),
        "denoising_autoencoder": ({}, [_rand(b, 6, seed=1), _rand(b, 6, seed=2)], {}),
        "masked_reconstruction": (
            {},
            [_rand(b, 4, 6, seed=1), _rand(b, 4, 6, seed=2), torch.tensor([[1, 0, 1, 0]] * b)],
            {},
        ),
        "nview_infomax": ({"mode": "total_correlation"}, _views(b, d, 3), {}),
    }


def cast(x, dtype):
    """Every floating-point tensor in ``x`` (nested lists, dicts, DiagonalGaussians) as ``dtype``,
    as a new leaf that requires a gradient."""
    if isinstance(x, torch.Tensor):
        return x.detach().to(dtype).requires_grad_() if x.is_floating_point() else x
    if isinstance(x, DiagonalGaussian):
        return DiagonalGaussian(cast(x.mean, dtype), cast(x.std, dtype), cast(x.sample, dtype))
    if isinstance(x, (list, tuple)):
        return type(x)(cast(v, dtype) for v in x)
    if isinstance(x, dict):
        return {k: cast(v, dtype) for k, v in x.items()}
    return x


def leaves(x):
    """The floating-point tensors in ``x``."""
    if isinstance(x, torch.Tensor):
        return [x] if x.is_floating_point() else []
    if isinstance(x, DiagonalGaussian):
        return [t for t in (x.mean, x.std, x.sample) if t is not None]
    if isinstance(x, (list, tuple)):
        return [t for v in x for t in leaves(v)]
    if isinstance(x, dict):
        return [t for v in x.values() for t in leaves(v)]
    return []


def test_cases_cover_the_registry():
    assert set(cases(8, 4)) == {s.name for s in list_objectives()}


# ------------------------------------------------------------------- 1. LossOutput as a tensor


def _grads(make_loss, seed=0):
    """Gradients of a linear encoder's weight after ``make_loss(z1, z2)`` (fresh leaves)."""
    w = _rand(6, 4, seed=50).requires_grad_()
    x1, x2 = _rand(16, 6, seed=seed), _rand(16, 6, seed=seed + 1)
    make_loss(x1 @ w, x2 @ w)
    return w.grad


@pytest.mark.parametrize("name", ["vicreg", "simclr", "corinfomax", "barlow_twins"])
def test_backward_on_the_output_equals_backward_on_its_loss(name):
    via_output = _grads(lambda a, b: get_objective(name)(a, b).backward())
    via_loss = _grads(lambda a, b: get_objective(name)(a, b).loss.backward())
    assert via_output is not None and torch.equal(via_output, via_loss)
    # backward's arguments are passed on: retain_graph, then a second pass accumulates
    z = _rand(16, 4, seed=3).requires_grad_()
    out = get_objective(name)(z, _rand(16, 4, seed=4))
    out.backward(retain_graph=True)
    first = z.grad.clone()
    out.backward()
    assert torch.allclose(z.grad, 2 * first, rtol=1e-12, atol=0)


def test_output_reads_and_combines_like_the_loss_tensor():
    z1, z2 = _rand(16, 4, seed=1).requires_grad_(), _rand(16, 4, seed=2)
    out = VICRegLoss()(z1, z2)
    other = get_objective("simclr")(z1, z2)
    value = out.loss.item()
    assert float(out) == out.item() == value
    assert isinstance(out.detach(), torch.Tensor) and not out.detach().requires_grad
    assert float(out.detach()) == value
    assert out.dtype == torch.float64 and out.device == z1.device and out.requires_grad
    assert f"{out:.6f}" == f"{value:.6f}" and str(out).startswith("loss = ")
    extra = (z1**2).mean()
    e = float(extra.detach())
    combos = {
        "out + 0.1 * other": (out + 0.1 * other, value + 0.1 * float(other)),
        "out + 0.1 * tensor": (out + 0.1 * extra, value + 0.1 * e),
        "tensor + out": (extra + out, e + value),
        "2 * out": (2 * out, 2 * value),
        "out * 2": (out * 2, 2 * value),
        "out / 2": (out / 2, value / 2),
        "1 / out": (1 / out, 1 / value),
        "out - 1": (out - 1, value - 1),
        "1 - out": (1 - out, 1 - value),
        "-out": (-out, -value),
        "sum": (sum([out, other]), value + float(other)),
    }
    for label, (got, expected) in combos.items():
        assert type(got) is torch.Tensor, label
        assert float(got.detach()) == pytest.approx(expected, rel=1e-12), label
    assert bool(out < value + 1) and bool(out >= value) and not bool(out > value)
    # the decomposition is still there
    assert set(out.terms) >= {"invariance", "variance_1"}
    out.check()
    # the gradient of a combination is the combination of the gradients
    (out + 0.1 * other).backward()
    combined = z1.grad.clone()
    z1.grad = None
    VICRegLoss()(z1, z2).loss.backward()
    g_out = z1.grad.clone()
    z1.grad = None
    get_objective("simclr")(z1, z2).loss.backward()
    assert torch.allclose(combined, g_out + 0.1 * z1.grad, rtol=1e-12, atol=1e-15)


def test_a_lightly_style_training_loop_runs_unchanged():
    """``loss = criterion(z0, z1); loss.backward()`` as in a loop written for lightly.loss."""

    def train(use_output: bool):
        torch.manual_seed(0)
        model = torch.nn.Linear(6, 4).double()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        criterion = get_objective("barlow_twins")
        total = 0.0
        for step in range(3):
            x0, x1 = _rand(16, 6, seed=step), _rand(16, 6, seed=step + 10)
            loss = criterion(model(x0), model(x1))
            if not use_output:
                loss = loss.loss
            loss.backward()
            opt.step()
            opt.zero_grad()
            total += loss.detach()
        return model.weight.detach().clone(), float(total)

    w_out, total_out = train(True)
    w_loss, total_loss = train(False)
    assert torch.equal(w_out, w_loss) and total_out == total_loss


# ------------------------------------------------------------------- 2. torch.compile


def _dynamo():
    """``torch._dynamo``, imported when a test needs it: it is 2 s of every worker's collection."""
    import torch._dynamo

    return torch._dynamo


def _explain(crit, args, kwargs):
    dynamo = _dynamo()

    def step(*a, **k):
        return crit(*a, **k)

    dynamo.reset()
    return dynamo.explain(step)(*args, **kwargs)


@pytest.mark.parametrize("name", sorted(cases(8, 4)))
def test_compile_traces_without_graph_breaks(name):
    """Zero graph breaks in ``torch._dynamo.explain`` of ``step(*inputs)`` returning the whole
    ``LossOutput`` (loss, terms and logs), for every registered objective. A step that returns
    only ``crit(...).loss`` traces a part of the same graph, so it cannot break where this does
    not.

    Dynamo tracing only (no code generation): about 0.5 s per objective on one CPU core, so all
    of them run by default. Value checks on the inputs are skipped under compile, so they do not
    break the graph.
    """
    params, args, kwargs = cases(8, 4)[name]
    crit = get_objective(name, **params)
    report = _explain(crit, cast(args, torch.float32), cast(kwargs, torch.float32))
    reasons = [r.reason.splitlines()[0] for r in report.break_reasons]
    assert report.graph_break_count == 0, (name, reasons)
    assert report.graph_count == 1, name


@pytest.mark.slow
def test_compiled_steps_equal_eager_steps_and_keep_the_state():
    """A compiled step (eager backend: same graph, no code generation) gives the eager losses
    step after step, updating the stateful objectives' buffers (MoCo's queue, CorInfoMax's
    running covariance, W-MSE's step-dependent permutation) as the eager module does."""
    for name, params in (
        ("moco", {"dim": 4, "queue_size": 24}),
        ("corinfomax", {}),
        ("w_mse", {"whiten_size": 8}),
    ):
        compiled_crit, eager_crit = get_objective(name, **params), get_objective(name, **params)
        _dynamo().reset()
        step = torch.compile(lambda *a, c=compiled_crit: c(*a), backend="eager")
        for s in range(3):
            compiled_crit.set_step(s)
            eager_crit.set_step(s)
            z = [_rand(16, 4, seed=10 * s + i, dtype=torch.float32) for i in range(2)]
            out, ref = step(*z), eager_crit(*z)
            assert isinstance(out, LossOutput)
            assert torch.allclose(out.loss, ref.loss, rtol=1e-6, atol=1e-6), (name, s)
            for key in ("queue", "running_cov"):
                if hasattr(eager_crit, key):
                    assert torch.allclose(getattr(compiled_crit, key), getattr(eager_crit, key))


def test_input_checks_raise_eagerly_and_are_skipped_when_compiled():
    """Eagerly a NaN view raises ``ValueError``; compiled, the value check is skipped (it would
    break the graph) and the NaN reaches the loss instead of being hidden."""
    crit = get_objective("vicreg")
    good = _rand(8, 4, seed=1, dtype=torch.float32)
    bad = good.clone()
    bad[0, 0] = float("nan")
    with pytest.raises(ValueError, match=r"views\[1\] contains NaN"):
        crit(good, bad)
    _dynamo().reset()
    step = torch.compile(lambda a, b: crit(a, b).loss, backend="eager")
    assert math.isfinite(float(step(good, _rand(8, 4, seed=2, dtype=torch.float32))))
    assert math.isnan(float(step(good, bad)))


# ------------------------------------------------------------------- 3. bfloat16

BF16_RTOL = 0.02


@pytest.mark.parametrize("name", sorted(cases(8, 4)))
def test_bfloat16_inputs_match_float64_within_two_percent(name):
    """bf16 inputs: finite loss within ``BF16_RTOL`` = 2 % (relative) of the float64 loss of the
    same values (the bf16 tensors upcast exactly), and float gradients reach every bf16 input.

    B = 32, D = 16: the statistics (covariances, log-determinants, Cholesky whitening, pairwise
    distances, softmaxes) are then large enough for bf16 arithmetic to show.
    """
    params, args, kwargs = cases(32, 16)[name]
    a16, k16 = cast(args, torch.bfloat16), cast(kwargs, torch.bfloat16)
    a64, k64 = cast(a16, torch.float64), cast(k16, torch.float64)
    reference = float(get_objective(name, **params).double()(*a64, **k64))
    out = get_objective(name, **params)(*a16, **k16)
    value = float(out)
    assert math.isfinite(value), name
    assert value == pytest.approx(reference, rel=BF16_RTOL), (name, value, reference)
    out.check(rtol=1e-5, atol=1e-5)
    out.backward()
    grads = [t.grad for t in leaves((a16, k16)) if t.grad is not None]
    assert grads, name
    assert all(g.dtype == torch.bfloat16 and torch.isfinite(g).all() for g in grads), name


# ------------------------------------------------------------------- 5. invariance labels


def test_vicreg_and_corinfomax_label_their_invariance_as_the_diagnostics_do():
    for views in (2, 3):
        vic = VICRegLoss().objective_for(views)
        cim = CorInfoMaxLoss().objective_for(views)
        t_vic = next(t.term for t in vic.terms if t.name == "invariance")
        t_cim = next(t.term for t in cim.terms if t.name == "invariance")
        assert t_vic == t_cim  # quantity, path, bound, kind and note
    z1, z2 = _rand(64, 3, seed=1), _rand(64, 3, seed=2)
    diag = view_conditional_entropy(z1.numpy(), z2.numpy())
    out_vic = VICRegLoss()(z1, z2)
    out_cim = CorInfoMaxLoss(normalize=False)(z1, z2)
    for out in (out_vic, out_cim):
        tv = out.terms["invariance"]
        assert tv.quantity == diag.quantity == "H(Z1|Z2)"
        assert tv.notation == "H_{P(Z2|X2),Q(Z1|Z2)}(Z1|Z2)"
        assert "q(z1|z2)" in tv.term.note and tv.kind == "proxy" and tv.term.orientation == 1
        # the same value too: the mean squared distance over samples and dimensions
        assert float(tv.value) == pytest.approx(float(F.mse_loss(z1, z2)), rel=1e-12)
    # and the generated methods page shows them identically: term, quantity along its path,
    # measured by (bound, kind, note) and effect; only the weight symbol differs
    rows = []
    for name in ("vicreg", "corinfomax"):
        text = method_section(get_method_spec(name))
        row = next(line for line in text.splitlines() if line.startswith("| `invariance`"))
        cells = [c.strip() for c in row.split(" | ")]
        rows.append(cells[:3] + cells[4:])
    assert rows[0] == rows[1]
    assert rows[0][1] == "`H_{P(Z2\\|X2),Q(Z1\\|Z2)}(Z1\\|Z2)`"


# ------------------------------------------------------------------- 6. MoCo's queue


def test_moco_queue_follows_the_keys_dtype():
    q, k = _rand(6, 4, seed=1), _rand(6, 4, seed=2)
    loss = MoCoLoss(4, 16, seed=1)
    queue0 = loss.queue.clone()
    assert queue0.dtype == torch.float32
    out = loss(q.to(torch.bfloat16), k.to(torch.bfloat16))  # bf16 keys: stored in float32
    assert math.isfinite(float(out)) and out.dtype == torch.float32
    assert loss.queue.dtype == torch.float32
    k_unit = F.normalize(k.to(torch.bfloat16).float(), dim=1)
    assert torch.equal(loss.queue[:6], k_unit) and torch.equal(loss.queue[6:], queue0[6:])
    loss(q, k)  # float64 keys: the queue becomes float64 (an exact upcast)
    assert loss.queue.dtype == torch.float64
    assert torch.equal(loss.queue[:6], k_unit.double())
    assert torch.equal(loss.queue[6:12], F.normalize(k, dim=1))
    assert int(loss.queue_ptr) == 12


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_moco_queue_follows_the_keys_device():
    loss = MoCoLoss(4, 16)
    q, k = _rand(6, 4, seed=1).cuda(), _rand(6, 4, seed=2).cuda()
    out = loss(q, k)
    assert loss.queue.device == k.device and loss.queue_ptr.device == k.device
    assert out.device == k.device and int(loss.queue_ptr) == 6
