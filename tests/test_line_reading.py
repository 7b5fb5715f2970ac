"""Lines OCR reads with more than their text: an icon before a label, a reading it was unsure of."""

from __future__ import annotations

import designs
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

import layerize
from layerize.config import load_config
from layerize.fonts import catalogue
from layerize.text.lines import REREAD_BELOW, measure_line
from layerize.text.ocr import OcrLine, RapidOcrEngine


@pytest.fixture(scope="module")
def listing() -> designs.Design:
    return designs.labelled_icons()


def test_an_icon_before_a_label_is_no_part_of_its_text(listing, tmp_path):
    path = tmp_path / "listing.png"
    listing.image.save(path)
    scene = layerize.analyze(path)
    for truth in listing.texts:
        block = next(b for b in scene.texts if b.text.strip() == truth.text)
        box = block.lines[0].box  # the ink box starts at the first letter, not at the icon
        assert abs(box.x0 - truth.bbox[0]) <= 2 and abs(box.x1 - truth.bbox[2]) <= 2, (truth.text, box)
        assert block.style.size_px == pytest.approx(truth.size, rel=0.1), (truth.text, block.style.size_px)
    plate, original = np.asarray(scene.background.image, float), np.asarray(listing.image, float)
    graphics = [n.box for n in scene.nodes if n.kind != "text"]
    for truth in listing.texts:  # each icon is not erased as text: it stays in the plate, or is a graphic
        top = truth.bbox[1] - 5
        kept = np.abs(plate[top:top + 30, 55:90] - original[top:top + 30, 55:90]).max(axis=2).mean() < 2.0
        assert kept or any(b.x1 < truth.bbox[0] and b.y0 < top + 30 and b.y1 > top for b in graphics), truth.text


def test_a_reading_ocr_was_unsure_of_is_read_again_from_the_line_alone():
    design = designs.Design(np.full((80, 700, 3), 250, np.uint8))
    from PIL import Image

    design.image = Image.fromarray(design.image)
    truth = designs.TruthText(["packages and package repos so that you have"], "DejaVuSans.ttf", 28,
                              (20, 20, 30), "left", 20, 50, 34)
    design.draw_text(truth)
    x0, y0, x1, y1 = truth.bbox
    quad = ((x0 - 6.0, y0 - 6.0), (x1 + 6.0, y0 - 6.0), (x1 + 6.0, y1 + 6.0), (x0 - 6.0, y1 + 6.0))
    garbled = OcrLine("a      s s d e set", quad, REREAD_BELOW - 0.15)  # what OCR gave for such a line
    cfg = load_config(None)
    fonts = catalogue(tuple(cfg.text.font_dirs))
    faces = [f for family in ("DejaVu Sans", "Liberation Sans") if (f := fonts.find(family, 400))]
    fallback = fonts.resolve(cfg.text.fallback_font)
    image = np.asarray(design.image)
    engine = RapidOcrEngine(cfg.ocr)
    measured = measure_line(image, garbled, faces, fallback, engine)
    assert measured is not None and measured.text == truth.text
    assert measured.ocr.score > garbled.score
    sure = OcrLine(garbled.text, quad, REREAD_BELOW + 0.05)  # a reading OCR was sure of stands
    assert measure_line(image, sure, faces, fallback, engine).text == garbled.text


def test_a_neighbour_reaching_into_a_title_box_is_no_part_of_its_ink():
    from PIL import Image

    design = designs.Design(Image.new("RGB", (900, 260), (90, 40, 110)))
    above = designs.TruthText(["Team arrivals beans"], "DejaVuSerif-Bold.ttf", 40, (215, 225, 130), "left", 110,
                              70, 48)
    title = designs.TruthText(["Organic Market"], "DejaVuSerif.ttf", 93, (255, 255, 255), "left", 40, 182, 112)
    design.draw_text(above)
    design.draw_text(title)
    x0, y0, x1, y1 = title.bbox
    top = (above.bbox[1] + above.bbox[3]) / 2 - 4  # as tall as detectors draw the boxes of large text
    quad = ((x0 - 12.0, top), (x1 + 12.0, top), (x1 + 12.0, y1 + 12.0), (x0 - 12.0, y1 + 12.0))
    cfg = load_config(None)
    fonts = catalogue(tuple(cfg.text.font_dirs))
    faces = [f for family in cfg.text.candidate_fonts for w in (400, 700) if (f := fonts.find(family, w))]
    measured = measure_line(np.asarray(design.image), OcrLine(title.text, quad, 0.99), list(dict.fromkeys(faces)),
                            fonts.resolve(cfg.text.fallback_font))
    assert measured is not None
    assert abs(measured.box.y0 - y0) <= 2 and abs(measured.box.y1 - y1) <= 2, measured.box
    best = measured.best
    assert best.size == pytest.approx(title.size, rel=0.15), (best.face.postscript, best.size)


