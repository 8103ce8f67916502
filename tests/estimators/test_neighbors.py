"""The torch back-end of the exact kNN search: same values as numpy, device selection, errors."""

from __future__ import annotations

import numpy as np
import pytest

from infossl._checks import tensor_device
from infossl.estimators._neighbors import (
    check_device,
    choose_algorithm,
    knn_counts,
    knn_counts_over_k,
)
from infossl.estimators.knn import (
    KSG1,
    KSG2,
    FrenzelPompe,
    KozachenkoLeonenko,
    MixedKSG,
    Ross,
)

torch = pytest.importorskip("torch")
CUDA = torch.cuda.is_available()


def _spaces(dims: tuple[int, ...], n: int, ties: bool, seed: int = 0) -> list[np.ndarray]:
    """Correlated Gaussian spaces; with ``ties`` a third of the rows are rounded (exact ties)."""
    rng = np.random.default_rng(seed)
    spaces = [rng.standard_normal((n, d)) for d in dims]
    spaces[1][:, 0] += spaces[0][:, 0]
    if ties:
        for s in spaces:
            s[::3] = np.round(s[::3], 1)
    return spaces


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("metric", ["chebyshev", "euclidean"])
@pytest.mark.parametrize(
    ("strict", "radius"), [(True, "joint"), (False, "joint"), (False, "extent")]
)
@pytest.mark.parametrize("dims", [(1, 1), (2, 3), (1, 2, 2)])
def test_torch_cpu_equals_numpy(dims, strict, radius, metric, ties):
    spaces = _spaces(dims, 300, ties)
    groups = [(0,), (1,)] if len(dims) == 2 else [(0, 2), (1, 2), (2,)]
    kw = {"metric": metric, "strict": strict, "radius": radius}
    ref = knn_counts(spaces, 3, groups, algorithm="brute", **kw)
    res = knn_counts(spaces, 3, groups, device="cpu", block_rows=41, **kw)
    assert (res.algorithm, res.device) == ("brute", "cpu")
    np.testing.assert_array_equal(res.counts, ref.counts)
    if metric == "chebyshev" or all(d == 1 for d in dims):
        np.testing.assert_array_equal(res.radius, ref.radius)  # the same float64 numbers
    else:
        np.testing.assert_allclose(res.radius, ref.radius, rtol=1e-14)


@pytest.mark.parametrize("strict", [True, False])
def test_torch_cpu_equals_numpy_with_labels_and_per_row_k(strict):
    rng = np.random.default_rng(3)
    y = rng.standard_normal((400, 2))
    labels = rng.integers(0, 4, 400)
    labels[:3] = 4  # a class of three points: k = 2 there
    k_rows = np.where(labels == 4, 2, 5)
    y[labels == 1] = np.round(y[labels == 1], 1)  # ties inside one class
    kw = {"strict": strict, "labels": labels}
    ref = knn_counts([y], k_rows, [(0,)], algorithm="tree", **kw)
    res = knn_counts([y], k_rows, [(0,)], device="cpu", **kw)
    np.testing.assert_array_equal(res.radius, ref.radius)
    np.testing.assert_array_equal(res.counts, ref.counts)


def test_torch_accepts_tensors_and_keeps_float64():
    spaces = _spaces((2, 2), 200, ties=False)
    ref = knn_counts(spaces, 4, [(0,), (1,)])
    res = knn_counts([torch.from_numpy(s) for s in spaces], 4, [(0,), (1,)], device="cpu")
    np.testing.assert_array_equal(res.radius, ref.radius)
    np.testing.assert_array_equal(res.counts, ref.counts)
    # a CPU tensor without a device takes the numpy path
    res = knn_counts([torch.from_numpy(s) for s in spaces], 4, [(0,), (1,)])
    assert res.device is None
    np.testing.assert_array_equal(res.counts, ref.counts)


