"""The pipeline: analyse an image into a scene graph (filled in by the analysis stage)."""

from __future__ import annotations

from pathlib import Path

from .config import Config
from .scene import Scene


def analyze(path: Path | str, config: str | Path | Config | None = None) -> Scene:
    raise NotImplementedError
