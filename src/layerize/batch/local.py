"""The local engine: worker processes on this machine (concurrent.futures), each loading the models once.

At most one job per worker is in flight, so a stop cancels little and the
driver holds few results. Workers ignore Ctrl-C (the driver decides) and leave
their scratch folders when told to stop. A worker that dies (killed, out of
memory) fails the images it held, and a new pool takes the rest.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from types import FrameType

from .work import Job, Outcome, Settings, Worker, failed

START_METHOD = "spawn"
"""Fresh worker processes: nothing (threads, loaded sessions, the driver's state) is inherited."""
STOP_SECONDS = 5.0
"""How long a stopping worker may take to clean up before it is killed."""
DIED = "the worker process died (killed, or out of memory); rerun with --resume, with fewer --workers if it recurs"

_worker: Worker | None = None


class WorkerDied(RuntimeError):
    """The process running a job ended without an answer."""


def _stop(signum: int, frame: FrameType | None) -> None:
    sys.exit(1)  # unwinds the job, so its scratch folder is removed


def start_worker(settings: Settings) -> None:
    """Process initializer: Ctrl-C is the driver's; SIGTERM ends the job cleanly; load the models."""
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    try:
        _worker = Worker(settings)
    except SystemExit:  # stopped while loading (its warm-up folder is gone): no traceback
        os._exit(1)


def run_job(job: Job) -> Outcome:
    assert _worker is not None, "start_worker runs first"
    return _worker.run(job)


def run_local(jobs: Iterable[Job], settings: Settings, workers: int) -> Iterator[Outcome]:
    """The outcome of every job, as they finish, on ``workers`` processes."""
    pending = deque(jobs)
    while pending:
        yield from _run_pool(pending, settings, workers)


def _run_pool(pending: deque[Job], settings: Settings, workers: int) -> Iterator[Outcome]:
    """Run jobs from ``pending`` until it is empty or the pool breaks (its jobs in flight then fail)."""
    pool = ProcessPoolExecutor(min(workers, len(pending)), mp_context=multiprocessing.get_context(START_METHOD),
                               initializer=start_worker, initargs=(settings,))
    running: dict[Future[Outcome], Job] = {}
    finished = False
    try:
        while pending or running:
            while pending and len(running) < workers:
                job = pending.popleft()
                running[pool.submit(run_job, job)] = job
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                job = running.pop(future)
                error = future.exception()
                if isinstance(error, BrokenProcessPool):
                    for lost in [job, *running.values()]:
                        yield failed(lost, "analyse", WorkerDied(DIED))
                    running.clear()
                    finished = True
                    return
                yield failed(job, "analyse", error) if error else future.result()
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _terminate(pool)


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop the pool now: cancel what waits, end the workers (they remove their scratch folders)."""
    # no public handle on the processes before Python 3.14's terminate_workers()
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(STOP_SECONDS)
        if process.is_alive():
            process.kill()
