"""The digest as a newsroom opens it: rendered by headless Chromium, on a desktop and on a phone.

`python -m tests.test_alerts_digest_html docs/digest.png` redraws the screenshot in docs/alerts.md.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import tempfile
from email.message import EmailMessage
from pathlib import Path

from PIL import Image

from alerts.digest import send_due_digests
from tests.support.alert_servers import (
    DIGEST,
    Mailbox,
    add_active_agreements,
    add_events,
    database,
    make_config,
    ocala,
    start_watching,
)
from tests.support.chromium import screenshot, scroll_width_on_phone
from tests.support.signals import news_signal

MORNING = dt.datetime(2025, 6, 7, 12, 0, tzinfo=dt.UTC)  # 08:00 in New York, past the 07:00 slot
NAVY = (0x1D, 0x35, 0x57)
EDITORIAL_RED, EDITORIAL_GREEN = (0xB2, 0x3A, 0x48), (0x2A, 0x7F, 0x62)  # what additions and removals once wore
LONG_MOA = ("https://www.ice.gov/sites/default/files/documents/287gMOA/"
            "terrellCountySheriffsOfficeTX_WarrantServiceOfficer_MemorandumOfAgreement_2025-06-02_signed.pdf")


def _news() -> list[dict]:
    colbert = dict(state="FL", agency="Citrus County Sheriff's Office", agency_type="County", county="Citrus County",
                   signed="2025-02-26", moa_url=None, was_pending=True, publication="2025-06-06 am")
    return [
        ocala(publication="2025-06-06 am"),
        ocala(**colbert, model="JEM"),
        ocala(**colbert, model="WSO"),
        ocala(type="pending_added", list="pending", agency="Lake Helen Police Department", county="Volusia County",
              signed=None, signed_raw=None, moa_url=None, was_pending=False, model="TFM",
              publication="2025-06-06 am"),
        ocala(type="pending_removed", list="pending", agency="Alachua County Sheriff's Office", agency_type="County",
              county="Alachua County", signed=None, signed_raw=None, moa_url=None, was_pending=False, model="JEM",
              removed_as_of="2025-06-06T15:17:16Z", publication="2025-06-06 am"),
        ocala(type="agreement_changed", agency="Kenneth City Police Department", county="Pinellas County",
              before={"agency": "Kenneth City PD"}, after={"agency": "Kenneth City Police Department"},
              publication="2025-06-06 am"),
        {"type": "local_signal", "state": "FL", "jurisdiction": "Marion County, FL",
         "title": "Board of County Commissioners: agenda of June 3, 2025",
         "url": "https://marioncountyfl.example/agenda/2025-06-03.pdf", "matched": ["287(g)"],
         "snippet": "Approve the 287(g) Task Force Model agreement with U.S. Immigration and Customs Enforcement."},
        ocala(state="TX", agency="Terrell County Sheriff's Office", agency_type="County", county="Terrell County",
              model="WSO", signed="2025-06-02", moa_url=LONG_MOA, was_pending=False, publication="2025-06-06 am"),
        news_signal(published_at="2025-06-05T14:00:00Z"),
    ]


def send_sample_digest(tmp_path: Path, smtp: Mailbox) -> EmailMessage:
    """A realistic second digest: yesterday's news, and counts that moved since the first one."""
    config = make_config(tmp_path, DIGEST, smtp=smtp, public_url="https://287g.example.org")
    db = database(config)
    start_watching(config, db, smtp=smtp)
    ids = add_active_agreements(db, {"FL": 40, "TX": 25, "GA": 9}, stamp="2025-06-05 pm")
    add_active_agreements(db, {"FL": 6, "TX": 4}, model="JEM", stamp="2025-06-05 pm")
    add_events(db, ocala(agency="Belleview Police Department"), detected_at=dt.datetime(2025, 6, 5, 20, 0))
    send_due_digests(config, db, now=MORNING - dt.timedelta(days=1))
    add_active_agreements(db, {"FL": 3, "TX": 1}, stamp="2025-06-06 am")
    add_active_agreements(db, {"FL": 2}, model="WSO", stamp="2025-06-06 am")
    agencies = {index: ids[index] for index in (0, 1, 2, 3, 4, 5, 7)}  # the local signal (6) has no agency
    add_events(db, *_news(), detected_at=dt.datetime(2025, 6, 6, 20, 0), agreement_ids=agencies)
    report = send_due_digests(config, db, now=MORNING)
    assert report.sent == 1, report
    return smtp.to("desk@newsroom.example")[-1]


