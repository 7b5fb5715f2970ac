"""Flat icons and logos traced into native paths: holes stay holes, colours stack without seams, a trace
that would not redraw the picture keeps the picture, and icons OCR read as one letter are graphics."""

from __future__ import annotations

import designs
import numpy as np
import pytest
from conftest import text_block
from lxml import etree
from PIL import Image, ImageDraw, ImageFont

from layerize.config import ObjectsConfig
from layerize.objects import segment
from layerize.objects.base import Found, cut_out
from layerize.objects.trace import MIN_FIDELITY, one_paint_each, trace_object, traced
from layerize.pipeline import analyze
from layerize.primitives.color import hex_to_rgb
from layerize.primitives.masks import dilate
from layerize.primitives.paths import coverage, depths
from layerize.scene import Box, ImageObject, Provenance, Scene, Shape, TextBlock
from layerize.text import is_graphic, is_misread

SVG = "{http://www.w3.org/2000/svg}"
TEAL, ORANGE = (30, 120, 200), (240, 80, 40)
ORIGIN = (100.0, 50.0)


def _icon() -> Image.Image:
    """An 80 x 60 cut-out: a teal ring (a hole in its middle) and an orange rounded bar overlapping it,
    anti-aliased, transparent around."""
    s = 4
    big = Image.new("RGBA", (80 * s, 60 * s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    draw.ellipse((5 * s, 5 * s, 55 * s, 55 * s), fill=TEAL + (255,))
    draw.ellipse((18 * s, 18 * s, 42 * s, 42 * s), fill=(0, 0, 0, 0))
    draw.rounded_rectangle((50 * s, 20 * s, 78 * s, 40 * s), radius=6 * s, fill=ORANGE + (255,))
    return big.resize((80, 60), Image.LANCZOS)


def _found(image: Image.Image) -> Found:
    node = ImageObject(id="", name="Icon", label="icon", image=image, provenance=Provenance(engine="t", confidence=1),
                       box=Box(x0=ORIGIN[0], y0=ORIGIN[1], x1=ORIGIN[0] + image.width, y1=ORIGIN[1] + image.height))
    mask = np.zeros((200, 300), bool)
    return Found(node, mask, mask)


@pytest.fixture(scope="module")
def paths() -> list[Shape]:
    result = trace_object(_found(_icon()))
    assert result is not None, "a two-colour flat icon is traced"
    return [f.node for f in result]  # type: ignore[misc]


def test_a_flat_icon_becomes_one_path_per_colour_stacked_bottom_up(paths: list[Shape]) -> None:
    assert [p.shape for p in paths] == ["path", "path"]
    assert np.abs(np.subtract([hex_to_rgb(p.fill) for p in paths], [TEAL, ORANGE])).max() <= 6
    assert all(p.provenance.engine == "vtracer" and p.provenance.confidence >= MIN_FIDELITY for p in paths)
    silhouette = paths[0].box  # the ring and the bar together, on the picture's own pixels
    assert (silhouette.x0, silhouette.y0, silhouette.x1, silhouette.y1) == pytest.approx((105, 55, 178, 105), abs=1)


def test_the_ring_keeps_its_hole(paths: list[Shape]) -> None:
    bottom = paths[0]
    assert sorted(depths(bottom.subpaths)) == [0, 1]  # an outline and a hole inside it
    cover = coverage(bottom.subpaths, (200, 300))
    assert cover[50 + 30, 100 + 30] == 0.0, "the ring's middle is a hole"
    assert cover[50 + 30, 100 + 10] == 1.0, "the ring itself is filled"


def test_the_trace_redraws_the_picture(paths: list[Shape]) -> None:
    want = np.asarray(_icon()).astype(np.float32)
    drawn = np.zeros(want.shape[:2] + (3,), np.float32)
    alpha = np.zeros(want.shape[:2], np.float32)
    for path in paths:
        cover = coverage(path.subpaths, want.shape[:2], ORIGIN)
        drawn = drawn * (1 - cover[..., None]) + np.array(hex_to_rgb(path.fill), np.float32) * cover[..., None]
        alpha += cover * (1 - alpha)
    solid = want[..., 3] > 250
    assert np.abs(drawn[solid] - want[solid][:, :3]).max(axis=1).mean() < 10  # no seam between the colours
    opaque = want[..., 3] > 127
    edge = dilate(opaque, 1) & dilate(~opaque, 1)  # a pixel either side of the picture's outline
    wrong = (alpha > 0.5) != opaque
    assert (wrong & ~edge).sum() <= 0.01 * opaque.sum() and wrong.sum() <= 0.1 * opaque.sum()


def _outline_heart() -> Image.Image:
    """A 40 x 36 heart outline drawn with a 1.5 px grey stroke, anti-aliased, transparent around and inside."""
    s = 8
    big = Image.new("RGBA", (40 * s, 36 * s), (0, 0, 0, 0))
    t = np.linspace(0, 2 * np.pi, 200)
    xs = 20 + 16 * np.sin(t) ** 3
    ys = 15 - (13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    ImageDraw.Draw(big).line([(x * s, y * s) for x, y in zip(xs, ys)], fill=(102, 107, 114, 255), width=12,
                             joint="curve")
    return big.resize((40, 36), Image.LANCZOS)


def test_an_icon_drawn_with_thin_strokes_is_traced_finer() -> None:
    """A heart outline of 1.5 px is mostly anti-aliased edge: traced at its own size its stroke comes out
    lumpy and the picture stays; traced from masks four times its size it is a faithful path with its
    hole."""
    result = trace_object(_found(_outline_heart()))
    assert result is not None, "the thin heart is traced"
    (heart,) = [f.node for f in result]
    assert heart.provenance.confidence >= MIN_FIDELITY
    assert sorted(depths(heart.subpaths)) == [0, 1]  # the stroke's outline and the hole inside it
    assert coverage(heart.subpaths, (200, 300))[50 + 15, 100 + 20] == 0.0, "the heart's inside is a hole"


def test_a_photo_stays_a_picture() -> None:
    rng = np.random.default_rng(0)
    photo = Image.fromarray(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8), "RGB").convert("RGBA")
    found = _found(photo)
    assert trace_object(found) is None
    assert traced([found]) == [found]


def test_a_shaded_ball_stays_a_picture() -> None:
    """A smooth shading a few colours would band (a lit egg, a glossy button) is no flat graphic."""
    yy, xx = np.mgrid[0:60, 0:80].astype(np.float32)
    light = np.clip(1 - np.hypot(xx - 25, yy - 18) / 70, 0, 1)[..., None]
    rgb = (np.array([20, 50, 20]) + light * np.array([120, 180, 110])).astype(np.uint8)
    inside = ((xx - 40) / 38) ** 2 + ((yy - 30) / 28) ** 2 <= 1
    ball = Image.fromarray(np.dstack([rgb, np.where(inside, 255, 0).astype(np.uint8)]), "RGBA")
    assert trace_object(_found(ball)) is None


def test_a_small_anti_aliased_glyph_stays_a_picture() -> None:
    """A dark digit on a red dot, 20 px: its anti-aliased edge is a band of blended colours, which traced
    paths would stack as rings of their own."""
    dot = Image.new("RGBA", (24, 24), (0, 0, 0, 0))
    draw = ImageDraw.Draw(dot)
    draw.ellipse((0, 0, 23, 23), fill=ORANGE + (255,))
    draw.text((12, 12), "2", fill=(20, 33, 28, 255), anchor="mm", font=ImageFont.load_default(18))
    assert trace_object(_found(dot)) is None


def test_paths_reach_every_export_with_their_holes(paths: list[Shape], tmp_path) -> None:
    base = Scene.model_validate({"canvas": {"width": 300, "height": 200}, "background": {
        "image": Image.new("RGB", (300, 200), "white"), "provenance": {"engine": "t", "confidence": 1}}})
    scene = base.model_copy(update={"nodes": [p.model_copy(update={"id": f"p{i}"}) for i, p in enumerate(paths)]})
    svg = etree.parse(str(scene.export(tmp_path / "icon.svg", "svg"))).getroot()
    drawn = svg.findall(f".//{SVG}path")
    assert [(e.get("fill"), e.get("fill-rule")) for e in drawn] == [(p.fill, "evenodd") for p in paths]
    assert drawn[0].get("d").count("M") == len(paths[0].subpaths) and "C" in drawn[0].get("d")
    again = Scene.model_validate_json(scene.model_dump_json())  # the scene graph carries them too
    assert [n.subpaths for n in again.nodes] == [p.subpaths for p in paths]


def test_a_path_shape_needs_subpaths_and_has_no_stroke(paths: list[Shape]) -> None:
    with pytest.raises(ValueError, match="needs its subpaths"):
        Shape.model_validate({**paths[0].model_dump(), "subpaths": None})
    with pytest.raises(ValueError, match="no stroke"):
        Shape.model_validate({**paths[0].model_dump(), "stroke": "#000000", "stroke_width": 2})


@pytest.fixture(scope="module")
def icon_scene(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    path = tmp_path_factory.mktemp("icons") / "icons.png"
    designs.icons().image.save(path)
    return analyze(path)


def test_icons_read_as_one_letter_are_graphics_not_text(icon_scene: Scene) -> None:
    texts = [b.text for b in icon_scene.nodes if isinstance(b, TextBlock)]
    assert texts == ["Our icons"]  # OCR reads the mug as "0" and the badge as "☆"
    for truth in designs.icons().shapes:  # each icon is covered by native shapes of its colour
        x0, y0, x1, y1 = truth.box
        inside = [n for n in icon_scene.nodes if isinstance(n, Shape) and n.box.x0 >= x0 - 2 and n.box.y0 >= y0 - 2
                  and n.box.x1 <= x1 + 2 and n.box.y1 <= y1 + 2 and n.fill
                  and np.abs(np.subtract(hex_to_rgb(n.fill), truth.color)).max() <= 12]
        assert inside, f"no shape of the icon at {truth.box}"
        assert max(n.box.width * n.box.height for n in inside) >= 0.6 * (x1 - x0) * (y1 - y0)


class _PhotoAndLogo:
    """A segmenter that finds a noise photo and a flat icon lying on it."""

    name = "photo-and-logo"

    def __init__(self, image: np.ndarray, icon_alpha: np.ndarray) -> None:
        self.image, self.icon_alpha = image, icon_alpha

    def find(self, image: np.ndarray, text: np.ndarray, taken: np.ndarray) -> list[Found]:
        photo = np.zeros(image.shape[:2], np.float32)
        photo[10:190, 10:290] = 1
        return [f for f in (cut_out(image, photo, "photo", "t", 1), cut_out(image, self.icon_alpha, "icon", "t", 1))
                if f is not None]


def test_a_traced_logo_stays_above_the_photo_it_lies_on() -> None:
    rng = np.random.default_rng(1)
    page = Image.fromarray(rng.integers(0, 255, (200, 300, 3), dtype=np.uint8), "RGB")
    icon = _icon()
    page.paste(icon, (int(ORIGIN[0]), int(ORIGIN[1])), icon)
    alpha = np.zeros((200, 300), np.float32)
    alpha[50:110, 100:180] = np.asarray(icon)[..., 3] / 255
    image = np.asarray(page)
    result = segment(image, np.zeros((200, 300), bool), ObjectsConfig(), segmenters=[_PhotoAndLogo(image, alpha)])
    kinds = [n.shape if isinstance(n, Shape) else n.label for n in result.nodes]
    assert kinds == ["photo", "path", "path"], "the logo's paths are drawn over the photo, not under it"
    untraced = segment(image, np.zeros((200, 300), bool), ObjectsConfig(trace=False),
                       segmenters=[_PhotoAndLogo(image, alpha)])
    assert [n.label for n in untraced.nodes] == ["photo", "icon"]  # [objects] trace = false keeps the picture


@pytest.mark.parametrize("text, size, fidelity, confidence, graphic", [
    ("O", 186.0, 0.64, 0.60, True),   # a navy disc OCR was unsure of: its "O" render is mediocre
    ("0", 120.0, 0.40, 0.99, True),   # a mug: whatever OCR says, the render explains its ink poorly
    ("2", 63.0, 0.68, 0.9999, False),  # a large digit OCR is sure of
    ("O", 186.0, 0.90, 0.50, False),  # a letter that renders well
    ("O", 30.0, 0.40, 0.50, False),   # small characters are left to the text stage
    ("OK", 120.0, 0.40, 0.50, False),  # more than one character
    ("\u25cf", 127.0, 0.95, 0.95, True),  # a disc read again alone as "●": a shape, however well it renders
    ("\u2605", 60.0, 0.90, 0.99, True),  # a star as "★"
    ("\u2022", 20.0, 0.90, 0.99, False),  # a bullet at text size stays text
])
def test_which_lone_characters_are_graphics(text: str, size: float, fidelity: float, confidence: float,
                                            graphic: bool) -> None:
    block = text_block("t", [text], 100, 300, size=size)
    block = block.model_copy(update={"fidelity": fidelity,
                                     "provenance": Provenance(engine="rapidocr", confidence=confidence)})
    assert is_graphic(block) is graphic



def test_two_paints_a_designer_cannot_tell_apart_are_one_path() -> None:
    """A light grey file icon with a fold a shade darker (ΔE under 10) and a dark mark: the two greys fold
    into the more used one, so the trace stacks no two paths of one look."""
    colors = np.array([[244, 245, 246], [40, 40, 60], [220, 219, 220]], np.float64)
    index = np.array([[0, 0, 2, -1], [1, 2, 2, 0]])
    folded, remapped = one_paint_each(colors, index)
    assert folded.tolist() == [[244, 245, 246], [40, 40, 60]]
    assert remapped.tolist() == [[0, 0, 0, -1], [1, 0, 0, 0]]


@pytest.mark.parametrize("text,fidelity,confidence,misread", [
    ("aprear r rnr, re,", 0.16, 0.52, True),  # Devanagari the recogniser does not know, read as Latin
    ("ili", 0.19, 0.56, True),  # an illustration of books read as letters
    ("WORLD'S", 0.15, 0.998, False),  # an outlined title: no face explains it, but OCR is sure
    ("Total 42", 0.70, 0.55, False),  # OCR unsure, the render explains the ink
])
def test_unsure_readings_that_explain_nothing_are_misreadings(text: str, fidelity: float, confidence: float,
                                                              misread: bool) -> None:
    block = text_block("t", [text], 100, 300, size=40.0).model_copy(update={
        "fidelity": fidelity, "provenance": Provenance(engine="rapidocr", confidence=confidence)})
    assert is_misread(block) is misread
