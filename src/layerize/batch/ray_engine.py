"""The Ray engine: the same jobs on the actors of a Ray cluster, each actor loading the models once.

The driver reads each input and sends its bytes with the job, so the nodes
need layerize (``pip install 'layerize[ray]'`` and the fonts) but no shared
disk; the actors send the outputs back and the driver writes them, exactly as
the local engine's workers do. One actor per CPU of the cluster by default,
each asking Ray for a worker's peak memory, so a node runs no more actors than
its memory holds.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..config import LimitsConfig
from ..errors import EngineError
from ..reading import BYTES_PER_PIXEL, read_image
from .resources import WORKER_PEAK_BYTES
from .work import Job, Outcome, Settings, Worker, failed

log = logging.getLogger("layerize")

DIED = "the Ray actor running it died (node lost, or out of memory); rerun with --resume"


class WorkerActor:
    """A :class:`~.work.Worker` as a Ray actor (made remote in :func:`run_ray`)."""

    def __init__(self, settings: Settings) -> None:
        self.worker = Worker(settings)

    def run(self, job: Job) -> Outcome:
        return self.worker.run(job)


class ActorDied(RuntimeError):
    """The actor running a job ended without an answer."""


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise EngineError("the ray engine needs the ray package: pip install 'layerize[ray]'") from None
    return ray


def connect(address: str | None, workers: int) -> bool:
    """Join the cluster at ``address`` (None: RAY_ADDRESS, else a new local one); True when this started Ray."""
    ray = _ray()
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # offline: no usage report
    options: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False}
    if address is None and not os.environ.get("RAY_ADDRESS"):
        options.update(include_dashboard=False, num_cpus=workers or None)
    try:
        ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise EngineError(f"cannot join the Ray cluster{f' at {address}' if address else ''}: {exc}") from None
    return True


def actor_count(workers: int) -> int:
    """``workers`` actors, or (0) one per CPU of the cluster; never more than the cluster's memory holds."""
    resources = _ray().cluster_resources()
    count = workers or int(resources.get("CPU", 1))
    memory = resources.get("memory")
    if memory:
        count = min(count, max(1, int(memory // WORKER_PEAK_BYTES)))
    return max(1, count)


def with_data(job: Job, limits: LimitsConfig) -> Job | Outcome:
    """The job with its input's bytes, or the failed outcome of an input that is too large or unreadable."""
    path = Path(job.source)
    try:
        if path.stat().st_size > BYTES_PER_PIXEL * limits.max_pixels:
            read_image(path, limits)  # refuses it by its size, before reading it, with the usual message
        return dataclasses.replace(job, data=path.read_bytes())
    except Exception as exc:  # noqa: BLE001 - recorded like any failure to read
        return failed(job, "read", exc)


def run_ray(jobs: list[Job], settings: Settings, workers: int, address: str | None,
            limits: LimitsConfig) -> Iterator[Outcome]:
    """The outcome of every job, as they finish, on actors of a Ray cluster."""
    ray = _ray()
    started = connect(address, workers)
    count = min(actor_count(workers), len(jobs))
    cpus = int(ray.cluster_resources().get("CPU", count))
    settings = dataclasses.replace(settings, threads=max(1, cpus // count))
    remote = ray.remote(num_cpus=1, memory=WORKER_PEAK_BYTES)(WorkerActor)
    actors = [remote.remote(settings) for _ in range(count)]
    idle, pending = list(actors), deque(jobs)
    running: dict[Any, tuple[Job, Any]] = {}
    try:
        while pending or running:
            while pending and idle:
                job = with_data(pending.popleft(), limits)
                if isinstance(job, Outcome):
                    yield job
                    continue
                actor = idle.pop()
                running[actor.run.remote(job)] = (job, actor)
            if not running:
                continue
            (ref,), _ = ray.wait(list(running), num_returns=1)
            job, actor = running.pop(ref)
            try:
                outcome = ray.get(ref)
            except ray.exceptions.RayActorError:
                outcome = failed(job, "analyse", ActorDied(DIED))
                actors.remove(actor)
                actor = remote.remote(settings)
                actors.append(actor)
            except ray.exceptions.RayTaskError as exc:
                outcome = failed(job, "analyse", exc.cause if exc.cause is not None else exc)
            idle.append(actor)
            yield outcome
    finally:
        for actor in actors:
            ray.kill(actor)
        if started:
            ray.shutdown()
