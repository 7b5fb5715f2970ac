"""The translator's workflow on the command line: `layerize texts`, a filled table, `layerize translate`;
bad tables and patterns are one clear error with no output; outputs are all or none and byte-stable."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from translating import ARABIC, CHINESE, GERMAN, poster

from layerize.cli import main
from layerize.translate import read_table, write_table
from layerize.translate.markup import to_markup

FORMATS = ("psd", "pptx", "svg")


def run(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def scene_file(tmp_path) -> Path:
    path = tmp_path / "poster.scene.json"
    poster().save(path)
    return path


def filled(scene_file: Path, tmp_path: Path, **languages: dict[str, str]) -> Path:
    """The table `layerize texts` writes, with a column per language added as a translator would."""
    table = tmp_path / "texts.csv"
    assert run("texts", scene_file, "-o", table, "--lang", "en").exit_code == 0
    with open(table, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(table, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*rows[0], *languages])
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, **{lang: texts.get(row["id"], "") for lang, texts in languages.items()}})
    return table


def test_texts_writes_a_table_to_fill_in(scene_file, tmp_path):
    result = run("texts", scene_file, "-o", tmp_path / "t.csv", "--lang", "en")
    assert result.exit_code == 0, result.output
    with open(tmp_path / "t.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    assert header[0] == "id" and header[-1] == "en" and all(h.startswith("#") for h in header[1:-1])
    assert {"#name", "#fits_chars", "#max_chars", "#styles"} <= set(header)
    by_id = {row[0]: dict(zip(header, row)) for row in rows[1:]}
    assert by_id["body"]["en"] == "Fresh beans, roasted\nevery single morning"
    assert by_id["offer"]["en"] == "Now {1}$19{/1} only" and "#d62828" in by_id["offer"]["#styles"]
    assert 8 <= int(by_id["title"]["#fits_chars"]) <= 14 < int(by_id["title"]["#max_chars"])
    assert by_id["title"]["#name"] == "Title: SUMMER SALE"
    table = read_table(tmp_path / "t.csv")
    assert table.languages == ["en"] and table.texts["price"] == {"en": "$19.99"}


def test_the_table_as_json_reads_back_the_same(tmp_path):
    scene = poster()
    write_table(scene, tmp_path / "t.json", "en")
    rows = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert [row["id"] for row in rows] == [b.id for b in scene.texts]
    rows[0]["de"] = GERMAN["title"]
    (tmp_path / "t.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    table = read_table(tmp_path / "t.json")
    assert table.languages == ["en", "de"]
    assert table.texts_for("de") == {"title": GERMAN["title"]}
    assert table.texts_for("en") == {b.id: to_markup(b) for b in scene.texts}


def test_translate_writes_one_file_per_language_and_pattern(scene_file, tmp_path):
    table = filled(scene_file, tmp_path, de=GERMAN, zh=CHINESE, ar=ARABIC)
    out = tmp_path / "out"
    patterns = (a for f in FORMATS for a in ("-o", out / f"p_{{lang}}.{f}"))
    result = run("translate", scene_file, "--texts", table, *patterns, "--report", out / "report.json")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"p_{lang}.{f}" for lang in ("en", "de", "zh", "ar") for f in FORMATS] + ["report.json"])
    assert "offer: no zh text, keeps the source text" in result.output
    assert "de: 5 blocks" in result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    fits = {(f["language"], f["block"]): f for f in report["fits"]}
    assert report["languages"] == ["en", "de", "zh", "ar"]
    assert fits[("en", "title")]["status"] == "unchanged" and fits[("zh", "offer")]["status"] == "untranslated"
    assert fits[("de", "title")]["status"] == "shrunk" and fits[("de", "title")]["scale"] < 1
    shrunk_a_lot = [b for (lang, b), f in fits.items() if lang == "de" and f["scale"] < 0.8]
    assert all(f"  {b}: " in result.output for b in shrunk_a_lot) and shrunk_a_lot


def test_the_same_input_gives_the_same_bytes(scene_file, tmp_path):
    table = filled(scene_file, tmp_path, de=GERMAN, ar=ARABIC)
    for name, workers in (("a", 1), ("b", 2)):  # in this process, then in two forked ones
        assert run("translate", scene_file, "--texts", table, "-q", "--workers", workers,
                   *(a for f in FORMATS for a in ("-o", tmp_path / name / f"p_{{lang}}.{f}"))).exit_code == 0
    for path in (tmp_path / "a").iterdir():
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_a_block_that_cannot_fit_is_printed(scene_file, tmp_path):
    table = filled(scene_file, tmp_path, de={"cta": "JETZT SOFORT UND OHNE JEDE WARTEZEIT BEI UNS EINKAUFEN"})
    result = run("translate", scene_file, "--texts", table, "-o", tmp_path / "p_{lang}.svg")
    assert result.exit_code == 0
    assert "cta: does not fit at the floor (50%): needs" in result.output


def _table(tmp_path: Path, text: str | bytes, name: str = "bad.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


BAD_TABLES = {
    "unknown id": ("id,en,de\nnope,x,y\n", "row 2: the scene has no text block 'nope'"),
    "duplicate id": ("id,en,de\ntitle,a,b\ntitle,c,d\n", "block id 'title' is given twice (rows 2 and 3)"),
    "unsafe language": ("id,en,../x\ntitle,a,b\n", "'../x' is not a language name a file can be named by"),
    "duplicate language": ("id,en,de,DE\ntitle,a,b,c\n", "column 'DE' is given twice"),
    "no id column": ("block,en\ntitle,a\n", "no 'id' column"),
    "no language": ("id,#name\ntitle,a\n", "no language column"),
    "bad tag": ("id,en,de\noffer,x,Nur {2}19{/2}\n", "row 2, de: offer: unknown style tag {2}"),
    "unclosed tag": ("id,en,de\noffer,x,Nur {1}19\n", "unclosed style tag {1}"),
    "not utf-8": ("id,en,de\ntitle,a,Gr\xfc\xdfe\n".encode("latin-1"), "not UTF-8 text"),
    "bad json": ('[{"id": "title", "de": 5}]', "row 2: 'de' is not a string"),
}


@pytest.mark.parametrize("case", sorted(BAD_TABLES))
def test_a_bad_table_is_one_clear_line_and_no_output(scene_file, tmp_path, case):
    text, problem = BAD_TABLES[case]
    table = _table(tmp_path, text, "bad.json" if case == "bad json" else "bad.csv")
    result = run("translate", scene_file, "--texts", table, "-o", tmp_path / "out" / "p_{lang}.psd")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith(f"layerize: error: {table}: ")
    assert problem in result.output, result.output
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob("**/.*.part*"))


@pytest.mark.parametrize("patterns,problem", [
    (["poster.psd"], "an output pattern holds {lang}"),
    (["p_{lang}.psd", "p_{lang}.PSD"], "would be written twice"),
    (["p_{language}.psd"], "holds {lang}"),
    (["p_{lang}_{x}.psd"], "the only placeholder an output pattern may hold is {lang}"),
    (["p_{lang}.doc"], "doc"),
])
def test_a_bad_output_pattern_is_one_clear_line_and_no_output(scene_file, tmp_path, patterns, problem):
    table = filled(scene_file, tmp_path, de=GERMAN)
    result = run("translate", scene_file, "--texts", table, *(a for p in patterns for a in ("-o", tmp_path / p)))
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert result.output.startswith("layerize: error: ") and problem in result.output
    assert not list(tmp_path.glob("p_*")) and not list(tmp_path.glob(".*.part*"))


def test_a_failing_export_leaves_no_file_of_any_language(scene_file, tmp_path, monkeypatch):
    import layerize_exporters.svg as svg

    table = filled(scene_file, tmp_path, de=GERMAN, zh=CHINESE)
    monkeypatch.setattr(svg.SvgExporter, "write", lambda self, scene, path: (_ for _ in ()).throw(OSError("disk")))
    result = CliRunner().invoke(main, ["translate", str(scene_file), "--texts", str(table), "-o",
                                       str(tmp_path / "out" / "p_{lang}.psd"), "-o",
                                       str(tmp_path / "out" / "p_{lang}.svg")])
    assert result.exit_code != 0
    assert not (tmp_path / "out").exists()


def test_bad_texts_arguments(scene_file, tmp_path):
    result = run("texts", scene_file, "-o", tmp_path / "t.txt")
    assert result.exit_code == 2 and "a texts table is .csv or .json" in result.output
    result = run("texts", scene_file, "-o", tmp_path / "t.csv", "--lang", "../en")
    assert result.exit_code == 2 and "'../en' is not a language name" in result.output
    assert not (tmp_path / "t.csv").exists()
