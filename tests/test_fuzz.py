"""A fuzz corpus made here: bad and unusual images, scene graphs, configs, output paths and options.

Every run must end in exit 0 (every output written) or exit 2 with one ``layerize: error:`` line and
nothing written; no run may read the files a hostile scene points at, and the strips and huge
canvases stay under a memory cap (measured in a child process).
"""

from __future__ import annotations

import base64
import io
import json
import os
import resource
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from layerize.cli import main
from layerize.scene import Scene

NOISE = np.random.default_rng(7).integers(0, 255, (64, 96, 3), np.uint8)
MEMORY_CAP_MB = 2048
"""Peak resident memory a child run may reach on the corpus's strips and huge canvases."""


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def _saved(image: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **options)
    return buf.getvalue()


def _cut_idat(data: bytes) -> bytes:
    """The PNG with its image data cut to half its rows (still a valid zlib stream)."""
    start = data.index(b"IDAT") - 4
    length = int.from_bytes(data[start:start + 4], "big")
    rows = zlib.decompress(data[start + 8:start + 8 + length])
    body = zlib.compress(rows[:len(rows) // 2])
    chunk = len(body).to_bytes(4, "big") + b"IDAT" + body + (zlib.crc32(b"IDAT" + body) & 0xFFFFFFFF).to_bytes(4, "big")
    return data[:start] + chunk + data[start + 12 + length:]


def _frames() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(buf, format="GIF", save_all=True, append_images=[Image.new("RGB", (32, 32))])
    return buf.getvalue()


rgb = Image.fromarray(NOISE)
IMAGES: dict[str, bytes] = {
    "png": _png(rgb),
    "jpeg-named-png": _saved(rgb, "JPEG"),
    "webp": _saved(rgb, "WEBP"),
    "tiff": _saved(rgb, "TIFF"),
    "bmp": _saved(rgb, "BMP"),
    "cmyk-jpeg": _saved(rgb.convert("CMYK"), "JPEG"),
    "sixteen-bit": _png(Image.fromarray(NOISE[..., 0].astype(np.uint16) * 257)),
    "palette": _png(rgb.convert("P")),
    "alpha": _png(rgb.convert("RGBA")),
    "grey-alpha": _png(rgb.convert("LA")),
    "truncated": _png(rgb)[:400],
    "half-rows": _cut_idat(_png(rgb)),
    "no-iend": _png(rgb)[:-12],
    "empty": b"",
    "random-bytes": np.random.default_rng(1).bytes(3000),
    "text": b"hello, I am not an image\n",
    "animated": _frames(),
    "bomb": _png(Image.new("1", (20000, 20000))),
    "tiny": _png(Image.new("RGB", (4, 4))),
    "strip": _png(Image.new("RGB", (4000, 8), "white")),
    "svg-text": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
}


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _check(result, outputs: list[Path]) -> None:
    """Exit 0 with every output, or exit 2 with one error line and none."""
    assert "internal error" not in result.output and "Traceback" not in result.output, result.output
    if result.exit_code == 0:
        assert all(p.is_file() for p in outputs), result.output
    else:
        assert result.exit_code == 2, result.output
        assert result.output.startswith("layerize: error: ") and result.output.count("\n") == 1, result.output
        assert not any(p.exists() for p in outputs)
    leftovers = [p for out in outputs for p in out.parent.glob(".*.part*")] if outputs else []
    assert not leftovers


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_every_image_of_the_corpus_ends_cleanly(tmp_path, name):
    path = tmp_path / f"{name}.png"
    path.write_bytes(IMAGES[name])
    outputs = [tmp_path / "out" / "x.psd", tmp_path / "out" / "x.svg", tmp_path / "out" / "x.json"]
    result = run(path, "-o", outputs[0], "-o", outputs[1], "--scene", outputs[2], "--no-objects", "-q")
    _check(result, outputs)
    expected_ok = name in {"png", "jpeg-named-png", "webp", "tiff", "bmp", "cmyk-jpeg", "sixteen-bit", "palette",
                           "alpha", "grey-alpha"}
    assert (result.exit_code == 0) == expected_ok, (name, result.output)


FORBIDDEN = ("/etc/passwd", "/proc/self/environ", "/etc/hostname")


@contextmanager
def watched_opens() -> Iterator[list[str]]:
    """The paths Python opens while the block runs (audit events)."""
    seen: list[str] = []
    WATCHERS.append(seen)
    try:
        yield seen
    finally:
        WATCHERS.remove(seen)


WATCHERS: list[list[str]] = []


def _audit(event: str, args: tuple) -> None:
    if event == "open" and WATCHERS and isinstance(args[0], (str, bytes, os.PathLike)):
        WATCHERS[-1].append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


def _scene_cases(base: dict, tmp: Path) -> Iterator[tuple[str, str | dict]]:
    """Hostile and broken variants of a good scene (JSON text or data)."""
    def variant(change: Callable[[dict], None]) -> dict:
        data = json.loads(json.dumps(base))
        change(data)
        return data

    outside = tmp / "outside.png"
    outside.write_bytes(IMAGES["png"])
    (tmp / "case" / "link.png").symlink_to(outside)
    (tmp / "case" / "environ.png").symlink_to("/proc/self/environ")
    for value in (str(outside), "../outside.png", "link.png", "environ.png", *FORBIDDEN, "../../../../etc/passwd"):
        yield f"image {value}", variant(lambda d, v=value: d["background"].update(image=v))
        yield f"original {value}", variant(lambda d, v=value: d.update(original=v))
    eps = "data:image/png;base64," + base64.b64encode(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 1 1\n").decode()
    bomb = "data:image/png;base64," + base64.b64encode(IMAGES["bomb"]).decode()
    yield "eps data uri", variant(lambda d: d.update(original=eps))
    yield "bomb data uri", variant(lambda d: d.update(original=bomb))
    yield "font passwd", variant(lambda d: d["nodes"][2]["style"].update(font_file="/etc/passwd"))
    yield "font index 99", variant(lambda d: d["nodes"][2]["style"].update(font_index=99))
    yield "empty block", variant(lambda d: d["nodes"][2]["lines"][0].update(text=""))
    for key, value in [("x", float("nan")), ("x", float("inf")), ("x", 1e308), ("baseline", -1e308)]:
        yield f"{key}={value}", json.dumps(variant(lambda d, k=key, v=value: d["nodes"][2].update({k: v})))
    yield "canvas 1e9", variant(lambda d: d["canvas"].update(width=10**9))
    yield "canvas 100000 square", variant(lambda d: d["canvas"].update(width=100000, height=100000))
    yield "size 1e6", variant(lambda d: d["nodes"][2]["style"].update(size_px=1e6))
    yield "long line", variant(lambda d: d["nodes"][2]["lines"][0].update(text="x" * 100_000))
    yield "bad json", '{"canvas": {'
    yield "not an object", "[1, 2, 3]"
    yield "bom", "\ufeff" + json.dumps(base)


def test_every_scene_of_the_corpus_ends_cleanly_and_reads_nothing_outside(scene, tmp_path):
    (tmp_path / "case").mkdir()
    base = json.loads(scene.to_json())
    for label, data in _scene_cases(base, tmp_path):
        path = tmp_path / "case" / "scene.json"
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
        outputs = [tmp_path / "case" / "out" / name for name in ("x.psd", "x.pptx", "x.svg", "again.json")]
        with watched_opens() as opened:
            result = run(path, *[a for o in outputs[:3] for a in ("-o", o)], "--scene", outputs[3], "-q")
        _check(result, outputs)
        outside = [p for p in opened if p.startswith(FORBIDDEN) or "outside" in p or "environ" in p]
        assert not outside, (label, outside)
        if result.exit_code == 0:
            assert label in {"font passwd", "font index 99", "empty block", "bom"}, (label, result.output)
            Scene.load(outputs[3])  # what it wrote loads again
            for out in outputs:
                out.unlink()


def _child_peak_mb(*args: object) -> tuple[int, str]:
    """Run the CLI in a child process: its exit status and peak resident memory (MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run([sys.executable, "-m", "layerize", *map(str, args)], capture_output=True, text=True,
                          timeout=300)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak >= before
    return proc.returncode, f"{peak // 1024} MB {proc.stderr.strip()}"


def test_strips_and_huge_canvases_stay_under_the_memory_cap(scene, tmp_path):
    cases = {"wide": (20000, 10), "tall": (10, 20000), "narrow": (4000, 8)}
    for name, size in cases.items():
        path = tmp_path / f"{name}.png"
        Image.new("RGB", size, "white").save(path)
        code, info = _child_peak_mb(path, "-o", tmp_path / f"{name}.psd")
        assert code == 2 and "max_aspect" in info, info
    banner = tmp_path / "banner.png"
    Image.fromarray(np.tile(NOISE, (1, 20, 1))[:, :1280]).save(banner)  # 20:1, the most the default takes
    code, info = _child_peak_mb(banner, "-o", tmp_path / "banner.psd", "-o", tmp_path / "banner.pptx")
    assert code == 0, info
    assert int(info.split()[0]) < MEMORY_CAP_MB, info
    data = json.loads(scene.to_json())
    data["canvas"] = {"width": 100000, "height": 100000}
    (tmp_path / "huge.json").write_text(json.dumps(data))
    code, info = _child_peak_mb(tmp_path / "huge.json", "-o", tmp_path / "huge.psd")
    assert code == 2 and "above the limit" in info and int(info.split()[0]) < MEMORY_CAP_MB, info
