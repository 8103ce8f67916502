"""Typed ``key=value`` parameters (``infossl._params``): the CLI's ``--param`` and method specs."""

import pytest

from infossl._params import parse_params


def test_values_are_typed():
    assert parse_params(["k=3", "jitter=1e-8", "standardize=false", "device=none", "m=max"]) == {
        "k": 3,
        "jitter": 1e-8,
        "standardize": False,
        "device": None,
        "m": "max",
    }


def test_comma_lists_parse_to_numbers_only_when_every_part_is_a_number():
    assert parse_params(["k=1,2,4,8", "w=0.5, 2", "hidden=a,b", "n=3"]) == {
        "k": (1, 2, 4, 8),
        "w": (0.5, 2),
        "hidden": "a,b",
        "n": 3,
    }


def test_an_item_without_equals_is_a_value_error():
    with pytest.raises(ValueError, match="key=value"):
        parse_params(["k"])
