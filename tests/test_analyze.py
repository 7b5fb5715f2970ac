"""Text analysis on designs with known text: strings, grouping, typography, geometry, erasure."""

from __future__ import annotations

import cv2
import designs
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

import layerize
from layerize.render import ink_box
from layerize.text.ink import background_model, ink_coverage


def _by_text(scene: layerize.Scene) -> dict[str, layerize.scene.TextBlock]:
    return {block.text: block for block in scene.texts}


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#%02x%02x%02x" % rgb


def _check_against_truth(scene: layerize.Scene, design: designs.Design) -> None:
    found = _by_text(scene)
    assert sorted(found) == sorted(t.text for t in design.texts)
    for truth in design.texts:
        block = found[truth.text]
        style = block.style
        assert style.font_file and style.font_file.endswith(truth.font), (truth.text, style.font_file)
        assert style.size_px == pytest.approx(truth.size, rel=0.05), truth.text
        got = np.array([int(style.color[i:i + 2], 16) for i in (1, 3, 5)])
        assert np.abs(got - truth.color).max() <= 12, (truth.text, style.color, _hex(truth.color))
        assert style.align == truth.align, truth.text
        assert block.x == pytest.approx(truth.x, abs=0.03 * truth.size), truth.text
        assert block.baseline == pytest.approx(truth.baseline, abs=0.03 * truth.size), truth.text
        if len(truth.lines) > 1:
            assert style.line_height_px == pytest.approx(truth.line_height, rel=0.03)
        box = ink_box(block)
        assert box is not None
        for got_edge, want in zip((box.x0, box.y0, box.x1, box.y1), truth.bbox):
            assert abs(got_edge - want) <= max(3, 0.05 * truth.size), (truth.text, box, truth.bbox)


def test_poster_text_comes_back_with_its_typography(poster_scene, poster_design):
    _check_against_truth(poster_scene, poster_design)
    assert poster_scene.texts[0].layer_name == "Title: Fresh Coffee" and poster_scene.texts[0].role == "title"
    assert any(b.layer_name == "Price: $19.99" for b in poster_scene.texts)


def test_textured_background_design(tmp_path):
    design = designs.textured()
    design.image.save(tmp_path / "textured.png")
    _check_against_truth(layerize.analyze(tmp_path / "textured.png"), design)


def test_plate_has_no_ghost_of_the_text(poster_file, poster_design):
    """Text only (objects off): the plate is the design as it was before its text was drawn."""
    config = layerize.load_config("default")
    config.objects.enabled = False
    scene = layerize.analyze(poster_file, config)
    plate = np.asarray(scene.background.image.convert("RGB"), np.int16)
    clean = np.asarray(poster_design.clean, np.int16)
    source = np.asarray(poster_design.image, np.int16)
    ink = np.abs(source - clean).max(axis=2) > 40  # where text was drawn
    err = np.abs(plate - clean).max(axis=2)
    assert ink.sum() > 1000
    assert np.percentile(err[ink], 99) <= 3  # flat colour and linear gradients are rebuilt exactly
    untouched = ~np.asarray(Image.fromarray(ink).resize(ink.shape[::-1]))
    assert np.abs(plate - source).max(axis=2)[untouched].mean() < 1.0


def test_analysis_is_deterministic(poster_file, poster_scene):
    assert layerize.analyze(poster_file).to_json() == poster_scene.to_json()


@pytest.mark.parametrize("ink,paper", [((20, 20, 20), (240, 240, 240)), ((250, 250, 250), (30, 60, 120))])
def test_ink_separation_dark_on_light_and_light_on_dark(ink, paper):
    crop = np.full((40, 120, 3), paper, np.uint8)
    crop[12:28, 10:110] = ink
    background = background_model(crop, ring=3)
    coverage, color, outline = ink_coverage(crop, background)
    assert np.abs(np.subtract(color, ink)).max() <= 2 and outline is None
    assert coverage[15:25, 20:100].min() > 0.95
    assert coverage[:8].max() < 0.05


