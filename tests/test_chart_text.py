"""Chart labels: sizes that hold when axis lines, ticks and bar rules run through the labels' boxes."""

from __future__ import annotations

import designs
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

import layerize
import layerize.text as text_stage
from layerize.scene import TextBlock
from layerize.text.ink import without_through_lines


@pytest.fixture(scope="module")
def chart_design() -> designs.Design:
    return designs.chart()


def _analyse(design: designs.Design, tmp_path) -> layerize.Scene:
    path = tmp_path / "chart.png"
    design.image.save(path)
    return layerize.analyze(path)


def _overlap(block: TextBlock, bbox: tuple[int, int, int, int]) -> float:
    box = block.lines[0].box
    w = max(0.0, min(box.x1, bbox[2]) - max(box.x0, bbox[0]))
    h = max(0.0, min(box.y1, bbox[3]) - max(box.y0, bbox[1]))
    return w * h


def _found(scene: layerize.Scene, design: designs.Design) -> dict[str, TextBlock]:
    """Each truth text's block: the one whose first line's ink box overlaps its ink most."""
    found = {}
    for truth in design.texts:
        block = max(scene.texts, key=lambda b: _overlap(b, truth.bbox))
        assert _overlap(block, truth.bbox) > 0, f"{truth.text} not found"
        found[truth.text] = block
    return found


def test_labels_crossed_by_axes_ticks_and_rules_keep_their_size(chart_design, tmp_path):
    scene = _analyse(chart_design, tmp_path)
    found = _found(scene, chart_design)
    for truth in chart_design.texts:
        block = found[truth.text]
        assert block.text == truth.text, (truth.text, block.text)  # one block per label, no tick read as "-"
        assert block.style.size_px == pytest.approx(truth.size, rel=0.1), (truth.text, block.style.size_px)
        box = block.lines[0].box  # the ink box holds the glyphs only: no axis, tick or rule
        assert box.y0 >= truth.bbox[1] - 2 and box.y1 <= truth.bbox[3] + 2, (truth.text, box, truth.bbox)


def test_rows_and_columns_running_through_the_crop_are_not_ink():
    ink = np.zeros((20, 40), bool)
    ink[5:15, 10:14] = True  # a glyph stroke
    ink[9, :] = True  # a gridline through it
    ink[:, 30] = True  # an axis
    ink[:, 31] = np.arange(20) % 3 > 0  # the axis's anti-aliased edge (mostly ink)
    kept = without_through_lines(ink)
    assert not kept[9, 20] and not kept[:, 30].any() and not kept[:, 31].any()
    assert kept[5:9, 10:14].all() and kept[10:15, 10:14].all()
    assert (without_through_lines(ink[:, :28] & ~ink[9:10, :28]) == (ink[:, :28] & ~ink[9:10, :28])).all()


def test_a_label_measured_too_large_is_set_like_its_aligned_siblings(chart_design, tmp_path, monkeypatch):
    """A label whose measured size came out twice too large (as when a mark inside its box inflated
    its ink) gets its row's size back; without siblings to go by it would keep the wrong one."""
    build = text_stage.build_block

    def inflated(index, group, *args):
        block = build(index, group, *args)
        if block.text == "40%":
            style = block.style.model_copy(update={"size_px": block.style.size_px * 2})
            block = block.model_copy(update={"style": style})
        return block

    monkeypatch.setattr(text_stage, "build_block", inflated)
    truth = next(t for t in chart_design.texts if t.text == "40%")
    label = _found(_analyse(chart_design, tmp_path), chart_design)["40%"]
    assert label.style.size_px == pytest.approx(truth.size, rel=0.1)
    monkeypatch.setattr(text_stage, "harmonise", lambda blocks, groups, image: blocks)
    alone = _found(_analyse(chart_design, tmp_path / ".."), chart_design)["40%"]
    assert alone.style.size_px > 1.5 * truth.size  # the harmony pass is what set it right


