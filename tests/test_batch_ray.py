"""layerize batch --engine ray on a Ray cluster this test starts on 127.0.0.1: the local engine's bytes.

Needs the ray extra (``pip install '.[ray]'``): without it this fails, it does not skip.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import ray  # noqa: F401  (the engine's dependency: missing, the test fails)

import layerize.batch

RAY = Path(sys.executable).parent / "ray"
READY = "block forever"
"""What ``ray start --block`` prints once the head node runs."""
WAIT_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[str, dict[str, str]]]:
    """A one-node Ray cluster on loopback (2 CPUs, token auth, no dashboard): its address and client env."""
    folder = Path(tempfile.mkdtemp(prefix="ray-"))  # short: Ray's socket paths must stay under 108 bytes
    token = folder / "token"
    token.write_text(secrets.token_hex(32))
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token),
           "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}  # 0: the node keeps 127.0.0.1 rather than the LAN address
    port, log = _free_port(), folder / "head.log"
    with open(log, "w") as out:
        head = subprocess.Popen([RAY, "start", "--head", "--block", "--node-ip-address", "127.0.0.1", "--port",
                                 str(port), "--num-cpus", "2", "--include-dashboard", "false",
                                 "--disable-usage-stats", "--temp-dir", str(folder)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while READY not in log.read_text():
            assert head.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield f"127.0.0.1:{port}", env
    finally:
        head.send_signal(signal.SIGTERM)  # --block: the head stops the processes it started
        try:
            head.wait(WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            head.kill()
            head.wait()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_ray_batch_writes_the_bytes_of_the_local_engine(cluster, tmp_path):
    import designs

    address, env = cluster
    inputs = tmp_path / "in"
    (inputs / "deep").mkdir(parents=True)
    designs.poster(width=320, seed=1).image.save(inputs / "p1.png")
    designs.poster(width=300, seed=4).image.save(inputs / "deep" / "p4.png")
    (inputs / "broken.png").write_bytes((inputs / "p1.png").read_bytes()[:1500])

    local = {r.key: r for r in layerize.batch([inputs], tmp_path / "local", scene=True, workers=2)}
    result = subprocess.run([sys.executable, "-m", "layerize", "batch", inputs, "-o", tmp_path / "ray", "--scene",
                             "--engine", "ray", "--ray-address", address, "--report", tmp_path / "ray.csv"],
                            env=env, capture_output=True, text=True, timeout=WAIT_SECONDS * 3)
    assert result.returncode == 1, result.stderr  # the broken file fails on Ray as it does locally
    assert "broken.png: [read] InputError: truncated PNG" in result.stderr
    assert local["broken.png"].status == "failed"
    written = sorted(p.relative_to(tmp_path / "local") for p in (tmp_path / "local").rglob("*")
                     if p.is_file() and p.name != ".layerize-manifest.json")
    assert len(written) == 8  # 2 images x (psd, pptx, svg, scene)
    for rel in written:
        assert (tmp_path / "ray" / rel).read_bytes() == (tmp_path / "local" / rel).read_bytes(), rel
    rows = (tmp_path / "ray.csv").read_text().splitlines()
    assert len(rows) == 4 and sum(",ok," in row for row in rows) == 2
