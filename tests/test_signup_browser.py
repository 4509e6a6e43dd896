"""Sign-up in a real headless Chromium at phone width: the form, its answer and the confirmation page."""

from __future__ import annotations

import re

from storage.db import connect
from tests.support.alert_servers import add_events, make_config, ocala
from tests.support.web_server import serving

PHONE = 390


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_sign_up_and_confirm_on_a_phone(tmp_path, smtp_server, visit):
    config = make_config(tmp_path, smtp=smtp_server)
    add_events(connect(config.database_url), ocala())
    with serving(config.database_url, config=config) as client:
        page = visit(width=PHONE).page
        page.goto(client.explorer.url("/subscribe"))
        assert scroll_width(page) <= PHONE, "the form scrolls sideways on a phone"
        page.fill("input[name=email]", "reader@example.org")
        page.check("input[name=states][value=FL]")
        page.check("input[name=cadence][value=daily]")
        page.check("input[name=language][value=es]")
        page.click("button[type=submit]")
        assert page.locator("h1").inner_text() == "Check your inbox"
        assert scroll_width(page) <= PHONE

        (confirmation,) = smtp_server.to("reader@example.org")
        link = re.search(r"http://127\.0\.0\.1:\d+/confirm/[\w.-]+", confirmation.get_body(("plain",)).get_content())
        answer = page.goto(link[0])
        assert answer.status == 200
        assert page.locator("h1").inner_text() == "You are subscribed"
        assert scroll_width(page) <= PHONE
        assert page.locator("nav a[href='/subscribe']").count() == 1
