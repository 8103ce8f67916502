"""The HTML run report: self-contained (no external resources), every section present, figures
embedded as PNG data URIs; the CLI command; a headless Chromium render when available."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from infossl.analysis.diagnostics import information_diagnostics
from infossl.report import SECTIONS, build_report, load_run, render_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _synthetic_run(folder: Path, *, diagnostics: bool = True) -> Path:
    """A run folder with the files infossl train writes (values made up, formats real)."""
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(
        yaml.safe_dump(
            {
                "method": "simclr",
                "data": {"name": "digits"},
                "train": {"epochs": 4, "batch_size": 64},
            }
        )
    )
    rows = [
        {
            "kind": "terms",
            "constant": float(np.log(127)),
            "diagnostics": {},
            "terms": {
                "mi": {
                    "quantity": "I(Z1;Z2)",
                    "kind": "lower",
                    "bound": "infonce",
                    "notation": "I(Z1;Z2)",
                    "label": "I(Z1;Z2) lower bound",
                }
            },
        }
    ]
    for step in range(1, 17):
        rows.append(
            {
                "kind": "train",
                "step": step,
                "epoch": (step - 1) // 4 + 1,
                "loss": 5.0 - 0.1 * step,
                "terms": {"mi": 0.1 * step},
                "weights": {"mi": -1.0},
                "lr": 0.1,
                "time": {"elapsed": step},
            }
        )
    for epoch in range(1, 5):
        rows.append(
            {
                "kind": "eval",
                "step": 4 * epoch,
                "epoch": epoch,
                "knn_acc": 0.5 + 0.1 * epoch,
                "probe_val_acc": 0.4 + 0.1 * epoch,
            }
        )
    rows.append({"kind": "final", "step": 16, "epoch": 4, "linear_acc": 0.93})
    (folder / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "summary.json").write_text(
        json.dumps(
            {
                "method": "simclr",
                "data": "digits",
                "steps": 16,
                "epochs_completed": 4.0,
                "train_seconds": 12.0,
            }
        )
    )
    if diagnostics:
        rng = np.random.default_rng(0)
        lines = []
        for epoch in range(5):
            base = rng.standard_normal((128, 8)) * np.linspace(1, 0.1 + 0.2 * epoch, 8)
            z2 = base + (0.5 - 0.1 * epoch) * rng.standard_normal(base.shape)
            y = (base[:, 0] > 0).astype(int)
            hold = rng.standard_normal((128, 8))
            res = information_diagnostics(base, z2, base, y, hold, (hold[:, 0] > 0).astype(int))
            lines.append(
                {
                    "epoch": epoch,
                    "step": 4 * epoch,
                    "representation": "projector",
                    "n": 128,
                    "dim": 8,
                    **res.to_dict(),
                    "time": {"seconds": 0.1, "train_seconds": 1.0, "overhead": 0.1},
                }
            )
        (folder / "diagnostics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    return folder


@pytest.fixture(scope="module")
def synthetic_run(tmp_path_factory) -> Path:
    return _synthetic_run(tmp_path_factory.mktemp("report") / "run")


def _check_self_contained(text: str) -> list[str]:
    """Every src/href in the page; assert none leaves the file; return the image sources."""
    srcs = re.findall(r'src="([^"]*)"', text)
    hrefs = re.findall(r'href="([^"]*)"', text)
    assert all(s.startswith("data:image/png;base64,") for s in srcs), srcs[:3]
    assert all(h.startswith("#") for h in hrefs), hrefs
    assert "<script" not in text and "<link" not in text and "@import" not in text
    assert "url(" not in text
    return srcs


@pytest.mark.full_layout
@pytest.mark.filterwarnings("error:constrained_layout not applied")
def test_report_is_self_contained_with_every_section(synthetic_run):
    run = synthetic_run
    path = build_report(run)
    assert path == run / "report.html"
    text = path.read_text()
    srcs = _check_self_contained(text)
    assert len(srcs) == 5  # loss, planes, curves, spectrum, accuracy
    for src in srcs:
        assert base64.b64decode(src.split(",", 1)[1])[:8] == PNG_MAGIC
    for anchor, heading in SECTIONS:
        assert f'<section id="{anchor}">' in text and f"<h2>{heading}</h2>" in text
    assert "I(Z1;Z2):infonce" in text and "ceiling" in text
    assert "0.93" in text  # the final linear probe
    assert "No diagnostics" not in text


def test_report_without_diagnostics_says_so(tmp_path):
    run = _synthetic_run(tmp_path / "run", diagnostics=False)
    text = render_report(load_run(run))
    _check_self_contained(text)
    assert text.count("No diagnostics were recorded") >= 3
    for anchor, _ in SECTIONS:
        assert f'<section id="{anchor}">' in text


def test_report_in_bits_converts_values(synthetic_run):
    run = load_run(synthetic_run)
    nats = run.diagnostics[-1]["estimates"]["I(Z1;Z2):infonce"]["value"]
    text = render_report(run, unit="bits")
    assert "information in bits" in text
    assert f"{nats / np.log(2):.4g}" in text


def test_report_bad_inputs(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        build_report(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"metrics\.jsonl"):
        build_report(tmp_path / "empty")
    with pytest.raises(ValueError, match="unit"):
        render_report(
            load_run(_synthetic_run(tmp_path / "run", diagnostics=False)), unit="furlongs"
        )


def test_report_command(tmp_path):
    from typer.testing import CliRunner

    from infossl.cli.main import app

    run = _synthetic_run(tmp_path / "run", diagnostics=False)
    out = tmp_path / "elsewhere" / "r.html"
    result = CliRunner().invoke(app, ["report", str(run), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and str(out) in result.output
    bad = CliRunner().invoke(app, ["report", str(tmp_path / "nope")])
    assert bad.exit_code == 2 and "not found" in bad.output


def test_report_of_a_real_training_run(tmp_path):
    import torch

    from infossl.analysis.trainer_diagnostics import callbacks_from_config
    from infossl.train.config import load_config
    from infossl.train.trainer import train

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        cfg = load_config(
            None,
            [
                "data.limit=256",
                "train.batch_size=64",
                "train.epochs=2",
                "train.precision=fp32",
                "model.backbone=mlp",
                "model.backbone_options={hidden: [32]}",
                "model.proj_hidden=32",
                "model.proj_out=16",
                "log.progress=false",
                "log.tensorboard=false",
                "diagnostics.enabled=true",
                "diagnostics.every_epochs=1",
                "diagnostics.batch_size=64",
                f"out={tmp_path / 'run'}",
            ],
        )
        train(cfg, epoch_callbacks=callbacks_from_config(cfg))
    finally:
        torch.set_num_threads(before)
    text = build_report(tmp_path / "run").read_text()
    assert len(_check_self_contained(text)) == 5
    assert "No diagnostics" not in text


@pytest.mark.full_layout
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_chromium_renders_the_report(tmp_path, synthetic_run):
    from PIL import Image

    page = build_report(synthetic_run, tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    cmd = [
        "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        "--window-size=1280,3000",
        page.resolve().as_uri(),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    img = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert img.shape == (3000, 1280)
    # text and figures everywhere down the page, not a blank or error page
    bands = [img[a : a + 500] for a in range(0, 3000, 500)]
    assert all(b.std() > 10 for b in bands)


def test_report_escapes_every_string_from_the_run_folder(tmp_path, synthetic_run):
    """Method, data and term names come from files anyone can edit: they are shown as text."""
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    # a copy of the shared synthetic run (the same files _synthetic_run writes), without the
    # report other tests built in it
    run = Path(
        shutil.copytree(synthetic_run, tmp_path / "run", ignore=shutil.ignore_patterns("*.html"))
    )
    config = yaml.safe_load((run / "config.yaml").read_text())
    config["method"] = attack
    config["data"]["name"] = attack
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    rows[0]["terms"]["mi"]["label"] = attack
    rows[0]["terms"]["mi"]["bound"] = attack
    (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = json.loads((run / "summary.json").read_text())
    summary["method"] = summary["data"] = attack
    (run / "summary.json").write_text(json.dumps(summary))
    text = build_report(run).read_text()
    _check_self_contained(text)
    assert "<script" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(" in text and "&lt;img src=x onerror=alert(1)&gt;" in text
