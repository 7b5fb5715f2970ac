"""The image-model front end against a real local server that speaks the Images API.

Every request goes through the ``openai`` client to an ``http.server`` on
127.0.0.1 started here; nothing reaches the internet. Retries use a tiny
backoff so the whole file runs in seconds.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from lxml import etree
from PIL import Image, ImageDraw, ImageFont
from pptx import Presentation
from psd_tools import PSDImage

import layerize
from layerize.cli import main
from layerize.config import Config, GenerateConfig, load_config
from layerize.errors import ConfigError, ImageApiError
from layerize.generate.client import ImageClient, ImageRequest, estimate_cost
from layerize.generate.templates import load_template
from layerize.scene import Scene

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


@pytest.fixture(scope="module")
def server():
    api = FakeImagesAPI()
    api.thread.start()
    yield api
    api.server.shutdown()
    api.server.server_close()


@pytest.fixture
def api(server, monkeypatch):
    """The fake API, reset, with OPENAI_API_KEY and OPENAI_BASE_URL pointing at it."""
    server.reset()
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
    return server


FAST = {"backoff_base": 0.01, "backoff_max": 2.0, "retries": 2, "timeout": 5.0}


@pytest.fixture
def cfg_file(tmp_path) -> Path:
    """A config file with fast retries, as a user would write one."""
    path = tmp_path / "fast-retries.toml"
    path.write_text("[generate]\n" + "".join(f"{k} = {v}\n" for k, v in FAST.items()))
    return path


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


# ----------------------------------------------------------------------------- end to end


def test_generate_writes_editable_files_whose_text_reads_back(api, cfg_file, tmp_path):
    outs = [tmp_path / "poster.psd", tmp_path / "poster.pptx", tmp_path / "poster.svg"]
    result = run("generate", "A summer sale for ice cream", *[a for o in outs for a in ("-o", o)],
                 "--scene", tmp_path / "poster.json", "--size", "1024x1536", "--quality", "high",
                 "--config", cfg_file)
    assert result.exit_code == 0, result.output
    for text in texts_everywhere(*outs):
        assert "SUMMER SALE" in text and "50% OFF" in text
    raw = tmp_path / "poster.raw.png"
    assert raw.read_bytes() == DESIGN
    sent = api.seen[0]
    assert sent.path == "/v1/images/generations" and sent.headers["authorization"] == f"Bearer {KEY}"
    body = sent.json()
    assert (body["model"], body["size"], body["quality"], body["background"]) == (
        "gpt-image-2", "1024x1536", "high", "opaque")
    assert body["prompt"].startswith("A poster design: A summer sale for ice cream.")
    assert "no overlapping elements" in body["prompt"]
    meta = json.loads((tmp_path / "poster.json").read_text())["metadata"]["generation"]
    assert meta["usage"] == {"text_input": 250, "image_input": 0, "image_output": 1056, "text_output": 0}
    assert meta["cost_usd"] == pytest.approx(COST) and meta["template"] == "poster"
    assert f"est. ${COST:.4f}" in result.output and f"wrote {raw}" in result.output
    assert KEY not in result.output
    assert not list(tmp_path.glob(".*.part"))


def test_python_api_returns_scene_and_raw_image(api, tmp_path):
    api.reset(Reply(body=ok("data:image/jpeg;base64," + base64.b64encode(design("JPEG")).decode())))
    made = layerize.generate("ice cream", tmp_path / "out" / "ice.png", template="text-free",
                             config=Config(generate=GenerateConfig(**FAST)))
    assert made.image_path == tmp_path / "out" / "ice.jpg" and made.image_path.is_file()
    assert isinstance(made.scene, Scene) and made.scene.source.path == "ice.jpg"
    assert "SUMMER SALE" in [block.text for block in made.scene.texts]
    assert made.cost_usd == pytest.approx(COST)
    prompt = api.seen[0].json()["prompt"]
    assert "Do not include any text" in prompt and "each piece of text" not in prompt
    assert api.seen[0].json()["size"] == "1024x1024"  # the template's size


def test_preview_runs_low_quality_first(api, cfg_file, tmp_path):
    result = run("generate", "tea", "-o", tmp_path / "t.svg", "--scene", tmp_path / "t.json", "--preview",
                 "--config", cfg_file)
    assert result.exit_code == 0, result.output
    assert [r.json()["quality"] for r in api.seen] == ["low", "medium"]
    assert (tmp_path / "t.raw.preview.png").is_file() and (tmp_path / "t.raw.png").is_file()
    meta = json.loads((tmp_path / "t.json").read_text())["metadata"]["generation"]
    assert meta["preview"]["quality"] == "low"
    assert meta["total_cost_usd"] == pytest.approx(2 * COST)
    assert "preview " in result.output and f"total est. ${2 * COST:.4f}" in result.output


# ----------------------------------------------------------------------------- responses


def test_url_response_is_downloaded_from_the_same_server(api):
    api.reset(Reply(body=ok(url=f"{api.url}/files/image.webp")))
    api.files["image.webp"] = design("WEBP")
    with client() as c:
        result = c.generate(request())
    assert result.extension == "webp" and result.data == api.files["image.webp"]
    assert [s.method for s in api.seen] == ["POST", "GET"]
    assert "authorization" not in api.seen[1].headers  # the key goes to the API only


def test_missing_url_image_is_an_error(api):
    api.reset(Reply(body=ok(url=f"{api.url}/files/gone.png")))
    with client() as c, pytest.raises(ImageApiError, match=r"cannot download the image from .*gone.png: HTTP 404"):
        c.generate(request())


@pytest.mark.parametrize("body, message", [
    ({"created": 1, "data": []}, "returned no image: the request was probably blocked by moderation"),
    ({"created": 1, "data": [{"b64_json": None}]}, "returned no image"),
    (ok("bm90IGFuIGltYWdl"), "not a readable image"),
    (ok("%%%"), "invalid base64"),
    (ok(base64.b64encode(design("GIF")).decode()), "returned a GIF image; expected PNG, JPEG or WEBP"),
])
def test_unusable_answers_are_clear_errors(api, body, message):
    api.reset(Reply(body=body))
    with client() as c, pytest.raises(ImageApiError, match=message):
        c.generate(request())


def test_usage_without_price_or_details(api):
    api.reset(Reply(body={"created": 1, "data": [{"b64_json": base64.b64encode(DESIGN).decode()}],
                          "usage": {"input_tokens": 10, "output_tokens": 20, "total_tokens": 30}}))
    with client() as c:
        result = c.generate(request(model="other-model"))
    assert result.usage == {"text_input": 10, "image_input": 0, "image_output": 20, "text_output": 0}
    assert result.cost_usd is None and "no price for other-model" in result.describe()
    assert estimate_cost(result.usage, GenerateConfig().prices["gpt-image-2"]) == pytest.approx(650 / 1e6)


# ----------------------------------------------------------------------------- failures


def test_400_is_reported_without_retry(api, cfg_file, tmp_path):
    api.reset(Reply(400, error("Invalid value for 'size'.", "invalid_value")))
    result = run("generate", "x", "-o", tmp_path / "x.psd", "--config", cfg_file)
    assert result.exit_code == 2 and len(api.seen) == 1
    assert result.output.strip() == ("layerize: error: the image API rejected the request (400): "
                                     "Invalid value for 'size'.")
    assert list(tmp_path.iterdir()) == [cfg_file]  # nothing written, nothing half-written


def test_moderation_block_and_bad_key_messages(api):
    api.reset(Reply(400, error("Your request was rejected by the safety system.", "moderation_blocked")),
              Reply(401, error(f"Incorrect API key provided: {KEY}.", "invalid_api_key")))
    with client() as c:
        with pytest.raises(ImageApiError, match="moderation blocked this prompt; rephrase it"):
            c.generate(request())
        with pytest.raises(ImageApiError, match=r"refused the API key \(401\): check OPENAI_API_KEY") as info:
            c.generate(request())
    assert KEY not in str(info.value) and "***" in str(info.value)


def test_429_honours_retry_after(api):
    SLEPT.clear()
    api.reset(Reply(429, error("Rate limit reached."), {"Retry-After": "1.5"}), Reply())
    with client() as c:
        assert c.generate(request()).extension == "png"
    assert SLEPT == [1.5] and len(api.seen) == 2


def test_retry_after_longer_than_the_limit_stops_at_once(api):
    api.reset(Reply(429, error("Slow down."), {"Retry-After": "3600"}))
    with client() as c, pytest.raises(ImageApiError, match=r"rate limiting \(429\) and asks to retry after 3600 s"):
        c.generate(request())
    assert len(api.seen) == 1


def test_500_then_success_through_the_cli_never_logs_the_key(api, cfg_file, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    api.reset(Reply(500, error("The server had an error.")), Reply(503, error("Overloaded.")))
    result = run("generate", "x", "--scene", tmp_path / "x.json", "-v", "--config", cfg_file)
    assert result.exit_code == 0, result.output
    assert len(api.seen) == 3 and (tmp_path / "x.json").is_file()
    assert "image API answered 503; retry 2 of 2" in caplog.text
    assert KEY not in caplog.text and KEY not in result.output


def test_backoff_is_bounded_exponential_with_jitter(api):
    SLEPT.clear()
    api.reset(*[Reply(502, error("Bad gateway."))] * 4)
    with client(retries=3, backoff_base=0.1, backoff_max=0.3) as c, \
            pytest.raises(ImageApiError, match=r"failed \(502\) after 4 attempts: Bad gateway"):
        c.generate(request())
    assert len(api.seen) == 4 and len(SLEPT) == 3
    for delay, cap in zip(SLEPT, [0.1, 0.2, 0.3], strict=True):
        assert cap / 2 <= delay <= cap


def test_timeout_is_reported(api, cfg_file, tmp_path):
    api.reset(Reply(delay=1.5))
    start = time.perf_counter()
    cfg_file.write_text(cfg_file.read_text().replace("timeout = 5.0", "timeout = 0.3"))
    result = run("generate", "x", "-o", tmp_path / "x.svg", "--config", cfg_file)
    assert result.exit_code == 2 and time.perf_counter() - start < 1.4
    assert "layerize: error: the image API did not answer within 0.3 s (generate.timeout)" in result.output
    assert len(api.seen) == 1 and not (tmp_path / "x.svg").exists()


def test_unreachable_server(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # discard port: nothing listens
    with ImageClient(GenerateConfig(**FAST)) as c, pytest.raises(ImageApiError, match="cannot reach the image API"):
        c.generate(request())


def test_missing_key_is_one_line_naming_the_variable(api, monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY")
    result = run("generate", "x", "-o", tmp_path / "x.psd")
    assert result.exit_code == 2 and not api.seen
    assert result.output == ("layerize: error: no API key for the image model: set OPENAI_API_KEY "
                             "(and OPENAI_BASE_URL to use an OpenAI-compatible proxy)\n")


@pytest.mark.parametrize("args, message", [
    (["--size", "1000x1000"], "size 1000x1000: width and height must be positive multiples of 16"),
    (["--size", "wide"], "size 'wide' is not WIDTHxHEIGHT"),
    (["--size", "768x3072"], "aspect ratio must be between 1:3 and 3:1"),
    (["--template", "brochure"], "unknown template 'brochure' (available: infographic, poster, product, slide"),
    (["-o", "x.doc"], "no exporter writes .doc files"),
])
def test_invalid_parameters_fail_before_any_call(api, tmp_path, args, message):
    result = run("generate", "x", "-o", tmp_path / "x.psd", *args)
    assert result.exit_code == 2 and message in result.output and not api.seen


def test_click_rejects_unknown_quality(api, tmp_path):
    result = run("generate", "x", "-o", tmp_path / "x.psd", "--quality", "ultra")
    assert result.exit_code == 2 and "'ultra' is not one of" in result.output and not api.seen


# ----------------------------------------------------------------------------- templates


def test_user_templates_from_a_folder_and_a_file(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "menu.toml").write_text('description = "A menu"\nsize = "1024x1536"\nprompt = "A menu: {prompt}."\n')
    cfg = GenerateConfig(template_dirs=[str(folder)])
    assert load_template("menu", cfg).size == "1024x1536"
    assert ImageRequest.build("pasta", cfg, template="menu").full_prompt.startswith("A menu: pasta.")
    assert ImageRequest.build("pasta", cfg, template=str(folder / "menu.toml")).template == "menu"
    (folder / "broken.toml").write_text('prompt = "no slot"\n')
    with pytest.raises(ConfigError, match=r"template .*broken.toml: prompt: String should match"):
        load_template("broken", cfg)
    (folder / "huge.toml").write_text('prompt = "{prompt}"\nsize = "4096x4096"\n')
    with pytest.raises(ConfigError, match=r"template .*huge.toml: size: Value error, size 4096x4096: at most"):
        load_template("huge", cfg)
    with pytest.raises(ConfigError, match="generate.template_dirs: .*missing is not a folder"):
        load_template("menu", GenerateConfig(template_dirs=[str(tmp_path / "missing")]))


def test_config_file_generate_section(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[generate]\nmodel = "gpt-image-1.5"\nsize = "1536x1024"\n'
                    '[generate.prices."gpt-image-1.5"]\ntext_input = 5\nimage_input = 8\nimage_output = 32\n')
    cfg = load_config(path).generate
    assert cfg.model == "gpt-image-1.5" and cfg.prices["gpt-image-1.5"].image_output == 32
    path.write_text('[generate]\nsize = "1000x1000"\n')
    with pytest.raises(ConfigError, match="generate.size: Value error, size 1000x1000"):
        load_config(path)


# ----------------------------------------------------------------------------- regenerate


def test_regenerate_repaints_one_object_layer(api, scene, cfg_file, tmp_path):
    path = tmp_path / "s.json"
    scene.save(path)
    green = io.BytesIO()
    Image.new("RGB", (300, 300), (20, 200, 60)).save(green, format="PNG")
    api.reset(Reply(body=ok(base64.b64encode(green.getvalue()).decode())))
    result = run("regenerate", path, "--layer", "Product", "--prompt", "a green apple", "-o",
                 tmp_path / "s.psd", "--config", cfg_file)
    assert result.exit_code == 0, result.output
    sent = api.seen[0]
    assert sent.path == "/v1/images/edits" and sent.headers["content-type"].startswith("multipart/form-data")
    form = sent.form()
    assert form["prompt"].decode().startswith("a green apple")
    image, mask = Image.open(io.BytesIO(form["image"])), Image.open(io.BytesIO(form["mask"]))
    assert image.size == mask.size == (180, 180)  # the 120 px box with a 25 % margin each side
    alpha = np.asarray(mask.getchannel("A"))
    assert alpha[90, 90] == 0 and alpha[5, 5] == 255  # edit inside the object, keep the rest
    updated = Scene.load(path)
    node = next(n for n in updated.nodes if n.id == "object-1")
    before = next(n for n in scene.nodes if n.id == "object-1")
    pixels = np.asarray(node.image)
    assert tuple(pixels[60, 60]) == (20, 200, 60, 255)
    assert np.array_equal(pixels[..., 3], np.asarray(before.image.getchannel("A")))
    assert node.provenance.engine == "images-edit:gpt-image-2"
    assert updated.metadata["regenerations"][0]["cost_usd"] == pytest.approx(COST)
    assert "repainted Product" in result.output and (tmp_path / "s.psd").is_file()


def test_regenerate_unknown_layer_lists_the_objects(api, scene, tmp_path):
    path = tmp_path / "s.json"
    scene.save(path)
    result = run("regenerate", path, "--layer", "text-1", "--prompt", "x")
    assert result.exit_code == 2 and not api.seen
    assert "text-1: no object layer with this name or id (object layers: 'Product' (object-1))" in result.output
