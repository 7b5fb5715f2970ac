"""The font cache: a new process reads the catalogue from it, and a changed, damaged or foreign entry is
never trusted."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from layerize import fontcache, fonts

REGULAR = fonts.catalogue().resolve("DejaVu Sans", 400)
BOLD = fonts.catalogue().resolve("DejaVu Sans", 700)
SERIF = fonts.catalogue().resolve("DejaVu Serif", 400)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A font folder of two faces, scanned alone, with its own cache folder."""
    monkeypatch.setattr(fonts, "SYSTEM_FONT_DIRS", ())
    monkeypatch.setenv("LAYERIZE_CACHE_DIR", str(tmp_path / "cache"))
    fonts_dir = tmp_path / "fonts"
    fonts_dir.mkdir()
    shutil.copy(REGULAR.path, fonts_dir / "a.ttf")
    shutil.copy(BOLD.path, fonts_dir / "b.ttf")
    return fonts_dir


def _unreadable(*args: object) -> None:
    raise AssertionError("a font file was read although the cache holds it")


def test_a_second_catalogue_comes_from_the_cache_with_the_same_faces_and_code_points(folder, monkeypatch):
    first = fonts.FontCatalogue((str(folder),))
    assert fontcache.cache_file().is_file()
    expected = {face: fonts._read_codepoints(face) for face in first.faces}
    assert len(expected[first.faces[0]]) > 3000
    monkeypatch.setattr(fonts, "read_faces", _unreadable)
    monkeypatch.setattr(fonts, "_read_codepoints", _unreadable)
    fonts._CMAPS.clear()
    second = fonts.FontCatalogue((str(folder),))
    assert second.faces == first.faces
    assert {face: fontcache.from_ranges(fonts._CMAPS[(face.path, face.index)]) for face in second.faces} == expected


def test_a_changed_font_file_is_read_again(folder):
    before = fonts.FontCatalogue((str(folder),))
    assert before.families() == ["DejaVu Sans"]
    target = folder / "a.ttf"
    shutil.copy(SERIF.path, target)  # another font under the same name
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    after = fonts.FontCatalogue((str(folder),))
    assert after.families() == ["DejaVu Sans", "DejaVu Serif"]
    cached = json.loads(fontcache.cache_file().read_text())["files"][str(target)]
    assert cached["faces"][0]["family"] == "DejaVu Serif"


@pytest.mark.parametrize("content", [b"\x00garbage", b'{"version": 2, "files": {}}', b'{"version": 1, "files": 3}',
                                     b'{"version": 1, "files": {"x": {"size": "big"}}}', b"[" * 100000])
def test_a_damaged_cache_is_rebuilt(folder, content):
    fontcache.cache_file().parent.mkdir(parents=True)
    fontcache.cache_file().write_bytes(content)
    catalogue = fonts.FontCatalogue((str(folder),))
    assert [f.weight for f in catalogue.faces] == [400, 700]
    assert set(fontcache.load()) == {str(folder / "a.ttf"), str(folder / "b.ttf")}


def test_an_unwritable_cache_folder_means_no_cache(folder, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LAYERIZE_CACHE_DIR", str(blocker / "cache"))
    catalogue = fonts.FontCatalogue((str(folder),))
    assert [f.weight for f in catalogue.faces] == [400, 700]
    assert fontcache.load() == {}


def test_an_entry_for_a_file_outside_the_font_folders_is_never_used(folder, tmp_path):
    outside = tmp_path / "secret.ttf"
    outside.write_bytes(b"not a font")
    stamp = fontcache.stamp(outside)
    fake = fontcache.CachedFace(family="Planted", style="Regular", postscript="Planted", weight=400, italic=False,
                                index=0, cmap=[65, 90])
    fontcache.save({str(outside): fontcache.CachedFile(size=stamp[0], mtime_ns=stamp[1], faces=[fake])})
    catalogue = fonts.FontCatalogue((str(folder),))
    assert "Planted" not in catalogue.families()
    assert str(outside) not in {f.path for f in catalogue.faces}


def test_code_point_ranges_round_trip():
    points = {0x20, 0x21, 0x22, 0x41, 0x4E00, 0x4E01, 0x1F600}
    flat = fontcache.to_ranges(points)
    assert flat == [0x20, 0x22, 0x41, 0x41, 0x4E00, 0x4E01, 0x1F600, 0x1F600]
    assert fontcache.from_ranges(flat) == frozenset(points)
