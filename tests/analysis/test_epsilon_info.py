"""ε_info from classifier cross-entropy gaps (infossl.analysis.epsilon_info): the estimate against
the closed form of the linear multi-view testbed, an image case whose answer is known, the
augmented view pairs, and the checks of every input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from infossl.analysis.epsilon_info import (
    EpsilonInfoConfig,
    augmented_pairs,
    estimate_epsilon_info,
    image_views,
)
from infossl.data.digits import load_digits
from infossl.tasks.multiview import LinearGaussianMultiView

pytestmark = pytest.mark.usefixtures("one_thread")

#: Logistic regression is the Bayes family here up to the logit/probit mismatch (P(Y=1|X) is a
#: probit of a linear function of X): 30 epochs on 4,200 rows.
LOGISTIC = EpsilonInfoConfig(classifier="logistic", epochs=30, learning_rate=1e-2)
#: |estimate − exact| allowed (nats): about twice the 95 % half-width at 1,800 test rows, which
#: also covers the classifiers' excess cross-entropy (under 0.01 nats in these settings).
TOLERANCE = 0.03


def _testbed(knob: float) -> tuple[dict[str, float], object]:
    task = LinearGaussianMultiView(seed=0).with_knob(knob)
    draw = task.sample(6000, np.random.default_rng(1))
    result = estimate_epsilon_info(draw.x1, draw.x2, draw.y_class, LOGISTIC)
    return task.known_information(), result


@pytest.fixture(scope="module")
def shared_label():
    """κ = 0: the label depends on S only; exact I(Y;X1|X2) = 0.0070, I(Y;X2|X1) = 0.0017."""
    return _testbed(0.0)  # one torch thread: tests/conftest.py


@pytest.fixture(scope="module")
def view_specific_label():
    """κ = 1: the label depends on U1, which only view 1 shows; exact I(Y;X1|X2) = 0.28."""
    return _testbed(1.0)  # one torch thread: tests/conftest.py


@pytest.mark.parametrize("case", ["shared_label", "view_specific_label"])
def test_the_gaps_match_the_closed_form_of_the_binary_label(case, request):
    exact, result = request.getfixturevalue(case)
    for estimate, key in (
        (result.i_y_x1_given_x2, "I(Y_class;X1|X2)"),
        (result.i_y_x2_given_x1, "I(Y_class;X2|X1)"),
    ):
        assert estimate.value == pytest.approx(exact[key], abs=TOLERANCE), (key, estimate)
        assert estimate.kind == "point" and estimate.unit == "nats"
        low, high = estimate.ci
        assert low < estimate.value < high and high - low < 0.06
    assert result.eps_info.value == pytest.approx(exact["eps_info_class"], abs=TOLERANCE)


def test_the_view_specific_label_gives_a_clearly_positive_gap_and_the_shared_one_none(
    shared_label, view_specific_label
):
    _, shared = shared_label
    _, specific = view_specific_label
    assert specific.i_y_x1_given_x2.ci[0] > 0.2  # the whole interval is far from 0
    assert specific.eps_info.value == specific.i_y_x1_given_x2.value
    assert abs(shared.eps_info.value) < 0.02
    assert abs(specific.i_y_x2_given_x1.value) < 0.02  # view 2 adds nothing to view 1


def test_held_out_cross_entropies_sit_just_above_the_conditional_entropies(view_specific_label):
    """Kind "upper": each CE is H(Y|X) plus the classifier's excess (small for logistic)."""
    exact, result = view_specific_label
    h_y = exact["H(Y_class)"]
    truth = {
        "H(Y)": h_y,
        "H(Y|X1)": h_y - exact["I(Y_class;X1)"],
        "H(Y|X2)": h_y - exact["I(Y_class;X2)"],
    }
    for name, value in truth.items():
        estimate = result.cross_entropy[name]
        assert estimate.kind == "upper"
        assert estimate.value == pytest.approx(value, abs=TOLERANCE), name
    both = result.cross_entropy["H(Y|X1,X2)"].value
    assert both == pytest.approx(truth["H(Y|X1)"] - exact["I(Y_class;X2|X1)"], abs=TOLERANCE)
    accuracy, low, high = result.accuracy["x1"]
    assert 0.85 < accuracy < 0.93 and low < accuracy < high


def test_a_view_of_noise_adds_nothing_and_the_digits_view_adds_all_the_label():
    """X1 = the digit, X2 = independent noise images: I(Y;X2|X1) = 0 and I(Y;X1|X2) = I(Y;X1),
    about ln 10 = 2.30 nats minus H(Y|X1); a small convnet reads both."""
    digits = load_digits("all")
    x1 = digits.images.float() / 255.0
    x2 = torch.rand(x1.shape, generator=torch.Generator().manual_seed(0))
    config = EpsilonInfoConfig(classifier="convnet", conv_width=4, epochs=8, learning_rate=1e-2)
    result = estimate_epsilon_info(x1, x2, digits.labels, config)
    assert 2.0 < result.i_y_x1_given_x2.value < 2.31
    assert abs(result.i_y_x2_given_x1.value) < 0.05
    assert result.accuracy["x1"][0] > 0.9 and result.accuracy["x2"][0] < 0.2
    assert result.settings["classifier"] == "convnet" and result.n_classes == 10
    assert 1 <= result.settings["epochs_run"]["both"] <= 8


