"""infossl.bounds: each bound against a hand computation, known-answer checks, bad inputs."""

import functools
import math

import pytest
import torch

from infossl import bounds

S_LIST = [[1.0, -0.5, 0.3], [0.2, 2.0, -1.0], [-0.7, 0.4, 1.5]]
K = 3
OFF = [(i, j) for i in range(K) for j in range(K) if i != j]


@pytest.fixture
def s() -> torch.Tensor:
    return torch.tensor(S_LIST, dtype=torch.float64)


def _mean(values):
    values = list(values)
    return sum(values) / len(values)


def _diag_mean():
    return _mean(S_LIST[i][i] for i in range(K))


def _sigmoid(u):
    return 1.0 / (1.0 + math.exp(-u))


# ----------------------------------------------------------------- hand-computed values (3 x 3)
def test_dv_matches_hand_computation(s):
    expected = _diag_mean() - math.log(_mean(math.exp(S_LIST[i][j]) for i, j in OFF))
    assert bounds.dv(s).item() == pytest.approx(expected, abs=1e-12)


def test_nwj_matches_hand_computation(s):
    expected = _diag_mean() - math.exp(-1) * _mean(math.exp(S_LIST[i][j]) for i, j in OFF)
    assert bounds.nwj(s).item() == pytest.approx(expected, abs=1e-12)


def test_tuba_with_per_column_baseline(s):
    log_a = [0.3, -0.2, 0.5]
    expected = (
        1.0
        + _mean(S_LIST[i][i] - log_a[i] for i in range(K))
        - _mean(math.exp(S_LIST[i][j] - log_a[j]) for i, j in OFF)
    )
    value = bounds.tuba(s, torch.tensor(log_a, dtype=torch.float64))
    assert value.item() == pytest.approx(expected, abs=1e-12)
    assert bounds.tuba(s, 1.0).item() == pytest.approx(bounds.nwj(s).item(), abs=1e-12)


def test_infonce_matches_hand_computation_both_directions(s):
    rows = _mean(S_LIST[i][i] - math.log(sum(math.exp(v) for v in S_LIST[i])) for i in range(K))
    cols = _mean(
        S_LIST[j][j] - math.log(sum(math.exp(S_LIST[i][j]) for i in range(K))) for j in range(K)
    )
    assert bounds.infonce(s).item() == pytest.approx(rows + math.log(K), abs=1e-12)
    symmetric = bounds.infonce(s, symmetric=True).item()
    assert symmetric == pytest.approx(0.5 * (rows + cols) + math.log(K), abs=1e-12)
    assert bounds.infonce(s.T).item() == pytest.approx(cols + math.log(K), abs=1e-12)


def test_js_matches_hand_computation(s):
    expected = _mean(math.log(_sigmoid(S_LIST[i][i])) for i in range(K)) + _mean(
        math.log(1.0 - _sigmoid(S_LIST[i][j])) for i, j in OFF
    )
    assert bounds.js(s).item() == pytest.approx(expected, abs=1e-12)


def test_js_nwj_value_is_nwj_at_shifted_critic_and_gradient_is_js(s):
    expected = 1.0 + _diag_mean() - _mean(math.exp(S_LIST[i][j]) for i, j in OFF)
    a = s.clone().requires_grad_()
    value = bounds.js_nwj(a)
    assert value.item() == pytest.approx(expected, abs=1e-12)
    assert value.item() == pytest.approx(bounds.nwj(s + 1.0).item(), abs=1e-12)
    (grad,) = torch.autograd.grad(value, a)
    b = s.clone().requires_grad_()
    (grad_js,) = torch.autograd.grad(bounds.js(b), b)
    torch.testing.assert_close(grad, grad_js)


def test_smile_clips_only_the_partition_term(s):
    tau = 0.35
    clip = [max(-tau, min(tau, S_LIST[i][j])) for i, j in OFF]
    expected = _diag_mean() - math.log(_mean(math.exp(v) for v in clip))
    a = s.clone().requires_grad_()
    value = bounds.smile(a, tau=tau)
    assert value.item() == pytest.approx(expected, abs=1e-12)
    assert bounds.smile(s, tau=None).item() == pytest.approx(bounds.dv(s).item(), abs=1e-12)
    assert bounds.smile(s, tau=100.0).item() == pytest.approx(bounds.dv(s).item(), abs=1e-12)
    (grad,) = torch.autograd.grad(value, a)
    b = s.clone().requires_grad_()
    torch.testing.assert_close(grad, torch.autograd.grad(bounds.js(b), b)[0])


