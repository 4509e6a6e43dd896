"""How fast MOAs are read, now and before, in one run on the same machine.

Reads every sample MOA with the current parser (through the worker, as the cycle does) and
with the parser of an earlier commit (default: the one before the fast reader, copied out of
git into a temporary package), both on two cores, and prints PDFs per minute for each, the
ratio, and the right/empty/wrong table of each on the hand-read samples, so speed is never
bought with accuracy.

    .venv/bin/python benchmarks/bench_moa.py [--dir MORE_PDFS ...] [--baseline REV] [--skip-baseline] [--dpi N]
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
sys.path.insert(0, str(ROOT))

from scrapers.moa_worker import parse_many  # noqa: E402
from tests.moa_accuracy import SAMPLES, expected_rows, render, score  # noqa: E402

# The last commit whose parser read every page with pdfplumber and OCR'd at 300 dpi.
BASELINE = "94b71a9"
PARSER_FILES = ("scrapers/parsers/moa_pdf.py", "scrapers/parsers/moa_fields.py")


def export_baseline(rev: str, into: Path) -> None:
    """Write that commit's parser into ``into/previous_moa`` with its imports made local."""
    package = into / "previous_moa"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for path in PARSER_FILES:
        source = subprocess.run(
            ["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
        source = source.replace("from scrapers.parsers.moa_fields import", "from previous_moa.moa_fields import")
        (package / Path(path).name).write_text(source)


def _baseline_init(path: str) -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    sys.path.insert(0, path)


def _baseline_one(path: str) -> dict:
    module = importlib.import_module("previous_moa.moa_pdf")
    try:
        return module.parse_moa(Path(path).read_bytes(), ocr_scope="fields")
    except module.MoaError as exc:
        return {"error": str(exc)}


def run_baseline(rev: str, files: list[Path], workers: int) -> tuple[float, list[dict]]:
    with tempfile.TemporaryDirectory() as tmp:
        export_baseline(rev, Path(tmp))
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_baseline_init, initargs=(tmp,)) as pool:
            started = time.perf_counter()
            results = list(pool.map(_baseline_one, [str(f) for f in files]))
            return time.perf_counter() - started, results


def run_current(files: list[Path], workers: int, **options: int) -> tuple[float, list[dict]]:
    started = time.perf_counter()
    results = parse_many(files, workers=workers, **options)
    return time.perf_counter() - started, results


def sample_files(extra: list[Path]) -> list[Path]:
    """The fixtures plus any other folders of MOAs, each file name once."""
    seen: dict[str, Path] = {}
    for folder in [SAMPLES, *extra]:
        for path in sorted(folder.glob("*.pdf")):
            seen.setdefault(path.name, path)
    return list(seen.values())


def report(name: str, elapsed: float, files: list[Path], results: list[dict]) -> float:
    rate = 60 * len(files) / elapsed
    failed = sum(1 for r in results if r.get("error"))
    print(f"{name}: {len(files)} PDFs in {elapsed:.1f} s = {rate:.1f} PDFs/min ({failed} unreadable)")
    rows = expected_rows()
    by_name = {f.name: r for f, r in zip(files, results, strict=True)}
    table, _ = score(rows, by_name)
    print(render(table, f"  {name} on {len(rows)} hand-read MOAs:"))
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, action="append", default=[], help="another folder of MOA PDFs")
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the parser to compare with")
    parser.add_argument("--skip-baseline", action="store_true", help="time the current parser only")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dpi", type=int, help="OCR resolution for the current parser (default: its own)")
    args = parser.parse_args()
    files = sample_files(args.dir)
    elapsed, results = run_current(files, args.workers, **({"dpi": args.dpi} if args.dpi else {}))
    rate = report("current", elapsed, files, results)
    if args.skip_baseline:
        return
    old_elapsed, old_results = run_baseline(args.baseline, files, args.workers)
    old_rate = report(f"previous ({args.baseline})", old_elapsed, files, old_results)
    print(f"ratio: {rate / old_rate:.1f}x the PDFs per minute of {args.baseline}")


if __name__ == "__main__":
    main()
