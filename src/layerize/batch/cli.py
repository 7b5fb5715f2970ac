"""``layerize batch`` and ``layerize deck``: many images in one run.

The commands are made by :func:`commands`, given the options every layerize
command shares (``--config``, ``-q``, ``-v``), so this module need not import
the command line that registers them.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import click

from ..config import Config, load_config
from .progress import Progress
from .runner import DEFAULT_FORMATS, ENGINES, BatchRun

EXIT_FAILED, EXIT_INTERRUPTED = 1, 130
"""Some image failed; stopped by Ctrl-C (128 + SIGINT, as shells report it). Bad arguments are exit 2, as
everywhere in layerize."""


def _config(config: str, no_objects: bool) -> Config:
    cfg = load_config(config)
    return cfg.without_objects() if no_objects else cfg


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM stops the batch as Ctrl-C does (cleanly, no partial file)."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def plan(inputs: tuple[str, ...], outdir: Path | None, **options: Any) -> BatchRun:
    """The batch, with a bad argument as a usage error (one line, exit 2)."""
    try:
        return BatchRun(list(inputs), outdir, **options)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def drive(run: BatchRun, quiet: bool, start: float) -> int:
    """Run the batch with a progress bar at a terminal; print failures and a summary (seconds since
    ``start``); the exit status."""
    known = len(run.skipped) + len(run.refused)  # a resume reports these first, from the manifest
    progress = Progress(len(run), known, enabled=not quiet and sys.stderr.isatty())
    try:
        with _sigterm_interrupts(), progress:
            for count, result in enumerate(run):
                progress.update(result, known=count < known)
                if result.status == "failed":
                    progress.echo(f"layerize: error: {result.describe()}")
    except KeyboardInterrupt:
        click.echo(f"layerize: interrupted after {progress.done} of {len(run)} images; no partial file was "
                   "left (rerun with --resume to do the rest)", err=True)
        return EXIT_INTERRUPTED
    seconds = time.perf_counter() - start
    failed = len(run.failed)
    counts = {status: sum(r.status == status for r in run.results.values()) for status in ("ok", "skipped")}
    analysed = len(run.results) - known
    rate = f" ({analysed / seconds:.2f} images/s)" if analysed else ""
    where = "".join(f"; {what} {path}" for what, path in (("report", run.report), ("deck", run.deck)) if path)
    summary = (f"{len(run)} images: {counts['ok']} ok, {counts['skipped']} skipped, {failed} failed in "
               f"{seconds:.1f} s{rate}{where}")
    if failed:
        click.echo(f"layerize: {failed} of {len(run)} images failed: {summary}", err=True)
        return EXIT_FAILED
    if not quiet:
        click.echo(summary)
    return 0


def engine_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by ``batch`` and ``deck``: workers, engine, report, objects."""
    for option in reversed((
        click.option("--workers", type=click.IntRange(min=1),
                     help="Worker processes (Ray: actors). Default: one per core, as many as fit in memory "
                          "(Ray: one per CPU of the cluster)."),
        click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True,
                     help="Where the images are analysed: processes on this machine, or a Ray cluster."),
        click.option("--ray-address", metavar="ADDR",
                     help="The Ray cluster to join (HOST:PORT, or 'auto'); default: RAY_ADDRESS, else a local one."),
        click.option("--report", type=click.Path(path_type=Path),
                     help="Write one row per image (status, seconds, fidelity, counts) to this .csv or .json."),
        click.option("--no-objects", is_flag=True, help="Text only: leave objects and shapes in the background."),
    )):
        command = option(command)
    return command


def _check_engine(engine: str, ray_address: str | None) -> None:
    if ray_address and engine != "ray":
        raise click.UsageError("--ray-address needs --engine ray")


def commands(common_options: Callable[..., Any]) -> list[click.Command]:
    """The ``batch`` and ``deck`` commands, with layerize's ``common_options``."""

    @click.command("batch")
    @click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
    @click.option("-o", "--outdir", required=True, type=click.Path(path_type=Path),
                  help="Output folder; the outputs mirror the inputs' names below their common folder.")
    @click.option("--formats", default=",".join(DEFAULT_FORMATS), show_default=True,
                  help="Formats to write, comma-separated.")
    @click.option("--scene", is_flag=True, help="Also write each scene graph (NAME.scene.json).")
    @click.option("--resume", is_flag=True,
                  help="Skip each input whose outputs were made from the same content and config.")
    @click.option("--deck", type=click.Path(path_type=Path),
                  help="Also put every image on a slide of one .pptx deck, in input order.")
    @click.option("--slow-checks", is_flag=True, help="Also score outputs whose redrawing is slow (PPTX).")
    @engine_options
    @common_options
    def batch(inputs: tuple[str, ...], outdir: Path, formats: str, scene: bool, resume: bool, deck: Path | None,
              slow_checks: bool, workers: int | None, engine: str, ray_address: str | None, report: Path | None,
              no_objects: bool, config: str, quiet: bool, verbose: bool) -> int:
        """Convert every image of INPUT... (files, folders searched recursively, globs) into OUTDIR.

        Models and fonts are loaded once per worker. A failed image is reported
        and the batch goes on. Exit status: 0 when every image succeeded (or was
        skipped by --resume), 1 when any failed, 2 on bad arguments, 130 when
        interrupted.
        """
        _check_engine(engine, ray_address)
        start = time.perf_counter()
        return drive(plan(inputs, outdir, formats=formats, scene=scene, config=_config(config, no_objects),
                          workers=workers, resume=resume, report=report, deck=deck, engine=engine,
                          ray_address=ray_address, slow_checks=slow_checks), quiet, start)

    @click.command("deck")
    @click.argument("inputs", nargs=-1, required=True, metavar="IMAGE...")
    @click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="The deck (.pptx).")
    @engine_options
    @common_options
    def deck(inputs: tuple[str, ...], output: Path, workers: int | None, engine: str, ray_address: str | None,
             report: Path | None, no_objects: bool, config: str, quiet: bool, verbose: bool) -> int:
        """Make one editable deck of IMAGE... (files, folders, globs): a slide per image, in input order.

        The slide size follows the images' common aspect ratio.
        """
        _check_engine(engine, ray_address)
        start = time.perf_counter()
        return drive(plan(inputs, None, formats=(), config=_config(config, no_objects), workers=workers,
                          report=report, deck=output, engine=engine, ray_address=ray_address), quiet, start)

    return [batch, deck]