@pytest.mark.parametrize("family", ["DejaVu Sans", "Liberation Sans", "Noto Sans"])
def test_small_labels_keep_their_weight(family):
    """Enlarged to be compared, a 9-14 px label's strokes blur as thick as a bold face's: it is compared
    with renders sampled as coarsely, so its own regular face wins over the bold one."""
    from PIL import Image, ImageDraw, ImageFont

    fonts = catalogue(tuple(load_config(None).text.font_dirs))
    regular, bold = fonts.find(family, 400), fonts.find(family, 700)
    for size in (9, 10, 12, 14):
        image = Image.new("RGB", (320, 60), (255, 255, 255))
        ImageDraw.Draw(image).text((8, 40), "Revenue 45,000", font=ImageFont.truetype(regular.path, size),
                                   fill=(50, 50, 50), anchor="ls")
        pixels = np.asarray(image)
        ys, xs = np.nonzero(pixels[..., 0] < 200)
        x0, y0, x1, y1 = xs.min() - 4.0, ys.min() - 4.0, xs.max() + 5.0, ys.max() + 5.0
        line = OcrLine("Revenue 45,000", ((x0, y0), (x1, y0), (x1, y1), (x0, y1)), 0.99)
        measured = measure_line(pixels, line, [regular, bold], regular)
        assert measured.best.face == regular, (size, {k: round(f.score, 3) for k, f in measured.fits.items()})


def test_ink_no_face_explains_is_set_in_a_safe_face_inside_its_box():
    """Letters drawn twice as tall as any face (as hand-lettered or squeezed titles are) fit no candidate:
    the face that stretches best (a condensed one) would set them at twice their size, over their
    neighbours; the fallback family is set inside the ink box instead."""
    from PIL import Image, ImageDraw, ImageFont

    cfg = load_config(None)
    fonts = catalogue(tuple(cfg.text.font_dirs))
    faces = list(dict.fromkeys(f for family in cfg.text.candidate_fonts for w in (400, 700)
                               if (f := fonts.find(family, w))))
    fallback = fonts.resolve(cfg.text.fallback_font)
    image = Image.new("RGB", (700, 100), (250, 245, 235))
    ImageDraw.Draw(image).text((20, 70), "Grand Opening", font=ImageFont.truetype(designs.font_path(
        "DejaVuSerif-Bold.ttf"), 48), fill=(120, 20, 40), anchor="ls")
    pixels = np.asarray(image.resize((700, 200), Image.BICUBIC))
    ys, xs = np.nonzero(pixels[..., 1] < 150)
    x0, y0, x1, y1 = xs.min() - 8.0, ys.min() - 8.0, xs.max() + 8.0, ys.max() + 8.0
    measured = measure_line(pixels, OcrLine("Grand Opening", ((x0, y0), (x1, y0), (x1, y1), (x0, y1)), 0.99),
                            faces, fallback)
    best = measured.best
    assert best.face.family == fallback.family and best.face.weight == 700, best.face.postscript
    assert best.size == pytest.approx(48, rel=0.15), best.size


def test_an_icon_read_as_a_character_is_no_part_of_the_text(tmp_path):
    """A clock before "Today" that OCR reads as a "©": the text is "Today" alone, at its size, and the
    clock is not erased from the plate as the ink of a glyph."""
    scale, grey = 4, (102, 107, 114)
    page = Image.new("RGB", (400 * scale, 60 * scale), (239, 241, 248))
    draw = ImageDraw.Draw(page)
    draw.ellipse([68 * scale, 23 * scale, 86 * scale, 41 * scale], outline=grey, width=2 * scale)
    draw.line([77 * scale, 28 * scale, 77 * scale, 32 * scale, 82 * scale, 32 * scale], fill=grey, width=2 * scale)
    page = page.reduce(scale)
    font = ImageFont.truetype("/usr/share/fonts/truetype/lato/Lato-Light.ttf", 22)
    ImageDraw.Draw(page).text((96, 32), "Today", font=font, fill=grey, anchor="lm")
    page.save(tmp_path / "today.png")
    scene = layerize.analyze(tmp_path / "today.png")
    assert [block.text for block in scene.texts] == ["Today"]
    assert scene.texts[0].style.size_px == pytest.approx(22, rel=0.15)
    plate, original = np.asarray(scene.background.image, float), np.asarray(page, float)
    assert np.abs(plate[15:50, 60:90] - original[15:50, 60:90]).max(axis=2).mean() < 2.0
