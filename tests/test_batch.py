"""layerize batch: the same bytes as single runs, failures isolated, the report, resuming, the Python API."""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import layerize.batch
from layerize.cli import main

FORMATS = ("psd", "pptx", "svg")


def run(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def make_inputs(folder: Path) -> dict[str, Path]:
    """Two small posters (one in a subfolder) and a truncated PNG."""
    import designs

    (folder / "sub").mkdir(parents=True)
    paths = {"a": folder / "a.png", "b": folder / "sub" / "b.png", "bad": folder / "bad.png"}
    designs.poster(width=360).image.save(paths["a"])
    designs.poster(width=320, seed=5).image.save(paths["b"])
    paths["bad"].write_bytes(paths["a"].read_bytes()[:2000])
    (folder / "notes.txt").write_text("not an input")
    return paths


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """One batch over the inputs, 2 workers, every format and the scene, a CSV report."""
    root = tmp_path_factory.mktemp("batch")
    inputs = make_inputs(root / "in")
    out, report = root / "out", root / "report.csv"
    result = run("batch", root / "in", "-o", out, "--workers", 2, "--scene", "--report", report)
    return root, inputs, out, report, result


def single_run(image: Path, outdir: Path) -> list[Path]:
    """What ``layerize IMAGE -o N.psd -o N.pptx -o N.svg --scene N.scene.json`` writes."""
    stem = outdir / image.stem
    outs = [stem.with_suffix(f".{fmt}") for fmt in FORMATS]
    result = run(image, *[a for o in outs for a in ("-o", o)], "--scene", stem.with_suffix(".scene.json"), "-q")
    assert result.exit_code == 0, result.output
    return [*outs, stem.with_suffix(".scene.json")]


def test_batch_writes_every_output_and_reports_the_corrupt_file(first_run):
    root, inputs, out, report, result = first_run
    assert result.exit_code == 1, result.output
    assert f"layerize: error: {inputs['bad']}: [read] InputError: truncated PNG" in result.stderr
    assert "1 of 3 images failed" in result.stderr
    for name in ("a", "sub/b"):
        for suffix in (*(f".{fmt}" for fmt in FORMATS), ".scene.json"):
            assert (out / f"{name}{suffix}").is_file(), name + suffix
    assert not list(out.glob("bad*")) and not list(out.rglob(".*.part*"))
    assert not (out / "notes.psd").exists()
    rows = {Path(r["input"]).name: r for r in csv.DictReader(report.open())}
    assert set(rows) == {"a.png", "b.png", "bad.png"}
    bad = rows["bad.png"]
    assert (bad["status"], bad["stage"], bad["error_class"]) == ("failed", "read", "InputError")
    assert "truncated PNG" in bad["message"] and bad["outputs"] == ""
    good = rows["a.png"]
    assert good["status"] == "ok" and int(good["n_text"]) >= 3
    assert float(good["text_fidelity"]) > 0.5 and float(good["fidelity_psd"]) > 0.9
    assert float(good["fidelity_svg"]) > 0.9 and good["fidelity_pptx"] == ""  # PPTX only with --slow-checks
    assert float(good["analyse_s"]) > 0 and float(good["export_s"]) > 0
    assert good["outputs"].split(";")[0] == str(out / "a.psd")
    assert {"n_objects", "n_shapes", "read_s"} <= set(good)


def test_batch_outputs_are_the_bytes_of_single_runs(first_run, tmp_path):
    root, inputs, out, _, _ = first_run
    for name, image in (("a", inputs["a"]), ("sub/b", inputs["b"])):
        for single in single_run(image, tmp_path / name):
            batched = out / name.rpartition("/")[0] / single.name
            assert batched.read_bytes() == single.read_bytes(), batched


def test_resume_does_no_analysis_and_redoes_only_what_changed(first_run, tmp_path, monkeypatch):
    import layerize.batch.runner as runner

    root, inputs, out, _, _ = first_run
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def no_analysis(*args, **kwargs):
        raise AssertionError("a resume with nothing to do started workers")

    monkeypatch.setattr(runner, "run_local", no_analysis)
    report = tmp_path / "again.json"
    result = run("batch", root / "in", "-o", out, "--scene", "--resume", "--report", report)
    assert result.exit_code == 1  # the corrupt file is reported again, from the manifest
    rows = {Path(r["input"]).name: r for r in json.loads(report.read_text())}
    assert [rows[n]["status"] for n in ("a.png", "b.png", "bad.png")] == ["skipped", "skipped", "failed"]
    assert rows["a.png"]["n_text"] is not None and rows["bad.png"]["stage"] == "read"
    assert "0 ok, 2 skipped, 1 failed" in result.stderr
    manifest = out / ".layerize-manifest.json"
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p != manifest} == {
        p: b for p, b in before.items() if p != manifest}

    # what a resume skips: not an input whose output was edited, nor any with another config or other outputs
    plan = layerize.batch([root / "in"], out, scene=True, resume=True)
    assert (plan.skipped, plan.refused) == ([0, 2], [1])  # a.png, sub/b.png; bad.png
    svg = (out / "a.svg").read_bytes()
    try:
        (out / "a.svg").write_text("edited")
        assert layerize.batch([root / "in"], out, scene=True, resume=True).skipped == [2]
    finally:
        (out / "a.svg").write_bytes(svg)
    assert not layerize.batch([root / "in"], out, scene=True, resume=True, config="fast").skipped
    assert not layerize.batch([root / "in"], out, resume=True).skipped  # no scene file asked: other outputs


