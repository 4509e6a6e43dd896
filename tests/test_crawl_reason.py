"""What maintainers read when a crawl fails: the real error, not whatever line mentions "Error"."""

from __future__ import annotations

from service.crawl import run_spider
from storage.db import connect
from tests.support.tracker import ROOT, command_env


def test_a_crawl_that_dies_is_explained_by_its_error_not_by_scrapys_middleware_list(tmp_path):
    database = f"sqlite:///{tmp_path / 'tracker.db'}"
    sessions = connect(database)
    # A setting the crawl's pipeline refuses: Scrapy logs its middlewares, then a traceback.
    env = command_env(database, tmp_path / "data", REMOVAL_CONFIRMATIONS="abc", ICE_287G_URL="http://127.0.0.1:9/",
                      PYTHONPATH=str(ROOT))
    result = run_spider(sessions, "ice_287g", "ice", timeout=120, env=env)
    assert result.status == "failed"
    assert "REMOVAL_CONFIRMATIONS='abc': expected a whole number" in result.error
    assert "Middleware" not in result.error
    assert "File " not in result.error  # no traceback frames either