def _interpolated_by_hand(alpha, log_a):
    e = [[math.exp(v) for v in row] for row in S_LIST]
    joint, marginal = [], []
    for j in range(K):  # y_j
        a_j = math.exp(log_a[j])
        for k in range(K):
            if k == j:
                continue
            m = _mean(e[i][j] for i in range(K) if i != k)
            joint.append(S_LIST[j][j] - math.log(alpha * m + (1 - alpha) * a_j))
        m = _mean(e[i][j] for i in range(K) if i != j)
        for i in range(K):
            if i != j:
                marginal.append(e[i][j] / (alpha * m + (1 - alpha) * a_j))
    return 1.0 + _mean(joint) - _mean(marginal)


@pytest.mark.parametrize("alpha", [0.0, 0.3, 1.0])
def test_interpolated_matches_hand_computation(s, alpha):
    log_a = [0.1, -0.4, 0.7]
    value = bounds.interpolated(s, alpha=alpha, log_baseline=torch.tensor(log_a, dtype=s.dtype))
    assert value.item() == pytest.approx(_interpolated_by_hand(alpha, log_a), abs=1e-12)


def test_interpolated_limits(s):
    log_a = torch.tensor([0.1, -0.4, 0.7], dtype=s.dtype)
    # alpha = 0 is TUBA with the same baseline
    tuba = bounds.tuba(s, log_a).item()
    assert bounds.interpolated(s, alpha=0.0, log_baseline=log_a).item() == pytest.approx(tuba)
    # alpha = 1 is capped at ln(K - 1)
    big = torch.full((5, 5), -50.0, dtype=torch.float64).fill_diagonal_(50.0)
    assert bounds.interpolated(big, alpha=1.0).item() == pytest.approx(math.log(4), abs=1e-9)
    assert bounds.interpolated_ceiling(5, 1.0) == pytest.approx(math.log(4))
    capped = bounds.interpolated(big, alpha=0.1).item()
    assert capped <= bounds.interpolated_ceiling(5, 0.1) + 1e-9
    assert capped == pytest.approx(1 + math.log(4 / 0.1), abs=1e-6)


def test_uba_with_and_without_known_partition(s):
    log_z = torch.tensor([0.2, 0.4, -0.1], dtype=s.dtype)
    assert bounds.uba(s, log_z).item() == pytest.approx(_diag_mean() - 0.5 / 3, abs=1e-12)
    est = _diag_mean() - _mean(
        math.log(_mean(math.exp(S_LIST[i][j]) for i in range(K) if i != j)) for j in range(K)
    )
    assert bounds.uba(s).item() == pytest.approx(est, abs=1e-12)


def test_ba_adds_entropy_to_mean_log_likelihood():
    log_q = torch.tensor([-1.0, -2.0, -0.5], dtype=torch.float64)
    assert bounds.ba(log_q, 2.0).item() == pytest.approx(2.0 - 3.5 / 3)
    assert bounds.ba(log_q, torch.tensor(2.0, dtype=torch.float64)).item() == pytest.approx(
        2.0 - 3.5 / 3
    )


def test_mine_value_is_dv_and_gradient_uses_moving_average(s):
    momentum, log_ema = 0.9, torch.tensor(math.log(3.0), dtype=s.dtype)
    a = s.clone().requires_grad_()
    value, new_log_ema = bounds.mine(a, log_ema, momentum=momentum)
    assert value.item() == pytest.approx(bounds.dv(s).item(), abs=1e-12)
    batch_mean = _mean(math.exp(S_LIST[i][j]) for i, j in OFF)
    ema = momentum * 3.0 + (1 - momentum) * batch_mean
    assert new_log_ema.item() == pytest.approx(math.log(ema), abs=1e-12)
    (grad,) = torch.autograd.grad(value, a)
    expected = [
        [1.0 / K if i == j else -math.exp(S_LIST[i][j]) / (K * (K - 1) * ema) for j in range(K)]
        for i in range(K)
    ]
    torch.testing.assert_close(grad, torch.tensor(expected, dtype=s.dtype))
    stateful = bounds.MINE(momentum)
    first = stateful(s)
    assert stateful.log_ema.item() == pytest.approx(math.log(batch_mean), abs=1e-12)
    assert first.item() == pytest.approx(bounds.dv(s).item(), abs=1e-12)
    stateful.reset()
    assert stateful.log_ema is None


