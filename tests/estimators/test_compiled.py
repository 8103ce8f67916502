"""The optional compiled kernels of the brute-force kNN search (infossl.estimators._compiled):
the per-space max-norm screen and the fused search (joint radius, no labels).

Their values must be identical to the numpy path's, so every radius and count is too.
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

import infossl.estimators
from infossl.estimators import _compiled, _neighbors
from infossl.estimators._neighbors import (
    _Query,
    _Screens,
    count_within,
    knn_counts,
    knn_counts_over_k,
)
from infossl.estimators.knn import KSG1, KSG2

from .test_neighbors import _spaces  # correlated Gaussian spaces, optional ties

numba = pytest.importorskip("numba")  # part of the dev extra; CI installs it


@pytest.fixture
def always_compiled(monkeypatch):
    """Use the compiled screen for every search, however small."""
    monkeypatch.setattr(_compiled, "COMPILED_MIN_WORK", 0.0)
    monkeypatch.setenv(_compiled.ENV_SWITCH, "1")


@pytest.mark.parametrize("d", [1, 3, 25])
@pytest.mark.parametrize(("start", "stop"), [(0, 1), (5, 38), (60, 96)])
def test_kernel_equals_the_numpy_coordinate_loop(d, start, stop):
    rng = np.random.default_rng(d)
    n_pad = 96
    data = rng.integers(-16383, 16384, size=(d, n_pad)).astype(np.int16)
    data[:, 0], data[:, 1] = -16383, 16383  # the largest difference, 32766, fits int16
    kernel = _compiled._kernels().chebyshev_block
    got = np.full((stop - start, n_pad), -1, dtype=np.int16)
    kernel(data, start, stop, got)
    expected = np.abs(data[:, start:stop, None].astype(np.int32) - data[:, None, :]).max(axis=0)
    np.testing.assert_array_equal(got, expected)
    assert int(np.abs(data[:, 0] - data[:, 1].astype(np.int32)).max()) == 32766


@pytest.mark.parametrize("d", [1, 3, 4, 7, 8, 13, 25])
def test_unrolled_row_screen_equals_the_numpy_coordinate_loop(d):
    rng = np.random.default_rng(d)
    data = rng.integers(-16383, 16384, size=(d + 3, 64)).astype(np.int16)
    data[:, 0], data[:, 1] = -16383, 16383
    got = np.full(64, -1, dtype=np.int16)
    _compiled._kernels().screen_row(data, 2, 2 + d, 5, got)
    block = data[2 : 2 + d].astype(np.int32)
    np.testing.assert_array_equal(got, np.abs(block - block[:, 5:6]).max(axis=0))


def _random_search(rng: np.random.Generator) -> tuple[list[np.ndarray], dict]:
    """A random brute-force search: 1-3 spaces, ties, integer data, offsets, scales, per-row k,
    strict or not, groups of one or several spaces (or none), block sizes, 1-2 threads."""
    n = int(rng.integers(5, 260))
    spaces = []
    for _ in range(int(rng.integers(1, 4))):
        x = rng.standard_normal((n, int(rng.integers(1, 10)))) * 10.0 ** rng.uniform(-6, 6)
        kind = rng.integers(0, 4)
        if kind == 1:
            x = np.round(x / x.std() * 2.0) / 2.0  # many exact ties
        elif kind == 2:
            x = rng.integers(0, 3, x.shape).astype(float)  # heavy ties
        if rng.random() < 0.2:
            x = x + 1e6
        spaces.append(x)
    n_spaces = len(spaces)
    groups = [
        tuple(sorted(rng.choice(n_spaces, int(rng.integers(1, n_spaces + 1)), replace=False)))
        for _ in range(int(rng.integers(0, 4)))
    ]
    k_max = min(n - 1, 9)
    k = int(rng.integers(1, k_max + 1)) if rng.random() < 0.6 else rng.integers(1, k_max + 1, n)
    kw = {
        "strict": bool(rng.random() < 0.5),
        "block_rows": int(rng.integers(1, 70)),
        "workers": int(rng.integers(1, 3)),
        "algorithm": "brute",
    }
    return spaces, {"k": k, "groups": groups, **kw}


def test_fused_search_identical_to_numpy_on_random_searches(monkeypatch, always_compiled):
    """120 random searches: the fused kernel's radii and counts equal the numpy path's."""
    calls = []
    fused = _neighbors._fused_blocks
    monkeypatch.setattr(_neighbors, "_fused_blocks", lambda *a: calls.append(1) or fused(*a))
    rng = np.random.default_rng(2026)
    for trial in range(120):
        spaces, kw = _random_search(rng)
        monkeypatch.setenv(_compiled.ENV_SWITCH, "1")
        got = knn_counts(spaces, **kw)
        assert len(calls) == trial + 1  # the fused path ran
        monkeypatch.setenv(_compiled.ENV_SWITCH, "0")
        ref = knn_counts(spaces, **kw)
        assert len(calls) == trial + 1  # and the numpy path did not use it
        np.testing.assert_array_equal(got.radius, ref.radius, err_msg=str(trial))
        np.testing.assert_array_equal(got.counts, ref.counts, err_msg=str(trial))


def test_fused_search_over_k_and_its_exact_fallback(monkeypatch, always_compiled):
    """A k series in one fused pass equals one exact search per k, also where heavy ties
    leave rows uncertified (those are settled by the exact fallback)."""
    redone = []
    exact_rows = _neighbors._exact_rows
    monkeypatch.setattr(
        _neighbors,
        "_exact_rows",
        lambda rows, q, **kw: redone.append(len(rows)) or exact_rows(rows, q, **kw),
    )
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, (300, 2)).astype(float)  # 9 distinct points: ties everywhere
    y = rng.standard_normal((300, 3))
    y[:, 0] += x[:, 0]
    ks = (1, 2, 4, 8)
    got = knn_counts_over_k([x, y], ks, [(0,), (1,)], algorithm="brute")
    assert redone and redone[0] > 0  # some rows needed the fallback
    n = 300
    for k, counts in zip(ks, got, strict=True):
        query = _Query([x, y], np.full(n, k), [(0,), (1,)], "chebyshev", True, "joint", None)
        np.testing.assert_array_equal(counts, exact_rows(np.arange(n), query)[1])


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize(
    ("strict", "radius"), [(True, "joint"), (False, "joint"), (False, "extent")]
)
@pytest.mark.parametrize("dims", [(1, 1), (4, 3), (1, 2, 2)])
def test_counts_and_radii_identical_to_numpy(
    monkeypatch, always_compiled, dims, strict, radius, ties
):
    spaces = _spaces(dims, 301, ties)
    groups = [(0,), (1,)] if len(dims) == 2 else [(0, 2), (1, 2), (2,)]
    kw = {"strict": strict, "radius": radius, "algorithm": "brute", "block_rows": 37}
    assert _Screens(spaces, "chebyshev", 320).compiled is not None
    got = knn_counts(spaces, 3, groups, **kw)
    monkeypatch.setenv(_compiled.ENV_SWITCH, "0")
    assert _Screens(spaces, "chebyshev", 320).compiled is None
    ref = knn_counts(spaces, 3, groups, **kw)
    np.testing.assert_array_equal(got.radius, ref.radius)
    np.testing.assert_array_equal(got.counts, ref.counts)


def test_labels_per_row_k_and_several_k_identical(monkeypatch, always_compiled):
    rng = np.random.default_rng(3)
    y = rng.standard_normal((400, 3))
    labels = rng.integers(0, 4, 400)
    labels[:3] = 4
    k_rows = np.where(labels == 4, 2, 5)
    x = rng.standard_normal((400, 2)) + y[:, :2]
    got = knn_counts([y], k_rows, [(0,)], labels=labels, algorithm="brute")
    over_k = knn_counts_over_k([x, y], (1, 2, 4, 8), [(0,), (1,)], algorithm="brute")
    monkeypatch.setenv(_compiled.ENV_SWITCH, "off")
    ref = knn_counts([y], k_rows, [(0,)], labels=labels, algorithm="brute")
    ref_k = knn_counts_over_k([x, y], (1, 2, 4, 8), [(0,), (1,)], algorithm="brute")
    np.testing.assert_array_equal(got.radius, ref.radius)
    np.testing.assert_array_equal(got.counts, ref.counts)
    assert len(over_k) == 4
    for a, b in zip(over_k, ref_k, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", [lambda: KSG1(k=3), lambda: KSG2(k=4)])
def test_estimates_identical_with_the_default_rule(monkeypatch, make):
    """Default mode, numba already imported: 5000 points in 25 + 25 dimensions use the kernel."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5000, 25))
    y = 0.5 * x + rng.standard_normal((5000, 25))
    monkeypatch.delenv(_compiled.ENV_SWITCH, raising=False)
    assert _compiled.compiled_mode() == "auto"
    assert _Screens([x, y], "chebyshev", 5024).compiled is not None
    got = make().estimate(x, y).value
    monkeypatch.setenv(_compiled.ENV_SWITCH, "0")
    assert got == make().estimate(x, y).value


