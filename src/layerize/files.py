"""Writing outputs atomically: temporary files beside the targets, renamed over them only when all succeeded.

Before any slow work, :func:`check_outputs` makes sure every output can be
written: a file name the system accepts, in a folder (or a folder that can be
made) that is writable, not an existing folder, not an input and not another
output.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError

NAME_MAX = 255
"""Longest file name (bytes) the common file systems take."""


def _nearest_existing(path: Path) -> Path:
    """The closest ancestor of ``path`` (or ``path`` itself) that exists."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def check_outputs(outputs: Sequence[Path], inputs: Sequence[Path] = ()) -> None:
    """Raise :class:`InputError` naming the first output that cannot be written (see the module notes)."""
    seen: dict[Path, Path] = {}
    protected = {Path(p).resolve() for p in inputs}
    for out in map(Path, outputs):
        if len(os.fsencode(out.name)) > NAME_MAX:
            raise InputError(out, f"file name longer than {NAME_MAX} bytes")
        if out.is_dir():
            raise InputError(out, "is a folder; name a file")
        ancestor = _nearest_existing(out.parent)
        if not ancestor.is_dir():
            raise InputError(out, f"{ancestor} is a file, not a folder")
        if not os.access(ancestor, os.W_OK | os.X_OK):
            raise InputError(out, f"cannot write in {ancestor}: permission denied")
        resolved = out.resolve()
        if resolved in protected:
            raise InputError(out, "is an input of this run; writing it would overwrite the input")
        if resolved in seen:
            raise InputError(out, f"is given twice (also as {seen[resolved]})")
        seen[resolved] = out


@contextmanager
def atomic_paths(paths: Sequence[Path]) -> Iterator[list[Path]]:
    """Temporary paths beside ``paths``, renamed over them only when the block succeeds; else all removed.

    Folders made for them are removed again on failure (when left empty).
    """
    made: list[Path] = []
    temps: list[Path] = []
    try:
        for path in map(Path, paths):
            missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
            path.parent.mkdir(parents=True, exist_ok=True)
            made.extend(reversed(missing))
            # the target's extension last, so tools that go by it (LibreOffice) read the temporary file
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:200]}.", suffix=f".part{path.suffix}", dir=path.parent)
            os.close(fd)
            temps.append(Path(tmp))
        yield list(temps)
        for tmp, path in zip(temps, paths, strict=True):
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
        if any(not Path(p).exists() for p in paths):
            for folder in reversed(made):
                try:
                    folder.rmdir()
                except OSError:
                    pass


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only on success."""
    with atomic_paths([path]) as (tmp,):
        yield tmp


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
