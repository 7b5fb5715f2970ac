"""A scene graph is untrusted input: its images stay inside its folder and in three formats, its numbers
are finite and bounded, and every problem is one error line with nothing written."""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from layerize.cli import main
from layerize.scene import Scene


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _data_uri(image: Image.Image, fmt: str = "PNG", mime: str = "png") -> str:
    buf = io.BytesIO()
    image.save(buf, format=fmt)
    return f"data:image/{mime};base64," + base64.b64encode(buf.getvalue()).decode()


@pytest.fixture
def scene_data(scene: Scene) -> dict:
    return json.loads(scene.to_json())


def _refused(folder: Path, data: dict | str, problem: str, named: str = "scene.json") -> str:
    """Write ``data`` as a scene file in ``folder``, re-export it, and check the one-line refusal naming
    the file ``named`` (the scene, or the output it could not be written to)."""
    path = folder / "scene.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    out = folder / "out"
    result = run(path, "-o", out / "x.psd", "-o", out / "x.svg", "--scene", out / "again.json")
    assert result.exit_code == 2, result.output
    named_path = path if named == "scene.json" else out / named
    assert result.output.startswith(f"layerize: error: {named_path}: ") and result.output.count("\n") == 1, \
        result.output
    assert problem in result.output, result.output
    assert not out.exists() or not any(out.iterdir())
    return result.output


@pytest.mark.parametrize("field", ["background", "original", "object"])
def test_image_paths_cannot_leave_the_scene_folder(scene_data, tmp_path, field):
    folder = tmp_path / "job"
    folder.mkdir()
    secret = tmp_path / "secret.png"
    Image.new("RGB", (8, 8), (9, 9, 9)).save(secret)
    (folder / "link.png").symlink_to(secret)

    def with_image(value: str) -> dict:
        data = json.loads(json.dumps(scene_data))
        if field == "background":
            data["background"]["image"] = value
        elif field == "original":
            data["original"] = value
        else:
            next(n for n in data["nodes"] if n["kind"] == "object")["image"] = value
        return data

    for value, problem in [(str(secret), "must be relative to the scene file's folder"),
                           ("../secret.png", "must stay inside the scene file's folder"),
                           ("link.png", "must stay inside the scene file's folder"),
                           ("/etc/passwd", "must be relative")]:
        _refused(folder, with_image(value), problem)
    # the message is the same whether the outside file exists or not: nothing is learnt about it
    there = _refused(folder, with_image("../secret.png"), "inside")
    missing = _refused(folder, with_image("../nothing-here.png"), "inside")
    assert there.replace("secret", "X") == missing.replace("nothing-here", "X")


def test_a_non_image_file_inside_the_folder_is_not_decoded(scene_data, tmp_path):
    (tmp_path / "notes.png").write_text("%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n")
    scene_data["background"]["image"] = "notes.png"
    _refused(tmp_path, scene_data, "not a PNG, JPEG or WEBP image")


@pytest.mark.parametrize("uri,problem", [
    ("data:image/eps;base64,JSFQUy1BZG9iZS0zLjAgRVBTRi0zLjA=", "must be data:image/png, image/jpeg or image/webp"),
    ("data:image/png;base64," + base64.b64encode(b"%!PS-Adobe-3.0 EPSF-3.0\n").decode(), "not a PNG, JPEG"),
    ("data:image/png;base64,@@@", "bad base64"),
    ("data:image/png,rawbytes", "must be data:image/png"),
])
def test_only_png_jpeg_and_webp_data_uris_are_decoded(scene_data, tmp_path, uri, problem):
    scene_data["original"] = uri
    _refused(tmp_path, scene_data, problem)


@pytest.mark.parametrize("side,problem", [(9000, "9000x9000 pixels, above the limit of 80000000"),
                                           (20000, "image too large (a decompression bomb?)")])
def test_a_decompression_bomb_in_a_data_uri_is_refused_before_decoding(scene_data, tmp_path, side, problem):
    scene_data["original"] = _data_uri(Image.new("1", (side, side)))  # millions of pixels in a few kB of PNG
    _refused(tmp_path, scene_data, problem)


def test_jpeg_and_webp_data_uris_load(scene_data, tmp_path):
    scene_data["original"] = _data_uri(Image.new("RGB", (640, 400), (10, 20, 30)), "JPEG", "jpeg")
    scene_data["background"]["image"] = _data_uri(Image.new("RGB", (640, 400), (10, 20, 30)), "WEBP", "webp")
    (tmp_path / "s.json").write_text(json.dumps(scene_data))
    assert run(tmp_path / "s.json", "-o", tmp_path / "x.svg", "-q").exit_code == 0


def _set(data: dict, path: str, value: object) -> dict:
    node = data
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if key.isdigit() else node[key]
    node[keys[-1]] = value
    return data