def test_the_rule_for_loading_and_using_the_kernel(monkeypatch):
    monkeypatch.delenv(_compiled.ENV_SWITCH, raising=False)
    small, medium, large = 1e6, 1e9, _compiled.LOAD_MIN_WORK
    assert _compiled.compiled_kernels(small) is None  # below COMPILED_MIN_WORK: numpy
    assert _compiled.compiled_kernels(medium) is not None  # the kernel is loaded (this module)
    # as in a process that never loaded it (importing numba alone is not enough)
    monkeypatch.delitem(sys.modules, "infossl.estimators._numba_kernels")
    monkeypatch.setattr(_compiled, "_numpy_work", 0.0)  # no numpy search made yet
    assert "numba" in sys.modules
    assert _compiled.compiled_kernels(medium) is None  # not worth loading the kernel for
    assert _compiled.compiled_kernels(large) is not None
    # repeated medium searches (a training monitor) load it once their sum reaches the threshold
    monkeypatch.delitem(sys.modules, "infossl.estimators._numba_kernels", raising=False)
    monkeypatch.setattr(_compiled, "_numpy_work", 0.0)
    repeats = int(np.ceil(large / medium))
    assert all(_compiled.compiled_kernels(medium) is None for _ in range(repeats - 1))
    assert infossl.estimators.compiled_screen_status()["numpy_work"] == (repeats - 1) * medium
    assert _compiled.compiled_kernels(small) is None  # too small to count
    assert _compiled.compiled_kernels(medium) is not None
    monkeypatch.setenv(_compiled.ENV_SWITCH, "on")
    assert _compiled.compiled_kernels(medium) is not None  # loads it whenever useful
    assert _compiled.compiled_kernels(small) is None
    for value in ("0", "false", "No", " off "):
        monkeypatch.setenv(_compiled.ENV_SWITCH, value)
        assert _compiled.compiled_mode() == "off"
        assert _compiled.compiled_kernels(large) is None
    for value, mode in (("1", "on"), ("YES", "on"), ("auto", "auto"), ("", "auto")):
        monkeypatch.setenv(_compiled.ENV_SWITCH, value)
        assert _compiled.compiled_mode() == mode
    # Euclidean screens never use it
    spaces = _spaces((30, 30), 200, ties=False)
    monkeypatch.setenv(_compiled.ENV_SWITCH, "1")
    monkeypatch.setattr(_compiled, "COMPILED_MIN_WORK", 0.0)
    assert _Screens(spaces, "euclidean", 224).compiled is None
    assert _Screens(spaces, "chebyshev", 224).compiled is not None


