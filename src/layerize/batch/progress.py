"""The progress bar of a batch (tqdm): images done, failures, throughput, time left; only at a terminal."""

from __future__ import annotations

import logging
import sys
from contextlib import ExitStack
from types import TracebackType

import click
from tqdm import tqdm

from .report import Result

SMOOTHING = 0.1
"""Weight of the latest images in the rate and time left: images differ, so a long average steadies it."""


class Progress:
    """A bar over a batch's images; log lines print above it. Disabled: it shows nothing."""

    def __init__(self, total: int, known: int, enabled: bool) -> None:
        """``known`` images (a resumed run's, done before) start the bar and stay out of the rate."""
        self.enabled = enabled
        self.failures = 0
        self.done = 0
        self.stack = ExitStack()
        self.bar = tqdm(total=total, initial=known, unit="img", disable=not enabled, file=sys.stderr,
                        dynamic_ncols=True, smoothing=SMOOTHING, desc="layerize")

    def __enter__(self) -> Progress:
        if self.enabled:
            from tqdm.contrib.logging import logging_redirect_tqdm  # asyncio and more: only for a shown bar

            self.stack.enter_context(logging_redirect_tqdm([logging.getLogger("layerize")]))
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.bar.close()
        self.stack.close()

    def echo(self, line: str) -> None:
        """Print a line on standard error, above the bar."""
        if self.enabled:
            tqdm.write(line, file=sys.stderr)
        else:
            click.echo(line, err=True)

    def update(self, result: Result, known: bool = False) -> None:
        """Count ``result``; a ``known`` one is on the bar already."""
        self.done += 1
        if result.status == "failed":
            self.failures += 1
            self.bar.set_postfix(failed=self.failures, refresh=known)
        if not known:
            self.bar.update(1)
