"""Images per second: a loop of single ``layerize`` runs, ``layerize batch --workers 1`` and ``--workers 2``.

    python benchmarks/bench_batch.py [--n 12] [--width 1024] [--workers 1 2] [FOLDER]

Each way converts the same images (N designs from ``fixtures/designs.py``, or
every image in FOLDER) to PSD, PPTX and SVG, as a user runs it: one command
line process per run. The outputs of every way are then compared byte for
byte, and the peak resident memory of the largest process is printed.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "fixtures"))

import designs  # noqa: E402

LAYERIZE = [sys.executable, "-m", "layerize"]
FORMATS = ("psd", "pptx", "svg")
MAKERS = (designs.poster, designs.textured, designs.typography, designs.objects, designs.effects)
"""Design kinds in turn, so the set mixes flat, textured, typographic and object-heavy images."""


def make_designs(folder: Path, n: int, width: int) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for i in range(n):
        maker = MAKERS[i % len(MAKERS)]
        path = folder / f"{i:03d}-{maker.__name__}.png"
        maker(width=width, seed=i).image.save(path)
        paths.append(path)
    return paths


def images_in(folder: Path) -> list[Path]:
    suffixes = {".png", ".jpg", ".jpeg", ".webp"}
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in suffixes)


def timed(commands: list[list[str]]) -> float:
    """Seconds to run the commands one after the other (each must succeed)."""
    start = time.perf_counter()
    for command in commands:
        subprocess.run(command, check=True)
    return time.perf_counter() - start


def outputs(folder: Path) -> dict[Path, bytes]:
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and not p.name.startswith(".")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path, help="images to convert (default: generated designs)")
    parser.add_argument("--n", type=int, default=12, help="generated designs")
    parser.add_argument("--width", type=int, default=1024, help="generated designs' width")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="batch worker counts to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = args.folder or work / "in"
        images = images_in(source) if args.folder else make_designs(source, args.n, args.width)
        print(f"{len(images)} images, {os.cpu_count()} cores; PSD + PPTX + SVG each")
        single = work / "single"
        loop = [[*LAYERIZE, str(image), *[a for fmt in FORMATS for a in
                 ("-o", str(single / image.relative_to(source).with_suffix(f".{fmt}")))], "-q"] for image in images]
        rows = [("single runs (loop)", timed(loop))]
        for workers in args.workers:
            out = work / f"batch-{workers}"
            rows.append((f"batch --workers {workers}", timed([[*LAYERIZE, "batch", str(source), "-o", str(out),
                                                               "--workers", str(workers), "-q"]])))
        base = rows[0][1]
        print(f"{'way':<22} {'seconds':>8} {'images/s':>9} {'speed-up':>9}")
        for name, seconds in rows:
            print(f"{name:<22} {seconds:8.1f} {len(images) / seconds:9.3f} {base / seconds:8.2f}x")
        reference = outputs(single)
        same = all(outputs(work / f"batch-{w}") == reference for w in args.workers)
        print(f"outputs byte-identical to the single runs: {'yes' if same else 'NO'} ({len(reference)} files)")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"largest process peak RSS: {peak:.0f} MiB")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
