"""The demo's training story: bad inputs, and one short end-to-end run (marked slow)."""

from __future__ import annotations

import re

import numpy as np
import pytest


def _check_self_contained(text: str) -> None:
    assert all(s.startswith("data:image/png;base64,") for s in re.findall(r'src="([^"]*)"', text))
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', text))


def test_training_story_bad_inputs():
    from infossl.demo.story import run_training_story

    with pytest.raises(ValueError, match="minutes_budget"):
        run_training_story("unused", minutes_budget=0)
    with pytest.raises(ValueError, match="methods"):
        run_training_story("unused", methods=[])


def _row(method, trained, random, rankme, infonce, dim, tmp_path):
    from infossl.demo.story import StoryRow

    return StoryRow(
        method=method,
        family="f",
        epochs=40,
        train_seconds=20.0,
        linear={"trained": trained, "random": random, "pixels": 346 / 359},
        knn=0.95,
        diagnostics_epoch=40,
        dim=dim,
        rankme=rankme,
        rank_ceiling=float(dim),
        infonce=infonce,
        infonce_ceiling=float(np.log(512)),
        entropy=-100.0 * dim,
        conditional_entropy=-120.0 * dim,
        label_information=2.1,
        label_ceiling=2.29,
        overhead=None,
        run_dir=tmp_path,
        report=tmp_path / f"{method}.html",
        n_val=359,
    )


def test_story_table_compares_only_comparable_quantities_and_ends_with_a_takeaway(tmp_path):
    from infossl.demo.story import TrainingStory

    simclr = _row("simclr", 357 / 359, 348 / 359, 35.9, 3.96, 128, tmp_path)
    vicreg = _row("vicreg", 358 / 359, 348 / 359, 99.5, 4.66, 512, tmp_path)
    story = TrainingStory([simclr, vicreg], 60.0, tmp_path)
    assert not any("Ĥ" in h for h in story.HEADER)  # entropies of different d are not compared
    assert story.HEADER[2] == "d" and "Î(Z1;Z2) InfoNCE, nats" in story.HEADER
    assert story.table()[1][2:4] == ["512", "40"]
    assert story.batch_size == 512
    title = story.rich_table().title
    assert "359 test digits" in title and "512 training digits" in title and "(nats)" in title
    text = story.format()
    assert str(-100 * 128) not in text and "ln 512 = 6.24" in text
    last = text.splitlines()[-1]
    assert last == story.takeaway()
    assert last.startswith(
        "Takeaway: vicreg beat simclr on the linear probe by 1 of 359 test "
        "digits (0.997 vs 0.994), with a higher effective rank (RankMe 99.5 "
        "vs 35.9) and a higher InfoNCE bound (4.66 vs 3.96 nats)"
    )
    assert "+0.025 (simclr), +0.028 (vicreg)" in last
    # the sentence follows the numbers: swap the accuracies and lower vicreg's bound
    simclr.linear["trained"], vicreg.linear["trained"] = 358 / 359, 355 / 359
    vicreg.infonce = 3.0
    assert story.takeaway().startswith(
        "Takeaway: simclr beat vicreg on the linear probe by 3 of 359 test digits (0.997 vs "
        "0.989), with a lower effective rank (RankMe 35.9 vs 99.5) and a higher InfoNCE bound"
    )
    vicreg.linear["trained"] = 358 / 359
    assert " tied on the linear probe (0.997 on 359 test digits)" in story.takeaway()
    one = TrainingStory([simclr], 1.0, tmp_path).takeaway()
    assert one == (
        "Takeaway: simclr's trained encoder reached 0.997 linear-probe accuracy, "
        "+0.028 over the same encoder at random initialisation and +0.033 over raw "
        "pixels."
    )


@pytest.mark.slow
def test_training_story_end_to_end(tmp_path):
    import torch

    from infossl.demo.story import TrainingStory, run_training_story

    before = torch.get_num_threads()
    story = run_training_story(
        tmp_path,
        minutes_budget=1.0,
        epochs=2,
        every_epochs=1,
        methods=[("simclr", "contrastive", 16)],
        progress=False,
    )
    assert torch.get_num_threads() == before  # the story restores the thread count
    assert isinstance(story, TrainingStory) and len(story.rows) == 1
    row = story.rows[0]
    assert row.report.is_file() and row.dim == 16
    assert row.infonce_ceiling == pytest.approx(np.log(512))
    assert 0.0 <= row.infonce <= row.infonce_ceiling
    assert 0.0 <= row.label_information <= row.label_ceiling + 1e-12
    assert 0.9 < row.linear["pixels"] < 1.0  # raw pixels: about 0.97 on digits
    assert row.n_val == 359
    text = story.format()
    assert "simclr" in text and "ln 512" in text and str(row.report) in text
    assert text.splitlines()[-1].startswith(
        f"Takeaway: simclr's trained encoder reached {row.linear['trained']:.3f}"
    )
    _check_self_contained(row.report.read_text())


def test_demo_estimators_only_prints_part_one_through_the_one_demo_module():
    import io

    from rich.console import Console
    from typer.testing import CliRunner

    from infossl.cli.main import app
    from infossl.demo.story import SHOWCASE, run_demo

    buffer = io.StringIO()
    story = run_demo(
        n=400, estimators_only=True, console=Console(file=buffer, width=160, color_system=None)
    )
    assert story is None
    text = buffer.getvalue()
    assert "1. Estimators against known mutual information" in text
    assert "truth vs estimate, n = 400 samples (nats)" in text
    assert "binned: histogram plug-in" in text and "2. SSL on digits" not in text
    for task_id, _ in SHOWCASE:
        assert task_id in text

    def without_seconds(out: str) -> list[str]:
        return [re.sub(r"│ +[0-9.]+ │$", "", line) for line in out.splitlines()]

    result = CliRunner().invoke(app, ["demo", "--estimators-only", "--n", "400"])
    assert result.exit_code == 0, result.output
    assert without_seconds(result.output) == without_seconds(text)