@pytest.mark.parametrize("algorithm", ["brute", "tree"])
def test_a_bad_switch_value_is_a_clear_error(monkeypatch, algorithm):
    monkeypatch.setenv(_compiled.ENV_SWITCH, " Fast")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 3))
    with pytest.raises(ValueError, match=r"INFOSSL_NUMBA must be auto, 1 or 0 .*got ' Fast'"):
        KSG1(k=3, algorithm=algorithm).estimate(x, x + rng.standard_normal((300, 3)))
    with pytest.raises(ValueError, match="INFOSSL_NUMBA"):
        count_within(x, np.ones(300))


@pytest.mark.parametrize("workers", [1, 2])
def test_identical_with_one_and_two_worker_threads(monkeypatch, always_compiled, workers):
    spaces = _spaces((6, 5), 700, ties=True, seed=workers)
    kw = {"algorithm": "brute", "workers": workers, "block_rows": 29}
    got = knn_counts(spaces, 4, [(0,), (1,)], **kw)
    monkeypatch.setenv(_compiled.ENV_SWITCH, "0")
    ref = knn_counts(spaces, 4, [(0,), (1,)], **kw)
    np.testing.assert_array_equal(got.radius, ref.radius)
    np.testing.assert_array_equal(got.counts, ref.counts)