def test_a_frame_around_the_text_is_not_ink_but_a_glyph_enclosing_its_strokes_is():
    from layerize.text.ink import foreign_marks

    glyphs = [(12 + 14 * i, 10, 10, 14) for i in range(5)]  # a row of five glyphs, 14 px tall
    frame = (4, 4, 80, 26)  # a rectangle drawn around them
    assert foreign_marks(np.array([frame, *glyphs]), 34).tolist() == [True] + [False] * 5
    square = (0, 0, 30, 30)  # 國: its enclosure and the strokes inside, a compact cluster
    inner = [(6, 6, 18, 4), (6, 12, 8, 8), (16, 12, 8, 10)]
    assert not foreign_marks(np.array([square, *inner]), 34).any()


def test_a_paragraph_does_not_jump_over_a_line_between_its_lines():
    from layerize.fonts import catalogue
    from layerize.scene import Box
    from layerize.text.measured import FontFit, MeasuredLine
    from layerize.text.ocr import OcrLine
    from layerize.text.paragraphs import group_lines

    face = catalogue().resolve("DejaVu Sans", 400)

    def line(text: str, baseline: float, size: float, x1: float = 400) -> MeasuredLine:
        box = Box(x0=100, y0=baseline - 0.75 * size, x1=x1, y1=baseline + 0.2 * size)
        quad = ((box.x0, box.y0), (box.x1, box.y0), (box.x1, box.y1), (box.x0, box.y1))
        fit = FontFit(face=face, score=0.9, size=size, x=100, baseline=baseline)
        return MeasuredLine(ocr=OcrLine(text, quad, 0.99), angle=0.0, upright=np.ones((10, 10), np.float32),
                            to_image=np.eye(2, 3), box=box, color=(20, 20, 20), coverage=np.ones((1, 1), np.float32),
                            region=(0, 0, 1, 1), fits={face.postscript: fit})

    first, third = line("first line", 100, 20), line("third line", 130, 21)
    middle = line("a bigger line", 118, 30, x1=300)  # between them, of another size
    groups = group_lines([first, middle, third])
    assert sorted(len(g) for g in groups) == [1, 1, 1]
    assert [len(g) for g in group_lines([first, third])] == [2]  # consecutive, they are one paragraph


def test_labels_of_one_axis_share_a_face(chart_design, tmp_path):
    """A short label says little about its face; the labels of one axis, one colour and size, are set in the
    face that fits them best together."""
    found = _found(_analyse(chart_design, tmp_path), chart_design)
    for axis in (chart_design.texts[:6], chart_design.texts[6:11]):
        faces = {found[truth.text].style.font_postscript for truth in axis}
        assert len(faces) == 1, faces
        assert all(found[truth.text].fidelity >= 0.8 for truth in axis), [found[t.text].fidelity for t in axis]


