"""SVG for the web: embedded subset WOFF2 fonts (drawn by Debian's chromium without the fonts installed), the
plate as WEBP or JPEG under a byte budget, title, language, responsive size, and the summary of what it holds."""

from __future__ import annotations

import base64
import io
import logging
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import text_block
from fontTools.ttLib import TTFont
from layerize_exporters.svg import SvgExporter
from layerize_exporters.svg_fonts import faces_used
from lxml import etree
from PIL import Image

from layerize.cli import main
from layerize.config import ExportConfig, SvgExportConfig, load_config
from layerize.errors import ConfigError
from layerize.fonts import catalogue
from layerize.scene import Background, Canvas, Provenance, Scene, TextRun

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
FONT_FACE = re.compile(r"@font-face \{ font-family: '([^']+)'; src: url\(data:font/woff2;base64,([^)]+)\) "
                       r"format\('woff2'\); font-weight: (\d+); font-style: (\w+); \}")
PROV = Provenance(engine="test", confidence=1.0)
CHROMIUM = os.environ.get("LAYERIZE_CHROMIUM", "/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(not os.environ.get("CI") and shutil.which(CHROMIUM) is None
                                    and not Path(CHROMIUM).exists(),
                                    reason=f"no chromium at {CHROMIUM} (apt-get install chromium; in CI it must be "
                                           "there)")


def write(scene: Scene, path: Path, **options: object) -> Path:
    """``scene`` written to ``path`` with these ``[export.svg]`` options."""
    SvgExporter(ExportConfig(svg=SvgExportConfig(**options))).write(scene, path)
    return path


def on_plate(nodes: list, size: tuple[int, int], plate: Image.Image | None = None) -> Scene:
    """A scene of ``nodes`` on a white (or the given) plate."""
    image = plate or Image.new("RGB", size, "white")
    return Scene(canvas=Canvas(width=size[0], height=size[1]), background=Background(image=image, provenance=PROV),
                 nodes=nodes)


@pytest.fixture
def styled_scene() -> Scene:
    """Two blocks in DejaVu Sans, one line with a bold run (another face of the family)."""
    title = text_block("text-1", ["Fresh Coffee"], 40, 90, size=56)
    offer = text_block("text-2", ["Now $19 only"], 40, 200, size=32)
    line = offer.lines[0].model_copy(update={"runs": [TextRun(text="Now "), TextRun(text="$19", weight=700),
                                                      TextRun(text=" only")]})
    return on_plate([title, offer.model_copy(update={"lines": [line]})], (640, 260))


def font_faces(root: etree._Element) -> list[tuple[str, TTFont, int, str]]:
    """Each ``@font-face`` of the document: its family, the decoded font, its weight and style."""
    css = "".join(style.text for style in root.iter(f"{SVG}style"))
    return [(family, TTFont(io.BytesIO(base64.b64decode(data))), int(weight), style)
            for family, data, weight, style in FONT_FACE.findall(css)]


def test_embed_writes_one_subset_woff2_per_face_with_the_characters_it_draws(styled_scene: Scene,
                                                                             tmp_path: Path) -> None:
    root = etree.parse(str(write(styled_scene, tmp_path / "a.svg", fonts="embed"))).getroot()
    regular, bold = catalogue().resolve("DejaVu Sans", 400), catalogue().resolve("DejaVu Sans", 700)
    assert faces_used(styled_scene) == {regular: "".join(sorted(set("Fresh CoffeeNow  only"))),
                                        bold: "$19"}
    faces = font_faces(root)
    assert [(family, weight, style) for family, _, weight, style in faces] == [
        (f"lz-{regular.postscript}", 400, "normal"), (f"lz-{bold.postscript}", 700, "normal")]
    for (_, font, _, _), chars in zip(faces, ("Fresh CoffeeNow only", "$19")):
        assert font.flavor == "woff2"
        assert set(font.getBestCmap()) == {ord(c) for c in chars}  # exactly the characters the face draws
    title, offer = root.iter(f"{SVG}text")
    listed = f"'lz-{regular.postscript}', 'DejaVu Sans', sans-serif"
    assert title.get("font-family") == offer.get("font-family") == listed
    (run,) = [span for span in offer.iter(f"{SVG}tspan") if span.get("font-family")]
    assert (run.text, run.get("font-family")) == ("$19", f"'lz-{bold.postscript}', 'DejaVu Sans', sans-serif")


