"""A batch's inputs (files, folders searched recursively, globs) and the outputs that mirror them.

Outputs mirror each input's path below the inputs' common folder: with
``cases/a/input.png`` and ``cases/b/input.png`` (given as the folder, a glob
or the files), the PSD of the first is ``OUTDIR/a/input.psd``.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from PIL import Image

from ..errors import InputError
from ..reading import SUPPORTED_FORMATS
from ..registry import EXPORTERS

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"})
"""A file in a folder with one of these extensions is an input even when its content is unreadable, so a
corrupt image is reported, not passed over; other files are inputs when their content is an image."""
GLOB_MAGIC = re.compile(r"[*?[]")
SCENE_SUFFIX = ".scene.json"


@dataclass(frozen=True)
class Item:
    """One input and where its outputs go."""

    source: Path
    key: str
    """The input's path below the inputs' common folder (POSIX): its name in the manifest and the report."""

    def stem(self, outdir: Path) -> Path:
        """The outputs' path without extension: ``OUTDIR/<key without its extension>``."""
        key = PurePosixPath(self.key)
        return outdir.joinpath(*key.parent.parts, key.stem if key.suffix else key.name)

    def targets(self, outdir: Path, extensions: list[str], scene: bool) -> list[Path]:
        """The output files (one per extension, then the scene file when asked)."""
        stem = self.stem(outdir)
        return [stem.with_name(f"{stem.name}.{ext}") for ext in extensions] + (
            [stem.with_name(stem.name + SCENE_SUFFIX)] if scene else [])


def parse_formats(spec: str) -> list[str]:
    """``psd,pptx,svg`` as exporter names (duplicates dropped); ValueError naming an unknown one."""
    names = list(dict.fromkeys(part.strip().lower() for part in spec.split(",") if part.strip()))
    known = EXPORTERS.names()
    for name in names:
        if name not in known:
            raise ValueError(f"no exporter named {name!r} (available: {', '.join(known)})")
    return names


def extension(format: str) -> str:
    """The file extension an exporter's outputs get (its first)."""
    return (getattr(EXPORTERS.factory(format), "extensions", ()) or (format,))[0]


def natural_key(path: Path) -> list[object]:
    """Sort key putting ``slide2`` before ``slide10``."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", str(path))]


def looks_like_image(path: Path) -> bool:
    """Whether a file found in a folder is an input: an image extension, or image content."""
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return True
    try:
        with Image.open(path) as img:
            return img.format in SUPPORTED_FORMATS
    except Exception:  # noqa: BLE001 - anything Pillow cannot identify is not an image
        return False


def _walk(folder: Path, skip: Path | None) -> list[Path]:
    """Image files below ``folder`` (hidden files and folders, and ``skip``, left out), in natural order."""
    found = []
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        dirs[:] = [d for d in dirs if not d.startswith(".") and (skip is None or (here / d).resolve() != skip)]
        found += [here / f for f in files if not f.startswith(".") and looks_like_image(here / f)]
    return sorted(found, key=natural_key)


def _literal_root(pattern: str) -> Path:
    """The folder a glob starts from: its leading parts without wildcards."""
    parts = Path(pattern).parts
    literal = []
    for part in parts[:-1]:
        if GLOB_MAGIC.search(part):
            break
        literal.append(part)
    return Path(*literal) if literal else Path(".")


def expand(arguments: list[str | Path], outdir: Path | None = None) -> list[tuple[Path, Path]]:
    """Every input file with the folder it was found from, in argument order, each file once."""
    skip = outdir.resolve() if outdir is not None else None
    found: list[tuple[Path, Path]] = []
    for argument in map(str, arguments):
        path = Path(argument)
        if path.is_file():
            found.append((path, path.parent))
        elif path.is_dir():
            files = _walk(path, skip)
            if not files:
                raise InputError(path, "folder holds no image")
            found += [(f, path) for f in files]
        elif GLOB_MAGIC.search(argument):
            matches = sorted((Path(m) for m in glob.glob(argument, recursive=True)), key=natural_key)
            root = _literal_root(argument)
            files = [(f, root) for m in matches for f in ([m] if m.is_file() else _walk(m, skip))]
            if not files:
                raise InputError(argument, "no file matches")
            found += files
        else:
            raise InputError(path, "file not found")
    unique: dict[Path, tuple[Path, Path]] = {}
    for file, root in found:
        unique.setdefault(file.resolve(), (file, root))
    return list(unique.values())


def discover(arguments: list[str | Path], outdir: Path | None = None) -> list[Item]:
    """The batch's items, keyed by their path below the inputs' common folder.

    Raises InputError for an argument that names nothing, and for two inputs
    whose outputs would have the same names (``a.png`` and ``a.jpg``).
    """
    found = expand(arguments, outdir)
    if not found:
        raise InputError("inputs", "no input given")
    base = os.path.commonpath([os.path.abspath(root) for _, root in found])
    items, owners = [], {}
    for file, _ in found:
        item = Item(file, Path(os.path.relpath(os.path.abspath(file), base)).as_posix())
        stem = item.stem(Path()).as_posix()
        if stem in owners:
            raise InputError(file, f"its outputs would have the names of those of {owners[stem]}; rename one")
        owners[stem] = file
        items.append(item)
    return items
