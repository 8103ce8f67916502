"""Reading a run folder: damaged files raise ValueError naming the file and line; the report's
output path is checked before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from infossl.report import build_report, load_run
from infossl.train.runfiles import read_json, read_jsonl, read_yaml

HEADER = '{"kind": "terms", "step": 0, "terms": {}}\n'


def _run(folder: Path, metrics: str = HEADER) -> Path:
    folder.mkdir()
    (folder / "metrics.jsonl").write_text(metrics)
    return folder


def test_read_jsonl_keeps_ignoring_a_truncated_last_line(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text(HEADER + '{"kind": "tr')
    assert read_jsonl(path) == [{"kind": "terms", "step": 0, "terms": {}}]
    assert read_jsonl(tmp_path / "missing.jsonl") == []


def test_read_jsonl_refuses_records_that_are_not_objects(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text(HEADER + "\n[1, 2]\n")
    with pytest.raises(ValueError, match=r"m\.jsonl line 3: expected a JSON object \{\.\.\.\}"):
        read_jsonl(path)


def test_read_jsonl_refuses_bytes_that_are_not_utf8(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_bytes(b'{"a": "\xe9"}\n')
    with pytest.raises(ValueError, match=r"m\.jsonl is not UTF-8 text \(byte 0xe9 at offset 7\)"):
        read_jsonl(path)


def test_read_json_and_yaml_name_the_file_and_line(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{\n  "a": 1,\n}')
    with pytest.raises(ValueError, match=r"s\.json is not valid JSON \(line 3"):
        read_json(path)
    path = tmp_path / "c.yaml"
    path.write_text("a: 1\nb: !!python/object/apply:os.getcwd []\n")
    with pytest.raises(ValueError, match=r"c\.yaml: line 2, column 4: the YAML tag !!python/"):
        read_yaml(path)


def test_load_run_refuses_damaged_files(tmp_path):
    run = _run(tmp_path / "run")
    (run / "config.yaml").write_text("method: [simclr")
    with pytest.raises(ValueError, match=r"config\.yaml: not valid YAML"):
        load_run(run)
    (run / "config.yaml").write_text("")
    (run / "summary.json").write_text("[1]")
    with pytest.raises(ValueError, match=r"summary\.json must hold a mapping, got list"):
        load_run(run)
    (run / "summary.json").unlink()
    assert load_run(run).config == {} and load_run(run).summary == {}
    with pytest.raises(ValueError, match="is a file, not a run folder"):
        load_run(run / "metrics.jsonl")


def test_build_report_creates_only_the_last_missing_folder(tmp_path):
    run = _run(tmp_path / "run")
    with pytest.raises(FileNotFoundError, match=r"folder .*a does not exist"):
        build_report(run, tmp_path / "a" / "b" / "r.html")
    assert not (tmp_path / "a").exists()
    assert build_report(run, tmp_path / "a" / "r.html").is_file()
    with pytest.raises(ValueError, match=r"is a folder; give a file name such as .*report\.html"):
        build_report(run, tmp_path / "a")
    (tmp_path / "f").write_text("")
    with pytest.raises(ValueError, match=r"f is a file, not a folder"):
        build_report(run, tmp_path / "f" / "r.html")
    assert build_report(run).name == "report.html"
