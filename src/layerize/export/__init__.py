"""Export, the last stage: the scene graph written to PSD, PPTX, SVG (or a third party's format).

Exporters are engines of :data:`layerize.registry.EXPORTERS` (the
``layerize.exporters`` entry-point group; the built-ins live in the top-level
``exporters/`` folder) implementing :class:`~.exporter.Exporter`. Each written
file can be drawn again by an independent reader and scored against the
input (:mod:`.fidelity`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..config import Config, ExportConfig
from ..registry import format_for
from ..scene import Scene
from .exporter import Exporter
from .fidelity import export_fidelity

__all__ = ["Exporter", "export", "write_outputs"]


def export(scene: Scene, path: Path | str, format: str | None = None, config: ExportConfig | None = None) -> Path:
    """Write ``scene`` to ``path`` atomically with the exporter for ``format`` (default: the extension)."""
    return scene.export(path, format, config)


def write_outputs(scene: Scene, outputs: Sequence[Path], cfg: Config, slow_checks: bool = False) -> list[Path]:
    """Export ``scene`` to every output with the config's export options, and score each file.

    Each output's fidelity (its redrawing against the input) goes into the
    scene's ``metadata["export_fidelity"]`` under the output's file name.
    """
    for out in outputs:
        format_for(out)  # every output's format is known before the first is written
    written = []
    for out in outputs:
        written.append(export(scene, out, config=cfg.export))
        score = export_fidelity(scene, out, slow=slow_checks)
        if score is not None:
            scene.metadata.setdefault("export_fidelity", {})[out.name] = score.as_dict()
    return written
