"""Where the time and memory go: a stage table per design, whole CLI processes, memory by size.

    python benchmarks/bench_profile.py [--repeat 5] [--cli 5] [--sizes 1024 2048 4096]

Three parts, each on fixture designs (the poster and the noise-textured design):

- **stages**: a fresh process imports layerize, analyses the design and writes
  PSD, PPTX and SVG (scored, as the CLI does) once cold, then ``--repeat``
  times warm; the table gives every stage's cold seconds and warm median
  (sub-stages indented under their stage).
- **cli**: ``layerize in.png -o a.psd -o a.pptx -o a.svg`` as a whole process,
  ``--cli`` times after one run that fills the disk cache: median wall seconds
  and the largest resident set.
- **memory**: one process per width analysing and writing the three formats:
  its peak resident set, and that per megapixel.
"""

from __future__ import annotations

import time

START = time.perf_counter()  # before any import: the stage "import" is measured from here

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "fixtures"))  # the designs are imported where drawn, not in a child's timing
DESIGNS = ("poster", "textured")
FORMATS = ("psd", "pptx", "svg")


def child(image: Path, out_dir: Path, repeat: int) -> None:
    """In a fresh process: the stage tables of a cold run and of ``repeat`` warm runs, as JSON on stdout."""
    import layerize
    from layerize.config import load_config
    from layerize.export import write_outputs
    from layerize.timing import collect

    imported = time.perf_counter() - START
    cfg = load_config(None)
    runs = []
    for _ in range(repeat + 1):
        with collect() as table:
            start = time.perf_counter()
            scene = layerize.analyze(image, cfg)
            table["analysis"] = time.perf_counter() - start
            mark = time.perf_counter()
            write_outputs(scene, [out_dir / f"a.{fmt}" for fmt in FORMATS], cfg)
            table["exports"] = time.perf_counter() - mark
            table["all three"] = time.perf_counter() - start
        runs.append(table)
    runs[0]["import"] = imported
    print(json.dumps(runs))


def run_child(args: list[str]) -> tuple[str, float, float]:
    """Stdout, wall seconds and peak resident set (MiB) of a Python child process."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"bench_profile: {' '.join(args)} failed ({proc.returncode}): {err.read()[-400:]}")
        return out.read(), wall, usage.ru_maxrss / 1024


def design_png(name: str, width: int, folder: Path) -> Path:
    """The fixture design ``name`` drawn at ``width``, saved as PNG."""
    import designs

    path = folder / f"{name}-{width}.png"
    if not path.exists():
        getattr(designs, name)(width=width).image.save(path)
    return path


def print_stages(name: str, runs: list[dict[str, float]]) -> None:
    cold, warm = runs[0], runs[1:]
    order = ["import", *(k for k in cold if k not in ("import", "analysis", "exports", "all three")),
             "analysis", "exports", "all three"]
    print(f"\n{name}: stage seconds, cold (first run in a process) and warm (median of {len(warm)})")
    print(f"  {'stage':<28} {'cold':>7} {'warm':>7}")
    for stage in order:
        warm_s = statistics.median(r.get(stage, 0.0) for r in warm) if stage != "import" else 0.0
        label = "  " * stage.count(".") + stage
        print(f"  {label:<28} {cold.get(stage, 0.0):7.3f} {warm_s:7.3f}")


def stages(folder: Path, repeat: int) -> None:
    for name in DESIGNS:
        image = design_png(name, 1024, folder)
        out_dir = folder / f"{name}-out"
        out_dir.mkdir(exist_ok=True)
        out, _, rss = run_child([__file__, "--child", str(image), str(out_dir), str(repeat)])
        print_stages(f"{name} 1024 px", json.loads(out))
        print(f"  peak resident set {rss:.0f} MiB")


def cli(folder: Path, times: int) -> None:
    print(f"\nwhole process: layerize IN -o a.psd -o a.pptx -o a.svg (median of {times}, after one run)")
    for name in DESIGNS:
        image = design_png(name, 1024, folder)
        outs = [a for fmt in FORMATS for a in ("-o", str(folder / f"cli.{fmt}"))]
        args = ["-m", "layerize", str(image), *outs]
        run_child(args)
        walls, peaks = zip(*(run_child(args)[1:] for _ in range(times)))
        print(f"  {name + ' 1024 px':<18} {statistics.median(walls):6.2f} s  peak {max(peaks):6.0f} MiB")


def memory(folder: Path, sizes: list[int]) -> None:
    print("\npeak resident set of one analysis and three exports, by size")
    for name in DESIGNS:
        for width in sizes:
            image = design_png(name, width, folder)
            out_dir = folder / f"{name}-{width}-mem"
            out_dir.mkdir(exist_ok=True)
            _, wall, rss = run_child([__file__, "--child", str(image), str(out_dir), "0"])
            from PIL import Image

            with Image.open(image) as im:
                megapixels = im.width * im.height / 1e6
            print(f"  {name:<9} {width:>5} px ({megapixels:5.1f} MP)  {rss:6.0f} MiB  "
                  f"{rss / megapixels:5.0f} MiB/MP  {wall:6.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="warm runs per design in the stage table")
    parser.add_argument("--cli", type=int, default=5, help="whole CLI processes per design (0: none)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[1024, 2048, 4096], help="widths for memory")
    parser.add_argument("--child", nargs=3, metavar=("IMAGE", "OUTDIR", "REPEAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), int(args.child[2]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stages(folder, args.repeat)
        if args.cli:
            cli(folder, args.cli)
        if args.sizes:
            memory(folder, args.sizes)


if __name__ == "__main__":
    main()