def test_the_same_scene_gives_the_same_bytes_and_the_defaults_are_reference_png(styled_scene: Scene,
                                                                                 tmp_path: Path) -> None:
    embedded = [write(styled_scene, tmp_path / f"e{i}.svg", fonts="embed").read_bytes() for i in range(2)]
    assert embedded[0] == embedded[1]
    default = write(styled_scene, tmp_path / "default.svg").read_bytes()
    assert default == write(styled_scene, tmp_path / "explicit.svg", fonts="reference", plate="png",
                            title=False, lang=None, responsive=False).read_bytes()
    root = etree.fromstring(default)
    assert b"@font-face" not in default and root.find(f"{SVG}title") is None and root.get("lang") is None
    assert root.find(f"{SVG}image").get(XLINK_HREF).startswith("data:image/png;base64,")
    assert [t.get("font-family") for t in root.iter(f"{SVG}text")] == ["'DejaVu Sans', sans-serif"] * 2


def test_title_lang_and_responsive(styled_scene: Scene, tmp_path: Path) -> None:
    root = etree.parse(str(write(styled_scene, tmp_path / "a.svg", title=True, lang="de-CH",
                                 responsive=True))).getroot()
    assert root.find(f"{SVG}title").text == "Fresh Coffee"  # the largest text
    assert (root.get("lang"), root.get("{http://www.w3.org/XML/1998/namespace}lang")) == ("de-CH", "de-CH")
    assert root.get("width") is None and root.get("height") is None and root.get("viewBox") == "0 0 640 260"
    assert SvgExporter().preview(tmp_path / "a.svg").size == (640, 260)  # the viewBox still sizes it


def noisy_plate(size: tuple[int, int] = (480, 320)) -> Image.Image:
    """A plate that compresses badly: a gradient with seeded noise."""
    rng = np.random.default_rng(7)
    ramp = np.linspace(40, 210, size[0])[None, :, None] + np.zeros((size[1], 1, 3))
    return Image.fromarray(np.clip(ramp + rng.normal(0, 24, ramp.shape), 0, 255).astype(np.uint8), "RGB")


def plate_file(path: Path) -> tuple[str, bytes]:
    """The plate's MIME type and file bytes."""
    href = etree.parse(str(path)).getroot().find(f"{SVG}image").get(XLINK_HREF)
    header, _, data = href.partition(";base64,")
    return header.removeprefix("data:"), base64.b64decode(data)