def _gilded(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dark serif capitals on a gilded plaque: gold with bright grain that runs into the letters; the
    crop, the glyphs' coverage and the grain's."""
    h, w = 130, 460
    grain = cv2.GaussianBlur(np.random.default_rng(seed).normal(0, 1, (h, w)), (0, 0), 3)
    bright = np.clip(((grain - grain.min()) / np.ptp(grain) - 0.55) / 0.2, 0, 1)[..., None]
    gold = np.array([170, 128, 50]) * (1 - bright) + np.array([250, 225, 140]) * bright
    letters = Image.new("L", (w, h), 0)
    font = ImageFont.truetype(designs.font_path("DejaVuSerif-Bold.ttf"), 80)
    ImageDraw.Draw(letters).text((30, 95), "MUSEUM", font=font, fill=255, anchor="ls")
    glyphs = np.asarray(letters, np.float64)[..., None] / 255
    crop = gold * (1 - glyphs) + np.array([28, 24, 12]) * glyphs
    return crop.astype(np.uint8), glyphs[..., 0], bright[..., 0]


def test_ink_on_grain_is_taken_on_the_letters_side():
    """Bright grain stands out from the gold as much as the dark letters do: the ink is the letters alone,
    every one of them, not blobs of grain and letters (which read as a frame and lost half the word)."""
    crop, glyphs, bright = _gilded()
    background = background_model(crop, ring=6)
    coverage, color, outline = ink_coverage(crop, background, (6, 6, crop.shape[1] - 6, crop.shape[0] - 6))
    assert np.abs(np.subtract(color, (28, 24, 12))).max() <= 6 and outline is None
    assert coverage[glyphs > 0.9].mean() > 0.97  # 0.51 with the ink taken on both sides
    assert coverage[(bright > 0.5) & (glyphs < 0.01)].max() < 0.05


def test_gradient_background_is_modelled():
    x = np.linspace(40, 220, 160)
    crop = np.repeat(np.repeat(x[None, :, None], 50, axis=0), 3, axis=2).astype(np.uint8)
    crop[20:30, 30:130] = (200, 0, 0)
    background = background_model(crop, ring=3)
    assert np.abs(background[5, :, 0] - x).max() < 2


def _analysed(tmp_path_factory, design: designs.Design, name: str) -> tuple[layerize.Scene, designs.Design]:
    """``design`` saved as a PNG and analysed, with the design for its truth."""
    path = tmp_path_factory.mktemp(name) / f"{name}.png"
    design.image.save(path)
    return layerize.analyze(path), design


@pytest.fixture(scope="module")
def typography_scene(tmp_path_factory) -> tuple[layerize.Scene, designs.Design]:
    return _analysed(tmp_path_factory, designs.typography(), "typography")


def test_turned_tracked_italic_and_chinese_text(typography_scene):
    scene, design = typography_scene
    found = _by_text(scene)
    assert sorted(found) == sorted(t.text for t in design.texts)
    for truth in design.texts:
        block, style = found[truth.text], found[truth.text].style
        assert style.font_file.endswith(truth.font), (truth.text, style.font_file)
        assert style.size_px == pytest.approx(truth.size, rel=0.05), truth.text
        assert block.rotation == pytest.approx(truth.rotation, abs=1.0), truth.text
        assert style.letter_spacing_px == pytest.approx(truth.spacing, abs=0.1 * truth.size), truth.text
        assert np.hypot(block.x - truth.x, block.baseline - truth.baseline) <= 0.08 * truth.size, truth.text
        got = np.array([int(style.color[i:i + 2], 16) for i in (1, 3, 5)])
        assert np.abs(got - truth.color).max() <= 12, truth.text
        assert block.fidelity is not None and block.fidelity > 0.6, (truth.text, block.fidelity)
    assert found["Limited edition"].style.italic
    assert scene.metadata["text_fidelity"] > 0.8


def test_restore_spaces_between_tracked_capitals():
    from PIL import ImageDraw, ImageFont

    from layerize.text.spelling import restore_spaces

    font = ImageFont.truetype(designs.font_path("DejaVuSans-Bold.ttf"), 40)

    def ink(text: str, spacing: float) -> np.ndarray:
        image = Image.new("L", (900, 60))
        draw = ImageDraw.Draw(image)
        for k, ch in enumerate(text):
            draw.text((10 + font.getlength(text[:k]) + k * spacing, 45), ch, font=font, fill=255, anchor="ls")
        alpha = np.asarray(image) / 255.0
        ys, xs = np.nonzero(alpha > 0.5)
        return alpha[ys.min():ys.max() + 1, xs.min():xs.max() + 1]

    assert restore_spaces("NEWSEASON", ink("NEW SEASON", 10)) == "NEW SEASON"
    assert restore_spaces("BESTSELLER", ink("BEST SELLER", 6)) == "BEST SELLER"
    assert restore_spaces("HELLO", ink("HELLO", 0)) == "HELLO"
    assert restore_spaces("Hello world", ink("Hello world", 0)) == "Hello world"
    assert restore_spaces("was€176.99", ink("was€176.99", 0)) == "was€176.99"
    assert restore_spaces("Teamresults2019", ink("Teamresults2019", 1)) == "Teamresults2019"


@pytest.fixture(scope="module")
def effects_scene(tmp_path_factory) -> tuple[layerize.Scene, designs.Design]:
    return _analysed(tmp_path_factory, designs.effects(), "effects")


def _rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)])


def test_a_glow_round_letters_is_no_outline():
    """Cyan letters in a violet glow on navy (a slide's title): the glow rings the letters like an outline,
    but fades away from them, no band of one paint. The ink is the letters in their colour, with no stroke
    (they came back violet, the glow taken for a fill outlined in the letters' cyan)."""
    h, w = 120, 520
    letters = Image.new("L", (w, h), 0)
    font = ImageFont.truetype(designs.font_path("DejaVuSans-Bold.ttf"), 72)
    ImageDraw.Draw(letters).text((20, 90), "NISQ FTQC", font=font, fill=255, anchor="ls")
    glyphs = np.asarray(letters, np.float64)[..., None] / 255
    glow = np.clip(cv2.GaussianBlur(glyphs[..., 0], (0, 0), 6) * 2.2, 0, 1)[..., None]
    navy, violet, cyan = np.array([14, 22, 58]), np.array([150, 120, 235]), np.array([60, 150, 200])
    crop = (navy * (1 - glow) + violet * glow) * (1 - glyphs) + cyan * glyphs
    background = background_model(crop.astype(np.uint8), ring=6)
    coverage, color, outline = ink_coverage(crop.astype(np.uint8), background, (6, 6, w - 6, h - 6))
    assert outline is None
    assert np.abs(np.subtract(color, cyan)).max() <= 40


def test_outline_shadow_and_gradient_are_measured(effects_scene):
    scene, design = effects_scene
    found = _by_text(scene)
    assert sorted(found) == sorted(t.text for t in design.texts)
    for truth in design.texts:
        style = found[truth.text].style
        assert style.font_file.endswith(truth.font), (truth.text, style.font_file)
        assert style.size_px == pytest.approx(truth.size, rel=0.04), truth.text
        assert (style.stroke is not None) == (truth.stroke is not None), (truth.text, style.stroke)
        assert (style.shadow is not None) == (truth.shadow is not None), (truth.text, style.shadow)
        assert (style.gradient is not None) == (truth.gradient is not None), (truth.text, style.gradient)
        if truth.stroke:
            assert np.abs(_rgb(style.stroke.color) - truth.stroke[0]).max() <= 12
            assert style.stroke.width_px == pytest.approx(truth.stroke[1], abs=1.0)
            assert np.abs(_rgb(style.color) - truth.color).max() <= 12  # the fill, not the outline
        if truth.shadow:
            color, opacity, dx, dy, sigma = truth.shadow
            shadow = style.shadow
            assert np.abs(_rgb(shadow.color) - color).max() <= 20
            assert shadow.opacity == pytest.approx(opacity, abs=0.1)
            assert (shadow.dx, shadow.dy) == pytest.approx((dx, dy), abs=1.0)
            assert shadow.blur_px == pytest.approx(sigma, abs=1.5)
        if truth.gradient:
            gradient = style.gradient
            assert gradient.angle == pytest.approx(90, abs=5)  # top to bottom
            assert np.abs(_rgb(gradient.start) - truth.gradient[0]).max() <= 25
            assert np.abs(_rgb(gradient.end) - truth.gradient[1]).max() <= 25


OUTLINED = {  # page, the title's fill and outline, the plain line's colour
    "warm": ((250, 200, 60), (252, 252, 250), (40, 28, 20), (30, 30, 30)),  # fill and outline either side
    "navy": ((40, 50, 110), (230, 20, 30), (255, 255, 255), (245, 245, 245)),  # both lighter than the page
}


def _outlined(page: tuple[int, int, int], fill: tuple[int, int, int], outline: tuple[int, int, int],
              plain: tuple[int, int, int]) -> designs.Design:
    """A poster's or a sticker's title: letters ringed by an outline of another colour (on a warm page a white
    fill outlined dark, the page between the two; on navy a red fill outlined white, both lighter than the
    page); under it a band holding a dark word beside a light one (two colours, no outline) and a plain line."""
    design = designs.Design(Image.new("RGB", (1000, 520), page))
    ImageDraw.Draw(design.image).rectangle((0, 300, 1000, 400), fill=(128, 128, 128))
    for text, font, size, color, x, baseline, stroke in (
            ("Reading plan", "DejaVuSans-Bold.ttf", 110, fill, 60, 200, (outline, 5)),
            ("Night", "DejaVuSans-Bold.ttf", 48, (20, 20, 20), 60, 368, None),
            ("Day", "DejaVuSans-Bold.ttf", 48, (245, 245, 245), 225, 368, None),
            ("Ten minutes a day", "DejaVuSans.ttf", 40, plain, 60, 480, None)):
        design.draw_text(designs.TruthText([text], font, size, color, "left", x, baseline, size * 1.2, stroke=stroke))
    return design


@pytest.fixture(scope="module", params=sorted(OUTLINED))
def outlined_scene(request, tmp_path_factory) -> tuple[layerize.Scene, designs.Design]:
    return _analysed(tmp_path_factory, _outlined(*OUTLINED[request.param]), f"outlined-{request.param}")


def test_letters_ringed_by_an_outline_are_the_fill_with_a_stroke(outlined_scene):
    """The outline stands out most from the page, but the letters are the fill it rings: they came back in
    the outline's colour, and the fill stayed on the plate (on navy, where the red fill is no blend of the
    page and the white outline, though on the same side of the page). Two words of two colours side by
    side, and plain text, have no outline."""
    scene, design = outlined_scene
    found = _by_text(scene)
    title = next(t for t in design.texts if t.stroke)
    assert [b.text for b in scene.texts if b.style.stroke is not None] == [title.text]
    assert np.abs(_rgb(found[title.text].style.color) - title.color).max() <= 16  # the fill, not the outline
    plain = next(t for t in design.texts if t.text == "Ten minutes a day")
    assert np.abs(_rgb(found[plain.text].style.color) - plain.color).max() <= 16
    stroke = found[title.text].style.stroke
    assert np.abs(_rgb(stroke.color) - title.stroke[0]).max() <= 16, stroke
    assert stroke.width_px == pytest.approx(title.stroke[1], abs=1.5)
    assert found[title.text].style.size_px == pytest.approx(title.size, rel=0.06)
    plate = np.asarray(scene.background.image, np.int16)
    x0, y0, x1, y1 = title.bbox
    window = (slice(y0 - 8, y1 + 8), slice(x0 - 8, x1 + 8))
    diff = np.abs(plate[window] - np.asarray(design.clean, np.int16)[window]).max(axis=2)
    assert np.percentile(diff, 99.5) <= 16  # neither the white fill nor the outline is left


def test_vertical_chinese_column_is_one_vertical_block(effects_scene):
    scene, design = effects_scene
    truth = next(t for t in design.texts if t.vertical)
    block = _by_text(scene)[truth.text]
    assert block.orientation == "vertical"
    assert block.x == pytest.approx(truth.x, abs=0.05 * truth.size)
    assert block.baseline == pytest.approx(truth.baseline, abs=0.05 * truth.size)  # the column's top
    assert block.fidelity > 0.85
    box = ink_box(block)
    for got_edge, want in zip((box.x0, box.y0, box.x1, box.y1), truth.bbox):
        assert abs(got_edge - want) <= 0.05 * truth.size, (box, truth.bbox)


def test_outline_and_shadow_are_erased_from_the_plate(effects_scene):
    scene, design = effects_scene
    plate = np.asarray(scene.background.image, np.int16)
    clean = np.asarray(design.clean, np.int16)
    bare = np.ones(plate.shape[:2], bool)  # the plate under a shape (the pale bar) is no longer the design's
    for node in scene.nodes:
        if node.kind != "text":
            bare[int(node.box.y0):int(np.ceil(node.box.y1)), int(node.box.x0):int(np.ceil(node.box.x1))] = False
    for truth in design.texts:
        x0, y0, x1, y1 = truth.bbox
        pad = 16  # the shadow falls outside the glyph box
        window = (slice(max(0, y0 - pad), y1 + pad), slice(max(0, x0 - pad), x1 + pad))
        diff = np.abs(plate[window] - clean[window]).max(axis=2)[bare[window]]
        assert diff.size > 0 and np.percentile(diff, 99.5) <= 12, truth.text


def test_columns_are_joined_and_told_from_lines():
    from layerize.text.columns import is_column, join_columns
    from layerize.text.ocr import OcrLine

    def line(text: str, x0: float, y0: float, x1: float, y1: float) -> OcrLine:
        return OcrLine(text, ((x0, y0), (x1, y0), (x1, y1), (x0, y1)), 0.99)

    top, rest = line("限", 1000, 114, 1097, 215), line("时特惠", 991, 178, 1107, 460)
    assert not is_column(top) and is_column(rest)
    (joined,) = join_columns([rest, top])
    assert joined.text == "限时特惠" and joined.box == (991, 114, 1107, 460)
    assert not is_column(line("限时特惠", 0, 0, 400, 100))  # a horizontal line
    assert not is_column(line("SALE", 0, 0, 100, 400))  # turned Latin text is not a column
    apart = [line("新品", 0, 0, 100, 200), line("上市", 300, 0, 400, 200)]  # two columns side by side
    assert join_columns(apart) == apart


def test_cjk_faces_of_collections_are_chosen_by_language():
    from layerize.fonts import catalogue
    from layerize.text.matching import suits

    faces = {face.family: face for face in catalogue().faces if face.family.startswith("Noto Sans CJK")}
    if {"Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK KR"} - set(faces):
        pytest.skip("fonts-noto-cjk is not installed")
    assert len({face.index for face in faces.values()}) > 1  # faces beyond the first of the .ttc
    assert suits(faces["Noto Sans CJK SC"], "新品上市") and not suits(faces["Noto Sans CJK JP"], "新品上市")
    assert suits(faces["Noto Sans CJK JP"], "セール中") and not suits(faces["Noto Sans CJK SC"], "セール中")
    assert suits(faces["Noto Sans CJK KR"], "할인") and not suits(faces["Noto Sans CJK SC"], "할인")


def test_spaces_between_chinese_characters_set_wide_apart_are_tracking():
    from layerize.text.columns import without_tracking_spaces

    assert without_tracking_spaces("香 供") == "香供" and without_tracking_spaces("長 樂 寺") == "長樂寺"
    for kept in ("核心 概念", "第 10 名", "할 인", "A B", "新品 上市 SALE"):
        assert without_tracking_spaces(kept) == kept


def test_parentheses_around_chinese_words_are_full_width():
    from layerize.text.columns import full_width_parentheses

    assert full_width_parentheses("IMO 2025 (数学)") == "IMO 2025\uff08数学\uff09"
    assert full_width_parentheses("基于 (推荐) 方案") == "基于\uff08推荐\uff09方案"
    for kept in ("金牌 (Gold)", "a (b)", "第(1)名"):
        assert full_width_parentheses(kept) == kept


def test_the_whole_outline_is_in_the_text_mask_whatever_the_render_draws():
    """The fill is the glyphs the fonts are fitted to, but the outline ringing it is erased too, from its own
    pixels, not only where the fitted render strokes: on a real sticker (a condensed face no candidate
    matches) the render's stroke held less than the ink, and the rest stayed on the plate as a white ring.
    The line's own mask covered 62 % of the title's pixels before."""
    from layerize.text.ink import measure_ink
    from layerize.text.ocr import OcrLine
    from layerize.text.refine import text_mask

    design = _outlined(*OUTLINED["navy"])
    title = next(t for t in design.texts if t.stroke)
    x0, y0, x1, y1 = title.bbox
    quad = ((x0 - 8, y0 - 8), (x1 + 8, y0 - 8), (x1 + 8, y1 + 8), (x0 - 8, y1 + 8))
    measured = measure_ink(np.asarray(design.image), OcrLine(title.text, quad, 0.99))
    assert measured is not None and measured.outline is not None
    drawn = np.abs(np.asarray(design.image, np.int16) - np.asarray(design.clean, np.int16)).max(axis=2) > 40
    drawn[:, :] &= np.pad(np.ones((y1 - y0 + 16, x1 - x0 + 16), bool),
                          ((y0 - 8, drawn.shape[0] - y1 - 8), (x0 - 8, drawn.shape[1] - x1 - 8)))  # the title's
    assert text_mask(drawn.shape, [measured])[drawn].mean() > 0.99


def test_a_card_behind_dark_text_is_no_outlined_fill():
    """Dark words straddling a green card on a purple page: the card is no blend of page and ink, and the
    letters ring it on one side, but it reaches in from the crop's edge; a fill lies inside its glyphs."""
    image = Image.new("RGB", (520, 110), (98, 82, 170))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((250, 50, 600, 200), 12, fill=(138, 195, 68))  # under the words, from the right
    font = ImageFont.truetype(designs.font_path("DejaVuSans.ttf"), 64)
    draw.text((20, 88), "Fresh Coffee", font=font, fill=(20, 20, 20), anchor="ls")
    crop = np.asarray(image)
    coverage, color, outline = ink_coverage(crop, background_model(crop, ring=6), (6, 6, 514, 104))
    assert outline is None and max(color) <= 40