@pytest.mark.parametrize("path,value,problem", [
    ("nodes.2.x", float("nan"), "finite number"),
    ("nodes.2.baseline", float("inf"), "finite number"),
    ("nodes.2.x", 1e308, "less than or equal to 1000000"),
    ("canvas.width", 300000, "above the limit of 80000000"),
    ("canvas.height", 10**9, "less than or equal to 300000"),
    ("nodes.2.style.size_px", 1e6, "less than or equal to 10000"),
    ("nodes.2.style.stroke", {"color": "#000000", "width_px": 1e6}, "less than or equal to 1000"),
    ("nodes.0.stroke_width", 1e6, "less than or equal to 1000"),
    ("nodes.0.dash", [0.01, 1.0], "greater than or equal to 0.5"),
    ("nodes.0.dash", [4.0, 2.0], "a dash breaks a line or a stroke"),
    ("nodes.2.lines.0.text", "x" * 10_000_001, "at most 10000 characters"),
    ("nodes.2.style.shadow", {"dx": 1e7, "dy": 0}, "less than or equal to 1000"),
])
def test_numbers_and_texts_are_finite_and_bounded(scene_data, tmp_path, path, value, problem):
    text = json.dumps(_set(scene_data, path, value))  # Python writes NaN and Infinity as JSON does not
    _refused(tmp_path, text, problem)


def test_a_dashed_stroke_of_too_many_dashes_is_refused(scene_data, tmp_path):
    card = scene_data["nodes"][0]
    card.update(stroke="#000000", stroke_width=2, dash=[0.5, 0.5],
                box={"x0": 0, "y0": 0, "x1": 1_000_000, "y1": 1_000_000})
    _refused(tmp_path, scene_data, "at most 10000 dashes")


def test_a_scene_written_with_a_byte_order_mark_loads(scene, tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + scene.to_json().encode())
    assert Scene.load(path).to_json() == scene.to_json()
    assert run(path, "-o", tmp_path / "x.svg", "-q").exit_code == 0


def test_a_scene_file_that_is_not_utf8_or_not_json_is_one_line(tmp_path):
    _refused(tmp_path, "{\"canvas\": ", "invalid scene graph")
    path = tmp_path / "scene.json"
    path.write_bytes(b"\xff\xfe{}")
    result = run(path, "-o", tmp_path / "x.svg")
    assert result.exit_code == 2 and "not UTF-8 text" in result.output and result.output.count("\n") == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_scene_file_is_one_line(scene, tmp_path):
    path = tmp_path / "s.json"
    scene.save(path)
    path.chmod(0)
    result = run(path, "-o", tmp_path / "x.svg")
    assert result.exit_code == 2 and "cannot read scene file: Permission denied" in result.output


def test_a_font_file_outside_the_catalogue_is_never_opened(scene_data, tmp_path, monkeypatch):
    import layerize.fonts
    import layerize.render

    opened: list[str] = []
    real = layerize.fonts.load_font

    def spy(path: str, size: float, index: int = 0):
        opened.append(path)
        return real(path, size, index)

    monkeypatch.setattr(layerize.render, "load_font", spy)
    style = scene_data["nodes"][2]["style"]
    style.update(font_file="/etc/passwd", font_index=99)
    scene_data["nodes"][3]["style"].update(font_index=99)  # a real font file, but no such face in it
    (tmp_path / "s.json").write_text(json.dumps(scene_data))
    result = run(tmp_path / "s.json", "-o", tmp_path / "x.svg", "-o", tmp_path / "x.psd", "-o", tmp_path / "x.pptx")
    assert result.exit_code == 0, result.output
    assert opened and "/etc/passwd" not in opened
    assert all(layerize.fonts.CATALOGUED.get((path, 0)) or any(p == path for p, _ in layerize.fonts.CATALOGUED)
               for path in opened)


def test_an_emptied_text_block_exports_everywhere(scene_data, tmp_path):
    scene_data["nodes"][2]["lines"] = [{**scene_data["nodes"][2]["lines"][0], "text": ""}]
    (tmp_path / "s.json").write_text(json.dumps(scene_data))
    result = run(tmp_path / "s.json", "-o", tmp_path / "x.svg", "-o", tmp_path / "x.psd", "-o", tmp_path / "x.pptx")
    assert result.exit_code == 0, result.output
    assert "text-1   " in result.output and "''" in result.output


def test_a_text_block_too_large_to_draw_is_one_line(scene_data, tmp_path):
    block = scene_data["nodes"][2]
    block["style"].update(size_px=9000, line_height_px=9000)
    block["lines"][0]["text"] = "W" * 5000
    _refused(tmp_path, scene_data, "text-1: the text block draws 22500000x9000 pixels, above the limit of "
             "200000000: its text is too long or too large", named="x.psd")
