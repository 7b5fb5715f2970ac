"""Stopping a batch: Ctrl-C leaves no partial file and exits 130; a worker that dies fails only its image."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

LAYERIZE = [sys.executable, "-m", "layerize"]
WAIT_SECONDS = 120
"""Longest a step may take (worker start-up and a small analysis take a few seconds)."""


@pytest.fixture
def posters(tmp_path: Path) -> Path:
    import designs

    folder = tmp_path / "in"
    folder.mkdir()
    for seed in range(3):
        designs.poster(width=320, seed=seed).image.save(folder / f"p{seed}.png")
    return folder


def start(args: list[object], scratch: Path) -> subprocess.Popen[str]:
    """The CLI in a session of its own with Ctrl-C's default action, as at a terminal; scratch as TMPDIR."""
    scratch.mkdir()
    return subprocess.Popen([*LAYERIZE, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(scratch)}, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for_job(scratch: Path) -> None:
    """Until a worker works on an image (its job folder exists)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not list(scratch.glob("layerize-job-*")):
        assert time.monotonic() < deadline, "no job started"
        time.sleep(0.05)


def workers_of(pid: int) -> list[int]:
    """The worker processes the batch started (its children running multiprocessing's spawn_main)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def test_ctrl_c_stops_cleanly_with_exit_130(posters, tmp_path):
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    batch = start(["batch", posters, "-o", out, "--workers", 2], scratch)
    wait_for_job(scratch)
    workers = workers_of(batch.pid)
    os.killpg(batch.pid, signal.SIGINT)
    _, err = batch.communicate(timeout=WAIT_SECONDS)
    assert batch.returncode == 130, err
    assert "layerize: interrupted after" in err and "Traceback" not in err
    written = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert not [p for p in written if ".part" in p.name]
    # whatever was written is whole: every image has all its outputs or none
    stems = {p.stem for p in written if p.suffix in (".psd", ".pptx", ".svg")}
    for stem in stems:
        assert all((out / f"{stem}.{fmt}").is_file() for fmt in ("psd", "pptx", "svg")), stem
    assert not list(scratch.glob("layerize-*")), "a worker left its scratch folder"
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_a_worker_that_dies_fails_its_image_and_the_batch_goes_on(posters, tmp_path):
    out, scratch, report = tmp_path / "out", tmp_path / "scratch", tmp_path / "report.csv"
    batch = start(["batch", posters, "-o", out, "--workers", 1, "--formats", "svg", "--report", report], scratch)
    wait_for_job(scratch)
    (worker,) = workers_of(batch.pid)
    os.kill(worker, signal.SIGKILL)
    _, err = batch.communicate(timeout=WAIT_SECONDS)
    assert batch.returncode == 1, err
    assert "WorkerDied: the worker process died" in err and "1 of 3 images failed" in err
    rows = report.read_text().splitlines()[1:]
    assert sum(",ok," in row for row in rows) == 2 and sum(",failed,analyse,WorkerDied," in row for row in rows) == 1
    assert len(list(out.glob("*.svg"))) == 2
