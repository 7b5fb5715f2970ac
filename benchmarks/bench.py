"""Time and memory of the analysis and of each export on fixture designs.

    python benchmarks/bench.py [--repeat 3] [--widths 1024 2048]

For each design and width: the first (cold) run loads the engines; the median of
the following warm runs is what a batch of images sees. Peak memory is the
tracemalloc peak of Python/numpy allocations during the stage and the process's
maximum resident set size at the end.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "fixtures"))

import designs  # noqa: E402

import layerize  # noqa: E402

FORMATS = ("psd", "pptx", "svg")


def measure(fn: Callable[[], object]) -> tuple[float, float, object]:
    """Seconds and tracemalloc peak (MiB) of one call, and its result."""
    tracemalloc.start()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, result


def bench(name: str, image_path: Path, out_dir: Path, repeat: int) -> list[tuple[str, float, float, float]]:
    """Rows (stage, cold s, warm median s, peak MiB) for one design."""
    rows: dict[str, list[tuple[float, float]]] = {}
    for _ in range(repeat + 1):
        seconds, peak, scene = measure(lambda: layerize.analyze(image_path))
        rows.setdefault("analyze", []).append((seconds, peak))
        total = seconds
        for fmt in FORMATS:
            seconds, peak, _ = measure(lambda: scene.export(out_dir / f"{name}.{fmt}"))  # noqa: B023
            rows.setdefault(f"export {fmt}", []).append((seconds, peak))
            total += seconds
        rows.setdefault("all three", []).append((total, 0.0))
    return [
        (stage, runs[0][0], statistics.median(s for s, _ in runs[1:]), max(p for _, p in runs))
        for stage, runs in rows.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per design")
    parser.add_argument("--widths", type=int, nargs="+", default=[1024, 2048])
    args = parser.parse_args()
    print(f"{'design':<16} {'stage':<12} {'cold s':>8} {'warm s':>8} {'peak MiB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        for width in args.widths:
            for maker in (designs.poster, designs.textured):
                design = maker(width=width)
                name = f"{maker.__name__}-{width}"
                path = tmp_dir / f"{name}.png"
                design.image.save(path)
                for stage, cold, warm, peak in bench(name, path, tmp_dir, args.repeat):
                    print(f"{name:<16} {stage:<12} {cold:8.2f} {warm:8.2f} {peak:9.1f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
