"""The web application: the page, and the HTTP API over the job store and the analysis queue."""

from __future__ import annotations

import hmac
import io
import re
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from PIL import Image
from pydantic import ValidationError
from starlette.background import BackgroundTask

from ..config import load_config, preset_names
from ..errors import LayerizeError
from ..scene import Scene, png_bytes
from .jobs import SCENE, JobStore
from .layers import composite, node_pixels
from .worker import Worker, error_line

STATIC = Path(__file__).parent / "static"
FORMATS = {"psd": "image/vnd.adobe.photoshop", "pptx":
           "application/vnd.openxmlformats-officedocument.presentationml.presentation", "svg": "image/svg+xml"}
SCENE_UPLOAD_FACTOR = 4
"""A scene PUT may be this many times the image limit: it carries the plate, the original and the objects
as base64 PNGs (a third larger than their bytes), for an image of at most --max-upload-mb."""
EXPIRY_CHECK_SECONDS = 600.0
"""How often expired jobs are looked for."""
CACHED_SCENES = 8
"""Parsed scenes kept in memory (a scene's images take a while to decode; polling the page reuses them)."""


@dataclass(frozen=True)
class Settings:
    """What ``layerize serve`` was started with."""

    workdir: Path
    max_upload_mb: float = 50.0
    jobs: int = 1
    token: str | None = None
    max_age_hours: float = 24.0
    config: str = "default"
    max_pixels: int | None = None
    """Largest image (and scene canvas) in pixels; none: the config's ``[limits] max_pixels``."""

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 2**20)


