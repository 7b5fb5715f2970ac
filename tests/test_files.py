"""Reading inputs of every common kind and writing outputs atomically."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from layerize.errors import InputError
from layerize.files import atomic_path
from layerize.reading import read_image


def _reference() -> np.ndarray:
    x = np.linspace(0, 255, 64, dtype=np.float64)
    return np.stack([np.tile(x, (48, 1)), np.tile(x[::-1], (48, 1)), np.full((48, 64), 128.0)], -1).astype(np.uint8)


def test_rgb_png_reads_exactly(tmp_path):
    ref = _reference()
    Image.fromarray(ref).save(tmp_path / "a.png")
    image, sha = read_image(tmp_path / "a.png")
    assert np.array_equal(image, ref) and len(sha) == 64


def test_wrong_extension_is_read_by_content(tmp_path):
    ref = _reference()
    Image.fromarray(ref).save(tmp_path / "actually_png.jpg", format="PNG")
    image, _ = read_image(tmp_path / "actually_png.jpg")
    assert np.array_equal(image, ref)


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_lossy_formats(tmp_path, fmt):
    Image.fromarray(_reference()).save(tmp_path / "a.img", format=fmt, quality=95)
    image, _ = read_image(tmp_path / "a.img")
    assert np.abs(image.astype(int) - _reference()).mean() < 4


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    Image.fromarray(_reference()).convert("CMYK").save(tmp_path / "cmyk.jpg", quality=95)
    image, _ = read_image(tmp_path / "cmyk.jpg")
    assert image.shape == (48, 64, 3)
    assert np.abs(image.astype(int) - _reference()).mean() < 12


def test_sixteen_bit_greyscale_is_scaled(tmp_path):
    ramp = np.tile(np.linspace(0, 65535, 64), (48, 1)).astype(np.uint16)
    Image.fromarray(ramp).save(tmp_path / "deep.png")
    image, _ = read_image(tmp_path / "deep.png")
    assert image[0, 0].tolist() == [0, 0, 0] and image[0, -1].tolist() == [255, 255, 255]


def test_palette_and_alpha_are_flattened_on_white(tmp_path):
    Image.fromarray(_reference()).convert("P").save(tmp_path / "pal.png")
    image, _ = read_image(tmp_path / "pal.png")
    assert np.array_equal(image, np.asarray(Image.open(tmp_path / "pal.png").convert("RGB")))
    rgba = np.zeros((48, 64, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:, 32:, 3] = 255
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    image, _ = read_image(tmp_path / "alpha.png")
    assert image[0, 0].tolist() == [255, 255, 255] and image[0, -1].tolist() == [255, 0, 0]


def test_unsupported_format_names_it(tmp_path):
    Image.fromarray(_reference()).save(tmp_path / "a.ico", format="ICO")
    with pytest.raises(InputError, match="unsupported image format ICO"):
        read_image(tmp_path / "a.ico")


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("exporter crashed")
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]