def _stacked_bars() -> tuple[Image.Image, list[tuple[str, tuple[int, int, int], tuple[int, int, int, int]]]]:
    """Drawn four times larger and scaled down, as a browser draws a chart: three bars 15 px tall parted by
    2 px white rules, each holding an 11 px white number, on white; and a row of 10 px black axis labels
    (their strokes never solid, only anti-aliased). With each label's text, colour and ink box."""
    s = 4
    image = Image.new("RGB", (420 * s, 110 * s), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for i in range(3):
        draw.rectangle((20 * s, (6 + 17 * i) * s, 400 * s, (21 + 17 * i) * s - 1), fill=(103, 81, 147))
    labels = [(text, (255, 255, 255), 11, 210, 17.5 + 17 * i) for i, text in enumerate(("9310714", "10069564",
                                                                                          "10022524"))]
    labels += [(text, (0, 0, 0), 10, 40 + 80 * i, 90) for i, text in enumerate(("0%", "20%", "40%", "60%", "80%"))]
    font = {size: ImageFont.truetype(designs.font_path("DejaVuSans.ttf"), size * s) for size in (10, 11)}
    truth = []
    for text, color, size, x, baseline in labels:
        draw.text((x * s, baseline * s), text, font=font[size], fill=color, anchor="ms")
        x0, y0, x1, y1 = draw.textbbox((x * s, baseline * s), text, font=font[size], anchor="ms")
        truth.append((text, color, (x0 // s, y0 // s, -(-x1 // s), -(-y1 // s))))
    return image.resize((420, 110), Image.BOX), truth


def test_small_labels_keep_their_colour_on_bars_and_in_thin_strokes(tmp_path):
    """A number on a bar just taller than it is read against the bar, not the page its ring half lies on
    (it came out in the bar's colour); a 10 px label's colour is its strokes' darkest, not their blend."""
    image, labels = _stacked_bars()
    image.save(tmp_path / "bars.png")
    scene = layerize.analyze(tmp_path / "bars.png")
    for text, color, bbox in labels:
        block = next((b for b in scene.texts if sorted(text) in [sorted(line.text) for line in b.lines]), None)
        assert block is not None, (text, [b.text for b in scene.texts])  # the bars' numbers may be one block
        got = np.array([int(block.style.color[i:i + 2], 16) for i in (1, 3, 5)])
        assert np.abs(got - color).max() <= 36, (text, block.style.color)  # blends came out 40-73 off


def _thin_glyphs(shift: float, paint: tuple[int, int, int], page: int = 255) -> tuple[np.ndarray, np.ndarray]:
    """A 9 px word drawn four times larger and box-downsampled (anti-aliased like a vector render), ``shift``
    px to the right, and the coverage of the unshifted drawing (what a fitted render's alpha gives)."""
    s, size = 4, (90, 24)
    font = ImageFont.truetype(designs.font_path("DejaVuSans.ttf"), 9 * s)
    cover = Image.new("L", (size[0] * s, size[1] * s), 0)
    ImageDraw.Draw(cover).text((int((8 + shift) * s), 17 * s), "minimum", font=font, fill=255, anchor="ls")
    alpha = np.asarray(cover.resize(size, Image.BOX), np.float64) / 255.0
    image = page + alpha[..., None] * (np.array(paint, np.float64) - page)
    unshifted = Image.new("L", cover.size, 0)
    ImageDraw.Draw(unshifted).text((8 * s, 17 * s), "minimum", font=font, fill=255, anchor="ls")
    return image.astype(np.uint8), np.asarray(unshifted.resize(size, Image.BOX))


def _tight(alpha: np.ndarray) -> tuple[np.ndarray, int, int]:
    """A render's alpha cropped to its ink, with its offset (as :func:`layerize.render.render_block` gives it)."""
    ys, xs = np.nonzero(alpha)
    return alpha[ys.min():ys.max() + 1, xs.min():xs.max() + 1], int(xs.min()), int(ys.min())


def test_thin_glyphs_take_their_paint_from_their_ink_mass_not_from_their_blends():
    """No pixel of a 9 px word is its paint, and a render half a pixel off puts its cores on blends; the
    ink's mass over the render's coverage is the paint all the same. On a noisy page it is not used."""
    from layerize.text.refine import _mass_color

    paint = (31, 78, 154)
    image, alpha = _thin_glyphs(0.5, paint)
    blends = image[alpha >= 128].astype(np.float64)
    assert np.abs(np.median(blends, axis=0) - paint).max() > 20  # what the render's cores read
    got = _mass_color(*_tight(alpha), image)
    assert got is not None and np.abs(got - paint).max() <= 6, got
    noisy = np.clip(image + np.random.default_rng(1).normal(0, 4, image.shape), 0, 255).astype(np.uint8)
    assert _mass_color(*_tight(alpha), noisy) is None


def test_on_a_clean_page_thin_paint_is_at_least_its_most_extreme_pixel():
    from layerize.text.ink import paint_floor

    unit = np.array([-8.0, -189.0, -141.0]) / np.linalg.norm([-8.0, -189.0, -141.0])  # white toward pink
    blends = np.linspace(0.0, 180.0, 200)[:, None] * unit
    frame = np.full((20, 3), -250.0)  # a black frame's pixels beside the letters: far along, but no blend
    contrast = blends @ unit
    assert paint_floor(np.vstack([blends, frame]), unit, np.zeros(100)) == pytest.approx(np.percentile(contrast, 99))
    assert paint_floor(blends, unit, np.random.default_rng(2).normal(0, 5, 100)) == 0.0  # noise: no floor
