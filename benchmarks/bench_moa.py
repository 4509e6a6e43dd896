"""How fast MOAs are read, now and before, in one run on the same machine.

Reads every sample MOA with the current parser (through the worker, as the cycle does) and
with the parser of an earlier commit (default: the one before the fast reader, copied out of
git into a temporary package), all on two cores, and prints PDFs per minute for each, the
ratios, and the right/empty/wrong table of each on the hand-read samples, so speed is never
bought with accuracy.  The earlier parser is timed twice: as it read a document by default
(every page without text OCR'd at 300 dpi: the "about 15 s per PDF" the work was measured
against) and as the cycle ran it (only the first and signature pages OCR'd).  Last, a burst
of 60 new MOAs (the samples over again) is read against the cycle's reading budget.

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

from scrapers.moa_worker import largest_first, parse_many, parse_stream  # noqa: E402

# The worker starts a child per document, and each child imports this script again as its
# main module; so what only the report needs (the store's schema through the cycle's
# budget, the scorer) is imported where it is used, not charged to every document read.

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
        source = source.replace("from scrapers.parsers.", "from parsers.")
        (package / Path(path).name).write_text(source)


def _baseline_init(path: str) -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    sys.path.insert(0, path)


def _baseline_one(path: str, scope: str) -> dict:
    module = importlib.import_module("previous_moa.moa_pdf")
    try:
        return module.parse_moa(Path(path).read_bytes(), ocr_scope=scope)
    except module.MoaError as exc:
        return {"error": str(exc)}


def run_baseline(rev: str, files: list[Path], workers: int, scope: str) -> tuple[float, list[dict]]:
    with tempfile.TemporaryDirectory() as tmp:
        export_baseline(rev, Path(tmp))
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_baseline_init, initargs=(tmp,)) as pool:
            # In the order the current worker takes them, so both are scheduled alike.
            order = largest_first(files)
            started = time.perf_counter()
            done = list(pool.map(_baseline_one, [str(files[i]) for i in order], [scope] * len(files)))
            elapsed = time.perf_counter() - started
    results: list[dict] = [{} for _ in files]
    for i, result in zip(order, done, strict=True):
        results[i] = result
    return elapsed, results


def burst(files: list[Path], workers: int, size: int = 60) -> None:
    """A day's burst of new MOAs read as the cycle reads them, against its budget."""
    from service.cycle import MOA_BUDGET

    items = [files[i % len(files)] for i in range(size)]
    started = time.perf_counter()
    read = sum(1 for _ in parse_stream(items, workers=workers, budget_seconds=MOA_BUDGET, ocr_scope="fields"))
    elapsed = time.perf_counter() - started
    print(f"burst of {size} new MOAs: {read} read in {elapsed:.0f} s of the cycle's {MOA_BUDGET} s budget")


def run_current(files: list[Path], workers: int, **options: int) -> tuple[float, list[dict]]:
    started = time.perf_counter()
    results = parse_many(files, workers=workers, **options)
    return time.perf_counter() - started, results


def sample_files(extra: list[Path]) -> list[Path]:
    """The fixtures plus any other folders of MOAs, each file name once."""
    from tests.support.moa_accuracy import SAMPLES

    seen: dict[str, Path] = {}
    for folder in [SAMPLES, *extra]:
        for path in sorted(folder.glob("*.pdf")):
            seen.setdefault(path.name, path)
    return list(seen.values())


def report(name: str, elapsed: float, files: list[Path], results: list[dict]) -> float:
    from tests.support.moa_accuracy import expected_rows, render, score

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
    burst(files, args.workers)
    if args.skip_baseline:
        return
    ratios = []
    for scope, how in (("all", "as parse-moa read a PDF"), ("fields", "as the cycle ran it")):
        old_elapsed, old_results = run_baseline(args.baseline, files, args.workers, scope)
        old_rate = report(f"previous ({args.baseline}, {how})", old_elapsed, files, old_results)
        ratios.append(f"{rate / old_rate:.1f}x the PDFs per minute of {args.baseline} {how}")
    print("ratio: " + "; ".join(ratios))


if __name__ == "__main__":
    main()
