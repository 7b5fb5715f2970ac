"""The image-model front end: prompt templates and repainting one object layer (``fakeimages`` server)."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from fakeimages import (
    COST,
    Reply,
    ok,
    run,
)
from PIL import Image

from layerize.config import GenerateConfig, load_config
from layerize.errors import ConfigError
from layerize.generate.client import ImageRequest
from layerize.generate.templates import load_template
from layerize.scene import Scene

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
