"""The image-model client: requests, results and the OpenAI Images API with bounded retries.

Retries (429 and 5xx) are explicit here, with bounded exponential backoff,
jitter and Retry-After; the client's own are off. The API key comes from the
caller or ``OPENAI_API_KEY`` and is never printed or logged.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import io
import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

from PIL import Image

from ..config import Background, GenerateConfig, ImagePrices, Quality, check_size
from ..errors import ConfigError, ImageApiError
from .templates import load_template

log = logging.getLogger("layerize")


QUALITIES: tuple[str, ...] = get_args(Quality)
BACKGROUNDS: tuple[str, ...] = get_args(Background)
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
MAX_PROMPT = 32_000
MAX_DETAIL = 300  # characters of an error answer quoted in a message
DEFAULT_SIZE = "1024x1024"
EDIT_RULES = ("Repaint only the transparent area of the mask, matching the lighting, style and perspective "
              "around it. Do not add text.")


def check_prompt(prompt: str) -> str:
    """``prompt``, unless it is blank (ConfigError)."""
    if not prompt.strip():
        raise ConfigError("the prompt is empty")
    return prompt


def check_choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """``value``, if it is one of ``allowed`` (else ConfigError naming the option ``name``)."""
    if value not in allowed:
        raise ConfigError(f"{name} {value!r} is not one of {', '.join(allowed)}")
    return value


@dataclass(frozen=True)
class ImageRequest:
    """One generation request, checked before anything is sent."""

    prompt: str
    full_prompt: str
    template: str
    model: str
    size: str
    quality: str
    background: str

    @classmethod
    def build(cls, prompt: str, cfg: GenerateConfig, *, model: str | None = None, size: str | None = None,
              quality: str | None = None, background: str | None = None,
              template: str | None = None) -> ImageRequest:
        """Merge the arguments over the config and validate every value (:class:`ConfigError`)."""
        chosen = load_template(template or cfg.template, cfg)
        full = chosen.render(check_prompt(prompt))
        if len(full) > MAX_PROMPT:
            raise ConfigError(f"the prompt is {len(full)} characters with its template; the limit is {MAX_PROMPT}")
        quality = check_choice("quality", quality or cfg.quality, QUALITIES)
        background = check_choice("background", background or cfg.background, BACKGROUNDS)
        try:
            size = check_size(size or cfg.size or chosen.size or DEFAULT_SIZE)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        model = model or cfg.model
        if not model.strip():
            raise ConfigError("the model name is empty")
        return cls(prompt, full, chosen.name, model, size, quality, background)


@dataclass(frozen=True)
class ImageResult:
    """An image the API returned, with the usage it reported and the estimated cost."""

    data: bytes
    extension: str
    model: str
    quality: str
    usage: dict[str, int] | None
    cost_usd: float | None

    def summary(self) -> dict[str, Any]:
        """The JSON-friendly record kept in a scene's metadata."""
        return {"model": self.model, "quality": self.quality, "usage": self.usage, "cost_usd": self.cost_usd}

    def describe(self) -> str:
        """One line for people: model, quality, tokens and estimated cost."""
        if self.usage is None:
            return f"{self.model} {self.quality}: usage not reported, cost unknown"
        u = self.usage
        cost = (f"est. ${self.cost_usd:.4f}" if self.cost_usd is not None
                else f"cost unknown (no price for {self.model} in [generate.prices])")
        return (f"{self.model} {self.quality}: input {u['text_input']:,} text + {u['image_input']:,} image tokens, "
                f"output {u['image_output']:,} image + {u['text_output']:,} text tokens, {cost}")


def estimate_cost(usage: dict[str, int] | None, prices: ImagePrices | None) -> float | None:
    """USD for ``usage`` (tokens by kind) at ``prices`` (per million tokens); None if either is unknown."""
    if usage is None or prices is None:
        return None
    return round(sum(usage[kind] * getattr(prices, kind) for kind in ImagePrices.model_fields) / 1e6, 6)


