"""Where the time goes: named stages, timed only while someone collects them.

The pipeline, the engines and the exporters mark their stages with
:func:`stage` (or report a duration measured elsewhere with :func:`add`);
:func:`collect` gathers the seconds of every stage run inside it, by name.
Names nest with dots (``text.fonts`` runs inside ``text``), so a table of
them reads as a tree. With no collector active a stage costs one lookup.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

Table = dict[str, float]
"""Seconds spent in each stage, by name."""

P = ParamSpec("P")
R = TypeVar("R")

_COLLECTORS: ContextVar[tuple[Table, ...]] = ContextVar("layerize_timing", default=())


def add(name: str, seconds: float) -> None:
    """Count ``seconds`` to stage ``name`` in every active collector."""
    for table in _COLLECTORS.get():
        table[name] = table.get(name, 0.0) + seconds


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time the body as stage ``name`` (added up when it runs more than once)."""
    collectors = _COLLECTORS.get()
    if not collectors:
        yield
        return
    for table in collectors:  # listed from its start, so a stage comes before the stages inside it
        table.setdefault(name, 0.0)
    start = time.perf_counter()
    try:
        yield
    finally:
        add(name, time.perf_counter() - start)


@contextmanager
def collect() -> Iterator[Table]:
    """A table of the stages run inside the ``with`` block (collectors nest: each sees its stages)."""
    table: Table = {}
    token = _COLLECTORS.set((*_COLLECTORS.get(), table))
    try:
        yield table
    finally:
        _COLLECTORS.reset(token)


def timed(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a function so each call is timed as stage ``name``."""
    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with stage(name):
                return fn(*args, **kwargs)
        return wrapper
    return decorate


def table_lines(table: Table) -> list[str]:
    """``table`` as lines of ``name seconds``, sub-stages indented under their stage, in the order begun."""
    width = max((len(name) + 2 * name.count(".") for name in table), default=0)
    return [f"{'  ' * name.count('.') + name:<{width}}  {seconds:7.3f} s" for name, seconds in table.items()]
