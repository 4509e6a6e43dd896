"""How fast MOAs parse: text-layer pages, OCR'd pages, and a backfill of the samples on two
cores.  Run as `.venv/bin/python benchmarks/bench_moa.py`; prints medians."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# One OpenMP thread per Tesseract, as in the worker: threads fight over two cores otherwise.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
sys.path.insert(0, str(ROOT))

from scrapers.moa_worker import parse_many  # noqa: E402
from scrapers.parsers.moa_pdf import _Page, _Renderer, parse_moa, tesseract_available  # noqa: E402

SAMPLES = ROOT / "tests" / "fixtures" / "moa"
TEXT_SAMPLES = [
    "georgiaDeptPublicSafety_TFM_MOA_03.10.25.pdf",
    "GraysonCountyDCKY_JEM_MOA_030425.pdf",
    "TerrellCoTX_WSO_MOA_04.16.2025.pdf",
]
SCAN = "LeeCoSheriffsOffice_JEM_MOA_02.20.2025.pdf"
REPEATS = 3


def text_pages_per_second() -> float:
    rates = []
    for _ in range(REPEATS):
        pages, started = 0, time.perf_counter()
        for name in TEXT_SAMPLES:
            pages += parse_moa((SAMPLES / name).read_bytes(), ocr=False)["pages"]
        rates.append(pages / (time.perf_counter() - started))
    return statistics.median(rates)


def ocr_seconds_per_page(dpi: int = 300, pages: tuple[int, ...] = (1, 2, 7)) -> float:
    data = (SAMPLES / SCAN).read_bytes()
    times = []
    for _ in range(REPEATS):
        renderer = _Renderer(data, "tesseract", dpi)
        for number in pages:
            started = time.perf_counter()
            renderer.ocr_copy(_Page(number, 612, 792))
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def backfill(workers: int) -> tuple[float, int, float]:
    files = sorted(SAMPLES.glob("*.pdf"))
    started = time.perf_counter()
    results = parse_many(files, workers=workers, ocr_scope="fields")
    elapsed = time.perf_counter() - started
    pages = sum(r["pages"] or 0 for r in results)
    return elapsed, pages, pages / elapsed


def main() -> None:
    print(f"text layer: {text_pages_per_second():6.1f} pages/s (median of {REPEATS}, no OCR)")
    if not tesseract_available():
        print("tesseract not on PATH: OCR and backfill benchmarks skipped")
        return
    per_page = ocr_seconds_per_page()
    print(f"OCR 300 dpi: {1 / per_page:6.2f} pages/s ({per_page:.1f} s/page median, one core)")
    elapsed, pages, rate = backfill(workers=2)
    print(f"backfill of {len(list(SAMPLES.glob('*.pdf')))} samples, 2 workers, OCR of field pages: "
          f"{elapsed:.1f} s, {pages} pages, {rate:.2f} pages/s")


if __name__ == "__main__":
    main()
