"""One image of a batch, as a worker does it: read, analyse, export, with the bytes sent back.

A :class:`Worker` loads the models and fonts once (a warm-up analysis), then
runs :class:`Job` after job, each in a scratch folder of its own: the outputs are
written there under their final names by the same :func:`~layerize.export.write_outputs`
a single ``layerize`` run calls (so the bytes are the same: each export's fidelity is
stored under the output's file name), read back and returned in an
:class:`Outcome` for the driver to move into place. A worker never writes into
the output folder, so stopping or losing one can leave no partial file there.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from ..config import Config
from ..errors import InputError
from ..export import write_outputs
from ..fonts import catalogue
from ..inpaint import windows as inpaint_windows
from ..pipeline import analyze, analyze_image
from ..reading import read_image
from ..scene import ImageObject, Scene, Shape, Source

log = logging.getLogger("layerize")

WARM_UP_SIZE = (480, 160)
"""The warm-up image: big enough for the OCR detector to find its line, small enough to take a second."""
WARM_UP_TEXT = "Warm up 42"


@dataclass(frozen=True)
class Settings:
    """What every worker of a batch shares; sent once, when the worker starts."""

    config_json: str
    slow_checks: bool = False
    threads: int = 1
    """Inpainting threads in each worker, so that all workers together use the cores once."""
    log_level: int = logging.WARNING


@dataclass(frozen=True)
class Job:
    """One input and the files to make from it."""

    index: int
    source: str
    """The input as the driver names it."""
    targets: tuple[str, ...] = ()
    """The output files, as the driver will write them; the last is the scene file when ``scene``."""
    scene: bool = False
    want_scene: bool = False
    """Send the scene graph back as JSON (for a deck)."""
    data: bytes | None = None
    """The input's bytes, for a worker that does not see the driver's disk (None: read ``source``)."""


@dataclass
class Outcome:
    """What a worker sends back for one job."""

    index: int
    stage: str | None = None
    """None on success, else the stage that failed: read, analyse or export."""
    error_class: str | None = None
    message: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    sha256: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    """Text blocks, objects and shapes: ``n_text``, ``n_objects``, ``n_shapes``."""
    files: dict[str, bytes] = field(default_factory=dict)
    """Each target's bytes, by its path as in :attr:`Job.targets`."""
    logs: list[tuple[int, str]] = field(default_factory=list)
    scene_json: str | None = None

    @property
    def ok(self) -> bool:
        return self.stage is None


def failed(job: Job, stage: str, exc: BaseException, seconds: dict[str, float] | None = None,
           source: Path | None = None) -> Outcome:
    """The outcome of a job that raised ``exc`` in ``stage`` (reading ``source``, default the job's)."""
    own = isinstance(exc, InputError) and str(exc.path) in (job.source, str(source or job.source))
    return Outcome(job.index, stage, type(exc).__name__, exc.problem if own else str(exc), dict(seconds or {}))


def counts(scene: Scene) -> dict[str, int]:
    return {"n_text": len(scene.texts), "n_objects": sum(isinstance(n, ImageObject) for n in scene.nodes),
            "n_shapes": sum(isinstance(n, Shape) for n in scene.nodes)}


class _Collector(logging.Handler):
    """Keeps the records of the current job, for the driver to log them where the user sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelno, record.getMessage()))


class Worker:
    """Runs jobs with the models and fonts loaded once."""

    def __init__(self, settings: Settings) -> None:
        self.cfg = Config.model_validate_json(settings.config_json)
        self.slow_checks = settings.slow_checks
        inpaint_windows.THREADS = settings.threads  # bit-identical results for any thread count
        logger = logging.getLogger("layerize")
        logger.setLevel(settings.log_level)
        logger.propagate = False
        self.collector = _Collector()
        logger.handlers[:] = [self.collector]
        if self.cfg.text.font_dirs:  # the user's fonts join the catalogue, as in a single run
            catalogue(tuple(self.cfg.text.font_dirs))
        self.warm_up()

    def warm_up(self) -> None:
        """Analyse a small drawn line once, so the OCR models, segmenters and font catalogue are loaded."""
        image = Image.new("RGB", WARM_UP_SIZE, "white")
        ImageDraw.Draw(image).text((24, 48), WARM_UP_TEXT, fill="black", font=ImageFont.load_default(size=48))
        with tempfile.TemporaryDirectory(prefix="layerize-warm-") as tmp:
            path = Path(tmp) / "warm-up.png"
            image.save(path)
            try:
                analyze(path, self.cfg)
            except Exception:  # noqa: BLE001 - a broken engine fails every job, where the report shows it
                pass
        self.collector.records.clear()

    def run(self, job: Job) -> Outcome:
        """Read, analyse and export ``job``'s input in a scratch folder; return the outputs' bytes."""
        self.collector.records.clear()
        with tempfile.TemporaryDirectory(prefix="layerize-job-") as tmp:
            scratch = Path(tmp)
            source = Path(job.source)
            if job.data is not None:  # the same file name, so the scene's source.path is the same
                (scratch / "in").mkdir()
                source = scratch / "in" / source.name
                source.write_bytes(job.data)
            outs = [scratch / Path(target).name for target in job.targets]
            outcome = self._run(job, source, outs)
            renames = {str(source): job.source, **{str(out): target for out, target in zip(outs, job.targets)}}
            outcome.logs = [(level, _renamed(message, renames)) for level, message in self.collector.records]
            if outcome.message:
                outcome.message = _renamed(outcome.message, renames)
        return outcome

    def _run(self, job: Job, source: Path, outs: list[Path]) -> Outcome:
        seconds: dict[str, float] = {}
        stage, mark = "read", time.perf_counter()
        try:
            image, sha = read_image(source, self.cfg.limits)
            seconds["read"] = time.perf_counter() - mark
            stage, mark = "analyse", time.perf_counter()
            scene = analyze_image(image, Source(path=source.name, sha256=sha), self.cfg)
            seconds["analyse"] = time.perf_counter() - mark
            stage, mark = "export", time.perf_counter()
            files = outs[:-1] if job.scene else outs
            write_outputs(scene, files, self.cfg, outs[-1] if job.scene else None, self.slow_checks)
            seconds["export"] = time.perf_counter() - mark
            data = {target: out.read_bytes() for out, target in zip(outs, job.targets)}
        except Exception as exc:  # noqa: BLE001 - one image's failure is recorded; the batch goes on
            seconds[stage] = time.perf_counter() - mark
            return failed(job, stage, exc, seconds, source)
        return Outcome(job.index, seconds=seconds, sha256=scene.source.sha256 if scene.source else None,
                       metadata=scene.metadata, counts=counts(scene), files=data,
                       scene_json=scene.to_json() if job.want_scene else None)


def _renamed(text: str, renames: dict[str, str]) -> str:
    """``text`` with the scratch paths replaced by the paths the user knows."""
    for old, new in sorted(renames.items(), key=lambda pair: -len(pair[0])):
        text = text.replace(old, new)
    return text
