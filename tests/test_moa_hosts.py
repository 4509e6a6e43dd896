"""MOA links are fetched only from ICE/DHS (here: the mirror's host), whatever the link or a redirect says."""

from __future__ import annotations

import sqlite3

import pytest

from tests.support.mirror import Mirror
from tests.support.tracker import publish, run_cli
from tests.support.workbooks import row, workbook

PDF = b"%PDF-1.4\n% unreadable on purpose\n%%EOF\n"


@pytest.fixture
def elsewhere():
    """A server on another loopback address: a host outside the allowlist (an internal service, say)."""
    server = Mirror(host="127.0.0.2")
    server.set("/internal/secret.pdf", PDF, "application/pdf")
    yield server
    server.close()


def test_a_moa_link_redirecting_off_the_allowed_hosts_or_hiding_its_host_is_never_fetched(
        mirror, elsewhere, tracker_env, tmp_path):
    env = dict(tracker_env, FETCH_MOAS="true")
    secret = elsewhere.url("/internal/secret.pdf")
    mirror.set("/doclib/287gMOA/redirected.pdf", b"", status=302, headers={"Location": secret})
    good = mirror.set("/doclib/287gMOA/good.pdf", PDF, "application/pdf")
    port = elsewhere.base.rsplit(":", 1)[1]
    # Checked naively, the host is the mirror's; Scrapy would rewrite `\` to `/` and ask 127.0.0.2.
    backslash = f"http://127.0.0.2:{port}\\@{mirror.base.removeprefix('http://')}/internal/secret.pdf"
    publish(mirror, workbook([
        row(agency="Redirected Police Department", moa="link", moa_link=mirror.url("/doclib/287gMOA/redirected.pdf")),
        row(agency="Backslash Police Department", moa="link", moa_link=backslash),
        row(agency="Good Police Department", moa="link", moa_link=good),
        *[row(agency=f"Agency {i} Police Department") for i in range(20)],
    ]))
    result = run_cli(env, "once", "--only", "ice")
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]

    assert elsewhere.hits == []  # not the document, not even its robots.txt
    assert [h.status for h in mirror.requests_for("/doclib/287gMOA/redirected.pdf")] == [302]
    assert [h.status for h in mirror.requests_for("/doclib/287gMOA/good.pdf")] == [200]
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        urls = [u for (u,) in db.execute("select url from fetches")]
    assert good in urls and not any("127.0.0.2" in u for u in urls)
