"""The image-model front end against a real local server that speaks the Images API (``fakeimages``):
end to end, the API's answers and its failures."""

from __future__ import annotations

import base64
import json
import logging
import time

import pytest
from fakeimages import (
    COST,
    DESIGN,
    FAST,
    KEY,
    SLEPT,
    Reply,
    client,
    design,
    error,
    ok,
    request,
    run,
    texts_everywhere,
)

import layerize
from layerize.config import Config, GenerateConfig
from layerize.errors import ImageApiError
from layerize.generate.client import ImageClient, estimate_cost
from layerize.scene import Scene

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
    assert not list(tmp_path.glob(".*.part*"))


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

