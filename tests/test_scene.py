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
    assert schema["properties"]["schema_version"]["enum"] == ["1.0", "1.1", "1.2"]
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