def _safe_filename(name: str) -> str:
    """A download name with only harmless characters (it goes into a header)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "design"


class _Scenes:
    """The stored scene of each job, parsed once per version of its file."""

    def __init__(self, store: JobStore, max_pixels: int) -> None:
        self.store, self.max_pixels = store, max_pixels
        self.cache: dict[str, tuple[int, Scene]] = {}
        self.lock = threading.Lock()

    def folder(self, job_id: str) -> Path:
        folder = self.store.folder(job_id)
        if folder is None:
            raise HTTPException(404, "no such job")
        return folder

    def path(self, job_id: str) -> Path:
        path = self.folder(job_id) / SCENE
        if not path.is_file():
            raise HTTPException(409, "the job has no scene yet: wait until its status is done")
        return path

    def get(self, job_id: str) -> Scene:
        path = self.path(job_id)
        version = path.stat().st_mtime_ns
        with self.lock:
            cached = self.cache.get(job_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        scene = Scene.load(path, max_pixels=self.max_pixels)
        with self.lock:
            if len(self.cache) >= CACHED_SCENES:
                self.cache.pop(next(iter(self.cache)))
            self.cache[job_id] = (version, scene)
        return scene

    def put(self, job_id: str, body: bytes) -> Scene:
        """Validate an uploaded scene (its image paths confined to the job's folder) and store it."""
        folder = self.folder(job_id)
        self.path(job_id)
        try:
            scene = Scene.from_json(body.decode("utf-8-sig"), base_dir=folder, max_pixels=self.max_pixels)
        except (ValidationError, ValueError, LayerizeError) as exc:
            raise HTTPException(422, f"scene: {error_line(exc) if not isinstance(exc, UnicodeError) else exc}")
        scene.save(folder / SCENE)
        return scene


UPLOAD_FORMATS = ("PNG", "JPEG", "WEBP")
"""What the page takes; the analysis reads them by content, as the CLI does."""


def sniff_image(data: bytes, max_pixels: int) -> tuple[int, str] | None:
    """Why an upload is refused before it is queued (status and message), or None: by content, not name."""
    try:
        with Image.open(io.BytesIO(data), formats=UPLOAD_FORMATS) as img:
            width, height = img.size
    except Exception:  # not an image of these formats, whatever PIL raises
        return 415, "not a PNG, JPEG or WEBP image"
    if width * height > max_pixels:
        return 422, f"the image is {width}x{height} pixels, above the limit of {max_pixels}"
    return None


def _png(image: Image.Image) -> Response:
    return Response(png_bytes(image), media_type="image/png", headers={"Cache-Control": "no-store"})


def create_app(settings: Settings) -> FastAPI:
    """The FastAPI application; the worker pool starts and stops with it."""
    cfg = load_config(settings.config)
    max_pixels = settings.max_pixels or cfg.limits.max_pixels
    store = JobStore(settings.workdir / "jobs", max_age=settings.max_age_hours * 3600)
    scenes = _Scenes(store, max_pixels)
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()

        def expire() -> None:
            while not stop.wait(EXPIRY_CHECK_SECONDS):
                store.expire()

        store.expire()
        state["worker"] = Worker(store, settings.jobs, max_pixels)
        state["worker"].resume()
        threading.Thread(target=expire, daemon=True, name="layerize-expiry").start()
        yield
        stop.set()
        state["worker"].close()

    app = FastAPI(title="layerize", version="1", lifespan=lifespan,
                  description="Upload a flat design, poll its job, edit its scene graph, download PSD, PPTX, SVG.")

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        """The token on every API call; uploads held to their size limit before any byte is parsed."""
        if request.url.path.startswith("/api/"):
            if settings.token is not None:
                given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
                if not hmac.compare_digest(given.encode(), settings.token.encode()):
                    return JSONResponse({"detail": "missing or wrong token (send Authorization: Bearer TOKEN)"},
                                        status_code=401)
            if request.method in ("POST", "PUT"):
                limit = settings.max_upload_bytes * (SCENE_UPLOAD_FACTOR if request.method == "PUT" else 1)
                length = request.headers.get("content-length")
                if length is None or not length.isdigit():
                    return JSONResponse({"detail": "a Content-Length header is required"}, status_code=411)
                if int(length) > limit + 2**16:  # room for the multipart headers
                    return JSONResponse({"detail": f"the upload is larger than the limit of "
                                         f"{limit / 2**20:g} MiB"}, status_code=413)
        return await call_next(request)

    @app.post("/api/jobs", status_code=202, summary="Upload an image (PNG, JPEG, WEBP) and queue its analysis")
    def create_job(file: UploadFile = File(...), config: str = Form("")) -> dict[str, str]:
        preset = config or settings.config  # the server's own --config may be a file; a request's only a preset
        if config and config not in preset_names():
            raise HTTPException(422, f"config: unknown preset {preset!r} (one of {', '.join(preset_names())})")
        data = file.file.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise HTTPException(413, f"the image is larger than the limit of {settings.max_upload_mb:g} MiB")
        problem = sniff_image(data, max_pixels)
        if problem is not None:
            raise HTTPException(*problem)
        status = store.create(data, file.filename or "design", preset)
        state["worker"].submit(status.id)
        return {"id": status.id}

    @app.get("/api/jobs/{job_id}", summary="A job's status: queued, running (with its stage), done or failed")
    def job_status(job_id: str) -> dict[str, Any]:
        status = store.status(job_id)
        if status is None:
            raise HTTPException(404, "no such job")
        return asdict(status)

    @app.get("/api/jobs/{job_id}/scene", summary="The job's current scene graph (JSON)")
    def get_scene(job_id: str) -> FileResponse:
        return FileResponse(scenes.path(job_id), media_type="application/json",
                            headers={"Cache-Control": "no-store"})

    @app.put("/api/jobs/{job_id}/scene", summary="Replace the scene graph with an edited one (validated)")
    async def put_scene(job_id: str, request: Request) -> dict[str, Any]:
        body = await request.body()
        from starlette.concurrency import run_in_threadpool

        scene = await run_in_threadpool(scenes.put, job_id, body)
        return {"id": job_id, "nodes": len(scene.nodes)}

    @app.get("/api/jobs/{job_id}/export/{fmt}", summary="The current scene as psd, pptx, svg or json")
    def export(job_id: str, fmt: str) -> FileResponse:
        if fmt not in (*FORMATS, "json"):
            raise HTTPException(404, "unknown format: psd, pptx, svg or json")
        scene = scenes.get(job_id)
        stem = _safe_filename(Path(scene.source.path).stem if scene.source else "design")
        if fmt == "json":
            return FileResponse(scenes.path(job_id), media_type="application/json",
                                filename=f"{stem}.scene.json")
        tmp = Path(tempfile.mkdtemp(prefix="layerize-export-"))
        try:
            path = scene.export(tmp / f"{stem}.{fmt}", config=cfg.export)
        except LayerizeError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise HTTPException(422, error_line(exc)) from None
        return FileResponse(path, media_type=FORMATS[fmt], filename=path.name,
                            background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True))

    @app.get("/api/jobs/{job_id}/preview.png", summary="The current scene drawn: plate and every layer")
    def preview(job_id: str) -> Response:
        return _png(composite(scenes.get(job_id)))

    @app.get("/api/jobs/{job_id}/original.png", summary="The uploaded image as analysed")
    def original(job_id: str) -> Response:
        scene = scenes.get(job_id)
        if scene.original is None:
            raise HTTPException(404, "the scene holds no original")
        return _png(scene.original)

    @app.get("/api/jobs/{job_id}/plate.png", summary="The background plate (text and objects erased)")
    def plate(job_id: str) -> Response:
        return _png(scenes.get(job_id).background.image)

    @app.get("/api/jobs/{job_id}/layers", summary="Where each node's layer image goes on the canvas")
    def layers(job_id: str) -> list[dict[str, Any]]:
        placed = []
        for node in scenes.get(job_id).nodes:
            pixels = node_pixels(node)
            left, top = pixels[1] if pixels else (0, 0)
            width, height = pixels[0].size if pixels else (0, 0)
            placed.append({"id": node.id, "kind": node.kind, "name": node.layer_name, "left": left, "top": top,
                           "width": width, "height": height})
        return placed

    @app.get("/api/jobs/{job_id}/layers/{node_id}.png", summary="One node drawn alone (RGBA, cropped)")
    def layer(job_id: str, node_id: str) -> Response:
        node = next((n for n in scenes.get(job_id).nodes if n.id == node_id), None)
        if node is None:
            raise HTTPException(404, "no such node")
        pixels = node_pixels(node)
        return _png(pixels[0] if pixels else Image.new("RGBA", (1, 1)))

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
