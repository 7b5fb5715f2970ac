"""Outputs: every path checked before the analysis, and a run writes all of its files or none."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from layerize.cli import main
from layerize.errors import InputError
from layerize.files import atomic_paths, check_outputs
from layerize.registry import EXPORTERS


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _one_line_error(result, problem: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.output.startswith("layerize: error: ") and result.output.count("\n") == 1, result.output
    assert problem in result.output, result.output


def test_bad_output_paths_fail_before_the_analysis(poster_file, tmp_path, monkeypatch):
    import layerize.pipeline

    monkeypatch.setattr(layerize.pipeline, "analyze", lambda *a, **k: pytest.fail("analysed"))
    (tmp_path / "folder.psd").mkdir()
    (tmp_path / "plain.txt").write_text("x")
    cases = [
        (["-o", tmp_path / "folder.psd"], "is a folder; name a file"),
        (["-o", tmp_path / "plain.txt" / "out.psd"], "plain.txt is a file, not a folder"),
        (["-o", tmp_path / ("x" * 300 + ".psd")], "file name longer than 255 bytes"),
        (["-o", tmp_path / "a.svg", "-o", tmp_path / "a.svg"], "is given twice"),
        (["-o", tmp_path / "a.svg", "--scene", poster_file], "is an input of this run"),
        (["-o", poster_file.with_suffix(".psd"), "-o", tmp_path / "sub" / ".." / "a.svg", "--scene",
          tmp_path / "a.svg"], "is given twice"),
    ]
    for args, problem in cases:
        _one_line_error(run(poster_file, *args), problem)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.psd", "plain.txt"]


def test_an_output_over_its_own_input_scene_is_refused(scene, tmp_path):
    path = tmp_path / "s.json"
    scene.save(path)
    before = path.read_bytes()
    _one_line_error(run(path, "-o", tmp_path / "x.svg", "--scene", path), "is an input of this run")
    assert path.read_bytes() == before and not (tmp_path / "x.svg").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in any folder")
def test_a_read_only_folder_is_refused_before_the_analysis(poster_file, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    _one_line_error(run(poster_file, "-o", folder / "x.psd"), "permission denied")


def test_a_failing_later_output_leaves_no_earlier_one(scene, tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    scene.save(path)
    svg = type(EXPORTERS.create("svg"))

    def broken(self, scene, target):
        Path(target).write_text("half")
        raise InputError(target, "disk full")

    monkeypatch.setattr(svg, "write", broken)
    out = tmp_path / "out" / "deep"
    result = run(path, "-o", out / "a.psd", "-o", out / "a.pptx", "-o", out / "a.svg", "--scene", out / "a.json")
    _one_line_error(result, "disk full")
    assert not (tmp_path / "out").exists()  # not even the folders made for the outputs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


def test_atomic_paths_keep_the_old_files_when_the_block_fails(tmp_path):
    old = tmp_path / "a.txt"
    old.write_text("old")
    with pytest.raises(RuntimeError), atomic_paths([old, tmp_path / "b.txt"]) as (a, b):
        a.write_text("new")
        b.write_text("new")
        raise RuntimeError("stop")
    assert old.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    with atomic_paths([old, tmp_path / "b.txt"]) as (a, b):
        assert a.suffix == ".txt" and a.name.startswith(".a.txt.")  # the target's extension, for tools
        a.write_text("new")
        b.write_text("new")
    assert old.read_text() == "new" and (tmp_path / "b.txt").read_text() == "new"


def test_check_outputs_accepts_new_folders(tmp_path):
    check_outputs([tmp_path / "new" / "deeper" / "x.psd"], [tmp_path / "in.png"])
