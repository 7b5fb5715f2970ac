"""How many workers a machine holds: one per core, as many as fit in the memory available."""

from __future__ import annotations

import os

WORKER_PEAK_BYTES = 2 * 2**30
"""Peak resident memory of one worker, rounded up: the models and fonts take about 0.5 GiB and the largest
benchmark design (2048 x 3072 px, every stage) peaks at 1.6 GiB."""
DRIVER_RESERVE_BYTES = 2**30
"""Memory left for the driver (which holds one image's outputs at a time) and the rest of the system."""


def cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def available_memory() -> int | None:
    """Bytes of memory available for new processes (Linux's MemAvailable), or None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def fitting_workers(memory: int | None = None) -> int:
    """Workers whose peaks fit in the available memory, at least one."""
    memory = available_memory() if memory is None else memory
    if memory is None:
        return cores()
    return max(1, (memory - DRIVER_RESERVE_BYTES) // WORKER_PEAK_BYTES)


def default_workers() -> int:
    """One worker per core, as many as fit in memory."""
    return min(cores(), fitting_workers())


def threads_per_worker(workers: int) -> int:
    """Inpainting threads per worker, so the workers together use each core once."""
    return max(1, cores() // max(1, workers))
