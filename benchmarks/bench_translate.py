"""Translations: do texts 1.6 times longer stay in their boxes, and how long do ten languages take?

    python benchmarks/bench_translate.py SCENES_DIR [--factor 1.6] [--languages de ru zh ar]

SCENES_DIR holds scene graphs (``*.scene.json``), e.g. of the synthetic designs:
``synth.py --out D --n 30 --seed 7`` then ``layerize D/case_000/input.png --scene
SCENES_DIR/case_000.scene.json`` for each case. Every text block of every scene gets
a stand-in text ``--factor`` times as long as its own in each language; each
language is exported to PSD, PPTX and SVG, and each exported text is checked:
the PSD type layer's pixel bounds and the SVG's text re-rendered alone by resvg
must lie inside the block's box (:func:`layerize.translate.refit.frame_of`, turned
with the block) within 2 % of the canvas, and inside the canvas; a block the
report says does not fit is counted apart. Then one scene is written in ten
languages × 3 formats by the command line, timed end to end.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import resvg_py
from lxml import etree
from PIL import Image
from psd_tools import PSDImage

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "fixtures"))

from translations import LANGUAGES, stretched  # noqa: E402

from layerize.config import load_config  # noqa: E402
from layerize.scene import Box, Scene, TextBlock  # noqa: E402
from layerize.translate import translate, write_translations  # noqa: E402
from layerize.translate.refit import Frame, frame_of  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
FORMATS = ("psd", "pptx", "svg")
TEN = ("en", *(language for language in LANGUAGES if language != "it"))
"""The source (English) and nine translations."""


def turned_box(block: TextBlock, frame: Frame) -> Box:
    """The canvas box around a block's frame turned with the block about its anchor."""
    a = math.radians(block.rotation)
    xs, ys = [], []
    for x, y in ((frame.left, frame.top), (frame.right, frame.top), (frame.left, frame.bottom),
                 (frame.right, frame.bottom)):
        dx, dy = x - block.x, y - block.baseline
        xs.append(block.x + dx * math.cos(a) + dy * math.sin(a))
        ys.append(block.baseline - dx * math.sin(a) + dy * math.cos(a))
    return Box(x0=min(xs), y0=min(ys), x1=max(xs), y1=max(ys))


def inside(box: tuple[float, float, float, float], outer: Box, tolerance: float) -> bool:
    x0, y0, x1, y1 = box
    return (x0 >= outer.x0 - tolerance and y0 >= outer.y0 - tolerance and x1 <= outer.x1 + tolerance
            and y1 <= outer.y1 + tolerance)


def svg_text_bounds(path: Path, block_id: str) -> tuple[int, int, int, int] | None:
    """The ink box of one block's text in an exported SVG, drawn alone (the rest removed) by resvg."""
    root = etree.parse(str(path)).getroot()
    for element in list(root):
        if element.tag != SVG + "defs" and element.get("id") != block_id and \
                not any(child.get("id") == block_id for child in element):
            root.remove(element)
    image = Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_string=etree.tostring(root).decode()))))
    return image.convert("RGBA").getchannel("A").getbbox()


def psd_text_bounds(path: Path) -> list[tuple[str, tuple[int, int, int, int]]]:
    """Each type layer's name and pixel bounds, bottom to top."""
    return [(layer.name, layer.bbox) for layer in PSDImage.open(path).descendants() if layer.kind == "type"]