def test_groups_keep_the_pairs_of_one_image_in_one_split_and_count_once():
    """Each row three times with one group per original row: the interval is that of the
    group means (as wide as without the copies), not √3 narrower."""
    task = LinearGaussianMultiView(seed=0).with_knob(1.0)
    draw = task.sample(1500, np.random.default_rng(2))
    rep = np.repeat(np.arange(1500), 3)
    config = EpsilonInfoConfig(classifier="logistic", epochs=5, learning_rate=1e-2)
    result = estimate_epsilon_info(
        draw.x1[rep], draw.x2[rep], draw.y_class[rep], config, groups=rep
    )
    assert result.n_test == 3 * 450 and result.n_test % 3 == 0
    assert result.n_train + result.n_validation + result.n_test == 4500
    low, high = result.i_y_x1_given_x2.ci
    se = result.i_y_x1_given_x2.stderr
    assert (high - low) == pytest.approx(2 * 1.9652 * se, rel=1e-3)  # t with 449 d.f.
    per_group = result.i_y_x1_given_x2.value
    assert 0.15 < per_group < 0.45


def test_augmented_pairs_are_seeded_and_grouped_by_image():
    digits = load_digits("all")
    images, labels = digits.images[:50], digits.labels[:50]
    views = image_views("digits", 8, 1, 0.3)
    x1, x2, y, groups = augmented_pairs(images, labels, views, pairs_per_image=3, seed=4)
    assert x1.shape == x2.shape == (150, 1, 8, 8)
    assert groups.tolist() == np.repeat(np.arange(50), 3).tolist()
    assert torch.equal(y, labels.repeat_interleave(3))
    again = augmented_pairs(images, labels, views, pairs_per_image=3, seed=4)
    assert torch.equal(again[0], x1) and torch.equal(again[1], x2)
    other = augmented_pairs(images, labels, views, pairs_per_image=3, seed=5)
    assert float((other[0] - x1).abs().mean()) > 0.01
    assert float((x1 - x2).abs().mean()) > 0.01  # the two views differ


def _xy(n: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 3)), rng.normal(size=(n, 3)), rng.integers(0, 2, size=n)


@pytest.mark.parametrize(
    ("change", "error", "names"),
    [
        (lambda x1, x2, y: (x1, x2, y[:-1]), ValueError, "y has 199 labels"),
        (lambda x1, x2, y: (x1, x2[:, :2], y), ValueError, "x1 and x2 must have the same shape"),
        (lambda x1, x2, y: (x1, x2, np.zeros_like(y)), ValueError, "at least 2 classes"),
        (lambda x1, x2, y: (x1[:, :, None], x2, y), ValueError, "x1 must have shape"),
        (lambda x1, x2, y: (x1, x2, y[:, None]), ValueError, "y must be 1-D"),
        (lambda x1, x2, y: (x1, x2, y + 0.5), TypeError, "y must hold integer"),
        (lambda x1, x2, y: (x1, np.where(x2 > 2, np.nan, x2), y), ValueError, "x2 contains"),
        (lambda x1, x2, y: (x1, np.where(x2 > 2, np.inf, x2), y), ValueError, "x2 contains"),
        (lambda x1, x2, y: (x1.astype(str), x2, y), TypeError, "x1 must hold numbers"),
        (lambda x1, x2, y: ([[1.0]] * 200, x2, y), TypeError, "x1 must be a numpy array"),
        (lambda x1, x2, y: (x1[:0], x2[:0], y[:0]), ValueError, "x1 is empty"),
    ],
)
def test_bad_data_is_refused_naming_the_argument(change, error, names):
    with pytest.raises(error, match=names):
        estimate_epsilon_info(*change(*_xy()), EpsilonInfoConfig(epochs=1))


@pytest.mark.parametrize(
    ("settings", "error", "name"),
    [
        ({"epochs": 0}, ValueError, "epochs must be >= 1"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        ({"epochs": 2.5}, TypeError, "epochs must be an integer"),
        ({"patience": -1}, ValueError, "patience"),
        ({"learning_rate": 0.0}, ValueError, "learning_rate must be > 0"),
        ({"test_fraction": 1.0}, ValueError, "test_fraction must be < 1"),
        ({"validation_fraction": 0.0}, ValueError, "validation_fraction must be > 0"),
        ({"ci_level": 1.5}, ValueError, "ci_level"),
        ({"classifier": "svm"}, ValueError, "classifier must be one of"),
        ({"budget": 3}, ValueError, "budget: unknown setting"),
    ],
)
def test_bad_budgets_and_settings_are_refused_naming_them(settings, error, name):
    with pytest.raises(error, match=name):
        EpsilonInfoConfig(**settings)


def test_other_misuse_is_refused():
    x1, x2, y = _xy()
    with pytest.raises(TypeError, match="config must be an EpsilonInfoConfig"):
        estimate_epsilon_info(x1, x2, y, {"epochs": 1})
    with pytest.raises(ValueError, match="classifier='convnet' needs image views"):
        estimate_epsilon_info(x1, x2, y, EpsilonInfoConfig(classifier="convnet"))
    with pytest.raises(ValueError, match="too few"):
        estimate_epsilon_info(x1[:8], x2[:8], y[:8])
    with pytest.raises(ValueError, match="groups must have shape"):
        estimate_epsilon_info(x1, x2, y, groups=np.arange(5))
    with pytest.raises(ValueError, match="min_scale must be > 0"):
        image_views("simclr", 32, 3, 0.0)
    with pytest.raises(ValueError, match="preset 'digits' is for one-channel"):
        image_views("digits", 32, 3, 0.5)
    with pytest.raises(ValueError, match="preset must be one of"):
        image_views("multicrop", 32, 3, 0.5)
    digits = load_digits("all")
    with pytest.raises(ValueError, match="pairs_per_image must be >= 1"):
        augmented_pairs(
            digits.images[:4],
            digits.labels[:4],
            image_views("digits", 8, 1, 0.5),
            pairs_per_image=0,
        )