def test_club_l1out_and_sampled_club_by_hand(s):
    club = _diag_mean() - _mean(v for row in S_LIST for v in row)
    assert bounds.club(s).item() == pytest.approx(club, abs=1e-12)
    l1out = _mean(
        S_LIST[i][i] - math.log(_mean(math.exp(S_LIST[j][i]) for j in range(K) if j != i))
        for i in range(K)
    )
    assert bounds.l1out(s).item() == pytest.approx(l1out, abs=1e-12)
    pos, neg = s.diagonal(), s[torch.arange(K), torch.tensor([2, 0, 1])]
    assert bounds.club_sampled(pos, neg).item() == pytest.approx(
        _diag_mean() - _mean([0.3, 0.2, 0.4]), abs=1e-12
    )


def test_variational_upper_bounds():
    enc = torch.tensor([-1.0, -0.2], dtype=torch.float64)
    prior = torch.tensor([-2.0, -1.2], dtype=torch.float64)
    assert bounds.variational_upper_bound(enc, prior).item() == pytest.approx(1.0)
    gen = torch.Generator().manual_seed(0)
    mean = torch.randn(6, 3, generator=gen, dtype=torch.float64)
    log_var = torch.randn(6, 3, generator=gen, dtype=torch.float64)
    prior_mean = torch.randn(3, generator=gen, dtype=torch.float64)
    prior_log_var = torch.randn(3, generator=gen, dtype=torch.float64)
    reference = torch.distributions.kl_divergence(
        torch.distributions.Normal(mean, torch.exp(0.5 * log_var)),
        torch.distributions.Normal(prior_mean, torch.exp(0.5 * prior_log_var)),
    )
    value = bounds.gaussian_kl_upper_bound(mean, log_var, prior_mean, prior_log_var)
    assert value.item() == pytest.approx(reference.sum(1).mean().item(), abs=1e-12)
    standard = torch.distributions.kl_divergence(
        torch.distributions.Normal(mean, torch.exp(0.5 * log_var)),
        torch.distributions.Normal(torch.zeros_like(prior_mean), torch.ones_like(prior_mean)),
    )
    assert bounds.gaussian_kl_upper_bound(mean, log_var).item() == pytest.approx(
        standard.sum(1).mean().item(), abs=1e-12
    )


def test_doe_and_its_loss():
    marginal = torch.tensor([-2.0, -3.0], dtype=torch.float64)
    conditional = torch.tensor([-1.0, -0.5], dtype=torch.float64)
    assert bounds.doe(marginal, conditional).item() == pytest.approx(-0.75 + 2.5)
    assert bounds.doe_loss(marginal, conditional).item() == pytest.approx(2.5 + 0.75)


# ----------------------------------------------------------------- caps and numerical stability
def test_infonce_never_exceeds_ln_k():
    gen = torch.Generator().manual_seed(1)
    for k in (2, 7, 64):
        for scale in (0.1, 10.0, 1e4):
            scores = scale * torch.randn(k, k, generator=gen)
            scores.diagonal().add_(scale)
            assert bounds.infonce(scores).item() <= math.log(k) + 1e-5
            assert bounds.infonce(scores, symmetric=True).item() <= math.log(k) + 1e-5
    perfect = torch.full((64, 64), -1e4).fill_diagonal_(1e4)
    assert bounds.infonce(perfect).item() == pytest.approx(bounds.infonce_ceiling(64), abs=1e-4)
    assert bounds.infonce_ceiling(64) == pytest.approx(4.1589, abs=1e-4)


