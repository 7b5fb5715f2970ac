"""Swapping a scene's texts and refitting them: German (long), Chinese (short, CJK face), Arabic (right to
left, shaped), a price swap and style runs, each read back from the PSD, PPTX and SVG written."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from pptx import Presentation
from psd_tools import PSDImage
from psdread import style_runs, type_layers
from translating import (
    ARABIC,
    CHINESE,
    GERMAN,
    frames,
    ink,
    poster,
    pptx_boxes,
    shape_match,
    svg_alone,
    svg_texts,
    within,
)

from layerize.config import load_config
from layerize.render import ink_box, style_face
from layerize.translate import translate, write_translations
from layerize.translate.refit import FLOOR
from layerize.translate.scripts import covering_face, text_script

TOLERANCE = 0.02 * 800  # 2 % of the canvas


@pytest.fixture(scope="module")
def scene():
    return poster()


@pytest.fixture(scope="module")
def written(scene, tmp_path_factory):
    """The poster in German, Chinese and Arabic, written to PSD, PPTX and SVG."""
    out = tmp_path_factory.mktemp("translated")
    translations = [translate(scene, texts, language) for language, texts in
                    (("de", GERMAN), ("zh", CHINESE), ("ar", ARABIC))]
    write_translations(translations, [out / "p_{lang}.psd", out / "p_{lang}.pptx", out / "p_{lang}.svg"],
                       load_config("default"))
    return out, {t.language: t for t in translations}


def test_with_texts_swaps_the_words_and_leaves_the_scene_alone(scene):
    swapped = scene.with_texts({"title": "AUSVERKAUF"})
    title = next(b for b in swapped.texts if b.id == "title")
    assert title.text == "AUSVERKAUF" and title.layer_name == "Title: AUSVERKAUF"
    assert title.style == next(b for b in scene.texts if b.id == "title").style
    assert next(b for b in scene.texts if b.id == "title").text == "SUMMER SALE"
    with pytest.raises(KeyError, match="nope"):
        scene.with_texts({"nope": "x"})


def test_a_long_single_line_shrinks_into_its_box(scene):
    german = translate(scene, GERMAN, "de")
    fits = {f.block: f for f in german.fits}
    title = next(b for b in german.scene.texts if b.id == "title")
    box = frames(scene)["title"]
    assert fits["title"].status == "shrunk" and FLOOR <= fits["title"].scale < 1
    assert len(title.lines) == 1 and title.lines[0].text == "MEGA-AUSVERKAUF"
    assert title.style.align == "center" and title.x == pytest.approx(400)  # the anchor stays
    drawn = ink_box(title)
    assert within((drawn.x0, drawn.y0, drawn.x1, drawn.y1), box, 1.0)
    assert title.style.line_height_px == pytest.approx(72 * 1.25 * fits["title"].scale)


def test_a_paragraph_rewraps_to_its_width_and_shrinks_only_to_its_height(scene):
    same_length = translate(scene, {"body": "Roasted fresh beans, every morning again"}, "en")
    body = next(b for b in same_length.scene.texts if b.id == "body")
    assert same_length.fits[[f.block for f in same_length.fits].index("body")].status == "fits"
    assert len(body.lines) == 2 and body.style.size_px == 24
    german = translate(scene, GERMAN, "de")
    body = next(b for b in german.scene.texts if b.id == "body")
    fit = next(f for f in german.fits if f.block == "body")
    assert fit.status == "shrunk" and len(body.lines) >= 3
    drawn = ink_box(body)
    assert within((drawn.x0, drawn.y0, drawn.x1, drawn.y1), frames(scene)["body"], 1.0)


def test_a_text_that_cannot_fit_at_the_floor_is_reported_and_kept_in_its_box(scene):
    result = translate(scene, {"cta": "JETZT SOFORT UND OHNE JEDE WARTEZEIT BEI UNS EINKAUFEN"}, "de")
    fit = next(f for f in result.fits if f.block == "cta")
    assert fit.status == "overflow" and fit.overflow > 0.2 and fit.scale < FLOOR
    assert fit in result.notable and "does not fit" in fit.describe() and "de: cta" in fit.describe()
    cta = next(b for b in result.scene.texts if b.id == "cta")
    drawn = ink_box(cta)
    assert within((drawn.x0, drawn.y0, drawn.x1, drawn.y1), frames(scene)["cta"], 1.0)
    assert next(f for f in result.fits if f.block == "title").status == "untranslated"


def test_chinese_takes_a_cjk_face_of_the_same_weight_and_fits_at_full_size(scene):
    chinese = translate(scene, CHINESE, "zh")
    title = next(b for b in chinese.scene.texts if b.id == "title")
    face = style_face(title.style)
    assert face.family == "Noto Sans CJK SC" and face.weight >= 600 and title.style.weight == 700
    assert next(f for f in chinese.fits if f.block == "title").status == "fits"
    japanese = translate(scene, {"title": "メガセール"}, "ja")
    assert style_face(next(b for b in japanese.scene.texts if b.id == "title").style).family == "Noto Sans CJK JP"


def test_a_face_covering_the_script_in_the_source_design(scene):
    title = next(b for b in scene.texts if b.id == "title")

    def style(family: str):
        return title.style.model_copy(update={"font_family": family, "font_file": None})

    assert text_script("מבצע ענק") == "hebrew" and text_script("Распродажа") == "cyrillic"
    assert covering_face(style("Liberation Serif"), "מבצע ענק").family == "Noto Serif Hebrew"
    assert covering_face(style("Liberation Sans"), "מבצע ענק").family == "Noto Sans Hebrew"
    assert covering_face(style("Liberation Sans"), "מבצע ענק").weight == 700
    assert covering_face(style("DejaVu Sans"), "מבצע ענק").family == "DejaVu Sans"  # it covers Hebrew itself
    assert covering_face(style("Liberation Sans"), "تخفيضات 50%").family == "DejaVu Sans"  # Noto lacks '%'


def test_arabic_is_right_aligned_at_the_right_of_its_box(scene):
    arabic = translate(scene, ARABIC, "ar")
    blocks = {b.id: b for b in arabic.scene.texts}
    box = frames(scene)["body"]
    assert blocks["body"].style.align == "right" and blocks["body"].x == pytest.approx(box.right)
    assert blocks["title"].style.align == blocks["cta"].style.align == "center"  # centred blocks stay centred
    assert style_face(blocks["title"].style).family == "Noto Sans Arabic"  # Liberation Sans has no Arabic
    assert style_face(blocks["body"].style).family == "DejaVu Sans"  # DejaVu Sans has


def _raqm_and_isolated(text: str, path: str, size: float) -> tuple[np.ndarray, np.ndarray]:
    """``text`` drawn shaped (libraqm: joined, right to left) and unshaped (isolated letters in memory order)."""
    found = []
    for engine in (ImageFont.Layout.RAQM, ImageFont.Layout.BASIC):
        font = ImageFont.truetype(path, size, layout_engine=engine)
        image = Image.new("RGBA", (int(font.getlength(text)) + 40, int(size * 2)), (0, 0, 0, 0))
        ImageDraw.Draw(image).text((20, size * 1.4), text, font=font, fill=(0, 0, 0, 255), anchor="ls")
        found.append(ink(image))
    return found[0], found[1]


def test_arabic_renders_joined_right_to_left_in_the_svg_and_psd(written):
    out, translations = written
    title = next(b for b in translations["ar"].scene.texts if b.id == "title")
    face = style_face(title.style)
    shaped, isolated = _raqm_and_isolated(ARABIC["title"], face.path, title.style.size_px)
    assert shape_match(shaped, isolated) < 0.5  # the two forms differ
    svg = ink(svg_alone(out / "p_ar.svg", "title"))
    psd = PSDImage.open(out / "p_ar.psd")
    layer = next(layer for layer in type_layers(psd) if layer.name == "Title: " + ARABIC["title"])
    pixels = ink(layer.topil().convert("RGBA"))
    for drawn in (svg, pixels):
        assert shape_match(drawn, shaped) > 0.7
        assert shape_match(drawn, shaped) > shape_match(drawn, isolated) + 0.2


@pytest.mark.parametrize("language", ["de", "zh", "ar"])
def test_every_format_shows_the_refit_text_in_its_box(written, scene, language):
    out, translations = written
    refit = {b.id: b for b in translations[language].scene.texts}
    boxes = frames(scene)
    psd = PSDImage.open(out / f"p_{language}.psd")
    for layer in type_layers(psd):
        block = next(b for b in refit.values() if b.layer_name == layer.name)
        assert layer.text.split() == block.text.split() or "".join(layer.text.split()) == "".join(block.text.split())
        assert all(run["FontSize"] == pytest.approx(block.style.size_px) for run in style_runs(layer))
        assert within(layer.bbox, boxes[block.id], TOLERANCE)
    svg = svg_texts(out / f"p_{language}.svg")
    for id, block in refit.items():
        text, size = svg[id]
        assert text == block.text and size == pytest.approx(block.style.size_px, abs=1e-3)
        drawn = svg_alone(out / f"p_{language}.svg", id).getchannel("A").getbbox()
        assert within(drawn, boxes[id], TOLERANCE)
    slides = pptx_boxes(out / f"p_{language}.pptx", 800)
    for block in refit.values():
        text, box, size = slides[block.layer_name]
        assert text == block.text and size == pytest.approx(block.style.size_px, rel=0.01)
        assert box[0] >= 0 and box[2] <= 800 and box[1] >= 0 and box[3] <= 500


def test_the_psd_layer_is_named_after_the_new_text_and_its_engine_data_agrees(written):
    out, translations = written
    psd = PSDImage.open(out / "p_de.psd")
    names = {layer.name for layer in type_layers(psd)}
    assert {"Title: MEGA-AUSVERKAUF", "Text: JETZT EINKAUFEN", "Price: 19,99 €"} <= names
    body = next(b for b in translations["de"].scene.texts if b.id == "body")
    layer = next(layer for layer in type_layers(psd) if layer.name == body.layer_name)
    box = layer.engine_dict["Rendered"]["Shapes"]["Children"][0]["Cookie"]["Photoshop"]["BoxBounds"]
    widest = max(line.box.width for line in body.lines)
    assert float(box[2]) <= widest + 2  # the paragraph box is the refit width: Photoshop wraps it the same
    assert layer.text.count("\r") + layer.text.count(" ") >= len(body.lines) - 1


def test_a_price_swap_keeps_the_right_edge_and_the_styled_run(written, scene):
    out, translations = written
    german = {b.id: b for b in translations["de"].scene.texts}
    assert german["price"].style.align == "right" and german["price"].x == pytest.approx(760, abs=0.5)
    assert 0.8 * 48 < german["price"].style.size_px < 48  # one character more: a little smaller
    swapped = translate(scene, {"price": "$24.99"}, "en")
    price = next(b for b in swapped.scene.texts if b.id == "price")
    assert swapped.fits[[f.block for f in swapped.fits].index("price")].status == "fits"
    assert (price.style.size_px, price.x, price.baseline) == (48, 760, 420)  # same width: nothing moves
    offer = german["offer"]
    assert [(r.text, r.color, r.weight) for r in offer.lines[0].runs] == [("Jetzt nur ", None, None),
                                                                           ("19 €", "#d62828", 700)]
    layer = next(layer for layer in type_layers(PSDImage.open(out / "p_de.psd")) if layer.name == offer.layer_name)
    colors = [tuple(round(v * 255) for v in run["FillColor"]["Values"][1:]) for run in style_runs(layer)]
    assert (214, 40, 40) in colors
    bold = translate(scene, {"offer": "Nur **heute** 19 €"}, "de").scene
    runs = next(b for b in bold.texts if b.id == "offer").lines[0].runs
    assert [(r.text, r.weight) for r in runs] == [("Nur ", None), ("heute", 700), (" 19 €", None)]
    plain = translate(scene, {"offer": "Jetzt nur 19 €"}, "de").scene
    assert next(b for b in plain.texts if b.id == "offer").lines[0].runs is None  # the block's style


def test_pptx_text_boxes_carry_the_refit_lines(written):
    out, translations = written
    prs = Presentation(str(out / "p_de.pptx"))
    body = next(b for b in translations["de"].scene.texts if b.id == "body")
    shape = next(s for s in prs.slides[0].shapes if s.name == body.layer_name)
    assert [p.text for p in shape.text_frame.paragraphs] == [line.text for line in body.lines]


def test_a_vertical_column_shrinks_along_its_length(scene):
    title = scene.texts[0]
    column = title.model_copy(update={"id": "column", "orientation": "vertical", "x": 700.0, "baseline": 40.0,
                                      "style": title.style.model_copy(update={"align": "left"})})
    column = column.with_text("新品上市")
    vertical = scene.model_copy(update={"nodes": [*scene.nodes, column]})
    result = translate(vertical, {"column": "新品限时大促销活动"}, "zh")
    fit = next(f for f in result.fits if f.block == "column")
    block = next(b for b in result.scene.texts if b.id == "column")
    assert fit.status in ("shrunk", "overflow") and block.orientation == "vertical"
    assert (block.x, block.baseline) == (700.0, 40.0)
    drawn = ink_box(block)
    assert within((drawn.x0, drawn.y0, drawn.x1, drawn.y1), frames(vertical)["column"], 2.0)