def test_the_digest_reads_well_as_text_with_a_proper_sender(tmp_path, smtp_server):
    message = send_sample_digest(tmp_path, smtp_server)
    assert message["From"].addresses[0].display_name == "287(g) tracker"
    assert message["From"].addresses[0].addr_spec == "tracker@newsroom-alerts.example"
    assert message["Subject"] == "287(g) daily digest: 8 changes in FL, TX"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Nationally: 90 (+6 since the last digest) — JEM 10 · TFM 78 · WSO 2" in text
    assert "  Florida (FL): 51 (+5) — JEM 6 · TFM 43 · WSO 2" in text
    assert "ICE's list of June 6, 2025 (am)." in text
    assert "since June 6, 2025, 08:00 EDT" in text, "the period in words, not Sat 06 Jun"
    florida = text[text.index("Florida (FL) — 7 changes"):text.index("Texas (TX) — 1 change")]
    headings = re.findall(r"^([A-Z][a-z][A-Za-z ]+) \((\d+)\)$", florida, flags=re.M)
    assert headings == [("New agreements", "2"), ("New pending requests", "1"), ("Withdrawn requests", "1"),
                        ("Corrections and other changes", "1"), ("Early warning", "2")]
    assert ("  New agreements: Citrus County Sheriff's Office — County, Citrus County\n"
            "    JEM + WSO (Jail Enforcement Model, Warrant Service Officer) · signed February 26, 2025"
            " · was on the pending list\n"
            "    MOA: link pending on ICE's list\n") in text
    assert "  Agreement changed: Kenneth City Police Department — Municipality, Pinellas County" in text
    assert "    renamed from “Kenneth City PD” to “Kenneth City Police Department”" in text
    assert "    ICE's 287(g) page: https://www.ice.gov/identify-and-arrest/287g" in text
    assert re.search(r"^    agency page: https://287g\.example\.org/agency/\d+$", text, flags=re.M)
    assert ("  Early warning: Collier County commissioners approved a 287(g) task-force agreement "
            "(Naples Daily News, June 5)\n    also reported by WINK News\n") in text
    assert "xlsx" not in text


def test_the_digest_html_renders_in_chromium_on_a_desktop_and_on_a_phone(tmp_path, smtp_server):
    message = send_sample_digest(tmp_path, smtp_server)
    html = message.get_body(("html",)).get_content()
    assert "<style" not in html and "<link" not in html, "inline styles only: mail clients drop the rest"
    page = tmp_path / "digest.html"
    page.write_text(html, encoding="utf-8")

    png = screenshot(page, tmp_path / "digest.png", 720, 1800)
    with Image.open(png) as image:
        rgb = image.convert("RGB")
        assert rgb.size == (720, 1800)
        assert rgb.getpixel((360, 30)) == NAVY, "the header bar is drawn"
        colors = {color for _, color in rgb.getcolors(maxcolors=1 << 20)}
        assert EDITORIAL_RED not in colors and EDITORIAL_GREEN not in colors, "no colour takes a side"
        assert len(colors) > 200, "text was rendered, not a blank page"

    # On a 375- or 390-pixel phone nothing is wider than the screen, long MOA file names included.
    assert LONG_MOA.rsplit("/", 1)[-1] in html
    assert scroll_width_on_phone(html, tmp_path) == 375
    assert scroll_width_on_phone(html, tmp_path, width=390) == 390
    unwrapped = re.sub(r" ?(word-break|overflow-wrap|table-layout): [a-z-]+;", "", html)
    assert scroll_width_on_phone(unwrapped, tmp_path, width=390) > 390, "a long file name alone would overflow"
    fixed = html.replace("max-width: 640px; width: 100%;", "width: 640px;")
    assert scroll_width_on_phone(fixed, tmp_path) > 375, "the probe notices a layout too wide for a phone"


def redraw_screenshot(target: Path) -> None:
    """Render the sample digest and save a trimmed, palette-reduced PNG for docs/alerts.md."""
    from aiosmtpd.controller import Controller

    from tests.support.alert_servers import free_port

    with tempfile.TemporaryDirectory() as folder:
        mailbox = Mailbox(port=free_port())
        controller = Controller(mailbox, hostname=mailbox.host, port=mailbox.port)
        controller.start()
        try:
            message = send_sample_digest(Path(folder), mailbox)
        finally:
            controller.stop()
        page = Path(folder) / "digest.html"
        page.write_text(message.get_body(("html",)).get_content(), encoding="utf-8")
        png = screenshot(page, Path(folder) / "digest.png", 680, 2000)
        with Image.open(png) as image:
            rgb = image.convert("RGB")
            background = rgb.getpixel((2, rgb.height - 2))
            rows = [y for y in range(rgb.height) if any(rgb.getpixel((x, y)) != background
                                                         for x in range(0, rgb.width, 4))]
            trimmed = rgb.crop((0, 0, rgb.width, min(rgb.height, rows[-1] + 24)))
            trimmed.quantize(colors=96).save(target, optimize=True)


if __name__ == "__main__":
    redraw_screenshot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/digest.png"))
