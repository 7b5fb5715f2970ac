"""The scene graph: JSON round trip, schema, validation, image references."""

from __future__ import annotations

import json

import pytest
from PIL import Image
from pydantic import ValidationError

import layerize
from layerize.scene import Scene, json_schema


def test_json_round_trip_is_lossless(scene):
    text = scene.to_json()
    again = Scene.from_json(text)
    assert again.to_json() == text
    assert [n.kind for n in again.nodes] == ["shape", "object", "text", "text", "text"]
    assert again.texts[1].text == "Roasted daily in\nsmall batches"
    assert again.background.image.tobytes() == scene.background.image.tobytes()


def test_schema_is_published_and_versioned():
    schema = json_schema()
    assert schema["properties"]["schema_version"]["default"] == layerize.SCHEMA_VERSION
    assert schema["properties"]["schema_version"]["enum"] == ["1.0", "1.1", "1.2", "1.3", "1.4"]
    assert {"TextBlock", "TextStyle", "ImageObject", "Shape"} <= set(schema["$defs"])
    assert schema["$defs"]["TextStyle"]["properties"]["color"]["pattern"] == "^#[0-9a-fA-F]{6}$"


def test_invalid_scene_is_rejected_with_the_field(scene):
    data = json.loads(scene.to_json())
    data["nodes"][2]["style"]["color"] = "red"
    with pytest.raises(ValidationError, match="color"):
        Scene.model_validate(data)
    data = json.loads(scene.to_json())
    data["schema_version"] = "9.9"
    with pytest.raises(ValidationError, match="schema_version"):
        Scene.model_validate(data)


def test_images_may_be_files_beside_the_scene(scene, tmp_path):
    data = json.loads(scene.to_json())
    Image.new("RGB", (640, 400), (1, 2, 3)).save(tmp_path / "plate.png")
    data["background"]["image"] = "plate.png"
    (tmp_path / "scene.json").write_text(json.dumps(data))
    loaded = Scene.load(tmp_path / "scene.json")
    assert loaded.background.image.getpixel((10, 10)) == (1, 2, 3)
    data["background"]["image"] = "missing.png"
    (tmp_path / "scene.json").write_text(json.dumps(data))
    with pytest.raises(ValidationError, match="image file not found"):
        Scene.load(tmp_path / "scene.json")


def test_edit_and_reexport_changes_the_text(scene, tmp_path):
    data = json.loads(scene.to_json())
    data["nodes"][2]["lines"][0]["text"] = "Fresh Tea"
    edited = Scene.model_validate(data)
    path = edited.export(tmp_path / "edited.svg")
    assert "Fresh Tea" in path.read_text()
    assert "Fresh Coffee" not in path.read_text()


def test_a_version_1_0_scene_loads_as_the_current_version(scene):
    data = json.loads(scene.to_json())
    data["schema_version"] = "1.0"  # 1.0 had no text effects nor vertical text: every 1.0 file is valid 1.1
    again = Scene.model_validate(data)
    assert again.schema_version == layerize.SCHEMA_VERSION
    assert again.texts[0].orientation == "horizontal" and again.texts[0].style.stroke is None


def test_a_layer_named_after_its_text_follows_an_edit(scene):
    title = scene.texts[0].model_copy(update={"role": "title"})
    assert title.name is None and title.layer_name == "Title: Fresh Coffee"
    title.lines[0].text = "Fresh Tea"
    assert title.layer_name == "Title: Fresh Tea"
    long = title.model_copy(update={"lines": [title.lines[0].model_copy(update={"text": "word " * 20})]})
    assert long.layer_name == "Title: " + ("word " * 8).strip() + "…"  # 40 characters at most, spaces collapsed
    named = title.model_copy(update={"name": "Headline"})
    named.lines[0].text = "Something else"
    assert named.layer_name == "Headline"  # a name a user set stays


def test_a_name_follows_an_edit_made_in_the_json(scene):
    data = json.loads(scene.to_json())
    assert data["nodes"][2]["name"] is None and data["nodes"][2]["role"] == "text"
    data["nodes"][2]["lines"][0]["text"] = "Fresh Tea"
    assert Scene.model_validate(data).texts[0].layer_name == "Text: Fresh Tea"


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_an_older_scene_keeps_derived_names_following_and_user_names_fixed(scene, version, tmp_path):
    """Before 1.2 the derived name was stored: it is read back as the role, so it follows the (edited) text."""
    data = json.loads(scene.to_json())
    data["schema_version"] = version
    texts = [node for node in data["nodes"] if node["kind"] == "text"]
    for node in texts:
        del node["role"]
    texts[0]["name"] = "Title: Fresh Coffee"
    texts[0]["lines"][0]["text"] = "Fresh Tea"  # edited in the JSON before loading
    texts[1]["name"] = "Price: Roasted daily in small batches"
    texts[2]["name"] = "My price tag"
    again = Scene.model_validate(data)
    assert [(b.name, b.role) for b in again.texts] == [(None, "title"), (None, "price"), ("My price tag", "text")]
    assert again.texts[0].layer_name == "Title: Fresh Tea"
    assert Scene.from_json(again.to_json()).to_json() == again.to_json()
    for ext in ("psd", "pptx", "svg"):  # and it exports
        assert again.export(tmp_path / f"old.{ext}").stat().st_size > 0
