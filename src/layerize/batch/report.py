"""One result per image, and the report that lists them (CSV or JSON, by the file's extension).

A row holds the input, its status (ok, failed, skipped), where and why it
failed, the seconds of each stage, the text fidelity and each export's fidelity
(SSIM of its redrawing against the input), the numbers of text blocks, objects
and shapes, and the outputs: sort by a fidelity column to open the weakest files
first.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..files import atomic_write_bytes

STAGES = ("read", "analyse", "export")
REPORT_FORMATS = (".csv", ".json")
MEASURES = ("seconds", "text_fidelity", "export_fidelity", "n_text", "n_objects", "n_shapes")
"""What a result measures, kept in the manifest so a skipped input's row still shows it."""


@dataclass
class Result:
    """What became of one input of a batch."""

    input: Path
    key: str
    """The input's path below the inputs' common folder (its outputs' path below OUTDIR)."""
    status: str
    """ok, failed or skipped (its outputs were already made from the same content and config)."""
    stage: str | None = None
    error_class: str | None = None
    message: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    text_fidelity: float | None = None
    export_fidelity: dict[str, float] = field(default_factory=dict)
    """SSIM of each output's redrawing, by format (only the formats that are scored)."""
    n_text: int | None = None
    n_objects: int | None = None
    n_shapes: int | None = None
    outputs: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def measures(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in MEASURES}

    def describe(self) -> str:
        """One line for a failure: ``input: [stage] ErrorClass: message``."""
        return f"{self.input}: [{self.stage}] {self.error_class}: {self.message}"

    def row(self, formats: list[str]) -> dict[str, Any]:
        """The report's columns for this result."""
        return {
            "input": str(self.input), "status": self.status, "stage": self.stage, "error_class": self.error_class,
            "message": self.message,
            **{f"{stage}_s": _rounded(self.seconds.get(stage), 3) for stage in STAGES},
            "text_fidelity": _rounded(self.text_fidelity, 4),
            **{f"fidelity_{fmt}": _rounded(self.export_fidelity.get(fmt), 4) for fmt in formats},
            "n_text": self.n_text, "n_objects": self.n_objects, "n_shapes": self.n_shapes,
            "outputs": [str(p) for p in self.outputs],
        }


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def check_report_path(path: Path) -> None:
    """ValueError unless the report's extension says CSV or JSON."""
    if path.suffix.lower() not in REPORT_FORMATS:
        raise ValueError(f"{path}: the report is .csv or .json (by its extension)")


def write_report(path: Path, results: list[Result], formats: list[str]) -> None:
    """Write the rows of ``results`` (in the order given) atomically, as CSV or JSON by the extension."""
    rows = [result.row(formats) for result in results]
    if path.suffix.lower() == ".json":
        text = json.dumps(rows, indent=1) + "\n"
    else:
        buffer = io.StringIO()
        columns = list(Result(Path(), "", "ok").row(formats))
        writer = csv.DictWriter(buffer, columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "outputs": ";".join(row["outputs"])})
        text = buffer.getvalue()
    atomic_write_bytes(path, text.encode("utf-8"))
