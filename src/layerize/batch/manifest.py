"""The resume manifest: what each input's outputs were made from, kept beside the outputs.

``OUTDIR/.layerize-manifest.json`` holds, per input (by its key, the path
below the inputs' common folder): the input's SHA-256, the SHA-256 of the
effective configuration (with layerize's version), the outputs' names and
their SHA-256, and the input's report row. ``--resume`` skips an input only when
all of these still match the files on disk. An input refused when it was read
(a corrupt image) is noted too, with the error: a resume reports it again
without a worker reading it again. The file is rewritten atomically
after every image, so a crash loses at most the image being written.
"""

from __future__ import annotations

import hashlib
import json
import logging
from importlib.metadata import version
from pathlib import Path
from typing import Any

from ..config import Config
from ..files import atomic_write_bytes

log = logging.getLogger("layerize")

MANIFEST_NAME = ".layerize-manifest.json"
MANIFEST_VERSION = 1
CHUNK = 1 << 20
"""Bytes hashed at a time: large files are never read whole."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def config_sha256(cfg: Config, slow_checks: bool) -> str:
    """What, besides the input, decides an output's bytes: the config, the checks run and layerize's version."""
    key = json.dumps({"layerize": version("layerize"), "config": json.loads(cfg.model_dump_json()),
                      "slow_checks": slow_checks}, sort_keys=True)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class Manifest:
    """The manifest of one output folder."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.path = outdir / MANIFEST_NAME
        self.entries: dict[str, dict[str, Any]] = {}

    @classmethod
    def load(cls, outdir: Path) -> Manifest:
        """The folder's manifest; empty when there is none, or when it cannot be read (with a warning)."""
        manifest = cls(outdir)
        if not manifest.path.is_file():
            return manifest
        try:
            data = json.loads(manifest.path.read_text(encoding="utf-8"))
            if data.get("version") != MANIFEST_VERSION or not isinstance(data.get("inputs"), dict):
                raise ValueError(f"not a version {MANIFEST_VERSION} manifest")
            manifest.entries = data["inputs"]
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("%s: unreadable, every input is redone (%s)", manifest.path, exc)
        return manifest

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.outdir).as_posix()

    def matches(self, key: str, input_sha: str, config_sha: str, targets: list[Path]) -> bool:
        """Whether ``key``'s outputs on disk were made from this input content and config."""
        entry = self._entry(key, input_sha, config_sha)
        if entry is None or entry.get("failed"):
            return False
        outputs = entry.get("outputs", {})
        if sorted(outputs) != sorted(self._relative(t) for t in targets):
            return False
        return all(t.is_file() and file_sha256(t) == outputs[self._relative(t)] for t in targets)

    def _entry(self, key: str, input_sha: str, config_sha: str) -> dict[str, Any] | None:
        entry = self.entries.get(key)
        if not entry or entry.get("input_sha256") != input_sha or entry.get("config_sha256") != config_sha:
            return None
        return entry

    def refused(self, key: str, input_sha: str, config_sha: str) -> bool:
        """Whether this same input was refused when read, with this config."""
        entry = self._entry(key, input_sha, config_sha)
        return bool(entry and entry.get("failed"))

    def row(self, key: str) -> dict[str, Any]:
        """The report row recorded for ``key`` when its outputs were made."""
        return dict(self.entries.get(key, {}).get("row", {}))

    def record(self, key: str, input_sha: str, config_sha: str, files: dict[Path, bytes], row: dict[str, Any]) -> None:
        """Note ``key``'s fresh outputs and save the manifest (atomically)."""
        self.entries[key] = {
            "input_sha256": input_sha, "config_sha256": config_sha,
            "outputs": {self._relative(p): hashlib.sha256(data).hexdigest() for p, data in files.items()},
            "row": row,
        }
        self.save()

    def record_refusal(self, key: str, input_sha: str, config_sha: str, row: dict[str, Any]) -> None:
        """Note that ``key`` was refused when read (``row``: the error) and save the manifest."""
        self.entries[key] = {"input_sha256": input_sha, "config_sha256": config_sha, "failed": True, "row": row}
        self.save()

    def save(self) -> None:
        data = {"version": MANIFEST_VERSION, "inputs": dict(sorted(self.entries.items()))}
        atomic_write_bytes(self.path, (json.dumps(data, indent=1) + "\n").encode("utf-8"))
