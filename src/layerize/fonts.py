"""The font catalogue: fonts layerize can both render and name in the exports.

Fonts are found in the system font folders and in any folder the user adds.
Each :class:`FontFace` carries the names each format wants (family for PPTX and
SVG, PostScript for PSD), its weight and slant, and the file used to render it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont, TTLibError
from PIL import ImageFont

from . import fontcache
from .errors import ConfigError
from .timing import timed

SYSTEM_FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
    "~/Library/Fonts",
    "C:/Windows/Fonts",
)
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
COLLECTION_SUFFIXES = (".ttc", ".otc")  # every font inside a collection is a face of its own


@dataclass(frozen=True)
class FontFace:
    """One font: its names, weight (100..900) and slant, its file and its index inside a collection."""

    family: str
    style: str
    postscript: str
    weight: int
    italic: bool
    path: str
    index: int = 0

    @property
    def language(self) -> str | None:
        """The CJK language a pan-CJK family is drawn for ('JP', 'KR', 'SC', 'TC', 'HK'), from its name."""
        tag = self.family.rsplit(" ", 1)[-1]
        return tag if " CJK " in f" {self.family} " and tag in CJK_LANGUAGES else None


CJK_LANGUAGES = ("JP", "KR", "SC", "TC", "HK")


def cjk_language(text: str) -> str:
    """Which pan-CJK face draws ``text``: 'JP' with kana, 'KR' with Hangul, else 'SC' (Han and Latin)."""
    if any("\u3040" <= ch <= "\u30ff" for ch in text):
        return "JP"
    if any("\uac00" <= ch <= "\ud7af" or "\u1100" <= ch <= "\u11ff" for ch in text):
        return "KR"
    return "SC"


@lru_cache(maxsize=256)
@timed("text.fonts.cmaps")
def codepoints(face: FontFace) -> frozenset[int]:
    """The code points ``face`` has glyphs for (empty when its file cannot be read)."""
    cached = _CMAPS.get((face.path, face.index))
    if cached is not None:
        return fontcache.from_ranges(cached)
    return _read_codepoints(face)


def _read_codepoints(face: FontFace) -> frozenset[int]:
    try:
        font = TTFont(face.path, lazy=True, fontNumber=face.index)
        cmap = font.getBestCmap() or {}
        font.close()
    except (TTLibError, OSError, KeyError, AssertionError):
        return frozenset()
    return frozenset(cmap)


_CMAPS: dict[tuple[str, int], list[int]] = {}
"""The code points of every catalogued face, by file and collection index, as the font cache keeps them."""


def _name(font: TTFont, *ids: int) -> str | None:
    table = font["name"]
    for name_id in ids:
        record = table.getName(name_id, 3, 1, 0x409) or table.getName(name_id, 1, 0, 0)
        if record is not None:
            return record.toUnicode().strip()
    return None


def read_face(path: Path, index: int = 0) -> FontFace | None:
    """The :class:`FontFace` of a font file (the ``index``-th of a collection), or None when it cannot be read."""
    try:
        font = TTFont(str(path), lazy=True, fontNumber=index)
        family = _name(font, 16, 1)
        style = _name(font, 17, 2) or "Regular"
        postscript = _name(font, 6) or (family or path.stem).replace(" ", "") + "-" + style.replace(" ", "")
        os2 = font["OS/2"] if "OS/2" in font else None
        weight = int(os2.usWeightClass) if os2 is not None else 400
        italic = bool(os2.fsSelection & 1) if os2 is not None else "italic" in style.lower()
        font.close()
    except (TTLibError, OSError, KeyError, AttributeError, ValueError, AssertionError):
        return None
    if not family:
        return None
    weight = min(900, max(100, weight if weight >= 100 else weight * 100))
    return FontFace(family, style, postscript, weight, italic or "oblique" in style.lower(), str(path), index)


def read_faces(path: Path) -> list[FontFace]:
    """Every readable face in a font file: one, or each font of a collection."""
    count = 1
    if path.suffix.lower() in COLLECTION_SUFFIXES:
        try:
            collection = TTCollection(str(path), lazy=True)
            count = len(collection.fonts)
            collection.close()
        except (TTLibError, OSError, AssertionError):
            return []
    return [face for index in range(count) if (face := read_face(path, index)) is not None]


def _font_files(dirs: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for folder in dirs:
        root = Path(os.path.expanduser(folder))
        if root.is_dir():
            files.extend(p for p in root.rglob("*") if p.suffix.lower() in FONT_SUFFIXES and p.is_file())
    return sorted(set(files))


def _cached_file(path: Path, stamp: tuple[int, int]) -> fontcache.CachedFile:
    """The faces of a font file, read from the file, as the font cache keeps them."""
    faces = [fontcache.CachedFace(family=f.family, style=f.style, postscript=f.postscript, weight=f.weight,
                                  italic=f.italic, index=f.index, cmap=fontcache.to_ranges(_read_codepoints(f)))
             for f in read_faces(path)]
    return fontcache.CachedFile(size=stamp[0], mtime_ns=stamp[1], faces=faces)


def _scan(files: list[Path]) -> list[FontFace]:
    """Every face of ``files``: from the font cache where a file is unchanged, else read (and cached)."""
    cached = fontcache.load()
    entries: dict[str, fontcache.CachedFile] = {}
    read_anew = False
    for path in files:
        try:
            stamp = fontcache.stamp(path)
        except OSError:
            continue
        entry = cached.get(str(path))
        if entry is None or (entry.size, entry.mtime_ns) != stamp:
            entry, read_anew = _cached_file(path, stamp), True
        entries[str(path)] = entry
    if read_anew:
        fontcache.save({**{name: e for name, e in cached.items() if os.path.isfile(name)}, **entries})
    faces = []
    for name, entry in entries.items():
        for f in entry.faces:
            _CMAPS[(name, f.index)] = f.cmap
            faces.append(FontFace(f.family, f.style, f.postscript, f.weight, f.italic, name, f.index))
    return faces


class FontCatalogue:
    """All readable fonts in the given folders, looked up by family, weight and slant."""

    def __init__(self, extra_dirs: tuple[str, ...] = ()) -> None:
        for folder in extra_dirs:
            if not Path(os.path.expanduser(folder)).is_dir():
                raise ConfigError(f"font folder not found: {folder}")
        faces = _scan(_font_files(tuple(extra_dirs) + SYSTEM_FONT_DIRS))
        self.faces: list[FontFace] = []
        seen: set[str] = set()
        for face in faces:  # user folders come first, so their fonts win a name clash
            if face.postscript not in seen:
                seen.add(face.postscript)
                self.faces.append(face)
        CATALOGUED.update(((face.path, face.index), face) for face in faces)

    def families(self) -> list[str]:
        return sorted({f.family for f in self.faces})

    def find(self, family: str, weight: int = 400, italic: bool = False) -> FontFace | None:
        """The face of ``family`` closest to ``weight`` and ``italic``; None if the family is absent."""
        wanted = family.casefold()
        faces = [f for f in self.faces if f.family.casefold() == wanted]
        if not faces:
            return None
        return min(faces, key=lambda f: (f.italic != italic, abs(f.weight - weight), f.style != "Regular", f.path,
                                         f.index))

    def resolve(self, family: str, weight: int = 400, italic: bool = False) -> FontFace:
        """Like :meth:`find`, falling back to a common sans family when ``family`` is not installed."""
        for name in (family, "DejaVu Sans", "Liberation Sans", "Noto Sans"):
            face = self.find(name, weight, italic)
            if face is not None:
                return face
        if not self.faces:
            raise ConfigError("no fonts found: install fonts-dejavu-core or add a font folder to the config")
        return self.faces[0]


CATALOGUED: dict[tuple[str, int], FontFace] = {}
"""Every face of every catalogue built in this process, by file and collection index: the only font files
a scene graph may name (a scene is untrusted input; no other file is opened as a font)."""


def face_of(font_file: str | None, index: int, family: str, weight: int = 400, italic: bool = False) -> FontFace:
    """The catalogued face of ``font_file`` (at ``index``); else the catalogue's closest face of ``family``."""
    system = catalogue()
    face = CATALOGUED.get((font_file, index)) if font_file else None
    return face or system.resolve(family, weight, italic)


@lru_cache(maxsize=8)
@timed("text.catalogue")
def catalogue(extra_dirs: tuple[str, ...] = ()) -> FontCatalogue:
    """The (cached) catalogue for the system folders plus ``extra_dirs``."""
    return FontCatalogue(extra_dirs)


@lru_cache(maxsize=512)
def load_font(path: str, size: float, index: int = 0) -> ImageFont.FreeTypeFont:
    """A PIL font for rendering, cached by file, collection index and size (rounded to 1/64 px)."""
    return ImageFont.truetype(path, round(size * 64) / 64, index=index)