def _mixed_xy(n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    x = rng.integers(0, 4, (n, 1)).astype(float)
    y = x + rng.uniform(0.0, 2.0, (n, 1))
    y[: n // 5] = 0.0  # an atom
    x[: n // 5] = 0.0
    return x, y


@pytest.mark.parametrize(
    ("make", "args", "exact"),
    [
        (lambda **kw: KSG1(k=3, **kw), "xy", True),
        (lambda **kw: KSG2(k=4, **kw), "xy", True),
        (lambda **kw: KSG1(k=3, metric="euclidean", **kw), "xy", True),
        (lambda **kw: FrenzelPompe(k=3, **kw), "xyz", True),
        (lambda **kw: KozachenkoLeonenko(k=3, metric="chebyshev", **kw), "x", True),
        # ln r of Euclidean radii: the summation order may change the last bits
        (lambda **kw: KozachenkoLeonenko(k=3, **kw), "x", False),
        (lambda **kw: Ross(k=3, **kw), "labels", True),
        (lambda **kw: MixedKSG(k=3, **kw), "mixed", True),
    ],
)
def test_every_knn_estimator_same_value_on_torch_cpu(make, args, exact):
    rng = np.random.default_rng(4)
    x, y, z = (rng.standard_normal((300, d)) for d in (2, 2, 1))
    y[:, 0] += x[:, 0]
    data = {
        "xy": (x, y),
        "xyz": (x, y, z),
        "x": (x,),
        "labels": (rng.integers(0, 3, 300), y),
        "mixed": _mixed_xy(),
    }[args]
    ref = make().estimate(*data)
    res = make(device="cpu").estimate(*data)
    assert res.params["device"] == "cpu"
    if exact:
        assert res.value == ref.value
    else:
        assert res.value == pytest.approx(ref.value, rel=1e-13, abs=1e-13)


def test_device_cuda_without_cuda_is_a_clear_error():
    if CUDA:
        pytest.skip("CUDA is available here")
    with pytest.raises(ValueError, match=r"device='cuda' needs CUDA.*is_available"):
        KSG1(device="cuda")
    with pytest.raises(ValueError, match=r"device='cuda:1' needs CUDA"):
        knn_counts([np.zeros((5, 1)), np.ones((5, 1))], 1, [(0,)], device="cuda:1")


@pytest.mark.parametrize(
    ("device", "error", "match"),
    [("gpu", ValueError, "device must be None, 'cpu'"), (0, TypeError, "device must be None")],
)
def test_bad_device_names(device, error, match):
    with pytest.raises(error, match=match):
        KSG1(device=device)
    with pytest.raises(error, match=match):
        check_device(device)


def test_tree_cannot_run_on_a_device():
    with pytest.raises(ValueError, match="algorithm='tree' runs in numpy only"):
        KSG1(algorithm="tree", device="cpu")
    with pytest.raises(ValueError, match="algorithm='tree' runs in numpy only"):
        knn_counts([np.zeros((5, 1))], 1, device="cpu", algorithm="tree")


class _FakeCudaDevice:
    type = "cuda"

    def __str__(self) -> str:
        return "cuda:0"


class _FakeCudaTensor:
    """Looks like a CUDA tensor to the duck-typed checks; its data come from a CPU tensor."""

    def __init__(self, a: np.ndarray) -> None:
        self._t = torch.from_numpy(a)
        self.device = _FakeCudaDevice()

    def detach(self) -> _FakeCudaTensor:
        return self

    def cpu(self) -> object:
        return self._t


def test_input_on_a_device_selects_that_device(monkeypatch):
    assert tensor_device(_FakeCudaTensor(np.zeros((3, 1)))) == "cuda:0"
    assert tensor_device(torch.zeros(3)) is None
    assert tensor_device(np.zeros(3)) is None
    seen = []

    def spy(*args, **kwargs):
        seen.append(kwargs["device"])
        return knn_counts(*args, **{**kwargs, "device": None})

    monkeypatch.setattr("infossl.estimators.knn.knn_counts", spy)
    x, y = _spaces((1, 1), 50, ties=False)
    fx = _FakeCudaTensor(x)
    KSG1().estimate(fx, y)
    KSG1(device="cpu").estimate(fx, y)  # an explicit device wins
    KSG1(algorithm="tree").estimate(fx, y)  # an explicit KD-tree runs on the host
    KSG1().estimate(x, y)
    assert seen == ["cuda:0", "cpu", None, None]


@pytest.mark.parametrize(
    ("dims", "n", "chosen"),
    [
        ((1, 1), 10**6, "tree"),
        ((2, 2), 2_000, "tree"),
        ((3, 3), 2_000, "brute"),
        ((3, 3), 10_000, "tree"),
        ((4, 4), 10_000, "brute"),
        ((4, 4), 30_000, "tree"),
        ((5, 5), 30_000, "brute"),
        ((25, 25), 10_000, "brute"),
        ((8,), 2_000, "tree"),  # one variable: the tree up to 8 dimensions
    ],
)
def test_auto_rule_follows_the_measured_crossover(monkeypatch, dims, n, chosen):
    from infossl.estimators import _neighbors

    monkeypatch.setattr(_neighbors, "kernels_ready", lambda: False)  # numpy brute force
    groups = [(s,) for s in range(len(dims))]
    assert choose_algorithm(list(dims), groups, "chebyshev", "auto", n=n) == chosen


@pytest.mark.parametrize(
    ("dims", "n", "chosen"),
    [
        ((1, 1), 10**6, "tree"),
        ((1, 1), 2_000, "tree"),
        ((2, 2), 2_000, "brute"),
        ((2, 2), 1_000, "tree"),  # 4e6 comparisons: below COMPILED_MIN_WORK, numpy rule
        ((2, 2), 20_000, "tree"),
        ((3, 3), 30_000, "brute"),
        ((3, 3), 60_000, "tree"),
        ((4, 4), 100_000, "brute"),
        ((2, 2, 2), 100_000, "tree"),
    ],
)
def test_auto_rule_with_the_compiled_kernels_loaded(monkeypatch, dims, n, chosen):
    from infossl.estimators import _neighbors

    monkeypatch.setattr(_neighbors, "kernels_ready", lambda: True)
    groups = [(s,) for s in range(len(dims))]
    assert choose_algorithm(list(dims), groups, "chebyshev", "auto", n=n) == chosen
    assert choose_algorithm(list(dims), groups, "chebyshev", "brute", n=n) == "brute"


def test_auto_never_picks_torch_without_a_device():
    spaces = _spaces((1, 1), 100, ties=False)
    res = knn_counts(spaces, 3, [(0,), (1,)])
    assert (res.algorithm, res.device) == ("tree", None)


@pytest.mark.skipif(not CUDA, reason="needs CUDA (torch.cuda.is_available() is False)")
@pytest.mark.parametrize("metric", ["chebyshev", "euclidean"])
def test_cuda_equals_numpy(metric):
    x, y, z = _spaces((2, 3, 1), 2000, ties=True)
    ref = knn_counts([x, y, z], 3, [(0, 2), (1, 2), (2,)], metric=metric, algorithm="brute")
    res = knn_counts(
        [torch.from_numpy(a).cuda() for a in (x, y, z)], 3, [(0, 2), (1, 2), (2,)], metric=metric
    )
    assert res.device == "cuda:0"
    np.testing.assert_array_equal(res.counts, ref.counts)
    np.testing.assert_allclose(res.radius, ref.radius, rtol=1e-14 if metric != "chebyshev" else 0)
    xs, ys = (torch.from_numpy(a).cuda() for a in (x, y))
    assert KSG1().estimate(xs, ys).value == KSG1().estimate(x, y).value
    assert KSG2(device="cuda").estimate(x, y).value == KSG2().estimate(x, y).value


@pytest.mark.parametrize("groups", [[()], [(0,), (2,)], [(-1,)]])
@pytest.mark.parametrize("algorithm", ["tree", "brute"])
def test_groups_must_name_existing_spaces(groups, algorithm):
    spaces = _spaces((2, 2), 50, ties=False)
    with pytest.raises(ValueError, match=r"each group must list space indices in 0\.\.1"):
        knn_counts(spaces, 3, groups, algorithm=algorithm)
    with pytest.raises(ValueError, match=r"each group must list space indices in 0\.\.1"):
        knn_counts_over_k(spaces, (1, 2), groups, algorithm=algorithm)
