"""``infossl._atomic``: a file is replaced whole or not at all, and JSON is strict."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from infossl._atomic import (
    atomic_write,
    atomic_write_figure,
    atomic_write_json,
    atomic_write_text,
    is_temporary,
    temporary_for,
)


def test_text_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "config.yaml"
    target.write_text("old\n")
    assert atomic_write_text(target, "new é\n") == target
    assert target.read_text(encoding="utf-8") == "new é\n"
    assert [p.name for p in tmp_path.iterdir()] == ["config.yaml"]
    atomic_write_text(target, b"\x00\x01", durable=True)
    assert target.read_bytes() == b"\x00\x01"


def test_a_failing_write_keeps_the_old_file_and_removes_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "metrics.jsonl"
    target.write_text('{"step": 1}\n')

    def half_then_fail(fh) -> None:
        fh.write(b'{"ste')
        raise KeyboardInterrupt  # a kill between the first bytes and the rename

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, half_then_fail)
    assert target.read_text() == '{"step": 1}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.jsonl"]


def test_figures_take_the_suffix_format_and_a_failed_render_keeps_the_old_file(
    tmp_path: Path,
) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 2))
    fig.subplots().plot([0, 1], [1, 0])
    png, svg, other = tmp_path / "a.png", tmp_path / "a.svg", tmp_path / "plot.out"
    atomic_write_figure(png, fig, dpi=50)
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert int.from_bytes(png.read_bytes()[16:20], "big") == 100  # width: 2 in at dpi 50
    atomic_write_figure(svg, fig)
    assert b"<svg" in svg.read_bytes()[:500]
    atomic_write_figure(other, fig, format="pdf")
    assert other.read_bytes().startswith(b"%PDF")
    before = png.read_bytes()
    fig.axes[0].set_title("$\\frac{1$")  # mathtext that fails while the figure is drawn
    with pytest.raises(ValueError):
        atomic_write_figure(png, fig, dpi=50)
    assert png.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "a.svg", "plot.out"]


def test_a_missing_folder_is_an_error_not_created(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        atomic_write_text(tmp_path / "absent" / "x.json", "{}")
    assert not (tmp_path / "absent").exists()


def test_json_is_strict_and_non_finite_values_read_back(tmp_path: Path) -> None:
    path = atomic_write_json(
        tmp_path / "bounds.json", {"gap": math.nan, "hi": math.inf, "rows": [1.5, -math.inf]}
    )

    def refuse(name: str) -> None:
        raise ValueError(f"non-strict JSON constant {name}")

    data = json.loads(path.read_text(), parse_constant=refuse)
    assert data == {"gap": "nan", "hi": "inf", "rows": [1.5, "-inf"]}
    assert math.isnan(float(data["gap"])) and float(data["rows"][1]) == -math.inf
    assert path.read_text().endswith("\n")


def test_temporaries_are_recognised_and_distinct(tmp_path: Path) -> None:
    target = tmp_path / "last.pt"
    a, b = temporary_for(target), temporary_for(target)
    assert a != b and a.parent == tmp_path
    assert is_temporary(a) and not is_temporary(target)


def test_csv_has_a_header_and_refuses_no_rows(tmp_path: Path) -> None:
    from infossl._atomic import atomic_write_csv

    path = atomic_write_csv(tmp_path / "t.csv", [{"a": 1, "b": 0.5}, {"a": 2, "b": "x"}])
    assert path.read_text().splitlines() == ["a,b", "1,0.5", "2,x"]
    with pytest.raises(ValueError, match="no rows"):
        atomic_write_csv(tmp_path / "e.csv", [])
    assert not (tmp_path / "e.csv").exists()


def test_a_full_disk_during_the_write_names_the_target(tmp_path: Path) -> None:
    import errno

    target = tmp_path / "report.html"
    target.write_text("old")

    def full(fh) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")  # as write() raises it: no name

    with pytest.raises(OSError, match="No space left") as err:
        atomic_write(target, full)
    assert err.value.errno == errno.ENOSPC and err.value.filename == str(target)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == [target.name]


def test_a_link_is_followed_and_permissions_are_kept(tmp_path: Path) -> None:
    import os
    import stat

    real = tmp_path / "real.yaml"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "config.yaml"
    link.symlink_to(real)
    atomic_write_text(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640


def test_a_fifo_is_written_through_not_replaced(tmp_path: Path) -> None:
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    atomic_write_text(fifo, "through")
    reader.join(timeout=10)
    assert got == ["through"] and stat.S_ISFIFO(os.stat(fifo).st_mode)
