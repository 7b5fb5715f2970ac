"""The command line: one analysis to several formats, re-export, errors, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from PIL import Image
from pptx import Presentation
from psd_tools import PSDImage

from layerize.cli import main
from layerize.scene import SCHEMA_VERSION


def run(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_one_run_writes_every_format_and_the_scene(poster_file, tmp_path):
    outs = [tmp_path / "p.psd", tmp_path / "p.pptx", tmp_path / "p.svg"]
    result = run(poster_file, *[a for o in outs for a in ("-o", o)], "--scene", tmp_path / "p.json")
    assert result.exit_code == 0, result.output
    assert "Fresh Coffee" in result.output and "wrote" in result.output
    psd = PSDImage.open(outs[0])
    assert "Fresh Coffee" in [layer.text for layer in psd.descendants() if layer.kind == "type"]
    slide = Presentation(str(outs[1])).slides[0]
    assert "Fresh Coffee" in [s.text_frame.text for s in slide.shapes if s.has_text_frame]
    assert "Fresh Coffee" in outs[2].read_text()
    scene = json.loads((tmp_path / "p.json").read_text())
    assert scene["schema_version"] == SCHEMA_VERSION
    assert not list(tmp_path.glob(".*.part*"))
    # per-export fidelity: the PSD and SVG are drawn again and compared with the input
    scores = scene["metadata"]["export_fidelity"]
    assert set(scores) == {"p.psd", "p.svg"}  # the PPTX only with --slow-checks (LibreOffice)
    for name in ("p.psd", "p.svg"):
        assert scores[name]["ssim"] > 0.9 and scores[name]["psnr"] > 22, (name, scores[name])
        assert f"wrote {tmp_path / name}  (fidelity: SSIM {scores[name]['ssim']:.3f}" in result.output


def test_export_fidelity_drops_when_the_export_loses_text(poster_file, tmp_path):
    assert run(poster_file, "--scene", tmp_path / "s.json", "-o", tmp_path / "full.svg", "-q").exit_code == 0
    data = json.loads((tmp_path / "s.json").read_text())
    data["nodes"] = [node for node in data["nodes"] if node["kind"] != "text"]
    (tmp_path / "bare.json").write_text(json.dumps(data))
    assert run(tmp_path / "bare.json", "-o", tmp_path / "bare.svg", "--scene", tmp_path / "bare-scored.json",
               "-q").exit_code == 0
    full = json.loads((tmp_path / "s.json").read_text())["metadata"]["export_fidelity"]["full.svg"]
    bare = json.loads((tmp_path / "bare-scored.json").read_text())["metadata"]["export_fidelity"]["bare.svg"]
    assert bare["ssim"] < full["ssim"] - 0.02 and bare["psnr"] < full["psnr"] - 3, (bare, full)


def test_reexport_from_edited_scene(poster_file, tmp_path):
    assert run(poster_file, "--scene", tmp_path / "s.json", "-q").exit_code == 0
    data = json.loads((tmp_path / "s.json").read_text())
    title = next(n for n in data["nodes"] if n["kind"] == "text")
    title["lines"][0]["text"] = "Fresh Matcha"
    (tmp_path / "s.json").write_text(json.dumps(data))
    result = run(tmp_path / "s.json", "-o", tmp_path / "fixed.pptx")
    assert result.exit_code == 0, result.output
    slide = Presentation(str(tmp_path / "fixed.pptx")).slides[0]
    assert "Fresh Matcha" in [s.text_frame.text for s in slide.shapes if s.has_text_frame]


def test_fast_preset_and_schema_command(poster_file, tmp_path):
    assert run(poster_file, "--config", "fast", "-o", tmp_path / "f.svg").exit_code == 0
    schema = json.loads(run("schema").output)
    assert schema["$id"].endswith(f"scene-{SCHEMA_VERSION}.json")


def test_user_config_file(poster_file, tmp_path):
    cfg = tmp_path / "mine.toml"
    cfg.write_text('[inpaint]\nengine = "opencv"\n[text]\ncandidate_fonts = ["DejaVu Sans"]\n')
    result = run(poster_file, "--config", cfg, "--scene", tmp_path / "s.json", "-q")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "s.json").read_text())
    assert data["background"]["provenance"]["engine"] == "opencv"
    assert {n["style"]["font_family"] for n in data["nodes"] if n["kind"] == "text"} == {"DejaVu Sans"}


@pytest.mark.parametrize("content,problem", [
    ('[inpaint]\nengin = "x"\n', "inpaint.engin"),
    ("[ocr\n", "invalid TOML"),
    ('[export.psd]\nbackgrond = "white"\n', "export.psd.backgrond: Extra inputs are not permitted"),
    ('[export.psd]\nbackground = "grey"\n', "export.psd.background: Input should be 'transparent' or 'white'"),
    ("[export.pds]\nx = 1\n", "no exporter named 'pds'"),
    ("[ocr]\nmax_side = 1\n", "ocr.max_side: Input should be greater than or equal to 256"),
    (b"[ocr]\nengine = \"\xff\"\n", "not UTF-8 text"),
])
def test_bad_config_is_a_clear_error(poster_file, tmp_path, content, problem):
    cfg = tmp_path / "bad.toml"
    cfg.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = run(poster_file, "--config", cfg, "-o", tmp_path / "x.svg")
    assert result.exit_code == 2
    assert result.output.startswith(f"layerize: error: {cfg}: ") and result.output.count("\n") == 1, result.output
    assert problem in result.output
    assert not (tmp_path / "x.svg").exists()


def test_unknown_output_extension_fails_before_analysis(poster_file, tmp_path):
    result = run(poster_file, "-o", tmp_path / "x.docx")
    assert result.exit_code == 2
    assert "no exporter writes .docx" in result.output
    assert not (tmp_path / "x.docx").exists()


def _png(path: Path, mode: str = "RGB", size=(64, 48)) -> Path:
    Image.new(mode, size).save(path)
    return path


def _bad_inputs(tmp: Path) -> dict[str, tuple[Path, str]]:
    good = tmp / "good.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)).save(good)
    data = good.read_bytes()
    (tmp / "truncated.png").write_bytes(data[: len(data) // 2])
    (tmp / "empty.png").write_bytes(b"")
    (tmp / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 50)
    (tmp / "notes.png").write_text("not an image at all")
    frames = [Image.new("RGB", (32, 32), c) for c in ("red", "blue")]
    frames[0].save(tmp / "anim.gif", save_all=True, append_images=frames[1:])
    return {
        "truncated": (tmp / "truncated.png", "truncated PNG: the IDAT chunk is cut off"),
        "empty": (tmp / "empty.png", "file is empty"),
        "corrupt": (tmp / "corrupt.png", "corrupt or truncated"),
        "text": (tmp / "notes.png", "not a recognised image"),
        "animated": (tmp / "anim.gif", "animated image with 2 frames"),
        "missing": (tmp / "nope.png", "file not found"),
        "tiny": (_png(tmp / "tiny.png", size=(4, 4)), "only 4x4 pixels"),
    }


@pytest.mark.parametrize("case", ["truncated", "empty", "corrupt", "text", "animated", "missing", "tiny"])
def test_bad_input_is_one_clear_line_and_no_output(tmp_path, case):
    path, problem = _bad_inputs(tmp_path)[case]
    result = run(path, "-o", tmp_path / "out.psd", "--scene", tmp_path / "out.json")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert str(path) in result.output and problem in result.output
    assert not (tmp_path / "out.psd").exists() and not (tmp_path / "out.json").exists()
    assert not list(tmp_path.glob(".*.part*"))


def test_huge_image_is_refused_by_the_pixel_limit(tmp_path):
    path = _png(tmp_path / "big.png", size=(400, 300))
    cfg = tmp_path / "small.toml"
    cfg.write_text("[limits]\nmax_pixels = 100000\n")
    result = run(path, "--config", cfg, "-o", tmp_path / "out.svg")
    assert result.exit_code == 2
    assert "above the limit of 100000" in result.output


def test_bad_scene_json_is_a_clear_error(tmp_path):
    (tmp_path / "s.json").write_text('{"schema_version": "1.0"}')
    result = run(tmp_path / "s.json", "-o", tmp_path / "out.svg")
    assert result.exit_code == 2
    assert "invalid scene graph" in result.output
    assert not (tmp_path / "out.svg").exists()


@pytest.mark.parametrize("args,problem", [
    (["--object", "1,2,3"], "Invalid value for --object: object box must be x0,y0,x1,y1[:label], got '1,2,3'"),
    (["--object", "5,5,5,9"], "is empty"),
    (["--frobnicate"], "No such option '--frobnicate'"),
])
def test_bad_options_are_one_clear_line(poster_file, tmp_path, args, problem):
    result = run(poster_file, "-o", tmp_path / "x.svg", *args)
    assert result.exit_code == 2
    assert result.output.startswith("layerize: error: ") and result.output.count("\n") == 1, result.output
    assert problem in result.output
    assert not (tmp_path / "x.svg").exists()


def test_a_missing_output_is_one_clear_line(poster_file):
    result = run(poster_file)
    assert result.exit_code == 2
    assert result.output == "layerize: error: give at least one -o OUTPUT or --scene FILE\n"


def test_a_bug_is_an_internal_error_line_with_exit_70(poster_file, tmp_path, monkeypatch):
    import layerize.pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(layerize.pipeline, "analyze", broken)
    result = run(poster_file, "-o", tmp_path / "x.svg")
    assert result.exit_code == 70
    assert result.output == ("layerize: internal error: RuntimeError: boom (please report it; -v shows the "
                             "traceback)\n")
    verbose = run(poster_file, "-o", tmp_path / "x.svg", "-v")
    assert verbose.exit_code == 70 and "Traceback" in verbose.output and 'raise RuntimeError("boom")' in verbose.output


def test_the_summary_shows_every_line_of_a_paragraph(poster_file, tmp_path):
    result = run(poster_file, "-o", tmp_path / "p.svg")
    assert result.exit_code == 0
    assert "'Roasted every morning\\nin small batches'" in result.output
