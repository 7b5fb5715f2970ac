"""A batch from start to end: plan (inputs, outputs, what a resume skips), run on an engine, write, report.

The driver (this process) is the only writer of the output folder: workers
send each image's outputs back and the driver writes them atomically, updates
the manifest, and at the end writes the report (and the deck).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import closing
from pathlib import Path

from ..config import Config, load_config
from ..errors import InputError
from ..files import atomic_paths, check_outputs
from ..registry import INPAINTERS, OCR_ENGINES, SEGMENTERS
from . import deck as decks
from .inputs import Item, discover, extension, parse_formats
from .local import run_local
from .manifest import Manifest, config_sha256, file_sha256
from .report import MEASURES, Result, check_report_path, write_report
from .resources import default_workers, fitting_workers, threads_per_worker
from .work import Job, Outcome, Settings

log = logging.getLogger("layerize")

ENGINES = ("local", "ray")
RECORDED = (*MEASURES, "stage", "error_class", "message")
"""The fields of a result the manifest keeps, for a resume to report it again."""
DEFAULT_FORMATS = ("psd", "pptx", "svg")


class BatchRun:
    """A planned batch; iterating it runs it and yields one :class:`Result` per image, as each finishes.

    Everything that can be checked before the slow work is checked when it is
    made (inputs, outputs, config, engines, report and deck paths): a problem
    raises :class:`~layerize.errors.LayerizeError` or ``ValueError`` then.
    """

    def __init__(self, inputs: Sequence[str | Path], outdir: str | Path | None, *,
                 formats: Sequence[str] | str = DEFAULT_FORMATS, scene: bool = False,
                 config: str | Path | Config | None = None, workers: int | None = None, resume: bool = False,
                 report: str | Path | None = None, deck: str | Path | None = None, engine: str = "local",
                 ray_address: str | None = None, slow_checks: bool = False) -> None:
        if engine not in ENGINES:
            raise ValueError(f"no engine {engine!r} (available: {', '.join(ENGINES)})")
        if workers is not None and workers < 1:
            raise ValueError(f"--workers {workers}: give at least 1")
        self.formats = parse_formats(formats if isinstance(formats, str) else ",".join(formats))
        self.outdir = Path(outdir) if outdir is not None else None
        if self.outdir is None and (self.formats or scene):
            raise ValueError("give an output folder (-o OUTDIR)")
        if self.outdir is not None and self.outdir.exists() and not self.outdir.is_dir():
            raise InputError(self.outdir, "is a file; the outputs go into a folder")
        if not (self.formats or scene or deck):
            raise ValueError("nothing to write: give --formats, --scene or --deck")
        self.report = Path(report) if report is not None else None
        if self.report is not None:
            check_report_path(self.report)
        self.deck = Path(deck) if deck is not None else None
        if self.deck is not None:
            decks.check_deck_path(self.deck)
        self.cfg = load_config(config)
        _check_engines(self.cfg)
        self.items: list[Item] = discover(list(inputs), self.outdir)
        self.scene = scene
        extensions = [extension(fmt) for fmt in self.formats]
        self.targets = [item.targets(self.outdir, extensions, scene) if self.outdir else [] for item in self.items]
        extra = [p for p in (self.report, self.deck) if p is not None]
        check_outputs([*(t for targets in self.targets for t in targets), *extra], [i.source for i in self.items])
        self.engine, self.ray_address, self.slow_checks = engine, ray_address, slow_checks
        self.manifest = Manifest.load(self.outdir) if self.outdir is not None else None
        self.config_sha = config_sha256(self.cfg, slow_checks)
        states = [self._state(i) if resume else None for i in range(len(self.items))]
        self.skipped = [i for i, state in enumerate(states) if state == "skipped"]
        """Inputs whose outputs a resume keeps."""
        self.refused = [i for i, state in enumerate(states) if state == "refused"]
        """Inputs a resume reports as refused again (the same content failed to read before)."""
        todo = len(self.items) - len(self.skipped) - len(self.refused)
        self.workers = _workers(workers, engine, todo)
        self.results: dict[int, Result] = {}
        self.scenes: dict[int, str] = {}
        """Each analysed image's scene graph as JSON, kept for the deck."""
        self.seconds = 0.0

    def __len__(self) -> int:
        return len(self.items)

    def _state(self, index: int) -> str | None:
        """What the manifest says of this input's content with this config: skipped (its outputs are
        there), refused (it failed to read) or None (to do)."""
        key = self.items[index].key
        if self.manifest is None:
            return None
        try:
            sha = file_sha256(self.items[index].source)
        except OSError:
            return None
        if self.manifest.refused(key, sha, self.config_sha):
            return "refused"
        if self.deck is not None and not self.scene:
            return None  # a deck needs each scene: from its scene file, or from a new analysis
        return "skipped" if self.manifest.matches(key, sha, self.config_sha, self.targets[index]) else None

    def settings(self) -> Settings:
        return Settings(self.cfg.model_dump_json(), self.slow_checks, threads_per_worker(self.workers),
                        logging.getLogger("layerize").getEffectiveLevel())

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results.values() if r.status == "failed"]

    def __iter__(self) -> Iterator[Result]:
        start = time.perf_counter()
        known = set(self.skipped) | set(self.refused)
        jobs = [Job(i, str(item.source), tuple(map(str, self.targets[i])), self.scene, self.deck is not None)
                for i, item in enumerate(self.items) if i not in known]
        try:
            for index in sorted(known):
                yield self._keep(self._from_manifest(index), index)
            if jobs:
                with closing(self._engine(jobs)) as outcomes:
                    for outcome in outcomes:
                        yield self._keep(self._finish(outcome), outcome.index)
            if self.deck is not None:
                self._write_deck()
        finally:
            self.seconds = time.perf_counter() - start
            if self.report is not None and self.results:
                write_report(self.report, [self.results[i] for i in sorted(self.results)], self.formats)

    def _engine(self, jobs: list[Job]) -> Iterator[Outcome]:
        if self.engine == "ray":
            from .ray_engine import run_ray

            return run_ray(jobs, self.settings(), self.workers, self.ray_address, self.cfg.limits)
        return run_local(jobs, self.settings(), self.workers)

    def _from_manifest(self, index: int) -> Result:
        """A skipped or refused input's result, as the manifest recorded it."""
        item = self.items[index]
        assert self.manifest is not None
        kept = {k: v for k, v in self.manifest.row(item.key).items() if k in RECORDED}
        if index in self.refused:
            return Result(item.source, item.key, "failed", **kept)
        return Result(item.source, item.key, "skipped", outputs=self.targets[index], **kept)

    def _keep(self, result: Result, index: int) -> Result:
        self.results[index] = result
        return result

    def _finish(self, outcome: Outcome) -> Result:
        """Write an image's outputs (all or none) and note them in the manifest."""
        item, targets = self.items[outcome.index], self.targets[outcome.index]
        for level, message in outcome.logs:
            log.log(level, "%s", message)
        result = Result(item.source, item.key, "ok", outcome.stage, outcome.error_class, outcome.message,
                        outcome.seconds, outputs=targets if outcome.ok else [])
        if not outcome.ok:
            result.status = "failed"
            if self.manifest is not None and outcome.stage == "read" and outcome.error_class == "InputError":
                self._note_refusal(item, result)
            return result
        metadata = outcome.metadata
        scores = metadata.get("export_fidelity", {})
        result.text_fidelity = metadata.get("text_fidelity")
        result.export_fidelity = {fmt: scores[t.name]["ssim"] for fmt, t in zip(self.formats, targets)
                                  if t.name in scores}
        result.n_text, result.n_objects, result.n_shapes = (outcome.counts.get(k) for k in
                                                            ("n_text", "n_objects", "n_shapes"))
        files = {Path(target): data for target, data in outcome.files.items()}
        try:
            with atomic_paths(list(files)) as temps:
                for tmp, data in zip(temps, files.values()):
                    tmp.write_bytes(data)
        except OSError as exc:
            result.status, result.stage, result.error_class = "failed", "export", type(exc).__name__
            result.message, result.outputs = f"cannot write the outputs: {exc}", []
            return result
        if self.manifest is not None and outcome.sha256:
            self.manifest.record(item.key, outcome.sha256, self.config_sha, files, result.measures())
        if outcome.scene_json is not None:
            self.scenes[outcome.index] = outcome.scene_json
        return result

    def _note_refusal(self, item: Item, result: Result) -> None:
        """Record an input refused when read, so a resume reports it without reading it again."""
        assert self.manifest is not None
        try:
            sha = file_sha256(item.source)
        except OSError:
            return
        row = {name: getattr(result, name) for name in RECORDED}
        self.manifest.record_refusal(item.key, sha, self.config_sha, row)

    def _write_deck(self) -> None:
        """The deck of every image that succeeded, in input order (a skipped one's scene read from its file)."""
        assert self.deck is not None
        order = [i for i in range(len(self.items)) if i in self.results and self.results[i].ok]
        missing = [str(self.items[i].source) for i in range(len(self.items)) if i not in order]
        if missing:
            log.warning("%s: %d of %d images left out (failed): %s", self.deck, len(missing), len(self.items),
                        ", ".join(missing))
        if not order:
            return
        sources = [self.scenes.get(i) or self.targets[i][-1] for i in order]
        decks.write_deck(self.deck, sources, self.cfg)


