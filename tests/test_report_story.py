"""The demo's training story: bad inputs, and one short end-to-end run (marked slow)."""

from __future__ import annotations

import re

import numpy as np
import pytest


def _check_self_contained(text: str) -> None:
    assert all(s.startswith("data:image/png;base64,") for s in re.findall(r'src="([^"]*)"', text))
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', text))


def test_training_story_bad_inputs():
    from infossl.analysis.demo_story import run_training_story

    with pytest.raises(ValueError, match="minutes_budget"):
        run_training_story("unused", minutes_budget=0)
    with pytest.raises(ValueError, match="methods"):
        run_training_story("unused", methods=[])


@pytest.mark.slow
def test_training_story_end_to_end(tmp_path):
    import torch

    from infossl.analysis.demo_story import TrainingStory, run_training_story

    before = torch.get_num_threads()
    story = run_training_story(tmp_path, minutes_budget=1.0, epochs=2, every_epochs=1,
                               methods=[("simclr", "contrastive", 16)], progress=False)
    assert torch.get_num_threads() == before  # the story restores the thread count
    assert isinstance(story, TrainingStory) and len(story.rows) == 1
    row = story.rows[0]
    assert row.report.is_file() and row.dim == 16
    assert row.infonce_ceiling == pytest.approx(np.log(512))
    assert 0.0 <= row.infonce <= row.infonce_ceiling
    assert 0.0 <= row.label_information <= row.label_ceiling + 1e-12
    assert 0.9 < row.linear["pixels"] < 1.0  # raw pixels: about 0.97 on digits
    text = story.format()
    assert "simclr" in text and "ln 512" in text and str(row.report) in text
    _check_self_contained(row.report.read_text())
