"""Per-export fidelity: the image comparison and the redrawing of each format."""

from __future__ import annotations

import shutil

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw
from psd_tools import PSDImage

from layerize.export.fidelity import compare, export_fidelity, psnr, ssim


def _picture() -> Image.Image:
    image = Image.new("RGB", (160, 120), (240, 235, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 90, 70), fill=(30, 60, 150))
    draw.ellipse((100, 40, 150, 100), fill=(200, 40, 40))
    return image


def test_identical_images_score_perfectly_and_damage_lowers_the_score():
    picture = _picture()
    a = np.asarray(picture)
    assert ssim(a, a) == pytest.approx(1.0) and psnr(a, a) == 100.0
    damaged = picture.copy()
    ImageDraw.Draw(damaged).rectangle((20, 20, 60, 50), fill=(240, 235, 220))
    slight = picture.copy()
    slight.putpixel((5, 5), (0, 0, 0))
    assert compare(picture, damaged).ssim < compare(picture, slight).ssim < 1.0
    assert compare(picture, damaged).psnr < compare(picture, slight).psnr


def test_a_redrawing_at_another_size_or_with_alpha_is_compared_on_the_canvas():
    picture = _picture()
    bigger = picture.resize((320, 240), Image.LANCZOS).convert("RGBA")
    assert compare(picture, bigger).ssim > 0.95


def test_each_export_is_drawn_again(scene, tmp_path):
    scene.export(tmp_path / "s.psd")
    assert export_fidelity(scene, tmp_path / "s.psd") is None  # a scene without its input has nothing to match
    # the fixture scene has no input image: take the PSD's composite as the design it came from
    scene = scene.model_copy(update={"original": PSDImage.open(tmp_path / "s.psd").topil().convert("RGB")})
    assert export_fidelity(scene, tmp_path / "s.psd").psnr == 100.0
    scene.export(tmp_path / "s.svg")
    scene.export(tmp_path / "s.pptx")
    score = export_fidelity(scene, tmp_path / "s.svg")
    assert score is not None and 0.9 < score.ssim < 1.0, score
    assert export_fidelity(scene, tmp_path / "s.pptx") is None  # slow: only on request
    if shutil.which("soffice") and shutil.which("pdftoppm"):
        score = export_fidelity(scene, tmp_path / "s.pptx", slow=True)
        assert score is not None and score.ssim > 0.8, score


def test_banded_scores_equal_those_of_the_whole_image():
    rng = np.random.default_rng(5)
    a = rng.integers(0, 256, (600, 90, 3)).astype(np.uint8)  # taller than two bands, not a multiple of one
    b = np.clip(a.astype(int) + rng.integers(-30, 30, a.shape), 0, 255).astype(np.uint8)
    x, y = (cv2.cvtColor(v, cv2.COLOR_RGB2GRAY).astype(np.float64) for v in (a, b))
    blur = lambda v: cv2.GaussianBlur(v, (11, 11), 1.5)  # noqa: E731
    mx, my = blur(x), blur(y)
    vx, vy, cov = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    whole = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    assert ssim(a, b) == pytest.approx(float(whole.mean()), abs=1e-12)
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    assert psnr(a, b) == pytest.approx(10 * np.log10(255.0 ** 2 / mse), abs=1e-9)
