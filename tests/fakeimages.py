"""A real local server that speaks the OpenAI Images API, and helpers for the image-model tests.

Every request goes through the ``openai`` client to an ``http.server`` on
127.0.0.1 started here; nothing reaches the internet. Retries use a tiny
backoff so the tests run in seconds.
"""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from lxml import etree
from PIL import Image, ImageDraw, ImageFont
from pptx import Presentation
from psd_tools import PSDImage

from layerize.cli import main
from layerize.config import GenerateConfig
from layerize.generate.client import ImageClient, ImageRequest

KEY = "sk-test-secret-123"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
USAGE = {"input_tokens": 250, "input_tokens_details": {"text_tokens": 250, "image_tokens": 0},
         "output_tokens": 1056, "output_tokens_details": {"image_tokens": 1056, "text_tokens": 0},
         "total_tokens": 1306}
COST = (250 * 5 + 1056 * 30) / 1e6  # the default gpt-image-2 prices


def design(fmt: str = "PNG") -> bytes:
    """A small poster with real text: what the fake model 'generates'."""
    img = Image.new("RGB", (512, 512), (246, 240, 228))
    draw = ImageDraw.Draw(img)
    draw.polygon([(256, 130), (346, 320), (166, 320)], fill=(220, 80, 60))
    draw.text((256, 70), "SUMMER SALE", font=ImageFont.truetype(FONT, 48), fill=(30, 30, 60), anchor="ms")
    draw.text((256, 400), "50% OFF", font=ImageFont.truetype(FONT, 64), fill=(30, 30, 60), anchor="ms")
    draw.text((256, 460), "Shop today", font=ImageFont.truetype(FONT, 28), fill=(90, 60, 40), anchor="ms")
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


DESIGN = design()


def ok(b64: str | None = None, **item: Any) -> dict[str, Any]:
    """A successful ImagesResponse body."""
    return {"created": 1, "data": [item or {"b64_json": b64 or base64.b64encode(DESIGN).decode()}],
            "usage": USAGE}


def error(message: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}}


@dataclass
class Reply:
    """One scripted answer; an empty script answers with the design."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    def form(self) -> dict[str, bytes]:
        """The multipart fields of an edits request, by name."""
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + self.body)
        return {part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
                for part in message.iter_parts()}


class FakeImagesAPI:
    """POST /v1/images/generations and /v1/images/edits, GET /files/NAME, on 127.0.0.1."""

    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.seen: list[Seen] = []
        self.files: dict[str, bytes] = {}
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                api.seen.append(Seen("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                reply = api.script.pop(0) if api.script else Reply()
                time.sleep(reply.delay)
                self.answer(reply.status, json.dumps(reply.body or ok()).encode(), "application/json",
                            reply.headers)

            def do_GET(self) -> None:  # noqa: N802
                api.seen.append(Seen("GET", self.path, {k.lower(): v for k, v in self.headers.items()}, b""))
                name = self.path.rsplit("/", 1)[-1]
                if name in api.files:
                    self.answer(200, api.files[name], "application/octet-stream")
                else:
                    self.answer(404, b"not found", "text/plain")

            def answer(self, status: int, data: bytes, kind: str, headers: dict[str, str] | None = None) -> None:
                try:
                    self.send_response(status)
                    for key, value in {"Content-Type": kind, "Content-Length": str(len(data)),
                                       **(headers or {})}.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def reset(self, *replies: Reply) -> None:
        self.script, self.seen, self.files = list(replies), [], {}


FAST = {"backoff_base": 0.01, "backoff_max": 2.0, "retries": 2, "timeout": 5.0}


SLEPT: list[float] = []


def client(**overrides: Any) -> ImageClient:
    """A client with fast retries whose waits are recorded in SLEPT instead of slept."""
    return ImageClient(GenerateConfig(**{**FAST, **overrides}), sleep=SLEPT.append)


def request(**kw: Any) -> ImageRequest:
    return ImageRequest.build("a summer sale poster", GenerateConfig(), **kw)


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def texts_everywhere(psd: Path, pptx: Path, svg: Path) -> tuple[str, str, str]:
    """The live text of each output, read back with psd-tools, python-pptx and lxml."""
    psd_text = " ".join(layer.text for layer in PSDImage.open(psd).descendants() if layer.kind == "type")
    slide = Presentation(str(pptx)).slides[0]
    pptx_text = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    root = etree.parse(str(svg)).getroot()
    svg_text = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    return psd_text, pptx_text, svg_text