def test_uncached_compilation_where_no_cache_folder_is_writable(monkeypatch):
    from infossl.estimators import _numba_kernels

    real = numba.njit

    def njit_without_cache_folder(*args, cache=False, **kw):
        if cache:
            raise RuntimeError("cannot cache function 'f': no locator available for file 'x'")
        return real(*args, **kw)

    monkeypatch.setattr(_numba_kernels.nb, "njit", njit_without_cache_folder)
    kernel = _numba_kernels._jit(_numba_kernels.chebyshev_block.py_func)
    data = np.random.default_rng(1).integers(-16383, 16384, size=(4, 64)).astype(np.int16)
    got, ref = np.empty((3, 64), np.int16), np.empty((3, 64), np.int16)
    kernel(data, 10, 13, got)
    _numba_kernels.chebyshev_block(data, 10, 13, ref)
    np.testing.assert_array_equal(got, ref)


class _BrokenNumba(types.ModuleType):
    """A numba whose import fails with something else than ImportError (e.g. a local
    coverage.py shadowing the package numba imports)."""

    def __getattr__(self, name):
        raise AttributeError("module 'coverage' has no attribute 'types'")


class _NumbaForAnotherNumpy(types.ModuleType):
    """An installed numba whose import fails with ImportError (built for another numpy)."""

    def __getattr__(self, name):
        raise ImportError("Numba needs NumPy 2.5 or less. Got NumPy 2.9.")


@pytest.mark.parametrize("broken", [False, True, "import-error"])
def test_without_a_loadable_numba_the_numpy_screen_runs(monkeypatch, broken):
    monkeypatch.setattr(_compiled, "COMPILED_MIN_WORK", 0.0)
    monkeypatch.setenv(_compiled.ENV_SWITCH, "1")
    monkeypatch.delitem(sys.modules, "infossl.estimators._numba_kernels", raising=False)
    monkeypatch.delattr(infossl.estimators, "_numba_kernels", raising=False)
    # None: ``import numba`` raises ImportError (not installed)
    fake = {True: _BrokenNumba("numba"), "import-error": _NumbaForAnotherNumpy("numba")}
    monkeypatch.setitem(sys.modules, "numba", fake.get(broken))
    _compiled._kernels.cache_clear()
    try:
        if broken:
            with pytest.warns(RuntimeWarning, match="numba is installed but could not be loaded"):
                assert not _compiled.numba_available()
            assert _compiled.compiled_kernels(1e12) is None
        else:
            assert not _compiled.numba_available()
            _compiled._warn_not_installed.cache_clear()
            with pytest.warns(RuntimeWarning, match="asks for the compiled kNN screen but numba"):
                assert _compiled.compiled_kernels(1e12) is None  # INFOSSL_NUMBA=1: said once
        assert infossl.estimators.compiled_screen_status()["installed"] is bool(broken)
        spaces = _spaces((2, 2), 200, ties=True)
        res = knn_counts(spaces, 3, [(0,), (1,)], algorithm="brute")
        ref = knn_counts(spaces, 3, [(0,), (1,)], algorithm="tree")
        np.testing.assert_array_equal(res.counts, ref.counts)
    finally:
        _compiled._kernels.cache_clear()


