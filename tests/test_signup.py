"""Signing oneself up on the explorer, confirming, getting alerts, changing them and leaving with one click.

The explorer runs under uvicorn on 127.0.0.1 with sign-up on, mail goes to a real SMTP server
(aiosmtpd), and the alerts run as `run` would run them, over SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import re
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage

import pytest
from sqlalchemy import text

from alerts.deliver import deliver_all
from service.status import status_report
from storage.db import connect
from storage.models import Subscriber
from tests.support.alert_servers import add_events, make_config, ocala, start_watching
from tests.support.web_server import Answer, Client, serving

READER = "reader@example.org"
STRANGER = "stranger@example.org"
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def home(tmp_path, smtp_server, database_url):
    config = dataclasses.replace(make_config(tmp_path, smtp=smtp_server), database_url=database_url)
    db = connect(database_url)
    add_events(db, ocala(agency="Old News Police Department"))
    with serving(database_url, config=config) as client:
        yield config, db, client


@pytest.fixture
def sqlite_home(tmp_path, smtp_server):
    config = make_config(tmp_path, smtp=smtp_server)
    db = connect(config.database_url)
    add_events(db, ocala(agency="Old News Police Department"))
    with serving(config.database_url, config=config) as client:
        yield config, db, client


def form_token(client: Client) -> str:
    page = client.get("/subscribe")
    assert page.status_code == 200
    return TOKEN_FIELD.search(page.text).group(1)


def sign_up(client: Client, email: str, states=("FL",), cadence="instant", language="en",
            token: str | None = "fetch") -> Answer:
    fields = [("email", email), *(("states", s) for s in states), ("cadence", cadence), ("language", language)]
    if token == "fetch":
        token = form_token(client)
    if token is not None:
        fields.append(("csrf_token", token))
    return client.post("/subscribe", fields)


def link(message: EmailMessage, what: str) -> str:
    found = re.search(rf"https?://[^\s>\"]+/{what}/[\w.-]+", message.get_body(("plain",)).get_content())
    assert found, f"no /{what}/ link in {message['Subject']!r}"
    return found[0]


def one_click(url: str) -> int:
    """What a mail provider does (RFC 8058): a POST with no cookie and the one-click body."""
    request = urllib.request.Request(url, data=b"List-Unsubscribe=One-Click", method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request) as response:
        return response.status


def test_the_form_refuses_a_post_without_its_token_and_a_bad_address(sqlite_home, smtp_server):
    _, _, client = sqlite_home
    assert sign_up(client, READER, token=None).status_code == 403
    assert sign_up(client, READER, token="forged.by.another-site").status_code == 403
    bad = sign_up(client, "reader@@example.org")
    assert bad.status_code == 400 and "is not an email address" in bad.text
    two = sign_up(client, "a@example.org,victim@example.org")
    assert two.status_code == 400
    no_state = sign_up(client, READER, states=())
    assert no_state.status_code == 400 and "at least one state" in no_state.text
    assert sign_up(client, "a" * 100_000 + "@example.org").status_code == 413
    wrong_state = sign_up(client, READER, states=("Atlantis",))
    assert wrong_state.status_code == 400 and "Atlantis&#39; is not a US state" in wrong_state.text
    assert smtp_server.messages == []


def test_a_script_that_keeps_no_cookies_signs_up_with_the_forms_token(sqlite_home, smtp_server):
    _, _, client = sqlite_home
    token = form_token(client)
    client.cookies.clear()  # a script reading the form, as curl or requests without a session would
    assert sign_up(client, READER, token=token).status_code == 200
    assert len(smtp_server.to(READER)) == 1
    client.cookies.clear()
    assert sign_up(client, "other@example.org", token=None).status_code == 403


def test_a_post_another_site_makes_a_browser_send_is_refused(sqlite_home, smtp_server):
    _, _, client = sqlite_home
    fields = [("email", READER), ("states", "FL"), ("cadence", "daily"), ("language", "en"),
              ("csrf_token", form_token(client))]
    assert client.post("/subscribe", fields, headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post("/subscribe", fields, headers={"Origin": client.explorer.url("").rstrip("/")}).status_code == 200
    assert len(smtp_server.to(READER)) == 1


def test_a_stranger_entered_three_times_gets_one_email_and_the_page_says_the_same(sqlite_home, smtp_server):
    _, _, client = sqlite_home
    answers = [sign_up(client, STRANGER) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len(smtp_server.to(STRANGER)) == 1
    # A confirmed address gets the very same page as a new one: the form tells nobody who is subscribed.
    client.get(urllib.parse.urlsplit(link(smtp_server.to(STRANGER)[0], "confirm")).path)
    again = sign_up(client, STRANGER)
    fresh = sign_up(client, "someone-new@example.org")
    assert again.text.replace(STRANGER, "X") == fresh.text.replace("someone-new@example.org", "X")


def test_scripted_sign_ups_from_one_client_are_stopped(sqlite_home):
    _, _, client = sqlite_home
    codes = [sign_up(client, f"bot{n}@example.org", token=None).status_code for n in range(11)]
    assert codes == [403] * 10 + [429]


def test_a_link_for_one_purpose_or_address_does_nothing_else(sqlite_home, smtp_server):
    _, _, client = sqlite_home
    sign_up(client, READER)
    confirm_path = urllib.parse.urlsplit(link(smtp_server.to(READER)[0], "confirm")).path
    token = confirm_path.rsplit("/", 1)[1]
    assert client.get(f"/unsubscribe/{token}").status_code == 400
    assert client.get(f"/manage/{token}").status_code == 400
    assert client.get(f"/confirm/{token[:-3]}xyz").status_code == 400
    assert client.get(confirm_path).status_code == 200


def test_manage_changes_states_from_now_on(sqlite_home, smtp_server):
    config, db, client = sqlite_home
    sign_up(client, READER, states=("FL",))
    client.get(urllib.parse.urlsplit(link(smtp_server.to(READER)[0], "confirm")).path)
    deliver_all(config, db)  # the greeting
    (greeting,) = [m for m in smtp_server.to(READER) if "now watching" in m["Subject"]]
    manage_path = urllib.parse.urlsplit(link(greeting, "manage")).path
    page = client.get(manage_path)
    assert page.status_code == 200 and 'value="FL" checked' in page.text
    token = TOKEN_FIELD.search(page.text).group(1)
    assert client.post(manage_path, [("states", "TX"), ("cadence", "instant"), ("language", "en")]).status_code == 403
    saved = client.post(manage_path, [("states", "TX"), ("cadence", "instant"), ("language", "en"),
                                      ("csrf_token", token)])
    assert saved.status_code == 200
    smtp_server.forget()
    add_events(db, ocala(agency="Florida Sheriff's Office"), ocala(state="TX", agency="Harris County Sheriff's Office"))
    deliver_all(config, db)
    (alert,) = smtp_server.to(READER)
    text = alert.get_body(("plain",)).get_content()
    assert "Harris County Sheriff's Office" in text and "Florida Sheriff" not in text


def test_unsubscribing_an_address_of_the_file_is_honoured_and_status_says_so(tmp_path, smtp_server):
    listed = "desk@newsroom.example"
    subscriptions = f'[[email]]\nto = ["{listed}"]\nstates = ["FL"]\ncadence = "instant"\n'
    config = make_config(tmp_path, subscriptions=subscriptions, smtp=smtp_server)
    db = connect(config.database_url)
    start_watching(config, db, smtp=smtp_server)
    add_events(db, ocala())
    deliver_all(config, db)
    (alert,) = smtp_server.to(listed)
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with serving(config.database_url, config=config) as client:
        unsubscribe_path = urllib.parse.urlsplit(alert["List-Unsubscribe"].strip("<>")).path
        page = client.get(unsubscribe_path)
        assert page.status_code == 200 and "<button" in page.text  # a GET only asks
        assert client.post(unsubscribe_path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    smtp_server.forget()
    add_events(db, ocala(agency="Later Police Department"))
    deliver_all(config, db)
    assert smtp_server.to(listed) == []
    with db() as session:
        lines, _ = status_report(session, config)
    assert any("unsubscribed, still listed in subscriptions.toml" in line for line in lines)
    assert any(line.strip().startswith(listed) for line in lines)


def test_an_address_in_the_file_and_signed_up_is_mailed_once_with_its_own_choices(tmp_path, smtp_server):
    listed = "desk@newsroom.example"
    subscriptions = f'[[email]]\nto = ["{listed}", "other@newsroom.example"]\nstates = ["FL"]\ncadence = "instant"\n'
    config = make_config(tmp_path, subscriptions=subscriptions, smtp=smtp_server)
    db = connect(config.database_url)
    start_watching(config, db, smtp=smtp_server)
    with serving(config.database_url, config=config) as client:
        sign_up(client, listed, states=("TX",))
        client.get(urllib.parse.urlsplit(link(smtp_server.to(listed)[0], "confirm")).path)
    smtp_server.forget()
    add_events(db, ocala(), ocala(state="TX", agency="Harris County Sheriff's Office"))
    deliver_all(config, db)
    (alert,) = smtp_server.to(listed)
    text = alert.get_body(("plain",)).get_content()
    assert "Harris County Sheriff's Office" in text and "Ocala" not in text
    assert len(smtp_server.to("other@newsroom.example")) == 1  # the rest of the file's table is untouched


def test_alerts_held_by_a_mail_outage_are_not_sent_after_an_unsubscribe(sqlite_home, smtp_server):
    config, db, client = sqlite_home
    sign_up(client, READER)
    client.get(urllib.parse.urlsplit(link(smtp_server.to(READER)[0], "confirm")).path)
    deliver_all(config, db)
    (greeting,) = [m for m in smtp_server.to(READER) if "now watching" in m["Subject"]]
    smtp_server.refuse = True
    add_events(db, ocala(agency="Held Back Police Department"))
    assert deliver_all(config, db).pending == 1
    assert one_click(greeting["List-Unsubscribe"].strip("<>")) == 200
    smtp_server.refuse = False
    smtp_server.forget()
    deliver_all(config, db)
    assert smtp_server.to(READER) == []


def test_sign_ups_of_one_address_at_once_send_one_email(home, smtp_server):
    _, _, client = home
    token = form_token(client)
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: sign_up(client, STRANGER, token=token), range(4)))
    assert [a.status_code for a in answers] == [200] * 4
    assert len(smtp_server.to(STRANGER)) == 1


def test_sign_up_waits_for_the_store_to_be_upgraded(tmp_path, smtp_server):
    config = make_config(tmp_path, smtp=smtp_server)
    db = connect(config.database_url)
    with db.begin() as session:
        session.execute(text("DROP TABLE subscribers"))  # a store from before sign-up
    with serving(config.database_url, config=config) as client:
        waiting = sign_up(client, READER)
        assert waiting.status_code == 503 and "not been upgraded" in waiting.text
        with db.begin() as session:
            Subscriber.__table__.create(session.connection())  # what `run` does when it upgrades
        assert sign_up(client, READER).status_code == 200
    assert len(smtp_server.to(READER)) == 1


def test_read_only_explorer_offers_no_sign_up(tmp_path):
    config = dataclasses.replace(make_config(tmp_path), signup=False)
    connect(config.database_url)
    with serving(config.database_url, config=config) as client:
        assert client.get("/subscribe").status_code == 404
        assert client.get("/confirm/anything").status_code == 404
        assert client.post("/subscribe", {"email": READER}).status_code in (404, 405)
        assert "/subscribe" not in client.get("/methodology").text
    from web.server import signup_desk

    assert signup_desk(make_config(tmp_path), read_only=True) is None


def test_sign_up_confirm_get_alerts_then_one_click_unsubscribe(home, smtp_server):
    config, db, client = home
    answer = sign_up(client, READER, states=("FL",), cadence="instant", language="es")
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    (confirmation,) = smtp_server.to(READER)
    assert confirmation["Subject"] == "Confirme sus alertas del Rastreador 287(g)"
    asked = confirmation.get_body(("plain",)).get_content()
    assert "Pidió un correo después de cada revisión que encuentre cambios en los acuerdos 287(g) de Florida." in asked
    assert "Confirmar mi suscripción: http" in asked

    # Nothing but the confirmation reaches an address that has not confirmed.
    add_events(db, ocala(agency="Before Confirming Sheriff's Office"))
    deliver_all(config, db)
    assert len(smtp_server.to(READER)) == 1

    confirmed = client.get(urllib.parse.urlsplit(link(confirmation, "confirm")).path)
    assert confirmed.status_code == 200 and "You are subscribed" in confirmed.text
    smtp_server.forget()

    add_events(db, ocala(agency="Marion County Sheriff's Office"), ocala(state="TX", agency="Texas Only PD"))
    deliver_all(config, db)
    (greeting,) = [m for m in smtp_server.to(READER) if "ahora vigila" in m["Subject"]]  # in the language chosen
    alerts = [m for m in smtp_server.to(READER) if m is not greeting]
    assert len(alerts) == 1, [m["Subject"] for m in smtp_server.to(READER)]
    assert alerts[0]["Subject"].startswith("Alerta")
    text = alerts[0].get_body(("plain",)).get_content()
    assert "Nuevo acuerdo: Marion County Sheriff's Office" in text
    assert "Before Confirming" not in text and "Old News" not in text and "Texas Only" not in text
    header = alerts[0]["List-Unsubscribe"]
    assert re.fullmatch(r"<http://127\.0\.0\.1:\d+/unsubscribe/[\w.-]+>", header)
    assert alerts[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/manage/" in text

    assert one_click(header.strip("<>")) == 200
    smtp_server.forget()
    add_events(db, ocala(agency="After Leaving Police Department"))
    report = deliver_all(config, db)
    assert smtp_server.to(READER) == [] and report.ok
