"""The job store: one folder per job under the work dir, its status a JSON file written atomically.

A job's id is a random hex string checked against :data:`JOB_ID` before it is
joined to any path, so an id can never name a file outside the store; every
file in a job folder has a fixed name chosen here, never one from a request.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..files import atomic_write_bytes

JOB_ID = r"^[0-9a-f]{32}$"
"""128 random bits as hex: unguessable, and no character a path could use to escape."""
STATUS, INPUT, SCENE = "status.json", "input", "scene.json"
"""The only file names a job folder holds (exports are written to a temporary folder, then streamed)."""
STATES = ("queued", "running", "done", "failed")


@dataclass
class Status:
    """What GET /api/jobs/{id} answers: the state, the stage being run and the error of a failed job."""

    id: str
    status: str = "queued"
    stage: str | None = None
    error: str | None = None
    filename: str = ""
    config: str = "default"
    created: float = 0.0
    updated: float = 0.0


class JobStore:
    """Job folders under ``root``; finished jobs survive a restart, all jobs expire after ``max_age`` seconds."""

    def __init__(self, root: Path, max_age: float) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_age = max_age

    def folder(self, job_id: str) -> Path | None:
        """The folder of an existing job, or None (a malformed id is never joined to a path)."""
        if not re.fullmatch(JOB_ID, job_id):
            return None
        folder = self.root / job_id
        if folder.is_symlink() or not (folder / STATUS).is_file():
            return None
        return folder

    def create(self, data: bytes, filename: str, config: str = "default") -> Status:
        """A new queued job holding the uploaded bytes (under a fixed name), analysed with preset ``config``."""
        job_id = secrets.token_hex(16)
        folder = self.root / job_id
        folder.mkdir()
        atomic_write_bytes(folder / INPUT, data)
        now = time.time()
        status = Status(id=job_id, filename=Path(filename).name[:200], config=config, created=now, updated=now)
        self.save(status)
        return status

    def save(self, status: Status) -> None:
        """Write the status atomically (a reader sees the old file or the new one, never half)."""
        status.updated = time.time()
        atomic_write_bytes(self.root / status.id / STATUS, json.dumps(asdict(status)).encode("utf-8"))

    def status(self, job_id: str) -> Status | None:
        folder = self.folder(job_id)
        if folder is None:
            return None
        return Status(**json.loads((folder / STATUS).read_text("utf-8")))

    def update(self, job_id: str, **changes: str | None) -> None:
        """Change fields of a job's status (used by the worker processes too)."""
        status = self.status(job_id)
        if status is not None:
            for key, value in changes.items():
                setattr(status, key, value)
            self.save(status)

    def all(self) -> list[Status]:
        found = []
        for folder in sorted(self.root.iterdir()):
            status = self.status(folder.name)
            if status is not None:
                found.append(status)
        return found

    def expire(self, now: float | None = None) -> list[str]:
        """Delete jobs older than ``max_age`` (and stray folders without a status); their ids."""
        now = time.time() if now is None else now
        gone = []
        for folder in self.root.iterdir():
            status = self.status(folder.name)
            if status is None and folder.is_dir() and not folder.is_symlink() and folder.stat().st_mtime < now - 60:
                shutil.rmtree(folder, ignore_errors=True)  # a create that died half-way
            elif status is not None and status.created < now - self.max_age:
                shutil.rmtree(folder, ignore_errors=True)
                gone.append(status.id)
        return gone
