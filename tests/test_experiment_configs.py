"""The experiments' settings share the pydantic base of ``infossl train``'s run configuration."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from infossl._config import ConfigModel, FrozenConfig
from infossl.analysis.compress_experiment import CompressConfig
from infossl.analysis.idnn import IDNNConfig
from infossl.estimators.neural.staircase import StaircaseConfig
from infossl.train.config import OptimConfig, RunConfig

CONFIGS = [IDNNConfig, CompressConfig, StaircaseConfig]


@pytest.mark.parametrize("cls", CONFIGS)
def test_experiment_configs_are_frozen_pydantic_models(cls):
    config = cls()
    assert isinstance(config, FrozenConfig) and isinstance(config, BaseModel)
    with pytest.raises(ValidationError, match="frozen"):
        config.seed = 1  # type: ignore[misc]
    assert cls(**config.model_dump()) == config


@pytest.mark.parametrize("cls", CONFIGS)
def test_an_unknown_setting_is_a_value_error_listing_the_valid_ones(cls):
    with pytest.raises(ValueError, match=r"^nope: unknown setting of \w+Config \(valid: .*seed"):
        cls(nope=1)


@pytest.mark.parametrize(
    "cls,overrides,match",
    [
        (IDNNConfig, {"epochs": 0}, "^epochs must be >= 1, got 0$"),
        (IDNNConfig, {"learning_rate": -1.0}, "^learning_rate must be > 0"),
        (StaircaseConfig, {"steps_per_level": 1}, "^steps_per_level must be >= 2"),
        (StaircaseConfig, {"lr": 0.0}, "^lr must be > 0"),
        (CompressConfig, {"steps": 0}, "^steps must be >= 1"),
        (CompressConfig, {"n_eval": 10}, "^n_eval must be >= 40"),
    ],
)
def test_a_bad_value_is_a_plain_value_error_naming_the_field(cls, overrides, match):
    with pytest.raises(ValueError, match=match) as info:
        cls(**overrides)
    assert not isinstance(info.value, ValidationError)


def test_values_are_normalised_and_copies_are_validated():
    config = IDNNConfig(seeds=[2, 1], hidden=[4], epochs=3)
    assert config.seeds == (2, 1) and config.hidden == (4,)
    assert config.layer_sizes == (12, 4, 2)
    assert config.model_copy(update={"epochs": 5}).epochs == 5
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        IDNNConfig(**{**config.model_dump(), "epochs": 0})
    compress = CompressConfig(objectives=["simclr", "mib"], seeds=[0])
    assert compress.objectives == ("simclr", "mib") and compress.to_dict()["seeds"] == (0,)


def test_the_run_config_sections_share_the_base_and_keep_their_behaviour():
    assert issubclass(OptimConfig, ConfigModel) and issubclass(RunConfig, ConfigModel)
    assert not issubclass(OptimConfig, FrozenConfig)
    assert OptimConfig.model_config == {
        "extra": "forbid",
        "validate_assignment": True,
        "frozen": False,
    }
    optim = OptimConfig()
    with pytest.raises(ValidationError):
        optim.nope = 1  # type: ignore[attr-defined]
