"""The analysis queue: a pool of ``--jobs`` worker processes running :func:`layerize.analyze`.

Analyses are CPU-bound, so they run in processes (each keeps its OCR engine
loaded between jobs); the pool's size bounds how many run at once and the
rest wait in its queue. A worker writes the job's status file itself, so the
server only reads files to answer a poll.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from types import FrameType
from typing import Any, Callable

from pydantic import ValidationError

from ..errors import LayerizeError
from .jobs import INPUT, SCENE, JobStore

log = logging.getLogger("layerize.serve")

STAGES = {"read_image": "read", "read": "ocr", "analyse_text": "text", "dilate": "inpaint", "segment": "objects"}
"""The call in :func:`layerize.pipeline.analyze` that starts each stage, and the stage's name."""
PROCESS_START = "spawn"
"""Fresh worker processes: forking a server that runs threads can copy held locks."""


def _stage_tracer(on_stage: Callable[[str], None]) -> Callable[..., Any]:
    """A trace function that reports a stage whenever ``analyze`` itself calls the function starting it.

    Only frames called directly from ``analyze`` are looked at and none is
    traced line by line, so the cost is one comparison per Python call.
    """
    from ..pipeline import analyze

    target = analyze.__code__

    def trace(frame: FrameType, event: str, arg: Any) -> None:
        caller = frame.f_back
        if event == "call" and caller is not None and caller.f_code is target:
            stage = STAGES.get(frame.f_code.co_name)
            if stage is not None:
                on_stage(stage)
        return None

    return trace


def error_line(exc: BaseException) -> str:
    """One line saying what went wrong, as the CLI would print it."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"invalid {'.'.join(map(str, first['loc']))}: {first['msg']}"
    if isinstance(exc, LayerizeError):
        return str(exc)
    return f"internal error: {type(exc).__name__}: {exc}"


def run_job(root: str, job_id: str, max_pixels: int) -> None:
    """Analyse one job's upload and store its scene (runs in a worker process)."""
    from ..config import load_config
    from ..pipeline import analyze

    store = JobStore(Path(root), max_age=float("inf"))
    folder = store.folder(job_id)
    status = store.status(job_id)
    if folder is None or status is None:
        return  # expired while it waited
    store.update(job_id, status="running", stage="queued", error=None)
    try:
        cfg = load_config(status.config)
        limits = cfg.limits.model_copy(update={"max_pixels": min(cfg.limits.max_pixels, max_pixels)})
        cfg = cfg.model_copy(update={"limits": limits})
        sys.settrace(_stage_tracer(lambda stage: store.update(job_id, stage=stage)))
        try:
            scene = analyze(folder / INPUT, cfg)
        finally:
            sys.settrace(None)
        if scene.source is not None:
            scene.source.path = status.filename or scene.source.path
        scene.save(folder / SCENE)
    except Exception as exc:  # the job fails with one line; the worker lives on
        store.update(job_id, status="failed", error=error_line(exc))
        return
    store.update(job_id, status="done", stage="done")


def _warm() -> None:
    """Import the pipeline once per worker, before the first job."""
    from .. import pipeline  # noqa: F401


class Worker:
    """The bounded pool; ``submit`` queues a job, at most ``jobs`` run together."""

    def __init__(self, store: JobStore, jobs: int, max_pixels: int) -> None:
        self.store, self.max_pixels = store, max_pixels
        context = multiprocessing.get_context(PROCESS_START)
        self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_warm)

    def submit(self, job_id: str) -> Future:
        future = self.pool.submit(run_job, str(self.store.root), job_id, self.max_pixels)
        future.add_done_callback(lambda f: self._crashed(job_id, f))
        return future

    def _crashed(self, job_id: str, future: Future) -> None:
        """A worker that died (killed, out of memory) fails its job instead of leaving it running."""
        exc = future.exception()
        if exc is not None:
            log.error("job %s: worker failed: %s", job_id, exc)
            self.store.update(job_id, status="failed", error=f"the analysis stopped: {type(exc).__name__}")

    def resume(self) -> int:
        """Queue again the jobs a restart interrupted; the number queued."""
        waiting = [s for s in self.store.all() if s.status in ("queued", "running")]
        for status in waiting:
            self.store.update(status.id, status="queued", stage=None)
            self.submit(status.id)
        return len(waiting)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
