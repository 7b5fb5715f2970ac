"""Export, the last stage: the scene graph written to PSD, PPTX, SVG (or a third party's format).

Exporters are engines of :data:`layerize.registry.EXPORTERS` (the
``layerize.exporters`` entry-point group; the built-ins live in the top-level
``exporters/`` folder) implementing :class:`~.exporter.Exporter`. Each written
file can be drawn again by an independent reader and scored against the
input (:mod:`.fidelity`).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import Config, ExportConfig
from ..errors import EngineError, InputError, LayerizeError
from ..files import atomic_paths
from ..registry import EXPORTERS, format_for
from ..scene import Scene
from ..timing import stage
from .exporter import Describer, Exporter, byte_size
from .fidelity import export_fidelity

__all__ = ["Describer", "Exporter", "describe_output", "export", "write_outputs", "write_scenes"]


def export(scene: Scene, path: Path | str, format: str | None = None, config: ExportConfig | None = None) -> Path:
    """Write ``scene`` to ``path`` atomically with the exporter for ``format`` (default: the extension)."""
    return scene.export(path, format, config)


def describe_output(path: Path, config: ExportConfig | None = None) -> str:
    """A written file's size and, when its format's exporter can tell (:class:`Describer`), what it holds:
    ``182.4 KiB: 5 texts, 2 shapes, ...``."""
    size = byte_size(path.stat().st_size)
    try:
        exporter = EXPORTERS.create(format_for(path), config)
    except EngineError:  # no exporter's file: a scene graph, a generated image
        return size
    return f"{size}: {exporter.describe(path)}" if isinstance(exporter, Describer) else size


def write_outputs(scene: Scene, outputs: Sequence[Path], cfg: Config, scene_path: Path | None = None,
                  slow_checks: bool = False) -> list[Path]:
    """Export ``scene`` to every output (and its JSON to ``scene_path``), all or nothing.

    Each file is written to a temporary path and scored (its redrawing against
    the input goes into ``metadata["export_fidelity"]`` under the output's
    name); only when every one succeeded are they all moved into place.
    """
    documents = [(scene_path, lambda: scene.to_json().encode("utf-8"))] if scene_path is not None else []
    return write_scenes([(scene, out) for out in outputs], cfg, documents, slow_checks)


@dataclass(frozen=True)
class _Job:
    """One file to write: the scene, its output, the temporary path it is written to, how."""

    scene: Scene
    out: Path
    tmp: Path
    exporter: object
    score: bool
    slow_checks: bool

    def run(self) -> dict[str, float] | None:
        """Write the file; its fidelity score when asked (and available)."""
        self.scene.losses(self.out, self.exporter)
        name = f"export.{self.exporter.name}"  # type: ignore[attr-defined]
        try:
            with stage(name):
                self.exporter.write(self.scene, self.tmp)  # type: ignore[attr-defined]
        except InputError as exc:  # a node the format cannot hold: say which output it stopped
            raise InputError(self.out, str(exc)) from None
        with stage(f"{name}.fidelity"):
            fidelity = export_fidelity(self.scene, self.tmp, self.slow_checks, self.exporter) if self.score else None
        return None if fidelity is None else fidelity.as_dict()


_FORKED: list[_Job] = []
"""The jobs of a pool of forked workers: they inherit them instead of receiving copies."""


Failure = tuple[str, str]
"""An expected error sent back from a worker: the file it names and the problem."""


def _run_forked(index: int) -> tuple[Failure | None, dict[str, float] | None]:
    """Run job ``index`` in a forked worker; an expected error comes back as what it says."""
    try:
        return None, _FORKED[index].run()
    except InputError as exc:
        return (str(exc.path), exc.problem), None
    except LayerizeError as exc:
        return (str(_FORKED[index].out), str(exc)), None


def _run_all(jobs: list[_Job], workers: int) -> list[dict[str, float] | None]:
    """Every job's result, in order: in this process, or (``workers`` > 1, where processes fork) in a pool."""
    if workers <= 1 or len(jobs) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [job.run() for job in jobs]
    _FORKED[:] = jobs
    try:
        with multiprocessing.get_context("fork").Pool(min(workers, len(jobs))) as pool:
            results = pool.map(_run_forked, range(len(jobs)), chunksize=1)
    finally:
        _FORKED.clear()
    failed = next((error for error, _ in results if error is not None), None)
    if failed is not None:
        raise InputError(*failed)
    return [score for _, score in results]


def write_scenes(jobs: Sequence[tuple[Scene, Path]], cfg: Config,
                 documents: Sequence[tuple[Path, Callable[[], bytes]]] = (), slow_checks: bool = False,
                 score: bool = True, workers: int = 1) -> list[Path]:
    """Export each scene to its output, then write each document's bytes (made once the exports are
    done, so they can report on them), all or nothing; with ``score``, each export is scored as in
    :func:`write_outputs`. ``workers`` > 1 writes the files in that many forked processes (the same
    bytes)."""
    targets = [*(out for _, out in jobs), *(path for path, _ in documents)]
    with stage("export.load"):
        exporters = [EXPORTERS.create(format_for(out), cfg.export) for _, out in jobs]
    with atomic_paths(targets) as temps:
        work = [_Job(scene, out, tmp, exporter, score, slow_checks)
                for (scene, out), tmp, exporter in zip(jobs, temps, exporters)]
        for job, result in zip(work, _run_all(work, workers)):
            if result is not None:
                job.scene.metadata.setdefault("export_fidelity", {})[job.out.name] = result
        for (_, make), tmp in zip(documents, temps[len(jobs):]):
            tmp.write_bytes(make())
    return targets