def _check_engines(cfg: Config) -> None:
    """EngineError now, not once per image, for an engine the config names that is not installed."""
    OCR_ENGINES.factory(cfg.ocr.engine)
    INPAINTERS.factory(cfg.inpaint.engine)
    for name in cfg.objects.segmenters if cfg.objects.enabled else []:
        SEGMENTERS.factory(name)


def _workers(requested: int | None, engine: str, todo: int) -> int:
    """The worker count: as asked (locally, no more than fit in memory, with a warning), else the default."""
    if engine == "ray":
        return requested or 0  # 0: one actor per CPU of the cluster
    if requested is None:
        return max(1, min(default_workers(), todo))
    fit = fitting_workers()
    if requested > fit:
        log.warning("--workers %d: only %d fit in the memory available; using %d", requested, fit, fit)
    return max(1, min(requested, fit, max(todo, 1)))


def batch(inputs: Sequence[str | Path], outdir: str | Path | None, **options: object) -> BatchRun:
    """Plan a batch of ``inputs`` (files, folders, globs) into ``outdir``; iterate the result to run it.

    Options: ``formats``, ``scene``, ``config``, ``workers``, ``resume``,
    ``report``, ``deck``, ``engine`` (``local`` or ``ray``), ``ray_address``,
    ``slow_checks`` (see :class:`BatchRun`).
    """
    return BatchRun(inputs, outdir, **options)  # type: ignore[arg-type]