def test_inputs_are_files_folders_and_globs_mirrored_below_their_common_folder(tmp_path):
    from layerize.batch.inputs import discover

    for name in ("x/slide10.png", "x/slide2.png", "x/deep/c.webp", "x/.hidden/h.png", "y/z.jpg"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"whatever")  # by extension: a corrupt image is an input, to be reported
    (tmp_path / "x" / "photo").write_bytes((Path(__file__).parent.parent / "fixtures" / "example_poster.png")
                                           .read_bytes())  # by content
    (tmp_path / "x" / "notes.txt").write_text("no")
    keys = [item.key for item in discover([tmp_path / "x"])]
    assert keys == ["deep/c.webp", "photo", "slide2.png", "slide10.png"]
    keys = [item.key for item in discover([str(tmp_path / "x" / "slide*.png"), tmp_path / "y" / "z.jpg"])]
    assert keys == ["x/slide2.png", "x/slide10.png", "y/z.jpg"]
    item = discover([tmp_path / "x" / "deep" / "c.webp"])[0]
    assert item.targets(tmp_path / "out", ["psd", "svg"], True) == [
        tmp_path / "out" / "c.psd", tmp_path / "out" / "c.svg", tmp_path / "out" / "c.scene.json"]
    # the output folder inside an input folder is not searched
    (tmp_path / "x" / "out").mkdir()
    (tmp_path / "x" / "out" / "old.png").write_bytes(b"x")
    assert "out/old.png" not in [i.key for i in discover([tmp_path / "x"], tmp_path / "x" / "out")]


@pytest.mark.parametrize("args,problem", [
    (["{d}/nope.png"], "nope.png: file not found"),
    (["{d}/*.gif"], "*.gif: no file matches"),
    (["{d}/a.png", "{d}/a.jpg"], "a.jpg: its outputs would have the names of those of"),
    (["{d}/a.png", "--formats", "psd,docx"], "no exporter named 'docx'"),
    (["{d}/a.png", "--report", "{d}/r.txt"], "the report is .csv or .json"),
    (["{d}/a.png", "--workers", "0"], "0 is not in the range x>=1"),
    (["{d}/a.png", "--ray-address", "127.0.0.1:1"], "--ray-address needs --engine ray"),
    (["{d}/a.png", "--config", "nosuch"], "nosuch: not a preset"),
    (["{d}/a.png", "--deck", "{d}/d.psd"], "a deck is a .pptx file"),
])
def test_bad_arguments_are_one_line_and_exit_2(tmp_path, args, problem):
    (tmp_path / "a.png").write_bytes(b"x")
    (tmp_path / "a.jpg").write_bytes(b"x")
    result = run("batch", *[a.format(d=tmp_path) for a in args], "-o", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("layerize: error: ") and result.output.count("\n") == 1, result.output
    assert problem in result.output
    assert not (tmp_path / "out").exists()


def test_the_output_folder_must_be_a_folder(tmp_path):
    (tmp_path / "a.png").write_bytes(b"x")
    (tmp_path / "out").write_text("a file")
    result = run("batch", tmp_path / "a.png", "-o", tmp_path / "out")
    assert result.exit_code == 2 and "is a file; the outputs go into a folder" in result.output


def test_python_api_yields_one_result_per_image(tmp_path):
    import designs

    designs.poster(width=300, seed=2).image.save(tmp_path / "p.png")
    (tmp_path / "broken.webp").write_bytes(b"RIFF0000WEBPjunk")
    plan = layerize.batch([tmp_path], tmp_path / "out", formats="svg", workers=1, config="fast")
    results = {r.input.name: r for r in plan}
    assert set(results) == {"p.png", "broken.webp"}
    assert results["p.png"].status == "ok" and results["p.png"].outputs == [tmp_path / "out" / "p.svg"]
    assert results["p.png"].export_fidelity["svg"] > 0.9 and results["p.png"].n_text >= 3
    assert results["broken.webp"].status == "failed" and results["broken.webp"].stage == "read"
    assert (tmp_path / "out" / "p.svg").read_bytes().startswith(b"<?xml")


def test_default_workers_follow_cores_and_memory():
    from layerize.batch import resources

    gib = 2**30
    assert resources.fitting_workers(memory=5 * gib) == 2
    assert resources.fitting_workers(memory=gib // 2) == 1
    assert 1 <= resources.default_workers() <= resources.cores()
    assert resources.threads_per_worker(1) == resources.cores()
    assert resources.threads_per_worker(resources.cores() * 2) == 1


def test_an_unreadable_manifest_means_everything_is_redone(tmp_path, caplog):
    from layerize.batch.manifest import MANIFEST_NAME, Manifest

    (tmp_path / MANIFEST_NAME).write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="layerize"):
        assert Manifest.load(tmp_path).entries == {}
    assert "unreadable, every input is redone" in caplog.text
