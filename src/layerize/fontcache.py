"""What the font files hold (names, weights, code points), kept between processes.

Reading the names and character maps of every installed font takes seconds;
this cache keeps them in one JSON file, each file's entry valid while its
size and modification time are unchanged. The file lives in
``$LAYERIZE_CACHE_DIR`` (default ``$XDG_CACHE_HOME/layerize``, else
``~/.cache/layerize``). It is only a cache: a missing, unreadable or damaged
file is rebuilt, a folder that cannot be written means no cache, and an
entry is used only for a font file found in the font folders being scanned.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from .files import atomic_write_bytes

log = logging.getLogger("layerize")

CACHE_FILE = "fonts-v1.json"


class CachedFace(BaseModel):
    """One face of a font file: its names, weight, slant, collection index and code points."""

    family: str
    style: str
    postscript: str
    weight: int
    italic: bool
    index: int
    cmap: list[int]
    """Code points as ranges: first, last, first, last, ... (inclusive)."""


class CachedFile(BaseModel):
    """A font file's faces, valid while the file keeps this size and modification time."""

    size: int
    mtime_ns: int
    faces: list[CachedFace]


class FontCache(BaseModel):
    version: Literal[1] = 1
    files: dict[str, CachedFile] = {}


def cache_file() -> Path:
    """Where the cache lives (see the module's docstring)."""
    folder = os.environ.get("LAYERIZE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "layerize")
    return Path(folder) / CACHE_FILE


def load() -> dict[str, CachedFile]:
    """The cached font files by path; empty when there is no usable cache."""
    path = cache_file()
    try:
        return FontCache.model_validate_json(path.read_bytes()).files
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, ValidationError) as exc:
        log.debug("font cache %s ignored: %s", path, exc)
        return {}


def save(files: dict[str, CachedFile]) -> None:
    """Write the cache atomically; a folder that cannot be written leaves it unwritten."""
    path = cache_file()
    data = json.dumps(FontCache(files=files).model_dump(), separators=(",", ":"), sort_keys=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data.encode("utf-8"))
    except OSError as exc:
        log.debug("font cache %s not written: %s", path, exc)


def stamp(path: Path) -> tuple[int, int]:
    """The size and modification time a cached entry of ``path`` must match."""
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def to_ranges(points: Iterable[int]) -> list[int]:
    """``points`` as inclusive ranges, flattened: [first, last, first, last, ...]."""
    flat: list[int] = []
    for point in sorted(points):
        if flat and flat[-1] == point - 1:
            flat[-1] = point
        else:
            flat += [point, point]
    return flat


def from_ranges(flat: list[int]) -> frozenset[int]:
    """The code points of flattened inclusive ranges."""
    return frozenset(p for first, last in zip(flat[::2], flat[1::2]) for p in range(first, last + 1))
