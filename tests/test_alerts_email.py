"""Email digests and instant email through a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import re
import stat

import pytest
from defusedxml import ElementTree as SafeET
from sqlalchemy import select

from alerts.deliver import deliver_all
from alerts.digest import is_due, preview_digest, send_due_digests, watermark_key
from alerts.subscriptions import parse
from cli.alerts import digest_command
from errors import UserError
from parsers.places import state_codes
from storage.models import DigestWatermark, Problem
from tests.support.alert_servers import (
    DIGEST,
    add_active_agreements,
    add_events,
    database,
    free_port,
    make_config,
    ocala,
    start_watching,
)

# 12:00 UTC is 08:00 in New York in June: past the 07:00 slot.
MORNING = dt.datetime(2030, 6, 18, 12, 0, tzinfo=dt.UTC)


def _setup(tmp_path, smtp=None, subscriptions=DIGEST, **kw):
    config = make_config(tmp_path, subscriptions, smtp=smtp, **kw)
    db = database(config)
    start_watching(config, db, smtp=smtp)
    return config, db


def _events_yesterday(db, *payloads):
    return add_events(db, *payloads, detected_at=dt.datetime(2030, 6, 17, 20, 0))


def _mark(db, address="desk@newsroom.example"):
    with db() as session:
        return session.get(DigestWatermark, watermark_key(address))


def test_digest_names_every_event_grouped_by_state_with_counts(tmp_path, smtp_server):
    config, db = _setup(tmp_path, smtp_server)
    add_active_agreements(db, {"FL": 3, "TX": 2, "GA": 4})
    _events_yesterday(
        db,
        ocala(),
        ocala(state="TX", agency="Terrell County Sheriff's Office", county="Terrell County"),
        ocala(state="GA", agency="Polk County Sheriff's Office"),
        ocala(agency="<b>Bold</b> & Co Police"),
    )
    report = send_due_digests(config, db, now=MORNING)
    assert report.sent == 1 and report.ok
    (message,) = smtp_server.to("desk@newsroom.example")
    assert re.fullmatch(r"<http://127\.0\.0\.1:8287/unsubscribe/[\w.-]+>", message["List-Unsubscribe"])
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert text.index("Florida (FL)") < text.index("Texas (TX)")
    assert "Ocala Police Department" in text and "Terrell County Sheriff's Office" in text
    assert "Polk County" not in text
    assert "Nationally: 9" in text and "Florida (FL): 3" in text
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co Police" in html and "<b>Bold</b>" not in html
    assert _mark(db).last_active_count == {"national": 9, "FL": 3, "TX": 2}

    # The next digest says what changed in the counts since this one.
    add_active_agreements(db, {"FL": 1})
    add_events(db, ocala(agency="Belleview Police Department"), detected_at=dt.datetime(2030, 6, 18, 20, 0))
    send_due_digests(config, db, now=MORNING + dt.timedelta(days=1))
    second = smtp_server.to("desk@newsroom.example")[1].get_body(("plain",)).get_content()
    assert "Belleview Police Department" in second and "Ocala" not in second
    assert "Nationally: 10 (+1 since the last digest)" in second


def test_no_email_when_nothing_new_and_not_before_the_hour(tmp_path, smtp_server):
    config, db = _setup(tmp_path, smtp_server)
    _events_yesterday(db, ocala(state="GA", agency="Polk County Sheriff's Office"))
    report = send_due_digests(config, db, now=MORNING)
    assert report.sent == 0 and report.nothing_new == 1
    assert smtp_server.messages == []

    _events_yesterday(db, ocala())
    early = dt.datetime(2030, 6, 19, 10, 0, tzinfo=dt.UTC)  # 06:00 in New York
    assert send_due_digests(config, db, now=early).not_due == 1
    assert smtp_server.messages == []
    assert send_due_digests(config, db, now=early, force=True).sent == 1


def test_watermark_moves_only_after_the_server_accepts(tmp_path, smtp_server):
    config, db = _setup(tmp_path, smtp_server)
    _events_yesterday(db, ocala())
    smtp_server.refuse = True
    report = send_due_digests(config, db, now=MORNING)
    assert report.failed and report.sent == 0
    assert _mark(db) is None
    with db() as session:
        assert session.scalars(select(Problem).where(Problem.closed_at.is_(None))).all()

    smtp_server.refuse = False
    report = send_due_digests(config, db, now=MORNING + dt.timedelta(minutes=60))
    assert report.sent == 1
    assert "Ocala Police Department" in smtp_server.messages[0].get_body(("plain",)).get_content()
    assert send_due_digests(config, db, now=MORNING + dt.timedelta(minutes=120)).sent == 0
    assert len(smtp_server.messages) == 1


def test_nothing_lost_when_the_smtp_server_is_down(tmp_path, smtp_server):
    down, db = _setup(tmp_path, smtp_port=free_port())
    _events_yesterday(db, ocala())
    assert send_due_digests(down, db, now=MORNING).failed
    up = make_config(tmp_path, DIGEST, smtp=smtp_server)
    assert send_due_digests(up, db, now=MORNING + dt.timedelta(hours=1)).sent == 1


def test_weekly_digests_wait_for_monday():
    sub = parse('[[email]]\nto = "a@news.example"\ncadence = "weekly"\nhour = 9\ntimezone = "Europe/Berlin"\n').email[0]
    monday_morning = dt.datetime(2030, 6, 17, 8, 0, tzinfo=dt.UTC)  # 10:00 in Berlin
    assert is_due(sub, None, monday_morning)
    assert not is_due(sub, dt.datetime(2030, 6, 17, 7, 30), monday_morning + dt.timedelta(days=3))
    assert is_due(sub, dt.datetime(2030, 6, 12, 7, 30), monday_morning + dt.timedelta(days=3))
    assert not is_due(sub, None, dt.datetime(2030, 6, 17, 6, 0, tzinfo=dt.UTC))


def test_preview_prints_without_sending_or_moving(tmp_path, smtp_server, capsys):
    config, db = _setup(tmp_path, smtp_server)
    _events_yesterday(db, ocala())
    preview = preview_digest(config, db, "Desk@Newsroom.example", now=MORNING)
    assert "Ocala Police Department" in preview.text and "Ocala Police Department" in preview.html
    assert smtp_server.messages == [] and _mark(db) is None
    with pytest.raises(UserError, match="nobody@newsroom.example is not an email subscriber"):
        preview_digest(config, db, "nobody@newsroom.example", now=MORNING)


def test_digest_command_sends_now_and_previews(tmp_path, smtp_server, capsys):
    config, db = _setup(tmp_path, smtp_server)
    add_events(db, ocala())
    assert digest_command(config, db, preview="desk@newsroom.example") == 0
    shown = capsys.readouterr()
    assert "Ocala Police Department" in shown.out
    html_file = config.data_dir / "previews" / "digest-desk@newsroom.example.html"
    assert f"HTML version written to {html_file}" in shown.err
    assert "Ocala Police Department" in html_file.read_text(encoding="utf-8")
    assert smtp_server.messages == []
    assert digest_command(config, db, send_now=True) == 0
    assert len(smtp_server.messages) == 1
    assert digest_command(config, db, send_now=True) == 0
    assert len(smtp_server.messages) == 1


def test_instant_subscribers_get_one_email_per_run(tmp_path, smtp_server):
    subscriptions = '[[email]]\nto = ["tips@newsroom.example"]\nstates = ["FL"]\ncadence = "instant"\n'
    config, db = _setup(tmp_path, smtp_server, subscriptions)
    add_events(db, ocala(), ocala(agency="Dunnellon Police Department"), ocala(state="TX", agency="Terrell SO"))
    report = deliver_all(config, db)
    assert report.email_messages == 1 and report.ok
    (message,) = smtp_server.messages
    text = message.get_body(("plain",)).get_content()
    assert "Ocala Police Department" in text and "Dunnellon" in text and "Terrell" not in text
    deliver_all(config, db)
    assert len(smtp_server.messages) == 1

    smtp_server.refuse = True
    add_events(db, ocala(agency="Belleview Police Department"))
    assert deliver_all(config, db).pending == 1
    smtp_server.refuse = False
    deliver_all(config, db)
    assert "Belleview" in smtp_server.messages[-1].get_body(("plain",)).get_content()
    assert len(smtp_server.messages) == 2


def test_without_smtp_host_mail_lands_in_the_outbox(tmp_path, capsys):
    config, db = _setup(tmp_path)
    _events_yesterday(db, ocala())
    assert send_due_digests(config, db, now=MORNING).sent == 1
    files = list((config.outbox_dir / "email").glob("*.eml"))
    assert len(files) == 1 and b"Ocala Police Department" in files[0].read_bytes()
    assert "email → desk@newsroom.example (outbox)" in capsys.readouterr().out
    assert _mark(db) is not None


def test_feeds_are_valid_atom_without_baseline(tmp_path):
    config, db = _setup(tmp_path, subscriptions="", public_url="https://287g.example.org")
    (terrell,) = add_active_agreements(db, {"TX": 1})
    add_events(db, ocala(), ocala(state="TX", agency="Terrell SO", county="Terrell County", agency_type="County"),
               ocala(type="baseline", agency="Lake County SO"), agreement_ids={1: terrell})
    report = deliver_all(config, db)
    assert report.feeds_written == 1 + len(state_codes())
    assert {stat.S_IMODE(f.stat().st_mode) for f in config.feeds_dir.iterdir()} == {0o644}  # a web server may read them
    atom = "{http://www.w3.org/2005/Atom}"
    national = SafeET.parse(config.feeds_dir / "all.xml").getroot()
    titles = [e.findtext(f"{atom}title") for e in national.iter(f"{atom}entry")]
    assert titles == ["TX · New agreement: Terrell SO — County, Terrell County",
                      "FL · New agreement: Ocala Police Department — Municipality, Marion County"]
    florida = SafeET.parse(config.feeds_dir / "FL.xml").getroot()
    assert [e.findtext(f"{atom}title") for e in florida.iter(f"{atom}entry")] == [titles[1]]
    self_link = florida.find(f"{atom}link[@rel='self']")
    assert self_link.get("href") == "https://287g.example.org/feeds/FL.xml"
    assert florida.find(f"{atom}link[@rel='alternate']").get("href") == "https://287g.example.org/state/FL"
    (entry,) = florida.iter(f"{atom}entry")
    links = {(link.get("rel"), link.get("href")) for link in entry.iter(f"{atom}link")}
    assert links == {("alternate", "https://www.ice.gov/identify-and-arrest/287g"), ("related", ocala()["moa_url"])}
    texas = SafeET.parse(config.feeds_dir / "TX.xml").getroot()
    links = {(link.get("rel"), link.get("href")) for link in next(texas.iter(f"{atom}entry")).iter(f"{atom}link")}
    assert links == {("alternate", f"https://287g.example.org/agency/{terrell}"),
                     ("related", "https://www.ice.gov/identify-and-arrest/287g"), ("related", ocala()["moa_url"])}

    quiet = SafeET.parse(config.feeds_dir / "WY.xml").getroot()
    assert quiet.findtext(f"{atom}title") == "287(g) tracker: Wyoming"
    assert list(quiet.iter(f"{atom}entry")) == []
    assert quiet.find(f"{atom}link[@rel='self']").get("href") == "https://287g.example.org/feeds/WY.xml"
    assert deliver_all(config, db).feeds_written == 0
