"""Byte-stable zip files: the same entries always give the same bytes (no wall-clock timestamps)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the zip format's earliest date, on every entry


def write_stable_zip(data: bytes, path: Path) -> None:
    """Rewrite the zip ``data`` to ``path`` with a fixed timestamp on every entry."""
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(item.filename))