ALL_SCORE_BOUNDS = {
    "dv": bounds.dv,
    "nwj": bounds.nwj,
    "tuba": bounds.tuba,
    "uba": bounds.uba,
    "infonce": bounds.infonce,
    "infonce_sym": lambda s: bounds.infonce(s, symmetric=True),
    "js": bounds.js,
    "js_nwj": bounds.js_nwj,
    "smile": bounds.smile,
    "smile_inf": lambda s: bounds.smile(s, tau=None),
    "interpolated": bounds.interpolated,
    "interpolated_1": lambda s: bounds.interpolated(s, alpha=1.0),
    "mine": lambda s: bounds.mine(s, torch.tensor(0.0))[0],
    "club": bounds.club,
    "l1out": bounds.l1out,
}


@pytest.mark.parametrize("name", sorted(ALL_SCORE_BOUNDS))
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_values_and_gradients_finite_at_scores_of_1e4(name, sign):
    scores = torch.full((8, 8), -1e4 * sign)
    scores.fill_diagonal_(1e4 * sign)
    scores[0, 1] = 0.0
    scores = scores.requires_grad_()
    value = ALL_SCORE_BOUNDS[name](scores)
    (grad,) = torch.autograd.grad(value, scores)
    assert math.isfinite(value.item())
    assert torch.isfinite(grad).all()


def test_leave_one_out_mean_is_exact_when_one_score_dominates():
    scores = torch.tensor([[1e4, 0.0, 0.0], [0.0, 1e4, 0.0], [0.0, 0.0, 1e4]], dtype=torch.float64)
    # alpha = 1: joint term uses the mean without one negative: log((e^1e4 + 1)/2) for each row
    value = bounds.interpolated(scores, alpha=1.0).item()
    assert value == pytest.approx(math.log(2.0), abs=1e-9)


# ----------------------------------------------------------------- known answers on a Gaussian pair
RHO, DIM = 0.5, 2


def _gaussian_pair(n, rho=RHO, dim=DIM, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, dim, generator=gen, dtype=torch.float64)
    y = rho * x + math.sqrt(1 - rho**2) * torch.randn(n, dim, generator=gen, dtype=torch.float64)
    return x, y


def _log_conditional_matrix(x, y, rho):
    """log p(y_j | x_i) for y = rho x + sqrt(1 - rho^2) eps."""
    var = 1 - rho**2
    diff2 = ((y[None, :, :] - rho * x[:, None, :]) ** 2).sum(-1)
    return -0.5 * diff2 / var - 0.5 * x.shape[1] * math.log(2 * math.pi * var)


def _log_ratio_matrix(x, y, rho):
    """S_ij = log p(y_j | x_i) - log p(y_j): the optimal critic."""
    log_marginal = -0.5 * (y**2).sum(-1) - 0.5 * y.shape[1] * math.log(2 * math.pi)
    return _log_conditional_matrix(x, y, rho) - log_marginal[None, :]


def _true_mi(rho=RHO, dim=DIM):
    return -0.5 * dim * math.log(1 - rho**2)


@functools.lru_cache(maxsize=8)
def _matrices(rho, dim, k, batches, transform):
    return [transform(*_gaussian_pair(k, rho, dim, seed=b), rho) for b in range(batches)]


def _average_over_batches(fn, rho=RHO, dim=DIM, k=1000, batches=8, transform=_log_ratio_matrix):
    return _mean(fn(m).item() for m in _matrices(rho, dim, k, batches, transform))


@pytest.mark.parametrize(
    "name, fn",
    [
        ("dv", bounds.dv),
        ("nwj at 1 + log r", lambda s: bounds.nwj(s + 1.0)),
        ("tuba at log r", bounds.tuba),
        ("infonce", bounds.infonce),
        ("interpolated", lambda s: bounds.interpolated(s, alpha=0.5)),
        ("smile tau=5", lambda s: bounds.smile(s, tau=5.0)),
    ],
)
def test_optimal_critic_recovers_true_mi(name, fn):
    # Std over 8 batches of 1000 is about 0.01 nats for DV/NWJ at I = 0.29; InfoNCE's bias is
    # about (E_p[r] - 1)/K < 0.001 here. Tolerance 0.03 nats.
    assert _average_over_batches(fn) == pytest.approx(_true_mi(), abs=0.03)


