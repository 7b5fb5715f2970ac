"""The texts table a translator fills in: one row per text block, one column per language.

Columns: ``id`` (the block's id), informative columns whose names start with
``#`` (ignored when read back: ``#name``, ``#role``, ``#fits_chars``, how many
characters of the block's average width its box holds at full size,
``#max_chars``, at the floor, and ``#styles``, what its style tags mean), then
one column per language, the source language first and filled. Every further
column is a language; its name names the output files (``poster_{lang}.psd``),
so it is letters, digits, ``-`` and ``_`` only. An empty cell keeps the
source text. A line break inside a cell is a line break of the text.

The same table is a JSON list of objects with those keys. CSV is written as
UTF-8 with a byte-order mark (so spreadsheet programs read it as UTF-8).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..files import atomic_write_bytes
from ..render import style_font
from ..scene import Scene, TextBlock
from .markup import block_overrides, to_markup
from .refit import floor_of, frame_of

ID = "id"
INFO = "#"
LANGUAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,34}")
"""A language column's name: a safe file-name token (``de``, ``pt-BR``, ``zh_Hant``)."""
MAX_TABLE_BYTES = 64 * 2**20
FORMATS = (".csv", ".json")


@dataclass
class TextTable:
    """A read texts table: its languages in column order and, per block id, the texts given."""

    path: Path
    languages: list[str]
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    """The row each block id is on (the header is row 1), for messages."""

    def texts_for(self, language: str) -> dict[str, str]:
        """Block id → text of one language (blocks without a text left out)."""
        return {id: texts[language] for id, texts in self.texts.items() if language in texts}


def check_language(name: str, where: object) -> str:
    """``name`` when it is a safe language name, else an InputError about ``where``."""
    if not LANGUAGE.fullmatch(name):
        raise InputError(where, f"{name!r} is not a language name a file can be named by (letters, digits, "
                         "'-' and '_', up to 35)")
    return name


def capacity(block: TextBlock, scene: Scene) -> tuple[int, int]:
    """How many characters of the block's average width its box holds: at full size and at the floor
    (a paragraph in as many lines as its box holds, a single line in one)."""
    frame = frame_of(block, scene.canvas)
    style = block.style
    font = style_font(style)
    text = block.text.replace("\n", " ")
    average = (font.getlength(text) / len(text) if text.strip() else style.size_px * 0.55) + style.letter_spacing_px
    ascent, descent = font.getmetrics()

    def chars(scale: float) -> int:
        rows = 1 + max(0, math.floor((frame.bottom - frame.top - (ascent + descent) * scale)
                                     / (style.line_height_px * scale))) if len(block.lines) > 1 else 1
        return max(1, math.floor((frame.right - frame.left) / (average * scale))) * rows

    return chars(1.0), chars(floor_of(style))


def describe_styles(block: TextBlock) -> str:
    """What each ``{n}`` tag of the block stands for, e.g. ``{1} #d62828 bold``."""
    parts = []
    for n, (color, weight, italic) in enumerate(block_overrides(block), 1):
        what = [color or "", f"weight {weight}" if weight else "", {True: "italic", False: "upright"}.get(italic, "")]
        parts.append(f"{{{n}}} " + " ".join(w for w in what if w))
    return "; ".join(parts)


def table_rows(scene: Scene, language: str) -> list[dict[str, str]]:
    """The table's rows for ``scene`` with its texts in the ``language`` column."""
    check_language(language, "--lang")
    rows = []
    for block in scene.texts:
        fits, most = capacity(block, scene)
        rows.append({ID: block.id, "#name": block.layer_name, "#role": block.role, "#fits_chars": str(fits),
                     "#max_chars": str(most), "#styles": describe_styles(block),
                     language: to_markup(block)})
    return rows


def table_bytes(rows: list[dict[str, str]], suffix: str) -> bytes:
    """The rows as CSV (UTF-8 with a byte-order mark) or JSON."""
    if suffix == ".json":
        return (json.dumps(rows, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else [ID], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def write_table(scene: Scene, path: Path, language: str = "src") -> Path:
    """Write the texts table of ``scene`` to ``path`` (``.csv`` or ``.json``), atomically."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(path, "a texts table is .csv or .json")
    atomic_write_bytes(path, table_bytes(table_rows(scene, language), suffix))
    return path


def _records(path: Path, text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows (lists of cells) of a CSV or JSON table."""
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"invalid JSON: {exc.msg} at line {exc.lineno}") from None
        data = data.get("texts") if isinstance(data, dict) else data
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise InputError(path, "a JSON texts table is a list of objects (one per text block)")
        header = list(dict.fromkeys(key for row in data for key in row))
        for number, row in enumerate(data, 2):
            bad = next((k for k, v in row.items() if v is not None and not isinstance(v, str)), None)
            if bad is not None:
                raise InputError(path, f"row {number}: {bad!r} is not a string")
        return header, [[row.get(key) or "" for key in header] for row in data]
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(path, f"invalid CSV: {exc}") from None
    if not records:
        raise InputError(path, "the table is empty (its first row names the columns: id, then languages)")
    return records[0], records[1:]


def read_table(path: Path) -> TextTable:
    """Read and check a texts table (see the module notes); InputError for the first problem found."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_TABLE_BYTES + 1)
    except OSError as exc:
        raise InputError(path, f"cannot read the texts table: {exc.strerror or exc}") from None
    if len(data) > MAX_TABLE_BYTES:
        raise InputError(path, f"the texts table is larger than {MAX_TABLE_BYTES // 2**20} MiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the table as UTF-8") \
            from None
    header, records = _records(path, text)
    header = [name.strip() for name in header]
    if ID not in header:
        raise InputError(path, "no 'id' column (the first row names the columns: id, then languages)")
    seen: dict[str, str] = {}
    for number, name in enumerate(header, 1):
        if not name:
            raise InputError(path, f"column {number} has no name")
        if name.casefold() in seen:
            raise InputError(path, f"column {name!r} is given twice (also as {seen[name.casefold()]!r})")
        seen[name.casefold()] = name
    languages = [check_language(name, path) for name in header if name != ID and not name.startswith(INFO)]
    if not languages:
        raise InputError(path, "no language column (after 'id' and the '#' columns: the source language, "
                         "then one column per translation)")
    table = TextTable(path, languages)
    for number, cells in enumerate(records, 2):
        if len(cells) > len(header):
            raise InputError(path, f"row {number} has {len(cells)} cells, more than the {len(header)} columns")
        row = dict(zip(header, [c.replace("\r\n", "\n").replace("\r", "\n") for c in cells]))
        block = row.get(ID, "").strip()
        if not block:
            if any(row.get(lang, "").strip() for lang in languages):
                raise InputError(path, f"row {number} has texts but no id")
            continue
        if block in table.rows:
            raise InputError(path, f"block id {block!r} is given twice (rows {table.rows[block]} and {number})")
        table.rows[block] = number
        table.texts[block] = {lang: row[lang] for lang in languages if row.get(lang, "").strip()}
    return table
