"""layerize serve's HTTP API through an ASGI client: the job's life, edits, exports and the security cases."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from layerize.serve.app import Settings, create_app

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DONE_WITHIN = 120.0
"""Seconds a small poster's analysis may take on a busy 2-core machine."""


def wait_done(client: TestClient, job_id: str) -> dict:
    deadline = time.monotonic() + DONE_WITHIN
    while time.monotonic() < deadline:
        status = client.get(f"/api/jobs/{job_id}", headers=AUTH).json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish: {status}")


@pytest.fixture(scope="module")
def small_poster(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    import designs

    buf = io.BytesIO()
    designs.poster(width=512).image.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("serve")


@pytest.fixture(scope="module")
def client(workdir: Path):
    app = create_app(Settings(workdir=workdir, max_upload_mb=1, jobs=2, token=TOKEN))
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def done_job(client: TestClient, small_poster: bytes) -> str:
    response = client.post("/api/jobs", files={"file": ("poster.png", small_poster, "image/png")}, headers=AUTH)
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    status = wait_done(client, job_id)
    assert status["status"] == "done", status
    return job_id


def test_job_runs_and_edited_scene_exports(client: TestClient, done_job: str) -> None:
    from psd_tools import PSDImage

    scene = client.get(f"/api/jobs/{done_job}/scene", headers=AUTH).json()
    title = next(n for n in scene["nodes"] if n["kind"] == "text" and "Coffee" in n["lines"][0]["text"])
    title["lines"] = [{**title["lines"][0], "text": "Fresh Tea", "runs": None}]
    assert client.put(f"/api/jobs/{done_job}/scene", json=scene, headers=AUTH).status_code == 200
    response = client.get(f"/api/jobs/{done_job}/export/psd", headers=AUTH)
    assert response.status_code == 200
    texts = [layer.text for layer in PSDImage.open(io.BytesIO(response.content)).descendants() if layer.kind == "type"]
    assert any("Fresh Tea" in text for text in texts), texts
    for fmt in ("pptx", "svg", "json"):
        assert client.get(f"/api/jobs/{done_job}/export/{fmt}", headers=AUTH).status_code == 200
    preview = client.get(f"/api/jobs/{done_job}/preview.png", headers=AUTH)
    assert Image.open(io.BytesIO(preview.content)).size == (scene["canvas"]["width"], scene["canvas"]["height"])
    layers = client.get(f"/api/jobs/{done_job}/layers", headers=AUTH).json()
    assert {layer["id"] for layer in layers} == {n["id"] for n in scene["nodes"]}
    one = client.get(f"/api/jobs/{done_job}/layers/{layers[-1]['id']}.png", headers=AUTH)
    assert one.headers["content-type"] == "image/png"


def test_openapi_documents_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/jobs", "/api/jobs/{job_id}", "/api/jobs/{job_id}/scene", "/api/jobs/{job_id}/export/{fmt}",
            "/api/jobs/{job_id}/preview.png"} <= set(paths)
    assert client.get("/").status_code == 200 and "layerize" in client.get("/").text


@pytest.mark.parametrize("path", ["/api/jobs/..%2F..%2Fetc%2Fpasswd", "/api/jobs/../../etc/passwd",
                                  "/api/jobs/%2Fetc%2Fpasswd", "/api/jobs/" + "0" * 32, "/api/jobs/ABC"])
def test_traversal_ids_are_404(client: TestClient, path: str) -> None:
    assert client.get(path, headers=AUTH).status_code == 404
    assert client.get(path + "/scene", headers=AUTH).status_code == 404


