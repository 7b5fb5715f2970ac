"""Damaged and unusual images: what Pillow would decode silently is refused, EXIF orientation is applied,
extreme shapes and oversized files are refused before they are decoded."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from layerize.config import LimitsConfig
from layerize.errors import InputError
from layerize.reading import read_image


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    pos, out = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        out.append((kind, data[pos + 8:pos + 8 + length]))
        pos += 12 + length
    return out


def _png(chunks: list[tuple[bytes, bytes]], bad_crc: bytes = b"") -> bytes:
    out = b"\x89PNG\r\n\x1a\n"
    for kind, body in chunks:
        crc = 0 if kind == bad_crc else zlib.crc32(kind + body) & 0xFFFFFFFF
        out += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)
    return out


def _encoded(image: Image.Image, **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", **options)
    return buf.getvalue()


NOISE = Image.fromarray(np.random.default_rng(1).integers(0, 255, (64, 64, 3), np.uint8))


def _damaged(case: str) -> bytes:
    chunks = _chunks(_encoded(NOISE))
    rows = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    head, tail = chunks[0], chunks[-1]
    if case == "half rows":
        return _png([head, (b"IDAT", zlib.compress(rows[:len(rows) // 2])), tail])
    if case == "no IEND":
        return _png(chunks[:-1])
    if case == "bad CRC":
        return _png(chunks, bad_crc=b"IDAT")
    palette = _chunks(_encoded(NOISE.convert("P")))
    return _png([c for c in palette if c[0] != b"PLTE"])


@pytest.mark.parametrize("case,problem", [
    ("half rows", "rows are missing"),
    ("no IEND", "no IEND chunk"),
    ("bad CRC", r"bad checksum in IDAT; \[limits\] accept_bad_checksums takes it"),
    ("no PLTE", "a palette image without its palette"),
])
def test_damaged_pngs_that_pillow_decodes_are_refused(tmp_path, case, problem):
    path = tmp_path / "bad.png"
    path.write_bytes(_damaged(case))
    Image.open(path).load()  # Pillow takes each of them without a word
    with pytest.raises(InputError, match=problem):
        read_image(path)


def test_a_bad_checksum_is_accepted_by_option_with_a_warning(tmp_path, caplog):
    path = tmp_path / "crc.png"
    path.write_bytes(_damaged("bad CRC"))
    image, _ = read_image(path, LimitsConfig(accept_bad_checksums=True))
    assert np.array_equal(image, np.asarray(NOISE))
    assert "bad checksum in IDAT (accepted: it decodes whole)" in caplog.text
    path.write_bytes(_damaged("half rows"))  # the option takes bad checksums only
    with pytest.raises(InputError, match="rows are missing"):
        read_image(path, LimitsConfig(accept_bad_checksums=True))


def test_interlaced_and_low_bit_depth_pngs_are_whole(tmp_path):
    for name, image, options in [("adam7", NOISE, {"interlace": 1}), ("bits", NOISE.convert("1"), {}),
                                 ("palette", NOISE.convert("P", colors=16), {"bits": 4})]:
        path = tmp_path / f"{name}.png"
        path.write_bytes(_encoded(image, **options))
        assert read_image(path)[0].shape == (64, 64, 3), name


def test_exif_orientation_is_applied(tmp_path):
    wide = Image.new("RGB", (80, 40), (200, 30, 30))
    wide.paste((30, 30, 200), (0, 0, 20, 40))  # a blue stripe on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: show the picture turned 90 degrees clockwise
    wide.save(tmp_path / "photo.jpg", exif=exif, quality=95)
    image, _ = read_image(tmp_path / "photo.jpg")
    assert image.shape == (80, 40, 3)  # upright, as a viewer shows it
    assert image[5, 20, 2] > 150 and image[75, 20, 0] > 150  # the stripe is now at the top


@pytest.mark.parametrize("size", [(20000, 10), (10, 20000), (4000, 8)])
def test_extreme_shapes_are_refused_before_decoding(tmp_path, size):
    Image.new("RGB", size, "white").save(tmp_path / "strip.png")
    with pytest.raises(InputError, match=r"more than 20 times as long as it is wide \(\[limits\] max_aspect\)"):
        read_image(tmp_path / "strip.png")


def test_a_banner_within_the_aspect_limit_is_read(tmp_path):
    Image.new("RGB", (400, 20), "white").save(tmp_path / "banner.png")
    assert read_image(tmp_path / "banner.png")[0].shape == (20, 400, 3)
    Image.new("RGB", (420, 20), "white").save(tmp_path / "banner.png")
    with pytest.raises(InputError, match="max_aspect"):
        read_image(tmp_path / "banner.png")
    assert read_image(tmp_path / "banner.png", LimitsConfig(max_aspect=25))[0].shape == (20, 420, 3)


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(_encoded(NOISE) + b"\0" * 100_000)
    with pytest.raises(InputError, match="more than any image within the limit of 10000 pixels holds"):
        read_image(path, LimitsConfig(max_pixels=10_000))
