"""One presentation from many images: a slide per scene, in input order (the PPTX exporter's ``write_deck``)."""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..errors import EngineError
from ..files import atomic_path
from ..registry import EXPORTERS
from ..scene import Scene

DECK_SUFFIX = ".pptx"
DECK_FORMAT = "pptx"


def check_deck_path(path: Path) -> None:
    """ValueError unless the deck is a .pptx file."""
    if path.suffix.lower() != DECK_SUFFIX:
        raise ValueError(f"{path}: a deck is a {DECK_SUFFIX} file")


def load_scene(source: str | Path, cfg: Config) -> Scene:
    """A scene from its JSON text or its file."""
    if isinstance(source, Path):
        return Scene.load(source, max_pixels=cfg.limits.max_pixels)
    return Scene.from_json(source, max_pixels=cfg.limits.max_pixels)


def write_deck(path: Path, sources: list[str | Path], cfg: Config) -> None:
    """Write the scenes (JSON texts or scene files) as the slides of one deck at ``path``, atomically.

    What a slide cannot carry is one warning per slide, as for a single PPTX.
    """
    exporter = EXPORTERS.create(DECK_FORMAT, cfg.export)
    if not hasattr(exporter, "write_deck"):
        raise EngineError(f"the {DECK_FORMAT} exporter cannot write decks")
    scenes = [load_scene(source, cfg) for source in sources]
    for number, scene in enumerate(scenes, 1):
        scene.losses(f"{path} (slide {number})", exporter)
    with atomic_path(path) as tmp:
        exporter.write_deck(scenes, tmp)
