"""Inpainters: fills of flat, gradient and textured plates, exactness outside the mask, LaMa on tiny ONNX models."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from layerize.config import InpaintConfig
from layerize.errors import EngineError
from layerize.inpaint import erase, windows
from layerize.inpaint.auto import AutoInpainter, choose_engine
from layerize.inpaint.lama import LamaInpainter
from layerize.inpaint.opencv import OpenCVInpainter
from layerize.inpaint.patchmatch import GAP, MARGIN, PatchMatchInpainter
from layerize.registry import INPAINTERS

SIZE = 160


def text_mask(h: int, w: int, rows: list[int], scale: float = 0.7, thickness: int = 2) -> np.ndarray:
    """A text-like mask: lines of thick Hershey glyphs starting at x=8 on the given baselines."""
    mask = np.zeros((h, w), np.uint8)
    for i, y in enumerate(rows):
        cv2.putText(mask, ["Hello World 42", "Sale -50% today", "Lorem ipsum dolor sit"][i % 3], (8, y),
                    cv2.FONT_HERSHEY_SIMPLEX, scale, 255, thickness)
    return mask > 0


def flat(h: int = SIZE, w: int = SIZE) -> np.ndarray:
    return np.full((h, w, 3), (200, 120, 60), np.uint8)


def gradient(h: int = SIZE, w: int = SIZE) -> np.ndarray:
    ramp = np.linspace(40, 220, w)
    return np.stack([np.tile(ramp, (h, 1)), np.tile(ramp[::-1], (h, 1)), np.full((h, w), 128)], -1).astype(np.uint8)


def vignette(h: int = SIZE, w: int = SIZE) -> np.ndarray:
    """A smooth radial falloff: not a linear gradient, not a texture."""
    yy, xx = np.mgrid[0:h, 0:w]
    r2 = ((yy - h / 2) ** 2 + (xx - w / 2) ** 2) / (max(h, w) / 2) ** 2
    return np.repeat((230 - 24 * r2)[..., None], 3, axis=2).clip(0, 255).astype(np.uint8)


def noise(h: int = SIZE, w: int = SIZE) -> np.ndarray:
    grey = np.random.default_rng(0).normal(128, 30, (h, w, 1))
    return np.clip(grey, 0, 255).repeat(3, axis=2).astype(np.uint8)


def stripes(h: int = SIZE, w: int = SIZE) -> np.ndarray:
    columns = np.where((np.arange(w) // 4) % 2 == 0, 60, 200).astype(np.uint8)
    return np.broadcast_to(columns[None, :, None], (h, w, 3)).copy()


MASK = text_mask(SIZE, SIZE, [50, 110])


# --- tiny LaMa-like ONNX models: output = image * (1 - mask) + mask * 0.5 -------------------------

def lama_model(path: Path, static: bool, scale: float = 1.0) -> Path:
    """A LaMa-shaped ONNX model, 64x64 when ``static``; its output is multiplied by ``scale``."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    h, w = (64, 64) if static else ("height", "width")
    graph = helper.make_graph(
        [
            helper.make_node("Sub", ["one", "mask"], ["keep"]),
            helper.make_node("Mul", ["image", "keep"], ["kept"]),
            helper.make_node("Mul", ["mask", "half"], ["grey"]),
            helper.make_node("Add", ["kept", "grey"], ["filled"]),
            helper.make_node("Mul", ["filled", "scale"], ["output"]),
        ],
        "tiny_lama",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, h, w]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, [1, 1, h, w])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3, h, w])],
        [helper.make_tensor("one", TensorProto.FLOAT, [], [1.0]),
         helper.make_tensor("half", TensorProto.FLOAT, [], [0.5]),
         helper.make_tensor("scale", TensorProto.FLOAT, [], [scale])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8  # readable by older onnxruntime releases too
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


@pytest.fixture(scope="module")
def static_lama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return lama_model(tmp_path_factory.mktemp("lama") / "static.onnx", static=True)


@pytest.fixture(scope="module")
def dynamic_lama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return lama_model(tmp_path_factory.mktemp("lama") / "dynamic.onnx", static=False, scale=255.0)


@pytest.fixture(params=["plane", "opencv", "patchmatch", "auto", "lama-static", "lama-dynamic"])
def engine(request: pytest.FixtureRequest, static_lama: Path, dynamic_lama: Path) -> object:
    """Every built-in engine, LaMa on the tiny models."""
    if request.param == "lama-static":
        return LamaInpainter(InpaintConfig(lama_weights=str(static_lama)))
    if request.param == "lama-dynamic":
        return LamaInpainter(InpaintConfig(lama_weights=str(dynamic_lama)))
    return INPAINTERS.create(request.param)


# --- every engine ------------------------------------------------------------------------------

def test_unmasked_pixels_are_bit_exact(engine: object) -> None:
    image = noise()
    out = erase(image, MASK, engine)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert np.array_equal(out[~MASK], image[~MASK])
    assert not np.array_equal(out[MASK], image[MASK])


def test_empty_mask_returns_an_equal_copy(engine: object) -> None:
    image = noise()
    out = erase(image, np.zeros(image.shape[:2], bool), engine)
    assert out is not image and np.array_equal(out, image)


def test_deterministic(engine: object) -> None:
    image = noise()
    assert np.array_equal(erase(image, MASK, engine), erase(image, MASK, engine))


def test_windows_filled_in_parallel_equal_one_at_a_time(engine: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many separate holes, so many windows run at once: the result must not depend on the threads."""
    image = noise(240, 480)
    mask = text_mask(240, 480, [40, 100, 160, 220], scale=0.6)
    monkeypatch.setattr(windows, "THREADS", 1)
    serial = erase(image, mask, engine)
    monkeypatch.setattr(windows, "THREADS", 4)
    assert all(np.array_equal(erase(image, mask, engine), serial) for _ in range(3))


# --- opencv, patchmatch, auto ----------------------------------------------------------------------

def test_patchmatch_gives_each_word_a_window_with_full_context() -> None:
    """Holes further apart than ``gap`` get windows of their own, each grown by the whole margin."""
    mask = np.zeros((200, 400), bool)
    mask[80:120, 60:160] = True   # a word
    mask[80:120, 190:300] = True  # the next word, 30 px along the line
    assert (MARGIN, GAP) == (48, 24)
    engine = PatchMatchInpainter()
    found = windows.windows(mask, engine.margin, gap=engine.gap)
    assert [(w[0].start, w[0].stop, w[1].start, w[1].stop) for w, _ in found] == [(32, 168, 12, 208),
                                                                                  (32, 168, 142, 348)]
    assert sum(int(owned.sum()) for _, owned in found) == int(mask.sum())
    assert len(windows.windows(mask, engine.margin)) == 1  # the default: holes within twice the margin share one

@pytest.mark.parametrize("name", ["opencv", "auto"])
def test_flat_background_is_restored(name: str) -> None:
    image = flat()
    text = image.copy()
    text[MASK] = (20, 20, 20)
    out = erase(text, MASK, name)
    assert np.abs(out.astype(int) - image).max() <= 4


@pytest.mark.parametrize("name", ["plane", "opencv", "auto"])
def test_gradient_is_continued(name: str) -> None:
    image = gradient()
    text = image.copy()
    text[MASK] = (20, 20, 20)
    error = np.abs(erase(text, MASK, name).astype(int) - image)[MASK]
    assert error.mean() < 2 and error.max() <= 8


def test_plane_is_exact_on_flat_colour_and_linear_gradients() -> None:
    for make in (flat, gradient):
        image = make()
        text = image.copy()
        text[MASK] = (20, 20, 20)
        assert np.abs(erase(text, MASK, "plane").astype(int) - image)[MASK].max() <= 1


@pytest.mark.parametrize("make", [noise, stripes])
def test_texture_is_carried_into_the_holes(make: object) -> None:
    image = make()
    surround = image[~MASK].astype(float)
    for name in ("patchmatch", "auto"):
        fill = erase(image, MASK, name)[MASK].astype(float)
        assert abs(fill.mean() - surround.mean()) < 0.15 * surround.std()
        assert 0.7 < fill.std() / surround.std() < 1.3, name
    smooth = erase(image, MASK, "opencv")[MASK].astype(float)
    assert smooth.std() < 0.5 * surround.std()  # the reason auto does not use opencv here


@pytest.mark.parametrize(("make", "expected"), [(flat, "plane"), (gradient, "plane"), (vignette, "opencv"),
                                                (noise, "patchmatch"), (stripes, "patchmatch")])
def test_auto_chooses_by_texture(make: object, expected: str) -> None:
    assert choose_engine(make(), MASK, texture_threshold=12.0) == expected


def test_auto_chooses_per_region() -> None:
    """Left half flat, right half noise: a word on each side is filled by the engine its side needs."""
    image = flat()
    image[:, SIZE // 2:] = noise()[:, SIZE // 2:]
    mask = np.zeros(image.shape[:2], bool)
    mask[40:60, 10:60] = True
    mask[100:120, 100:150] = True
    out = erase(image, mask, "auto")
    assert np.abs(out[40:60, 10:60].astype(int) - image[40:60, 10:60]).max() <= 4
    assert out[100:120, 100:150].std() > 0.7 * image[:, SIZE // 2:].std()


# --- lama ------------------------------------------------------------------------------------------

def test_lama_needs_weights(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="needs the path of a LaMa ONNX model"):
        INPAINTERS.create("lama")
    with pytest.raises(EngineError, match="weights file not found"):
        erase(flat(), MASK, "lama", InpaintConfig(lama_weights=str(tmp_path / "missing.onnx")))
    with pytest.raises(EngineError, match="cannot load"):
        (tmp_path / "broken.onnx").write_bytes(b"not a model")
        INPAINTERS.create("lama", InpaintConfig(lama_weights=str(tmp_path / "broken.onnx")))


def test_lama_static_model_fills_windows_at_its_size(static_lama: Path) -> None:
    image = flat(200, 300)
    mask = np.zeros(image.shape[:2], bool)
    mask[20:40, 30:50] = True      # fits a 64x64 window: no resizing, exact fill
    mask[120:190, 150:280] = True  # larger than the model: resized down and back
    lama = LamaInpainter(InpaintConfig(lama_weights=str(static_lama)))
    lama.margin = 8
    assert lama.size == (64, 64)
    out = lama.fill(image, mask)
    assert (out[20:40, 30:50] == 128).all()  # 0.5 in 0..1
    assert (out[130:180, 160:270] == 128).all()
    assert np.array_equal(out[~mask], image[~mask])


def test_lama_dynamic_model_pads_to_multiples_of_8(dynamic_lama: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    image = noise(101, 83)
    mask = text_mask(101, 83, [40], scale=0.5)
    lama = LamaInpainter(InpaintConfig(lama_weights=str(dynamic_lama)))
    assert lama.size is None
    shapes: list[tuple[int, ...]] = []
    run = lama._session.run

    def recording_run(names: object, feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        shapes.append(feed["image"].shape)
        return run(names, feed)

    monkeypatch.setattr(lama._session, "run", recording_run)
    out = lama.fill(image, mask)
    assert shapes and all(h % 8 == 0 and w % 8 == 0 for *_, h, w in shapes)
    assert (out[mask] == 128).all()  # 0.5 * 255 read as 0..255
    assert np.array_equal(out[~mask], image[~mask])


# --- config -----------------------------------------------------------------------------------------

def _from_config(cfg: InpaintConfig) -> object:
    return INPAINTERS.create(cfg.engine, cfg)


def test_inpainter_from_config(static_lama: Path) -> None:
    auto = _from_config(InpaintConfig(texture_threshold=20))
    assert isinstance(auto, AutoInpainter) and auto.texture_threshold == 20
    assert isinstance(_from_config(InpaintConfig(engine="opencv")), OpenCVInpainter)
    lama = _from_config(InpaintConfig(engine="lama", lama_weights=str(static_lama)))
    assert isinstance(lama, LamaInpainter)
    with pytest.raises(EngineError, match="lama_weights"):
        _from_config(InpaintConfig(engine="lama"))
    with pytest.raises(EngineError, match="unknown inpainter"):
        _from_config(InpaintConfig(engine="nope"))
