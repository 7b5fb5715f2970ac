"""Decks: every image a slide of one presentation, in input order, with live text (python-pptx, LibreOffice)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from layerize_exporters.pptx import PptxExporter
from PIL import Image, ImageDraw, ImageFont
from pptx import Presentation

from layerize.cli import main

SLIDES = 10
WORDS = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India", "Juliet"]


def slide_image(path: Path, title: str, size: tuple[int, int] = (640, 360)) -> Path:
    """A generated slide: a flat background, a title and a line of body text."""
    image = Image.new("RGB", size, (30, 60, 110))
    draw = ImageDraw.Draw(image)
    bold = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 44)
    body = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 24)
    draw.text((40, 60), f"{title} Results", font=bold, fill="white")
    draw.text((40, 180), "Growth across every market", font=body, fill=(230, 230, 230))
    image.save(path)
    return path


@pytest.fixture(scope="module")
def deck(tmp_path_factory) -> tuple[Path, Path]:
    """``layerize deck`` over ten slide images (named so that a plain sort would misorder them)."""
    folder = tmp_path_factory.mktemp("slides")
    for i, word in enumerate(WORDS, 1):
        slide_image(folder / f"slide{i}.png", word)
    out = folder.parent / "deck.pptx"
    result = CliRunner().invoke(main, ["deck", str(folder), "-o", str(out), "--workers", "2", "--no-objects"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "10 images: 10 ok" in result.output
    return out, folder


def test_the_deck_has_a_slide_per_image_in_input_order_with_live_text(deck):
    path, _ = deck
    prs = Presentation(str(path))
    assert len(prs.slides) == SLIDES
    assert prs.slide_width * 9 == prs.slide_height * 16  # the images' 16:9
    for slide, word in zip(prs.slides, WORDS):
        texts = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        assert f"{word} Results" in texts, texts
        assert any(s.shape_type == 13 for s in slide.shapes)  # the plate, a picture


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                    reason="needs LibreOffice and poppler-utils")
def test_libreoffice_opens_the_deck_with_every_slide_and_its_text(deck, tmp_path):
    path, _ = deck
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=300)
    pdf = tmp_path / "deck.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert re.search(rf"^Pages:\s+{SLIDES}$", info, re.MULTILINE), info
    for page, word in enumerate(WORDS, 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout
        assert f"{word} Results" in text, (page, text)


def test_batch_deck_beside_the_files_and_a_resume_reads_the_scenes(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for word in WORDS[:2]:
        slide_image(folder / f"{word}.png", word)
    args = ["batch", str(folder), "-o", str(tmp_path / "out"), "--formats", "svg", "--scene", "--no-objects",
            "--deck", str(tmp_path / "d.pptx"), "--workers", "1"]
    assert CliRunner().invoke(main, args, catch_exceptions=False).exit_code == 0
    first = (tmp_path / "d.pptx").read_bytes()
    (tmp_path / "d.pptx").unlink()
    again = CliRunner().invoke(main, [*args, "--resume"], catch_exceptions=False)
    assert again.exit_code == 0 and "2 skipped" in again.output
    assert (tmp_path / "d.pptx").read_bytes() == first


def test_decks_scale_other_canvases_into_the_common_slide(scene, tmp_path):
    square = scene.model_copy(update={"canvas": scene.canvas.model_copy(update={"width": 400, "height": 400})})
    PptxExporter().write_deck([scene, square, scene], tmp_path / "d.pptx")
    prs = Presentation(str(tmp_path / "d.pptx"))
    assert len(prs.slides) == 3 and prs.slide_width * 400 == prs.slide_height * 640  # the common 1.6
    plate = next(s for s in prs.slides[1].shapes if s.name == "Background")
    assert plate.height == prs.slide_height and plate.width == plate.height  # scaled to fit
    assert abs(plate.left - (prs.slide_width - plate.width) / 2) <= 1  # centred
    single = tmp_path / "one.pptx"
    PptxExporter().write(scene, single)
    one = Presentation(str(single))
    assert (one.slide_width, one.slide_height) == (prs.slide_width, prs.slide_height)
    assert [s.left for s in one.slides[0].shapes] == [s.left for s in prs.slides[0].shapes]
