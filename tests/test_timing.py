"""Stage timing: what a collector sees, and the stages the pipeline and the exports report."""

from __future__ import annotations

import time

import layerize
from layerize import timing
from layerize.config import load_config
from layerize.export import write_outputs


def test_a_collector_sees_each_stage_run_inside_it_added_up():
    @timing.timed("outer.inner")
    def inner() -> int:
        time.sleep(0.01)
        return 7

    with timing.collect() as outer:
        with timing.stage("outer"):
            assert inner() == 7
            assert inner() == 7
        with timing.collect() as nested:
            timing.add("outer.reported", 0.5)
    assert set(outer) == {"outer", "outer.inner", "outer.reported"}
    assert outer["outer"] >= outer["outer.inner"] >= 0.02
    assert nested == {"outer.reported": 0.5}


def test_without_a_collector_nothing_is_kept():
    with timing.stage("lost"):
        timing.add("lost.too", 1.0)
    with timing.collect() as table:
        pass
    assert table == {}


def test_the_pipeline_and_the_exports_report_their_stages(poster_file, tmp_path):
    cfg = load_config(None)
    with timing.collect() as table:
        scene = layerize.analyze(poster_file, cfg)
        write_outputs(scene, [tmp_path / "a.psd", tmp_path / "a.svg"], cfg)
    for name in ("read", "ocr", "ocr.detect", "ocr.recognise", "text", "text.ink", "text.fonts", "text.refine",
                 "inpaint", "objects", "objects.flat", "export.psd", "export.psd.fidelity", "export.svg",
                 "export.preview", "export.compare"):
        assert table.get(name, 0.0) > 0.0, name
    assert table["ocr"] >= table["ocr.detect"]
    assert table["text"] >= table["text.fonts"]


def test_a_stage_is_listed_before_the_stages_inside_it():
    with timing.collect() as table:
        with timing.stage("outer"):
            with timing.stage("outer.inner"):
                pass
    assert list(table) == ["outer", "outer.inner"]
    lines = timing.table_lines(table)
    assert lines[0].startswith("outer ") and lines[1].startswith("  outer.inner ") and lines[1].endswith(" s")


def test_convert_prints_its_timings_on_request(poster_file, tmp_path):
    from click.testing import CliRunner

    from layerize.cli import main

    result = CliRunner().invoke(main, [str(poster_file), "-o", str(tmp_path / "a.svg"), "-q", "--timings"])
    assert result.exit_code == 0, result.output
    names = [line.split()[0] for line in result.stderr.splitlines()]
    assert names[:2] == ["read", "ocr"] and "objects" in names and names[-1] == "total"
