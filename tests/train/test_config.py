"""Run-config validation: every bad key or value is reported by its dotted name."""

from __future__ import annotations

import pytest

from infossl.train.config import (
    ConfigError,
    RunConfig,
    apply_overrides,
    config_differences,
    load_config,
    parse_overrides,
)


def test_defaults_are_valid_and_round_trip_through_yaml(tmp_path):
    cfg = load_config()
    assert cfg.method == "simclr" and cfg.train.epochs == 50 and cfg.eval.knn_k == 200
    path = tmp_path / "run.yaml"
    path.write_text(cfg.to_yaml())
    assert load_config(path).to_dict() == cfg.to_dict()


def test_yaml_then_overrides_with_typed_values(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("method: vicreg\noptim:\n  name: lars\n  lr: 0.5\n")
    cfg = load_config(
        path,
        [
            "optim.lr=0.25",
            "train.compile=true",
            "objective.inv_weight=10",
            "model.backbone_options={width: 8}",
            "optim.betas=[0.8, 0.9]",
        ],
    )
    assert cfg.method == "vicreg" and cfg.optim.name == "lars"
    assert cfg.optim.lr == 0.25 and cfg.train.compile is True
    assert cfg.objective == {"inv_weight": 10}
    assert cfg.model.backbone_options == {"width": 8}
    assert cfg.optim.betas == (0.8, 0.9)


@pytest.mark.parametrize(
    "override, expected",
    [
        ("optim.lrr=1", "optim.lrr: unknown key (valid: betas"),
        ("trian.epochs=3", "trian: unknown key"),
        ("optim.lr=-1", "optim.lr:"),
        ("train.batch_size=abc", "train.batch_size:"),
        ("train.precision=fp8", "train.precision:"),
        ("eval.knn_tau=0", "eval.knn_tau:"),
        ("method=simclrr", "method: unknown or non-trainable method 'simclrr'"),
        ("objective.temperatur=0.1", "objective.temperatur: unknown parameter of simclr"),
        ("objective.temperature=-1", "temperature must be > 0"),
        ("objective.gather_distributed=true", "objective.gather_distributed: not a user option"),
    ],
)
def test_bad_keys_and_values_are_named(override, expected):
    with pytest.raises(ConfigError) as err:
        load_config(None, [override])
    assert expected in str(err.value)


def test_several_errors_reported_together():
    with pytest.raises(ConfigError) as err:
        load_config(None, ["optim.lr=-1", "train.epochs=0"])
    text = str(err.value)
    assert "optim.lr:" in text and "train.epochs:" in text


def test_aliases_and_method_specific_keys():
    cfg = load_config(None, ["method=barlow", "objective.lambda_offdiag=0.01"])
    assert cfg.objective == {"lambda_offdiag": 0.01}
    with pytest.raises(ConfigError, match=r"objective\.queue_size: unknown parameter"):
        load_config(None, ["method=simclr", "objective.queue_size=10"])


def test_override_parsing_errors():
    with pytest.raises(ConfigError, match="key=value"):
        parse_overrides(["optim.lr"])
    with pytest.raises(ConfigError, match="not a section"):
        apply_overrides({"method": "simclr"}, [("method.x", 1)])
    with pytest.raises(FileNotFoundError):
        load_config("/nonexistent/run.yaml")


def test_config_differences_ignores_prefixes():
    a = RunConfig()
    b = load_config(None, ["train.max_steps=5", "optim.lr=0.3", "log.every_steps=3"])
    assert config_differences(a, b) == ["log.every_steps", "optim.lr", "train.max_steps"]
    assert config_differences(a, b, ignore=("log", "train.max_steps")) == ["optim.lr"]


def test_resolved_section_is_written_but_not_read_back(tmp_path):
    from infossl.train.config import read_config_file

    cfg = load_config(None, ["optim.name=lars", "train.epochs=7"])
    path = tmp_path / "config.yaml"
    path.write_text(cfg.to_yaml({"optim": {"lr": 0.3}, "precision": "bf16"}))
    text = path.read_text()
    assert "\nresolved:\n" in text and "lr: 0.3" in text and "precision: bf16" in text
    assert "resolved" not in read_config_file(path)
    assert load_config(path).to_dict() == cfg.to_dict()
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping of config sections"):
        load_config(path)
    path.write_text("method: [simclr\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


def test_config_files_are_loaded_safely(tmp_path):
    from infossl.train.config import read_config_file

    marker = tmp_path / "constructed"
    path = tmp_path / "run.yaml"
    for text in (
        f"method: !!python/object/apply:os.mkdir ['{marker}']",
        "optim: !!python/object:argparse.Namespace {lr: 0.1}",
        "method: !!python/name:os.system",
        "!!python/object/new:dict {}",
    ):
        path.write_text(text)
        with pytest.raises(ConfigError, match=r"line 1, column \d+: the YAML tag !!python/"):
            read_config_file(path)
    assert not marker.exists()


def test_config_file_errors_name_the_file(tmp_path):
    from infossl.train.config import read_config_file

    with pytest.raises(ConfigError, match="is a folder, not a YAML file"):
        read_config_file(tmp_path)
    path = tmp_path / "run.yaml"
    path.write_bytes(b"method: simclr\n\xff\n")
    with pytest.raises(
        ConfigError, match=r"run\.yaml is not UTF-8 text \(byte 0xff at offset 15\)"
    ):
        read_config_file(path)
    path.write_text("optim:\n  lr: [0.1\n")
    with pytest.raises(ConfigError, match=r"run\.yaml: not valid YAML \(line 3, column 1: "):
        read_config_file(path)
    path.write_text("")
    assert read_config_file(path) == {}
