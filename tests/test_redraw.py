"""Shapes that redraw what they take from the plate: line ends on pixel edges, the plate keeping what lies
beside a shape, and shapes that redraw their pixels badly dropped."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from layerize.config import Config
from layerize.objects import beside_nodes, faithful
from layerize.objects.base import Footprint, Segmentation
from layerize.objects.redraw import redraw_mismatch
from layerize.pipeline import analyze
from layerize.primitives.masks import dilate
from layerize.scene import Box, Provenance, Shape

WHITE, BAND, BAR, MARKER = (255, 255, 255), (221, 221, 221), (70, 130, 180), (51, 51, 51)


def _bullet_chart() -> Image.Image:
    """Bullet-chart rows: a grey band with a blue bar on it, a dark marker between the band and a lighter
    band: each on whole pixels."""
    image = Image.new("RGB", (420, 200), WHITE)
    draw = ImageDraw.Draw(image)
    for top in (30, 110):
        draw.rectangle((40, top, 259, top + 29), fill=BAND)  # x 40..259 inclusive
        draw.rectangle((262, top, 379, top + 29), fill=(238, 238, 238))
        draw.rectangle((260, top + 4, 261, top + 25), fill=MARKER)  # touches both bands
        draw.rectangle((40, top + 10, 199, top + 19), fill=BAR)
    return image


@pytest.fixture(scope="module")
def chart(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("redraw") / "bullets.png"
    _bullet_chart().save(path)
    return np.asarray(Image.open(path).convert("RGB")), analyze(path, Config())


def test_a_bar_on_whole_pixels_ends_on_their_edges(chart) -> None:
    """A bar over pixels 40..199 is a line from x 40 to x 200: butt caps reach the end pixels' outer edges."""
    _, scene = chart
    bars = [n for n in scene.nodes if isinstance(n, Shape) and n.shape == "line" and n.stroke == "#4682b4"]
    assert len(bars) == 2, [n.shape for n in scene.nodes]
    for bar in bars:
        (x1, _), (x2, _) = sorted(bar.points or [])
        assert (x1, x2) == pytest.approx((40.0, 200.0), abs=0.05)
        assert (bar.box.x0, bar.box.x1) == pytest.approx((40.0, 200.0), abs=0.05)


def test_the_plate_keeps_the_marker_beside_the_bands(chart) -> None:
    """The marker between two bands lies within the ring erased round the bands for their edges, but is no
    edge of theirs and no shape of its own: the plate keeps it, as in the image."""
    image, scene = chart
    plate = np.asarray(scene.background.image.convert("RGB"))
    shapes = [n for n in scene.nodes if isinstance(n, Shape)]
    assert any(n.fill == "#dddddd" for n in shapes)  # the bands are shapes, so their pixels left the plate
    for top in (30, 110):
        assert (plate[top + 4:top + 26, 260:262] == MARKER).all()
        assert (plate[top + 12, 100] != BAND).any()  # the band itself is erased


def test_an_anti_aliased_edge_is_erased_with_its_shape() -> None:
    """A pixel half grey, half white beside a grey band is the band's edge: erased with it; a dark pixel
    there is not."""
    before = np.full((20, 40, 3), 255, np.uint8)
    before[5:15, 5:30] = BAND
    before[5:15, 30] = (238, 238, 238)  # half-covered edge column
    before[5:15, 31] = MARKER  # something else beside it
    areas = np.zeros((20, 40), bool)
    areas[5:15, 5:30] = True
    erased = dilate(areas, 2, disc=True)
    filled = np.full_like(before, 255)
    kept = beside_nodes(before, filled, areas, erased)
    assert not kept[5:15, 30].any()
    assert kept[6:14, 31].all()
    assert not kept[areas].any()


def _found(image: np.ndarray, shape: Shape, area: np.ndarray) -> Segmentation:
    return Segmentation([shape], [Footprint.of(area)], image.shape[:2])


def _cell(**update: object) -> Shape:
    fields = dict(id="shape-1", name="Rect 1", shape="rect", box=Box(x0=10, y0=10, x1=30, y1=30), fill="#ffffff",
                  provenance=Provenance(engine="flat", confidence=1.0))
    return Shape(**{**fields, **update})


def test_a_shape_that_redraws_its_pixels_is_kept_and_a_misfit_is_dropped() -> None:
    """A white heatmap cell inside a 1 px grey grid: as a white rect it redraws the image; as a rounded
    square with a 4 px grey stroke it misses a third of its pixels, so the plate keeps them."""
    image = np.full((40, 40, 3), 255, np.uint8)
    image[9, 9:31] = image[30, 9:31] = image[9:31, 9] = image[9:31, 30] = BAND
    area = np.zeros((40, 40), bool)
    area[10:30, 10:30] = True
    filled = np.full_like(image, 128)  # what a fill would guess: not the image
    good, misfit = _cell(), _cell(stroke="#dddddd", stroke_width=4.2, corner_radius=4.4, fill="#ffffff")
    assert redraw_mismatch(good, image, filled, Footprint.of(area).window, area[10:30, 10:30]) == 0.0
    assert faithful(_found(image, good, area), image, filled).nodes == [good]
    miss = redraw_mismatch(misfit, image, filled, Footprint.of(area).window, area[10:30, 10:30])
    assert miss is not None and miss > 0.2
    # without its stroke, the misfit is a plain white cell again, which redraws the image
    kept = faithful(_found(image, misfit, area), image, filled).nodes
    assert len(kept) == 1 and kept[0].stroke is None and kept[0].corner_radius == 4.4


def test_a_shape_that_misses_with_and_without_its_stroke_is_dropped() -> None:
    """A blue rect laid over a photo-like gradient redraws nothing: dropped, with its footprint."""
    ramp = np.linspace(0, 255, 40, dtype=np.uint8)
    image = np.dstack([np.tile(ramp, (40, 1))] * 3)
    area = np.zeros((40, 40), bool)
    area[10:30, 10:30] = True
    shape = _cell(fill="#4682b4", stroke="#ffffff", stroke_width=2.0)
    kept = faithful(_found(image, shape, area), image, image.copy())
    assert kept.nodes == [] and kept.footprints == [] and not kept.area.any()


def test_a_high_contrast_edge_a_little_off_still_matches() -> None:
    """A yellow disc on navy, drawn anti-aliased, and an ellipse a fifth of a pixel off it: its edge pixels
    are 50 levels off, yet blends of the same two colours, so the shape redraws its pixels."""
    big = Image.new("RGB", (160, 160), (46, 57, 123))
    ImageDraw.Draw(big).ellipse((4 * 11.3, 4 * 11.3, 4 * 28.1, 4 * 28.1), fill=(255, 242, 0))
    image = np.asarray(big.resize((40, 40), Image.BOX))
    area = dilate(np.asarray(Image.fromarray(image).convert("L")) > 120, 1, disc=True)
    shape = _cell(shape="ellipse", box=Box(x0=11.1, y0=11.5, x1=27.9, y1=28.3), fill="#fff200")
    footprint = Footprint.of(area)
    navy = np.empty_like(image)
    navy[:] = (46, 57, 123)
    assert redraw_mismatch(shape, image, navy, footprint.window, footprint.mask) <= 0.05
    assert faithful(_found(image, shape, area), image, navy).nodes == [shape]