@pytest.mark.parametrize("format", ["webp", "jpeg"])
def test_the_plate_fits_its_byte_budget(format: str, tmp_path: Path) -> None:
    scene = on_plate([text_block("text-1", ["Sale"], 40, 90, size=56)], (480, 320), noisy_plate())
    _, unbounded = plate_file(write(scene, tmp_path / "free.svg", plate=format))
    budget = len(unbounded) * 2 // 3
    paths = [write(scene, tmp_path / f"b{i}.svg", plate=format, plate_max_bytes=budget) for i in range(2)]
    mime, data = plate_file(paths[0])
    assert mime == f"image/{format}" and Image.open(io.BytesIO(data)).format == format.upper()
    assert len(data) <= budget < len(unbounded)
    assert Image.open(io.BytesIO(data)).size == (480, 320)
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_an_impossible_budget_warns_and_keeps_the_smallest(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    scene = on_plate([], (480, 320), noisy_plate())
    with caplog.at_level(logging.WARNING, logger="layerize"):
        write(scene, tmp_path / "a.svg", plate="webp", plate_max_bytes=100)
    assert "does not fit in plate_max_bytes = 100 as webp, even at quality 1" in caplog.text
    _, data = plate_file(tmp_path / "a.svg")
    _, lowest = plate_file(write(scene, tmp_path / "q1.svg", plate="webp", plate_quality=1))
    assert Image.open(io.BytesIO(data)).format == "WEBP" and len(data) <= len(lowest)  # the smallest tried


def test_bad_options_are_config_errors(tmp_path: Path) -> None:
    for table, problem in (('plate_max_bytes = 50000', 'plate_max_bytes needs plate = "webp" or "jpeg"'),
                           ('lang = "en_US"', "export.svg.lang"), ('fonts = "inline"', "export.svg.fonts")):
        path = tmp_path / "bad.toml"
        path.write_text(f"[export.svg]\n{table}\n")
        with pytest.raises(ConfigError, match=re.escape(problem)):
            load_config(path)
    assert load_config("web").export.svg.fonts == "embed"  # the preset


def test_the_summary_reports_each_files_size_and_contents(styled_scene: Scene, tmp_path: Path) -> None:
    styled_scene.save(tmp_path / "s.json")
    out, scene_out = tmp_path / "web.svg", tmp_path / "again.json"
    result = CliRunner().invoke(main, [str(tmp_path / "s.json"), "-o", str(out), "--scene", str(scene_out),
                                       "--config", "web"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    kib = f"{out.stat().st_size / 1024:.1f} KiB"
    line = next(line for line in result.output.splitlines() if line.startswith(f"wrote {out}"))
    assert re.fullmatch(rf"wrote {re.escape(str(out))}  {kib}: 2 texts, 0 shapes, 0 pictures, plate webp "
                        r"\d+(\.\d)? (B|KiB), 2 embedded fonts \d+\.\d KiB", line), line
    assert f"wrote {scene_out}  {scene_out.stat().st_size / 1024:.1f} KiB" in result.output
    plain = CliRunner().invoke(main, [str(tmp_path / "s.json"), "-o", str(tmp_path / "p.svg")])
    assert "plate png" in plain.output and "fonts by name: DejaVu Sans" in plain.output


# ----------------------------------------------------------------------------- in a browser without the fonts

BROWSER_FAMILY = "DejaVu Serif"
"""The text's face: not among the fonts the browser sees, which are only a copy of DejaVu Sans."""


def ink(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L")) < 128


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two ink masks."""
    return float((a & b).sum() / max(1, (a | b).sum()))


@needs_chromium
def test_chromium_draws_the_embedded_fonts_without_them_installed(tmp_path: Path) -> None:
    from playwright import sync_api  # the test extra, installed by tests/run.sh: missing fails

    block = text_block("text-1", ["Quartz Glyph 42"], 20, 110, size=72, family=BROWSER_FAMILY, weight=700,
                       color="#000000")
    scene = on_plate([block], (720, 160))
    embed, reference = write(scene, tmp_path / "embed.svg", fonts="embed"), write(scene, tmp_path / "ref.svg")
    expected = ink(SvgExporter().preview(embed))  # resvg, which finds DejaVu Serif among the system fonts
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    shutil.copy(catalogue().find("DejaVu Sans").path, fonts)
    config = tmp_path / "fonts.conf"  # fontconfig, through which chromium finds fonts, sees only that copy
    config.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>{fonts}'
                      f'</dir><cachedir>{tmp_path / "cache"}</cachedir></fontconfig>\n')
    drawn, texts = {}, {}
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox",
                                             "--disable-gpu"], env={**os.environ, "FONTCONFIG_FILE": str(config)})
        try:
            page = browser.new_page(viewport={"width": 720, "height": 160})
            for name, path in (("embed", embed), ("reference", reference)):
                page.goto(path.as_uri())
                page.evaluate("document.fonts.ready.then(() => true)")
                drawn[name] = ink(Image.open(io.BytesIO(page.screenshot())))
                texts[name] = page.evaluate("""() => {
                    const selection = getSelection();
                    selection.selectAllChildren(document.documentElement);
                    return [[...document.querySelectorAll('text')].map(t => t.textContent), selection.toString()];
                }""")
        finally:
            browser.close()
    assert overlap(drawn["embed"], expected) > 0.85, overlap(drawn["embed"], expected)
    assert overlap(drawn["reference"], expected) < 0.5  # without the fonts, the fallback: DejaVu Sans
    for name in ("embed", "reference"):  # live text: read and selected as text
        assert texts[name][0] == ["Quartz Glyph 42"] and "Quartz Glyph 42" in texts[name][1]
