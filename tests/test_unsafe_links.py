"""Only web links reach readers: a `javascript:` or `file:` link in ICE's sheet is never a live link."""

from __future__ import annotations

import datetime as dt
import json

from defusedxml import ElementTree as SafeET

from alerts.deliver import deliver_all
from alerts.digest import send_due_digests
from parsers.ice_workbook import parse_workbook
from tests.support.alert_servers import FL_CHANNEL_AND_DESK, add_events, database, make_config, ocala, start_watching
from tests.support.workbooks import row, workbook

GOOD = "https://www.ice.gov/doclib/287gMOA/ocalaPdFL.pdf"
UNSAFE = ["javascript:alert(document.cookie)", "file:///etc/passwd", "JavaScript:alert(1)",
          "data:text/html,<script>alert(1)</script>", "https://www.ice.gov\\@evil.example/a.pdf",
          "https://user:pw@www.ice.gov/a.pdf"]
SUBS = FL_CHANNEL_AND_DESK


def test_the_parser_keeps_web_links_and_drops_every_other_kind_with_a_warning():
    rows = [row(agency=f"Town {i} Police Department", moa_link=url) for i, url in enumerate([GOOD, *UNSAFE])]
    parsed = parse_workbook(workbook(rows), "participating")
    links = {r.agency: r.moa_url for r in parsed.records}
    assert links.pop("Town 0 Police Department") == GOOD
    assert set(links.values()) == {None}  # the rows stay; only their links go
    dropped = [w for w in parsed.warnings if "not a web address" in w]
    assert len(dropped) == len(UNSAFE)


def test_a_stored_unsafe_link_never_becomes_a_link_in_slack_email_or_atom(tmp_path, slack_server, smtp_server):
    config = make_config(tmp_path, SUBS, slack=slack_server, smtp=smtp_server)
    db = database(config)
    start_watching(config, db, slack_server, smtp_server)
    add_events(db, ocala(moa_url="javascript:alert(document.cookie)", addendum_url="file:///etc/passwd"),
               ocala(agency="Belleview Police Department", moa_url=GOOD))
    deliver_all(config, db)
    send_due_digests(config, db, now=dt.datetime.now(dt.UTC))

    slack = json.dumps(slack_server.posts("#fl-organizers"))
    assert GOOD in slack
    assert "javascript:" not in slack and "file:" not in slack
    (mail,) = smtp_server.to("desk@newsroom.example")
    html = mail.get_body(("html",)).get_content()
    assert f'href="{GOOD}"' in html
    assert "javascript:" not in html and "file:" not in html
    atom = "{http://www.w3.org/2005/Atom}"
    feed = SafeET.parse(config.feeds_dir / "FL.xml").getroot()
    hrefs = [link.get("href") for entry in feed.iter(f"{atom}entry") for link in entry.iter(f"{atom}link")]
    assert GOOD in hrefs and not any(h.startswith(("javascript:", "file:")) for h in hrefs)