def test_traversal_names_in_a_job_are_404(client: TestClient, done_job: str) -> None:
    for name in ("..%2F..%2Fetc%2Fpasswd", "..%2Fstatus.json", "%2Fetc%2Fhostname"):
        assert client.get(f"/api/jobs/{done_job}/layers/{name}.png", headers=AUTH).status_code == 404
        assert client.get(f"/api/jobs/{done_job}/export/{name}", headers=AUTH).status_code == 404
    assert client.get("/static/..%2F..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_a_symlinked_job_folder_is_not_followed(client: TestClient, workdir: Path, done_job: str) -> None:
    link = workdir / "jobs" / ("f" * 32)
    link.symlink_to(workdir / "jobs" / done_job)
    assert client.get(f"/api/jobs/{'f' * 32}/scene", headers=AUTH).status_code == 404


def test_oversized_upload_is_413(client: TestClient) -> None:
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (2 * 2**20)
    response = client.post("/api/jobs", files={"file": ("big.png", big, "image/png")}, headers=AUTH)
    assert response.status_code == 413 and "limit" in response.json()["detail"]


def test_too_many_pixels_is_422(workdir: Path) -> None:
    buf = io.BytesIO()
    Image.new("L", (3000, 3000)).save(buf, "PNG")
    with TestClient(create_app(Settings(workdir=workdir / "px", max_pixels=1_000_000))) as client:
        response = client.post("/api/jobs", files={"file": ("x.png", buf.getvalue(), "image/png")})
    assert response.status_code == 422
    assert response.json()["detail"] == "the image is 3000x3000 pixels, above the limit of 1000000"


def test_wrong_content_type_is_refused(client: TestClient) -> None:
    response = client.post("/api/jobs", files={"file": ("x.png", b"#!/bin/sh\necho hi\n", "image/png")},
                           headers=AUTH)
    assert response.status_code == 415 and "PNG, JPEG or WEBP" in response.json()["detail"]
    assert client.post("/api/jobs", content=b"{}", headers={**AUTH, "Content-Type": "application/json"}
                       ).status_code == 422
    assert client.post("/api/jobs", files={"file": ("x.png", b"x")}, data={"config": "../../etc/passwd"},
                       headers=AUTH).status_code == 422


@pytest.mark.parametrize("image", ["/etc/hostname", "../../../etc/hostname", "../status.json", "status.json"])
def test_scene_pointing_outside_the_job_is_refused(client: TestClient, done_job: str, image: str) -> None:
    scene = client.get(f"/api/jobs/{done_job}/scene", headers=AUTH).json()
    scene["background"]["image"] = image
    response = client.put(f"/api/jobs/{done_job}/scene", content=json.dumps(scene), headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("scene: ")
    assert "hostname" not in client.get(f"/api/jobs/{done_job}/scene", headers=AUTH).text[:2000]


def test_invalid_scene_is_one_line_422(client: TestClient, done_job: str) -> None:
    response = client.put(f"/api/jobs/{done_job}/scene", content=b'{"canvas": 1}', headers=AUTH)
    assert response.status_code == 422 and "\n" not in response.json()["detail"]


def test_missing_or_wrong_token_is_401(client: TestClient, done_job: str) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN + "x"}):
        assert client.get(f"/api/jobs/{done_job}", headers=headers).status_code == 401
        assert client.get(f"/api/jobs/{done_job}/export/psd", headers=headers).status_code == 401
        assert client.post("/api/jobs", files={"file": ("x.png", b"x")}, headers=headers).status_code == 401


def test_restart_keeps_finished_jobs_and_expiry_cleans(workdir: Path, done_job: str) -> None:
    app = create_app(Settings(workdir=workdir, token=TOKEN))
    with TestClient(app) as again:
        assert again.get(f"/api/jobs/{done_job}", headers=AUTH).json()["status"] == "done"
    from layerize.serve.jobs import JobStore

    store = JobStore(workdir / "jobs", max_age=3600)
    assert done_job not in store.expire(now=time.time())
    assert done_job in store.expire(now=time.time() + 7200)
    assert store.status(done_job) is None


def test_four_uploads_all_finish_with_bounded_concurrency(tmp_path: Path, small_poster: bytes) -> None:
    """Four uploads at once with two workers: all finish, and never more than two run together."""
    with TestClient(create_app(Settings(workdir=tmp_path, jobs=2))) as client:
        ids = [client.post("/api/jobs", files={"file": (f"p{i}.png", small_poster, "image/png")}).json()["id"]
               for i in range(4)]
        most, deadline = 0, time.monotonic() + 4 * DONE_WITHIN
        def snapshot() -> list[str]:
            return [client.get(f"/api/jobs/{job_id}").json()["status"] for job_id in ids]

        while time.monotonic() < deadline:
            states, again = snapshot(), snapshot()
            if states == again:  # no job changed while the four were read: a true picture of one moment
                most = max(most, states.count("running"))
            if all(s in ("done", "failed") for s in again):
                states = again
                break
            time.sleep(0.1)
    assert states == ["done"] * 4
    assert 1 <= most <= 2