def _usage(response: Any) -> dict[str, int] | None:
    """Tokens by kind (the keys of :class:`ImagePrices`) from an ImagesResponse's ``usage``."""
    if response.usage is None:
        return None
    raw = response.usage.to_dict()
    inputs = raw.get("input_tokens_details") or {"text_tokens": raw.get("input_tokens") or 0}
    outputs = raw.get("output_tokens_details") or {"image_tokens": raw.get("output_tokens") or 0}
    return {"text_input": int(inputs.get("text_tokens") or 0), "image_input": int(inputs.get("image_tokens") or 0),
            "image_output": int(outputs.get("image_tokens") or 0), "text_output": int(outputs.get("text_tokens") or 0)}


def _decode_base64(value: str) -> bytes:
    """Bytes of base64 image data, with or without a ``data:image/...;base64,`` prefix."""
    if value.startswith("data:"):
        value = value.partition(",")[2]
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ImageApiError("the image API returned invalid base64 image data") from None


def _image_format(data: bytes) -> str:
    """The file extension for image ``data``; PNG, JPEG and WEBP only."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            img.verify()
    except (OSError, SyntaxError, ValueError):
        raise ImageApiError("the image API returned data that is not a readable image") from None
    if fmt not in IMAGE_FORMATS:
        raise ImageApiError(f"the image API returned a {fmt} image; expected PNG, JPEG or WEBP")
    return IMAGE_FORMATS[fmt]


def _retry_after(headers: Any) -> float | None:
    """Seconds from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date), if present."""
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


# ----------------------------------------------------------------------------- the API client


class ImageClient:
    """The Images API (generations and edits) with explicit, bounded retries.

    ``api_key`` and ``base_url`` default to ``OPENAI_API_KEY`` and
    ``OPENAI_BASE_URL`` (then ``cfg.base_url``). Use it as a context manager.
    """

    def __init__(self, cfg: GenerateConfig, *, api_key: str | None = None, base_url: str | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        key = api_key or os.environ.get("OPENAI_API_KEY", "").strip()
        if not key:
            raise ConfigError("no API key for the image model: set OPENAI_API_KEY "
                              "(and OPENAI_BASE_URL to use an OpenAI-compatible proxy)")
        import httpx2
        import openai

        self.cfg = cfg
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or cfg.base_url
        self._key = key
        self._sleep = sleep
        timeout = httpx2.Timeout(cfg.timeout, connect=cfg.connect_timeout)
        self._http = httpx2.Client(timeout=timeout, follow_redirects=True)
        self._openai = openai.OpenAI(api_key=key, base_url=self.base_url, timeout=timeout, max_retries=0,
                                     http_client=self._http)

    def __enter__(self) -> ImageClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def generate(self, request: ImageRequest) -> ImageResult:
        """One image for ``request``."""
        log.info("generating %s %s %s image with %s", request.size, request.quality, request.background,
                 request.model)
        response = self._call(self._openai.images.generate, prompt=request.full_prompt, model=request.model,
                              size=request.size, quality=request.quality, background=request.background,
                              output_format="png", n=1)
        return self._result(response, request.model, request.quality)

    def edit(self, image_png: bytes, mask_png: bytes, prompt: str, *, model: str, quality: str) -> ImageResult:
        """Repaint the parts of ``image_png`` where ``mask_png`` is transparent."""
        log.info("editing a %s image with %s", quality, model)
        response = self._call(self._openai.images.edit, image=("image.png", image_png, "image/png"),
                              mask=("mask.png", mask_png, "image/png"), prompt=prompt, model=model,
                              quality=quality, output_format="png", n=1)
        return self._result(response, model, quality)

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "***")

    def _call(self, endpoint: Callable[..., Any], **params: Any) -> Any:
        """``endpoint(**params)``, retrying 429 and 5xx; every failure becomes an :class:`ImageApiError`."""
        import openai

        attempt = 0
        while True:
            attempt += 1
            try:
                return endpoint(**params)
            except (openai.RateLimitError, openai.InternalServerError) as exc:
                if attempt > self.cfg.retries:
                    raise self._status_error(exc, f" after {attempt} attempts") from exc
                delay = self._delay(exc, attempt)
                log.warning("image API answered %d; retry %d of %d in %.2f s",
                            exc.status_code, attempt, self.cfg.retries, delay)
                self._sleep(delay)
            except openai.APITimeoutError as exc:
                raise ImageApiError(f"the image API did not answer within {self.cfg.timeout:g} s "
                                    "(generate.timeout); try again or raise the timeout") from exc
            except openai.APIConnectionError as exc:
                cause = self._redact(str(exc.__cause__ or exc))
                raise ImageApiError(f"cannot reach the image API at {self._openai.base_url}: {cause}") from exc
            except openai.APIStatusError as exc:
                raise self._status_error(exc, "") from exc

    def _delay(self, exc: Any, attempt: int) -> float:
        """Seconds to wait before retry ``attempt``: Retry-After if given, else capped backoff with jitter."""
        asked = _retry_after(exc.response.headers)
        if asked is not None:
            if asked > self.cfg.backoff_max:
                raise self._status_error(exc, f" and asks to retry after {asked:.0f} s, longer than "
                                              f"generate.backoff_max ({self.cfg.backoff_max:g} s)") from exc
            return asked
        cap = min(self.cfg.backoff_max, self.cfg.backoff_base * 2 ** (attempt - 1))
        return random.uniform(cap / 2, cap)

    def _status_error(self, exc: Any, context: str) -> ImageApiError:
        """A one-line error for an HTTP error answer."""
        body = exc.body if isinstance(exc.body, dict) else {}
        detail = self._redact(str(body.get("message") or exc.message))[:MAX_DETAIL]
        status = exc.status_code
        if status == 401:
            return ImageApiError(f"the image API refused the API key (401): check OPENAI_API_KEY; {detail}")
        if body.get("code") == "moderation_blocked":
            return ImageApiError(f"the image API's moderation blocked this prompt; rephrase it ({detail})")
        if status == 429:
            return ImageApiError(f"the image API is rate limiting (429){context}: {detail}")
        if status >= 500:
            return ImageApiError(f"the image API failed ({status}){context}: {detail}")
        return ImageApiError(f"the image API rejected the request ({status}): {detail}")

    def _result(self, response: Any, model: str, quality: str) -> ImageResult:
        """Decode the first image of ``response`` (base64 or URL) and price its usage."""
        item = response.data[0] if response.data else None
        if item is None or not (item.b64_json or item.url):
            raise ImageApiError("the image API returned no image: the request was probably blocked by "
                                "moderation; rephrase the prompt")
        if item.b64_json:
            data = _decode_base64(item.b64_json)
        elif item.url.startswith("data:"):
            data = _decode_base64(item.url)
        else:
            data = self._download(item.url)
        usage = _usage(response)
        return ImageResult(data, _image_format(data), model, quality, usage,
                           estimate_cost(usage, self.cfg.prices.get(model)))

    def _download(self, url: str) -> bytes:
        """The bytes at ``url`` (an image URL answer), within the configured timeout."""
        import httpx2

        try:
            response = self._http.get(url)
            response.raise_for_status()
        except httpx2.TimeoutException:
            raise ImageApiError(f"downloading the image from {url} took longer than {self.cfg.timeout:g} s "
                                "(generate.timeout)") from None
        except httpx2.HTTPStatusError as exc:
            raise ImageApiError(f"cannot download the image from {url}: HTTP {exc.response.status_code}") from None
        except httpx2.HTTPError as exc:
            raise ImageApiError(f"cannot download the image from {url}: {exc}") from None
        return response.content

