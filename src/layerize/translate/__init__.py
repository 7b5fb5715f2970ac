"""Translations: one design, many languages.

``layerize texts`` writes a scene's texts as a table (:mod:`.table`) a
translator fills in, one column per language; ``layerize translate`` swaps each
language's texts in (:meth:`~layerize.scene.Scene.with_texts`) and refits every
block into its box (:mod:`.refit`: shrinking down to a floor, rewrapping, a
face that covers the script, :mod:`.scripts`; style tags, :mod:`.markup`),
then writes one file per language and output pattern, all or none, with a
report of how each block fitted.

From Python::

    from layerize.translate import translate
    german = translate(scene, {"text-1": "MEGA-AUSVERKAUF"}, "de")
    german.scene.export("poster_de.psd")
    [fit.describe() for fit in german.notable]
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import InputError
from ..export import write_scenes
from ..files import check_outputs
from ..registry import format_for
from ..scene import Scene, TextBlock
from .refit import Fit, Frame, frame_of, refit
from .table import TextTable, read_table, write_table

__all__ = ["Fit", "Translation", "default_workers", "frames", "output_paths", "read_table", "translate",
           "translate_table", "write_table", "write_translations"]

NOTABLE_SHRINK = 0.2
"""A block shrunk by more than this (20 %) is worth a look, as is one that does not fit."""
PLACEHOLDER = "{lang}"
MAX_WORKERS = 4


@dataclass
class Translation:
    """A scene in one language and how each of its text blocks took its text (in scene order)."""

    language: str
    scene: Scene
    fits: list[Fit]

    @property
    def notable(self) -> list[Fit]:
        """The blocks shrunk by more than :data:`NOTABLE_SHRINK`, that did not fit or kept the source."""
        return [fit for fit in self.fits if fit.status in ("overflow", "untranslated")
                or fit.scale < 1 - NOTABLE_SHRINK]


def frames(scene: Scene) -> dict[str, Frame]:
    """Each text block's box, by id (measure once, translate into many languages)."""
    return {block.id: frame_of(block, scene.canvas) for block in scene.texts}


def translate(scene: Scene, texts: Mapping[str, str], language: str = "",
              boxes: Mapping[str, Frame] | None = None) -> Translation:
    """``scene`` with ``texts`` (block id → text, style tags allowed) refit into their blocks' boxes.

    Blocks without a text keep theirs (reported ``untranslated``). ``boxes``:
    :func:`frames` of the scene, when already measured. KeyError for an
    unknown id, ValueError (naming the block) for a bad style tag.
    """
    boxes = boxes or frames(scene)
    fits: dict[str, Fit] = {}

    def fit(block: TextBlock, text: str) -> TextBlock:
        try:
            new, fits[block.id] = refit(block, text, language, boxes[block.id])
        except ValueError as exc:
            raise ValueError(f"{block.id}: {exc}") from None
        return new

    result = scene.with_texts(texts, fit)
    ordered = [fits.get(b.id) or Fit(b.id, language, "untranslated", 1.0, b.style.size_px, len(b.lines))
               for b in scene.texts]
    result.metadata["translation"] = {"language": language, "fits": [f.as_dict() for f in ordered]}
    return Translation(language, result, ordered)


def translate_table(scene: Scene, table: TextTable) -> list[Translation]:
    """Every language of ``table`` (in column order); InputError about the table for an unknown block
    id or a bad style tag."""
    known = {block.id for block in scene.texts}
    unknown = [id for id in table.texts if id not in known]
    if unknown:
        raise InputError(table.path, f"row {table.rows[unknown[0]]}: the scene has no text block {unknown[0]!r} "
                         f"(its blocks: {', '.join(sorted(known)) or 'none'})")
    boxes = frames(scene)
    done = []
    for language in table.languages:
        try:
            done.append(translate(scene, table.texts_for(language), language, boxes))
        except ValueError as exc:
            block = str(exc).split(":", 1)[0]
            raise InputError(table.path, f"row {table.rows.get(block, '?')}, {language}: {exc}") from None
    return done


def output_paths(patterns: Sequence[Path], languages: Sequence[str], inputs: Sequence[Path] = (),
                 extra: Sequence[Path] = ()) -> list[tuple[str, Path]]:
    """``(language, path)`` for each language and pattern (``{lang}`` replaced), checked: each pattern
    names a known format and holds ``{lang}``, no two files coincide (nor one of ``extra``, the other
    outputs), each can be written and none is one of the ``inputs``."""
    found: list[tuple[str, Path]] = []
    seen: dict[str, str] = {}
    for pattern in patterns:
        text = str(pattern)
        if PLACEHOLDER not in text:
            raise InputError(pattern, f"an output pattern holds {PLACEHOLDER}, which each language's name "
                             "replaces (e.g. poster_{lang}.psd)")
        if "{" in text.replace(PLACEHOLDER, "") or "}" in text.replace(PLACEHOLDER, ""):
            raise InputError(pattern, f"the only placeholder an output pattern may hold is {PLACEHOLDER}")
        format_for(pattern)
        for language in languages:
            path = Path(text.replace(PLACEHOLDER, language))
            key = str(path.resolve()).casefold()  # a case-insensitive file system would join them too
            if key in seen:
                raise InputError(pattern, f"{path} would be written twice ({seen[key]} and {language}); give each "
                                 "language and format a file of its own")
            seen[key] = language
            found.append((language, path))
    check_outputs([*(path for _, path in found), *extra], inputs)
    return found


def default_workers() -> int:
    """Processes that write translations at once: one per usable core, up to :data:`MAX_WORKERS`."""
    return max(1, min(MAX_WORKERS, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else os.cpu_count() or 1))


def write_translations(translations: Sequence[Translation], patterns: Sequence[Path], cfg: Config,
                       report: Path | None = None, inputs: Sequence[Path] = (), workers: int = 1) -> list[Path]:
    """Write every translation to every pattern (and the fitting report as JSON to ``report``), all or
    none, in ``workers`` processes; the written paths."""
    by_language = {t.language: t for t in translations}
    outputs = output_paths(patterns, list(by_language), inputs, [report] if report else [])
    jobs = [(by_language[language].scene, path) for language, path in outputs]
    documents = [(report, lambda: report_bytes(translations))] if report is not None else []
    return write_scenes(jobs, cfg, documents, score=False, workers=workers)


def report_bytes(translations: Sequence[Translation]) -> bytes:
    """The fitting report as JSON: per language, each block's status, scale, size and lines."""
    data = {"languages": [t.language for t in translations],
            "fits": [fit.as_dict() for t in translations for fit in t.fits]}
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