def check_scene(scene: Scene, name: str, languages: list[str], factor: float, out: Path, cfg) -> dict[str, int]:
    """Translate one scene into stand-ins ``factor`` times longer, export, check every text."""
    counts = dict(blocks=0, inside=0, reported=0, outside_reported=0, outside_unreported=0, off_canvas=0)
    canvas = Box(x0=0, y0=0, x1=scene.canvas.width, y1=scene.canvas.height)
    tolerance = 0.02 * max(scene.canvas.width, scene.canvas.height)
    translations = []
    for k, language in enumerate(languages):
        texts = {b.id: stretched(b.text, language, factor, seed=i + k) for i, b in enumerate(scene.texts)}
        translations.append(translate(scene, texts, language))
    write_translations(translations, [out / f"{name}_{{lang}}.{fmt}" for fmt in FORMATS], cfg)
    frames = {b.id: turned_box(b, frame_of(b, scene.canvas)) for b in scene.texts}
    for translation in translations:
        svg = out / f"{name}_{translation.language}.svg"
        layers = psd_text_bounds(out / f"{name}_{translation.language}.psd")
        for block, fit, (layer, psd_box) in zip(translation.scene.texts, translation.fits, layers, strict=True):
            assert layer == block.layer_name, (layer, block.layer_name)
            counts["blocks"] += 1
            box = frames[block.id]
            svg_box = svg_text_bounds(svg, block.id)
            drawn = [b for b in (psd_box, svg_box) if b]
            ok = all(inside(b, box, tolerance) for b in drawn)
            on_canvas = all(inside(b, canvas, 1.0) for b in drawn)
            reported = fit.status == "overflow"
            counts["inside"] += ok
            counts["reported"] += reported
            counts["off_canvas"] += not on_canvas
            if not ok:
                counts["outside_reported" if reported else "outside_unreported"] += 1
                print(f"  {name} {translation.language} {block.id}: outside its box {box} psd {psd_box} svg "
                      f"{svg_box} ({fit.status})")
    return counts


def ten_languages(scene_path: Path, out: Path) -> float:
    """Seconds the command line takes to write ``scene_path`` in ten languages × 3 formats."""
    scene = Scene.load(scene_path)
    table = out / "texts.csv"
    with open(table, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "en", *TEN[1:]])
        for i, block in enumerate(scene.texts):
            writer.writerow([block.id, block.text, *(stretched(block.text, lang, 1.3, i) for lang in TEN[1:])])
    layerize = Path(sys.executable).with_name("layerize")
    start = time.perf_counter()
    subprocess.run([str(layerize), "translate", str(scene_path), "--texts", str(table), "-q",
                    *(arg for fmt in FORMATS for arg in ("-o", str(out / f"ten_{{lang}}.{fmt}")))], check=True)
    seconds = time.perf_counter() - start
    written = sorted(out.glob("ten_*"))
    assert len(written) == len(FORMATS) * len(TEN), written
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenes", type=Path)
    parser.add_argument("--factor", type=float, default=1.6)
    parser.add_argument("--languages", nargs="+", default=["de", "ru", "el", "zh", "ar", "he"])
    args = parser.parse_args()
    logging.getLogger("layerize").setLevel(logging.ERROR)  # the formats' known losses, once per file
    paths = sorted(args.scenes.glob("*.scene.json"))
    cfg = load_config("default")
    total: dict[str, int] = {}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            counts = check_scene(Scene.load(path), path.name.split(".")[0], args.languages, args.factor, Path(tmp),
                                 cfg)
            total = {k: total.get(k, 0) + v for k, v in counts.items()}
        print(f"{len(paths)} scenes × {len(args.languages)} languages ({' '.join(args.languages)}), texts "
              f"{args.factor}× longer, {time.perf_counter() - start:.1f} s:")
        print(f"  {total['blocks']} exported blocks (PSD layer and SVG re-render each), {total['inside']} inside "
              f"their box (2 % of the canvas), {total['reported']} reported as not fitting at the floor")
        print(f"  outside their box: {total['outside_reported']} reported, {total['outside_unreported']} "
              f"unreported; crossing the canvas edge: {total['off_canvas']}")
        biggest = max(paths, key=lambda p: len(Scene.load(p).texts))
        seconds = ten_languages(biggest, Path(tmp))
        print(f"ten languages × {len(FORMATS)} formats of {biggest.name} ({len(Scene.load(biggest).texts)} blocks) "
              f"by `layerize translate`: {seconds:.2f} s")


if __name__ == "__main__":
    main()