def test_without_a_disk_cache_the_default_waits_for_more_work(monkeypatch):
    """Where numba can write no cache folder every process compiles the kernels (~10 s): the
    default rule loads them only from UNCACHED_LOAD_MIN_WORK; without numba the numpy
    comparisons are still counted."""
    kernels = _compiled._kernels()
    monkeypatch.delenv(_compiled.ENV_SWITCH, raising=False)
    monkeypatch.setattr(kernels, "CACHED", False)
    monkeypatch.setattr(kernels, "compiled_in_process", lambda: False)
    monkeypatch.setattr(_compiled, "_numpy_work", 0.0)
    assert _compiled.compiled_kernels(_compiled.LOAD_MIN_WORK) is None
    assert infossl.estimators.compiled_screen_status()["cached_on_disk"] is False
    assert _compiled.compiled_kernels(_compiled.UNCACHED_LOAD_MIN_WORK) is kernels
    monkeypatch.setattr(kernels, "compiled_in_process", lambda: True)  # compiled: use them
    assert _compiled.compiled_kernels(1e8) is kernels
    # numba missing: every numpy search counts
    monkeypatch.setattr(_compiled, "_kernels", lambda: None)
    monkeypatch.setattr(_compiled, "_numpy_work", 0.0)
    for _ in range(3):
        assert _compiled.compiled_kernels(_compiled.LOAD_MIN_WORK) is None
    assert infossl.estimators.compiled_screen_status()["numpy_work"] == 3 * _compiled.LOAD_MIN_WORK


def test_large_k_keeps_the_selection_fast_and_identical(monkeypatch, always_compiled):
    """Sorted 1-D data make every column a new nearest candidate for half of the rows: the
    heap keeps the selection O(n log m) (it was O(n m)); values as with numpy."""
    x = np.linspace(0.0, 1.0, 1500)[:, None]
    spaces = [x, x**2]
    got = knn_counts(spaces, 400, [(0,), (1,)], algorithm="brute", workers=1)
    monkeypatch.setenv(_compiled.ENV_SWITCH, "0")
    ref = knn_counts(spaces, 400, [(0,), (1,)], algorithm="brute", workers=1)
    np.testing.assert_array_equal(got.radius, ref.radius)
    np.testing.assert_array_equal(got.counts, ref.counts)


def test_the_status_says_what_a_search_will_do(monkeypatch):
    monkeypatch.setenv(_compiled.ENV_SWITCH, "off")
    assert not _compiled.kernels_ready()
    status = infossl.estimators.compiled_screen_status()
    assert status["mode"] == "off" and status["installed"]
    assert status["min_work"] == _compiled.COMPILED_MIN_WORK
    assert status["load_min_work"] == _compiled.LOAD_MIN_WORK
    monkeypatch.setenv(_compiled.ENV_SWITCH, "1")
    assert _compiled.kernels_ready()  # numba installed, INFOSSL_NUMBA=1
    assert _compiled.compiled_kernels(1e12) is not None  # loads the kernel
    assert infossl.estimators.compiled_screen_status()["loaded"]
    monkeypatch.setenv(_compiled.ENV_SWITCH, "auto")
    assert _compiled.kernels_ready()  # loaded (and cached on disk here)
    monkeypatch.delitem(sys.modules, "infossl.estimators._numba_kernels")  # a fresh process
    assert not infossl.estimators.compiled_screen_status()["loaded"]
