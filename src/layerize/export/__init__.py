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
from ..errors import InputError
from ..files import atomic_paths
from ..registry import EXPORTERS, format_for
from ..scene import Scene
from .exporter import Exporter
from .fidelity import export_fidelity

__all__ = ["Exporter", "export", "write_outputs"]


def export(scene: Scene, path: Path | str, format: str | None = None, config: ExportConfig | None = None) -> Path:
    """Write ``scene`` to ``path`` atomically with the exporter for ``format`` (default: the extension)."""
    return scene.export(path, format, config)


def write_outputs(scene: Scene, outputs: Sequence[Path], cfg: Config, scene_path: Path | None = None,
                  slow_checks: bool = False) -> list[Path]:
    """Export ``scene`` to every output (and its JSON to ``scene_path``), all or nothing.

    Each file is written to a temporary path and scored (its redrawing against
    the input goes into ``metadata["export_fidelity"]`` under the output's
    name); only when every one succeeded are they all moved into place.
    """
    targets = [*outputs, *([scene_path] if scene_path is not None else [])]
    exporters = [EXPORTERS.create(format_for(out), cfg.export) for out in outputs]
    with atomic_paths(targets) as temps:
        for out, tmp, exporter in zip(outputs, temps, exporters):
            scene.losses(out, exporter)
            try:
                exporter.write(scene, tmp)
            except InputError as exc:  # a node the format cannot hold: say which output it stopped
                raise InputError(out, str(exc)) from None
            score = export_fidelity(scene, tmp, slow_checks, exporter)
            if score is not None:
                scene.metadata.setdefault("export_fidelity", {})[out.name] = score.as_dict()
        if scene_path is not None:
            temps[-1].write_bytes(scene.to_json().encode("utf-8"))
    return targets