def test_infonce_saturates_at_ln_k_while_dv_does_not():
    rho, dim, k = 0.999, 2, 16  # I = 6.22 nats > ln 16 = 2.77; measured: InfoNCE 2.73, DV 6.20
    nce = _average_over_batches(bounds.infonce, rho, dim, k=k, batches=50)
    assert math.log(k) - 0.1 < nce <= math.log(k)
    dv = _average_over_batches(bounds.dv, rho, dim, k=1000, batches=8)
    assert dv == pytest.approx(_true_mi(rho, dim), abs=0.1)


def test_club_with_true_conditional_is_above_the_true_mi():
    # Gaussian pair: E_p log p(y|x) - E_{p(x)p(y)} log p(y|x) = dim rho^2 / (1 - rho^2)
    value = _average_over_batches(bounds.club, transform=_log_conditional_matrix)
    assert value >= _true_mi()
    assert value == pytest.approx(DIM * RHO**2 / (1 - RHO**2), abs=0.03)


def test_l1out_with_true_conditional_is_close_above_the_true_mi():
    value = _average_over_batches(bounds.l1out, transform=_log_conditional_matrix)
    assert value == pytest.approx(_true_mi(), abs=0.03)
    small_k = _average_over_batches(
        bounds.l1out, transform=_log_conditional_matrix, k=8, batches=400
    )
    assert small_k >= _true_mi() - 0.01  # the bound loosens (upwards) as K shrinks


# ----------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("name", sorted(ALL_SCORE_BOUNDS))
def test_bad_score_matrices_are_rejected(name):
    fn = ALL_SCORE_BOUNDS[name]
    with pytest.raises(ValueError, match="square"):
        fn(torch.zeros(3, 4))
    with pytest.raises(ValueError, match="square"):
        fn(torch.zeros(4))
    nan = torch.zeros(3, 3)
    nan[1, 2] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        fn(nan)
    with pytest.raises(ValueError, match="NaN"):
        fn(torch.full((3, 3), float("inf")))
    with pytest.raises(ValueError, match="K = 2"):
        fn(torch.zeros(1, 1))
    with pytest.raises(TypeError, match="floating-point"):
        fn(torch.zeros(3, 3, dtype=torch.int64))
    with pytest.raises(TypeError, match=r"torch\.Tensor"):
        fn([[0.0, 1.0], [1.0, 0.0]])


def test_bad_hyper_parameters_are_rejected(s):
    with pytest.raises(ValueError, match="tau"):
        bounds.smile(s, tau=0.0)
    with pytest.raises(ValueError, match="alpha"):
        bounds.interpolated(s, alpha=1.5)
    with pytest.raises(ValueError, match="momentum"):
        bounds.mine(s, momentum=1.0)
    with pytest.raises(ValueError, match="log_baseline"):
        bounds.tuba(s, torch.zeros(4, dtype=s.dtype))
    with pytest.raises(ValueError, match="log_baseline"):
        bounds.tuba(s, float("nan"))
    with pytest.raises(ValueError, match="log_partition"):
        bounds.uba(s, torch.zeros(2, dtype=s.dtype))
    with pytest.raises(TypeError, match="symmetric"):
        bounds.infonce(s, symmetric=1)
    with pytest.raises(ValueError, match="k must be >= 1"):
        bounds.infonce_ceiling(0)


def test_bad_vectors_are_rejected():
    good = torch.zeros(3)
    with pytest.raises(ValueError, match="log_q_conditional must have length 3"):
        bounds.doe(good, torch.zeros(4))
    with pytest.raises(ValueError, match="log_q must be 1-D"):
        bounds.ba(torch.zeros(2, 2), 1.0)
    with pytest.raises(ValueError, match="NaN"):
        bounds.club_sampled(torch.tensor([0.0, float("nan")]), torch.zeros(2))
    with pytest.raises(TypeError, match="entropy"):
        bounds.ba(good, "1.0")
    with pytest.raises(ValueError, match="mean and log_var"):
        bounds.gaussian_kl_upper_bound(torch.zeros(3, 2), torch.zeros(3, 3))


