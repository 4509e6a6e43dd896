"""A crawl loads only the spider it runs; every spider can still be found and listed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import sys
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.project import get_project_settings
loader = get_spider_loader(get_project_settings())
spider = loader.load(sys.argv[1])
print(spider.name, "scrapers.spiders.local.base" in sys.modules, "pdfplumber" in sys.modules, "openpyxl" in sys.modules)
print(" ".join(sorted(loader.list())))
"""


def probe(spider: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", PROBE, spider], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.splitlines()


def test_the_ice_crawl_loads_no_local_spider_and_no_spreadsheet_or_pdf_library() -> None:
    loaded, listed = probe("ice_287g")
    assert loaded == "ice_287g False False False"
    assert {"ice_287g", "legistar", "civicplus", "local_page", "marion_sheriff"} <= set(listed.split())


def test_a_local_spider_is_found_in_its_own_module() -> None:
    loaded, _ = probe("marion_sheriff")
    assert loaded.split()[:2] == ["marion_sheriff", "True"]
