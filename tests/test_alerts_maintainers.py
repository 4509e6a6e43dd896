"""Maintainers hear once when something breaks and once when it recovers."""

from __future__ import annotations

from sqlalchemy import update

from alerts.deliver import deliver_all
from storage.models import Delivery
from storage.problems import close_problem, open_problem
from tests.support.alert_servers import add_events, database, make_config, ocala, start_watching

OPS = '[maintainers]\nslack_channel = "#tracker-ops"\nemail = ["ops@newsroom.example"]\n'


def test_a_problem_is_announced_once_when_it_opens_and_once_when_it_closes(tmp_path, slack_server, smtp_server):
    config = make_config(tmp_path, OPS, slack=slack_server, smtp=smtp_server)
    db = database(config)
    with db() as session:
        open_problem(session, "crawl:ice", "ice", "ICE page answered 503 three times")
        session.commit()
    deliver_all(config, db)
    with db() as session:
        open_problem(session, "crawl:ice", "ice", "ICE page answered 503 again")
        session.commit()
    deliver_all(config, db)
    (opened,) = slack_server.posts("#tracker-ops")
    assert "PROBLEM [ice] ICE page answered 503 three times" in opened["text"]
    assert len(smtp_server.to("ops@newsroom.example")) == 1

    with db() as session:
        close_problem(session, "crawl:ice")
        session.commit()
    deliver_all(config, db)
    deliver_all(config, db)
    posts = slack_server.posts("#tracker-ops")
    assert len(posts) == 2 and "RECOVERED [ice] crawl:ice" in posts[1]["text"]
    assert len(smtp_server.to("ops@newsroom.example")) == 2


def test_deliveries_failing_repeatedly_raise_a_problem(tmp_path, slack_server, capsys):
    config = make_config(tmp_path, '[[slack]]\nchannel = "#fl-organizers"\nstates = ["FL"]\n', slack=slack_server)
    db = database(config)
    start_watching(config, db, slack=slack_server)
    add_events(db, ocala())
    slack_server.fail("chat.postMessage", 500, times=100)
    deliver_all(config, db)
    with db() as session:  # two more failed runs, without waiting for the retries
        session.execute(update(Delivery).values(attempts=3, last_error="Slack answered HTTP 500"))
        session.commit()
    deliver_all(config, db)
    out = capsys.readouterr().out
    assert "maintainers: PROBLEM [alerts] 1 change(s) for slack:#fl-organizers not delivered" in out
    slack_server.heal()
    deliver_all(config, db)
    assert "maintainers: RECOVERED [alerts] delivery:slack:#fl-organizers" in capsys.readouterr().out
    assert len(slack_server.posts("#fl-organizers")) == 1
