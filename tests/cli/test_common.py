"""The helpers shared by the command modules: error exits, comma-separated values, groups."""

from __future__ import annotations

import pytest
import torch
import typer
from typer.testing import CliRunner

from infossl.cli._common import add_group, comma_floats, comma_list, fail, set_torch_threads


def test_comma_list_strips_allows_a_trailing_comma_and_refuses_an_empty_item():
    assert comma_list(" a, b ,c,", "--x") == ["a", "b", "c"]
    for text in ("", ",", " "):
        with pytest.raises(ValueError, match="--x must be a non-empty comma-separated list"):
            comma_list(text, "--x")
    for text in (" a, b ,,c", ",a", "a, ,b"):
        with pytest.raises(ValueError, match="--x has an empty item"):
            comma_list(text, "--x")


def test_comma_floats_parses_numbers_and_names_a_bad_item():
    assert comma_floats("0.1, 1,10,", "--C") == [0.1, 1.0, 10.0]
    with pytest.raises(ValueError, match=r"--C must hold comma-separated numbers, got 'x'"):
        comma_floats("1,x", "--C")
    with pytest.raises(ValueError, match="non-empty"):
        comma_floats(",", "--C")


def test_set_torch_threads(monkeypatch):
    calls = []
    monkeypatch.setattr(torch, "set_num_threads", calls.append)
    set_torch_threads(0)
    set_torch_threads(3)
    assert calls == [3]
    with pytest.raises(ValueError, match="--threads must be >= 0, got -1"):
        set_torch_threads(-1)


def test_add_group_and_fail_exit_with_the_error_on_stderr():
    def ok() -> None:
        typer.echo("fine")

    def bad(code: int = 2) -> None:
        fail(ValueError("no good"), code)

    app = typer.Typer()
    app.command("other")(ok)
    group = add_group(app, "grp", "A group.", {"ok": ok, "bad": bad})
    assert isinstance(group, typer.Typer)
    runner = CliRunner()
    assert runner.invoke(app, ["grp", "ok"]).output == "fine\n"
    listing = runner.invoke(app, ["grp"])
    assert "A group." in listing.output and "ok" in listing.output and "bad" in listing.output
    result = runner.invoke(app, ["grp", "bad"])
    assert result.exit_code == 2
    assert "error: no good" in result.output
    assert runner.invoke(app, ["grp", "bad", "--code", "3"]).exit_code == 3
