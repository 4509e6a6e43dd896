"""Early warnings told: Slack and email say each local report as a sentence, by state, and a new
agreement says who reported it first and how many days before ICE listed it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from defusedxml import ElementTree as SafeET

from alerts.deliver import deliver_all
from alerts.digest import send_due_digests
from alerts.signal_text import lead_words, report_of
from storage.db import connect
from storage.early_warning import SignalIndex, first_report, lead_times
from tests.support.alert_servers import add_events, database, make_config, ocala, start_watching
from tests.support.sample_store import build
from tests.support.signals import add_signals, news_signal, reports_before_listing
from tests.support.tracker import ROOT, run_cli
from web.data import signal_rows

CHANNELS = """
[[slack]]
channel = "#fl-organizers"
states = ["FL"]

[[slack]]
channel = "#tx-organizers"
states = ["TX"]

[[email]]
to = ["desk@newsroom.example"]
states = ["FL"]
cadence = "daily"
hour = 7
timezone = "America/New_York"

[[email]]
to = ["organizer@example.org"]
states = ["FL"]
cadence = "instant"
"""
NAPLES = "https://www.naplesnews.example/story/news/2025/12/02/collier-287g/"
WINK = "https://www.winknews.example/2025/12/02/collier/"
SEEN = dt.datetime(2025, 12, 2, 18, 0)
HARRIS = news_signal(state="TX", stage="ended", jurisdiction="Harris County", county_fips="48201",
                     agency="Harris County Sheriff's Office", outlet="Houston Chronicle",
                     source_url="https://www.houstonchronicle.example/harris-287g/", also_reported_by=[],
                     excerpt="Harris County Sheriff's Office ended its 287(g) jail agreement.",
                     published_at="2025-12-01T09:00:00Z")
MARION_PAGE = {"type": "local_signal", "state": "FL", "jurisdiction": "Marion County, FL",
               "agency": "Marion County, FL",
               "title": "Board of County Commissioners: agenda of June 3, 2025", "date": "2025-06-03",
               "url": "https://marioncountyfl.example/agenda/2025-06-03.pdf", "matched": ["287(g)"],
               "snippet": "Approve the 287(g) Task Force Model agreement.", "list": "local"}


def sections(message) -> list[str]:
    return [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]


def contexts(message) -> list[str]:
    return [b["elements"][0]["text"] for b in message["blocks"] if b["type"] == "context"]


@pytest.fixture
def watched(tmp_path, slack_server, smtp_server):
    config = make_config(tmp_path, CHANNELS, slack=slack_server, smtp=smtp_server)
    db = database(config)
    start_watching(config, db, slack=slack_server, smtp=smtp_server)
    return config, db


def test_slack_tells_each_state_its_own_early_warnings_in_words(watched, slack_server):
    config, db = watched
    add_signals(db, news_signal(), HARRIS, detected_at=SEEN)
    add_events(db, MARION_PAGE, detected_at=SEEN)
    assert deliver_all(config, db).ok

    (florida,) = slack_server.posts("#fl-organizers")
    assert sections(florida) == [
        "*Florida (FL)* — 2 changes",
        f"*Collier County commissioners approved a 287(g) task-force agreement* (<{NAPLES}|Naples Daily News>, Dec 2)\n"
        f"also reported by <{WINK}|WINK News>\n"
        "> Collier County commissioners voted 4-1 Tuesday to approve a 287(g) task force agreement with U.S. "
        "Immigration and Customs Enforcement.",
        "*Marion County, FL mentioned 287(g): “Board of County Commissioners: agenda of June 3, 2025”* "
        "(<https://marioncountyfl.example/agenda/2025-06-03.pdf|page>, June 3)\n"
        "> Approve the 287(g) Task Force Model agreement.",
    ]
    assert contexts(florida)[-1].startswith("*Early warning*")
    assert "FL · Early warning: Collier County commissioners approved a 287(g) task-force agreement " \
           "(Naples Daily News, Dec 2)" in florida["text"]
    assert "Harris" not in str(florida)

    (texas,) = slack_server.posts("#tx-organizers")
    assert sections(texas)[1].startswith(
        "*Harris County Sheriff's Office ended its 287(g) agreement* "
        "(<https://www.houstonchronicle.example/harris-287g/|Houston Chronicle>, Dec 1)")
    assert "Collier" not in str(texas) and "Marion" not in str(texas)


def test_the_digest_and_the_instant_email_carry_an_early_warning_part(watched, smtp_server):
    config, db = watched
    add_signals(db, news_signal(), HARRIS, detected_at=SEEN)
    assert deliver_all(config, db).ok
    (instant,) = smtp_server.to("organizer@example.org")
    report = send_due_digests(config, db, now=dt.datetime(2025, 12, 3, 13, 0, tzinfo=dt.UTC))
    assert report.sent == 1, report
    (digest,) = smtp_server.to("desk@newsroom.example")
    for message in (instant, digest):
        text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        assert ("Early warning (1)\n\n"
                "  Early warning: Collier County commissioners approved a 287(g) task-force agreement "
                "(Naples Daily News, Dec 2)\n"
                "    also reported by WINK News\n") in text
        assert f"    Naples Daily News: {NAPLES}\n    WINK News: {WINK}\n" in text
        assert "Harris" not in text
        html = message.get_body(("html",)).get_content()
        assert f'<a href="{NAPLES}" style="color: #3e6b9e;">Naples Daily News</a>, Dec 2' in html
        assert f'also reported by <a href="{WINK}" style="color: #3e6b9e;">WINK News</a>' in html


def test_a_new_agreement_says_who_reported_it_first(watched, slack_server, smtp_server):
    config, db = watched
    collier = dict(agency="Collier County Sheriff's Office", agency_type="County", county="Collier County",
                   was_pending=False, moa_url=None, publication="2025-12-11 am")
    lee = news_signal(stage="rejected", jurisdiction="Lee County", county_fips="12071", outlet="News-Press",
                      published_at="2025-12-01T10:00:00Z")
    add_signals(db, news_signal(), lee, detected_at=SEEN)
    deliver_all(config, db)
    slack_server.forget()
    smtp_server.forget()
    add_events(
        db,
        ocala(**collier, published_at="2025-12-11T15:00:00Z"),
        # Naples lies in Collier County, but the commissioners decided for the county, not the city's police.
        ocala(agency="Naples Police Department", county="Collier County", moa_url=None, was_pending=False,
              published_at="2025-12-11T15:00:00Z", publication="2025-12-11 am"),
        # Lee County voted no: that foretells nothing.
        ocala(**{**collier, "agency": "Lee County Sheriff's Office", "county": "Lee County"},
              published_at="2025-12-11T15:00:00Z"),
    )
    assert deliver_all(config, db).ok

    first = "first reported by Naples Daily News on December 2, 2025, 9 days earlier"
    (message,) = slack_server.posts("#fl-organizers")
    collier_section, naples_section, lee_section = sections(message)[1:]
    assert collier_section.startswith("*New agreement:* *Collier County Sheriff's Office* — County, Collier County\n"
                                      f"Task Force Model (TFM) · signed April 24, 2025 · {first}\n")
    assert f"<{NAPLES}|first report>" in collier_section
    assert "first reported" not in naples_section + lee_section

    (email,) = smtp_server.to("organizer@example.org")
    text = email.get_body(("plain",)).get_content()
    assert text.count("first reported by") == 1 and first in text
    assert f"first report: {NAPLES}" in text

    atom = "{http://www.w3.org/2005/Atom}"
    entries = {e.findtext(f"{atom}title"): e for e in SafeET.parse(config.feeds_dir / "FL.xml").getroot().iter(
        f"{atom}entry")}
    warning = entries["FL · Early warning: Collier County commissioners approved a 287(g) task-force agreement "
                      "(Naples Daily News, Dec 2)"]
    assert warning.find(f"{atom}link[@rel='alternate']").get("href") == NAPLES
    assert first in entries["FL · New agreement: Collier County Sheriff's Office — County, Collier County"].findtext(
        f"{atom}content")
    assert "Collier" not in (config.feeds_dir / "TX.xml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def listed_after_reports(tmp_path_factory):
    home = tmp_path_factory.mktemp("early")
    url = f"sqlite:///{home / 'tracker.db'}"
    build(url, home / "archive")
    add_signals(connect(url), *reports_before_listing(), detected_at=dt.datetime(2025, 6, 10, 12, 0))
    return url, home


def test_summary_json_reports_the_median_lead_time(listed_after_reports):
    url, home = listed_after_reports
    env = {"DATABASE_URL": url, "DATA_DIR": str(home / "data"), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
           "SUBSCRIPTIONS_FILE": str(home / "subscriptions.toml")}
    result = run_cli(env, "summary", "--as-of", "2025-06-10", "--format", "json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["early_warning"] == {"median_lead_days": 12, "matched": 3}
    assert summary["agreements"] == 649  # the contract's keys are as before
    before = json.loads(run_cli(env, "summary", "--as-of", "2025-05-25", "--format", "json").stdout)
    assert before["early_warning"] == {"median_lead_days": 9, "matched": 1}  # Lake and Fort Bend not listed yet


@pytest.mark.parametrize(("changes", "words"), [
    ({"stage": "proposed", "agency": "Collier County Sheriff's Office"},
     "Collier County Sheriff's Office plans to seek a 287(g) task-force agreement"),
    ({"stage": "scheduled"}, "Collier County commissioners scheduled a vote on a 287(g) task-force agreement"),
    ({"stage": "debated", "excerpt": "Residents urged commissioners to drop the 287(g) agreement."},
     "Collier County commissioners debated a 287(g) agreement"),
    ({"stage": "rejected", "jurisdiction": "City of Fort Myers", "excerpt": "The council voted 3-3 on 287(g)."},
     "The Fort Myers city council rejected a 287(g) agreement"),
    ({"stage": "signed", "agency": "Collier County Sheriff's Office",
      "excerpt": "The sheriff signed jail enforcement and warrant service officer agreements."},
     "Collier County Sheriff's Office signed a 287(g) agreement"),
    ({"stage": "ended", "jurisdiction": "Key West", "agency": "Key West Police Department",
      "excerpt": "Key West ended its warrant service officer agreement."},
     "Key West Police Department ended its 287(g) warrant-service-officer agreement"),
    ({"stage": "approved", "jurisdiction": "Caddo Parish", "excerpt": "Caddo approved a 287(g) task force deal."},
     "Caddo Parish council approved a 287(g) task-force agreement"),
    ({"stage": "rejected", "jurisdiction": "Caddo Parish",
      "excerpt": "The Caddo Parish Commission voted 7-5 against a 287(g) agreement with ICE for the sheriff."},
     "Caddo Parish commissioners rejected a 287(g) agreement"),
    ({"stage": "scheduled", "jurisdiction": "City of Doral",
      "excerpt": "La Comisión de Doral votará el miércoles el acuerdo 287(g) de fuerza de tarea."},
     "Doral city commissioners scheduled a vote on a 287(g) task-force agreement"),
    ({"stage": "debated", "jurisdiction": "Maricopa County",
      "excerpt": "The Board of Supervisors heard two hours of public comment on 287(g)."},
     "Maricopa County supervisors debated a 287(g) agreement"),
])
def test_every_stage_is_said_in_words(changes, words):
    assert report_of(news_signal(**changes)).sentence == words


def test_an_agenda_without_an_outlet_is_named_by_what_and_whose_it_is():
    agenda = news_signal(source="agenda", outlet=None, jurisdiction="Marion County, FL", stage="scheduled",
                         published_at="2025-06-03T00:00:00Z", id="agenda-1")
    listed = ocala(agency="Marion County Sheriff's Office", published_at="2025-06-17T15:00:00Z")
    report = first_report(listed, SignalIndex([agenda]))
    assert lead_words(report.as_dict()) == \
        "first reported by an agenda of Marion County, FL on June 3, 2025, 14 days earlier"
    assert first_report(listed, SignalIndex([{**agenda, "stage": None}])) is None  # a mere mention foretells nothing


def test_stage_filter_and_lead_time_on_sqlite_and_postgresql(database_url):
    sessions = connect(database_url)
    add_signals(sessions, news_signal(), HARRIS)
    add_events(sessions, ocala(agency="Collier County Sheriff's Office", county="Collier County",
                               published_at="2025-12-11T15:00:00Z"))
    with sessions() as session:
        ended = signal_rows(session, dt.date(2026, 1, 5), stage="ended")
        assert [row["report"].line for row in ended] == [
            "Harris County Sheriff's Office ended its 287(g) agreement (Houston Chronicle, Dec 1, 2025)"]
        assert [row["state"] for row in signal_rows(session, dt.date(2026, 1, 5), state="FL")] == ["FL"]
        assert lead_times(session) == {"median_lead_days": 9, "matched": 1}
        assert lead_times(session, until=dt.datetime(2025, 12, 11)) == {"median_lead_days": None, "matched": 0}