# ---------------------------------------------------------------- the one table of bound names
def _former_critic_value(name, scores, *, tau=5.0, alpha=0.01, log_baseline=None):
    """The dispatch the neural critic model used before the table, written out."""
    if name == "infonce":
        return bounds.infonce(scores)
    if name == "nwj":
        return bounds.nwj(scores)
    if name in ("dv", "mine"):
        return bounds.dv(scores)
    if name == "tuba":
        return bounds.tuba(scores, log_baseline)
    if name == "js":
        return bounds.js_nwj(scores)
    if name == "smile":
        return bounds.smile(scores, tau=tau)
    return bounds.interpolated(scores, alpha=alpha, log_baseline=log_baseline)


def test_bound_table_lists_every_estimator_bound_once():
    table = bounds.BOUNDS
    assert list(table) == [
        "infonce",
        "nwj",
        "dv",
        "mine",
        "tuba",
        "js",
        "smile",
        "interpolated",
        "club",
        "l1out",
        "doe",
    ]
    assert all(name == info.name for name, info in table.items())
    kinds = {name: info.kind for name, info in table.items()}
    assert kinds == {
        "infonce": "lower",
        "nwj": "lower",
        "dv": "lower",
        "mine": "lower",
        "tuba": "lower",
        "js": "lower",
        "smile": "point",
        "interpolated": "lower",
        "club": "upper",
        "l1out": "upper",
        "doe": "point",
    }
    families = {info.family for info in table.values()}
    assert families == {"critic", "conditional", "densities"}
    assert isinstance(table["infonce"], bounds.BoundInfo)


@pytest.mark.parametrize("name", [n for n, i in bounds.BOUNDS.items() if i.family == "critic"])
def test_bound_table_values_equal_the_former_dispatch(name):
    scores = torch.randn(7, 7, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    info = bounds.BOUNDS[name]
    own = {"tau": 2.0, "alpha": 0.3, "log_baseline": torch.tensor(0.2, dtype=torch.float64)}
    params = {p: own[p] for p in info.params if p in own}
    assert torch.equal(info.value(scores, **params), _former_critic_value(name, scores, **params))
    if info.unchecked is not None:  # same number without the input checks
        assert torch.equal(info.unchecked(scores, **params), info.value(scores, **params))


def test_bound_table_ceilings():
    table = bounds.BOUNDS
    assert table["infonce"].ceiling_at(64) == bounds.infonce_ceiling(64) == math.log(64)
    assert table["interpolated"].ceiling_at(64, {"alpha": 0.5}) == bounds.interpolated_ceiling(
        64, 0.5
    )
    assert table["interpolated"].ceiling_at(64, {"alpha": 0.0}) is None  # infinite: uncapped
    assert all(
        table[n].ceiling_at(64) is None for n in table if n not in ("infonce", "interpolated")
    )


def test_bound_table_conditional_and_density_values():
    g = torch.Generator().manual_seed(4)
    log_q = torch.randn(6, 6, generator=g, dtype=torch.float64)
    assert torch.equal(bounds.BOUNDS["club"].value(log_q), bounds.club(log_q))
    assert torch.equal(bounds.BOUNDS["l1out"].value(log_q), bounds.l1out(log_q))
    a, b = (
        torch.randn(6, generator=g, dtype=torch.float64),
        torch.randn(6, generator=g, dtype=torch.float64),
    )
    assert torch.equal(bounds.BOUNDS["doe"].value(a, b), bounds.doe(a, b))


def test_bound_table_is_the_one_used_by_estimators_and_objectives():
    from infossl.estimators.neural import BOUNDS as neural_bounds
    from infossl.estimators.neural.heads import BOUNDS as heads_bounds
    from infossl.objectives.selfsupervised_ib import MI_BOUNDS

    assert neural_bounds is bounds.BOUNDS and heads_bounds is bounds.BOUNDS
    assert MI_BOUNDS == {
        "infonce": bounds.BOUNDS["infonce"],
        "js_nwj": bounds.BOUNDS["js"],
        "nwj": bounds.BOUNDS["nwj"],
    }
