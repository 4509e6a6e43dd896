"""Subscriptions in Spanish get every message in Spanish, through a real SMTP server and the Slack stand-in,
while English ones in the same run keep English."""

from __future__ import annotations

import datetime as dt

import pytest

from alerts.alert_test import alert_test
from alerts.deliver import deliver_all
from alerts.digest import send_due_digests
from alerts.event_text import sentence
from alerts.signal_text import lead_words, report_of
from alerts.subscriptions import SubscriptionsError, parse
from i18n import language
from tests.support.alert_servers import add_active_agreements, add_events, database, make_config, ocala, start_watching
from tests.support.signals import add_signals, news_signal

# 12:00 UTC is 08:00 in New York in June: past the 07:00 slot.
MORNING = dt.datetime(2030, 6, 18, 12, 0, tzinfo=dt.UTC)
NEWSROOM = "redaccion@noticias.example"
ORGANIZER = "alertas@comite.example"
EMAIL = f"""
[[email]]
to = ["{NEWSROOM}"]
states = ["FL"]
cadence = "daily"
hour = 7
timezone = "America/New_York"
language = "es"

[[email]]
to = ["{ORGANIZER}"]
states = ["Florida"]
cadence = "instant"
language = "es"
"""
SLACK = """
[[slack]]
channel = "#fl-comite"
states = ["FL"]
language = "es"

[[slack]]
channel = "#fl-organizers"
states = ["FL"]
"""


def _body(message, kind: str = "plain") -> str:
    return message.get_body((kind,)).get_content().replace("\r\n", "\n")


def test_a_spanish_newsroom_and_organizer_are_greeted_alerted_and_sent_their_digest_in_spanish(tmp_path, smtp_server):
    config = make_config(tmp_path, EMAIL, smtp=smtp_server)
    db = database(config)
    add_active_agreements(db, {"FL": 3}, stamp="2025-06-06 am")
    deliver_all(config, db, now=MORNING - dt.timedelta(days=1))
    (greeting,) = smtp_server.to(ORGANIZER)
    assert greeting["Subject"] == "El Rastreador 287(g) ahora vigila Florida"
    assert "Recibirá un correo después de cada revisión que encuentre cambios en Florida" in _body(greeting)
    assert "Florida: 3 acuerdos con 3 agencias — TFM 3; 0 solicitudes pendientes" in _body(greeting)
    assert '<html lang="es">' in _body(greeting, "html")
    smtp_server.forget()

    add_events(db, ocala(pending_since="2025-05-19", publication="2025-06-06 am"),
               detected_at=dt.datetime(2030, 6, 17, 20, 0))
    report = deliver_all(config, db, now=MORNING - dt.timedelta(hours=10))
    assert report.email_sent == 1 and report.ok
    (instant,) = smtp_server.to(ORGANIZER)
    assert instant["Subject"] == "Alerta del Rastreador 287(g): 1 cambio en FL"
    text = _body(instant)
    assert "Nuevo acuerdo: Ocala Police Department — Municipio, Marion County" in text
    assert "firmado el 24 de abril de 2025 · pendiente desde el 19 de mayo de 2025" in text
    assert "Lista de ICE del 6 de junio de 2025 (a. m.)" in text
    assert instant["List-Unsubscribe"]  # the headers stay what mail providers read

    report = send_due_digests(config, db, now=MORNING)
    assert report.sent == 1 and report.ok
    (digest,) = smtp_server.to(NEWSROOM)
    assert digest["Subject"] == "Resumen diario 287(g): 1 cambio en FL"
    text = _body(digest)
    assert "1 cambio desde que se suscribió." in text
    assert "Acuerdos 287(g) vigentes\n  En todo el país: 3" in text and "Florida (FL): 3 — TFM 3" in text
    assert "Modelo de Grupo de Trabajo (Task Force Model, TFM)" in text
    assert "Nuevos acuerdos (1)" in _body(digest, "html") and '<html lang="es">' in _body(digest, "html")


def test_one_run_posts_spanish_to_a_spanish_channel_and_english_to_an_english_one(tmp_path, slack_server):
    config = make_config(tmp_path, SLACK, slack=slack_server)
    db = database(config)
    deliver_all(config, db)
    def header(channel: str) -> str:
        return slack_server.posts(channel)[0]["blocks"][0]["text"]["text"]

    assert header("#fl-comite") == "El Rastreador 287(g) ahora vigila Florida"
    assert header("#fl-organizers") == "287(g) tracker is now watching Florida"
    slack_server.forget()

    add_events(db, ocala(), ocala(agency="Marion County Sheriff's Office", agency_type="County", model="JEM",
                                  was_pending=False))
    report = deliver_all(config, db)
    assert report.slack_messages == 2 and report.ok
    (spanish,) = slack_server.posts("#fl-comite")
    (english,) = slack_server.posts("#fl-organizers")
    assert spanish["text"].startswith("Rastreador 287(g): 2 cambios")
    assert english["text"].startswith("287(g) tracker: 2 changes")
    spanish_blocks = str(spanish["blocks"])
    assert "*Florida (FL)* — 2 cambios" in spanish_blocks
    assert "*Nuevo acuerdo:* *Marion County Sheriff's Office* — Condado, Marion County" in spanish_blocks
    assert "Modelo de Cárcel (Jail Enforcement Model, JEM) · firmado el 24 de abril de 2025" in spanish_blocks
    assert "página 287(g) de ICE" in spanish_blocks and "ICE's 287(g) page" not in spanish_blocks
    assert "Jail Enforcement Model (JEM) · signed April 24, 2025" in str(english["blocks"])


def test_alert_test_speaks_each_destinations_language(tmp_path, slack_server):
    config = make_config(tmp_path, SLACK, slack=slack_server)
    outcomes = alert_test(config, parse(SLACK), now=MORNING)
    assert [o.ok for o in outcomes] == [True, True]
    spanish = slack_server.posts("#fl-comite")[0]["text"]
    assert spanish.startswith("Rastreador 287(g): mensaje de prueba")
    assert "Enviado el 18 de junio de 2030 a las 12:00 UTC." in spanish
    assert slack_server.posts("#fl-organizers")[0]["text"].startswith("287(g) tracker: test message")


def test_the_language_key_is_checked_like_every_other() -> None:
    subs = parse(EMAIL + SLACK)
    assert [s.language for s in subs.email] == ["es", "es"]
    assert [s.language for s in subs.slack] == ["es", "en"]
    with pytest.raises(SubscriptionsError, match=r"^subscriptions.toml:5: language: 'fr' is not one of en, es$"):
        parse('[[slack]]\nchannel = "#fl"\nstates = ["FL"]\n\nlanguage = "fr"\n')
    with pytest.raises(SubscriptionsError, match=r"^subscriptions.toml:4: language: \['es'\] is not one of en, es$"):
        parse('[[email]]\nto = "a@b.example"\n# Spanish\nlanguage = ["es"]\n')


def test_the_change_log_sentence_reads_in_spanish() -> None:
    payload = ocala(pending_since="2025-05-19")
    assert sentence(payload) == "signed (was pending since May 19, 2025); agreement dated April 24, 2025"
    assert sentence(payload, language("es")) == ("firmó (estaba pendiente desde el 19 de mayo de 2025); "
                                                 "acuerdo fechado el 24 de abril de 2025")


NAPLES = "https://www.naplesnews.example/story/news/2025/12/02/collier-287g/"
WINK = "https://www.winknews.example/2025/12/02/collier/"
MARION_AGENDA = "https://marioncountyfl.example/agenda/2025-06-03.pdf"
# An unstaged signal, as read from a county's own page before stages existed.
MARION_PAGE = {"type": "local_signal", "state": "FL", "jurisdiction": "Marion County, FL",
               "agency": "Marion County, FL", "title": "Board of County Commissioners: agenda of June 3, 2025",
               "date": "2025-06-03", "url": MARION_AGENDA, "matched": ["287(g)"],
               "snippet": "Approve the 287(g) Task Force Model agreement.", "list": "local"}
SEEN = dt.datetime(2025, 12, 2, 18, 0)


def test_early_warnings_and_who_reported_first_are_told_in_spanish(tmp_path, slack_server, smtp_server):
    config = make_config(tmp_path, EMAIL + SLACK, slack=slack_server, smtp=smtp_server)
    db = database(config)
    start_watching(config, db, slack=slack_server, smtp=smtp_server)
    add_signals(db, news_signal(), detected_at=SEEN)  # a news report, staged: the commissioners approved
    add_events(db, MARION_PAGE, detected_at=SEEN)
    assert deliver_all(config, db).ok

    (spanish,) = slack_server.posts("#fl-comite")
    sections = [b["text"]["text"] for b in spanish["blocks"] if b["type"] == "section"]
    assert sections[1:] == [
        f"*Los comisionados de Collier County aprobaron un acuerdo 287(g) de grupo de trabajo* "
        f"(<{NAPLES}|Naples Daily News>, 2 dic)\n"
        f"también lo informó <{WINK}|WINK News>\n"
        "> Collier County commissioners voted 4-1 Tuesday to approve a 287(g) task force agreement with U.S. "
        "Immigration and Customs Enforcement.",
        "*Marion County, FL mencionó el 287(g): “Board of County Commissioners: agenda of June 3, 2025”* "
        f"(<{MARION_AGENDA}|página>, 3 jun)\n"
        "> Approve the 287(g) Task Force Model agreement.",
    ]
    assert "FL · Alerta temprana: Los comisionados de Collier County aprobaron" in spanish["text"]
    english = str(slack_server.posts("#fl-organizers")[0]["blocks"])
    assert "Collier County commissioners approved a 287(g) task-force agreement" in english
    assert f"<{MARION_AGENDA}|page>, June 3" in english

    (instant,) = smtp_server.to(ORGANIZER)
    text = _body(instant)
    assert ("  Alerta temprana: Los comisionados de Collier County aprobaron un acuerdo 287(g) de grupo de trabajo "
            "(Naples Daily News, 2 dic)\n    también lo informó WINK News\n") in text
    assert "  Alerta temprana: Marion County, FL mencionó el 287(g): “Board of County Commissioners" in text
    html = _body(instant, "html")
    assert f'también lo informó <a href="{WINK}" style="color: #3e6b9e;">WINK News</a>' in html
    assert f'<a href="{MARION_AGENDA}" style="color: #3e6b9e;">página</a>, 3 jun' in html

    slack_server.forget()
    smtp_server.forget()
    add_events(db, ocala(agency="Collier County Sheriff's Office", agency_type="County", county="Collier County",
                         was_pending=False, moa_url=None, published_at="2025-12-11T15:00:00Z",
                         publication="2025-12-11 am"))
    assert deliver_all(config, db).ok
    first = "informado primero por Naples Daily News el 2 de diciembre de 2025, 9 días antes"
    (listed,) = slack_server.posts("#fl-comite")
    assert first in str(listed["blocks"]) and f"<{NAPLES}|primer informe>" in str(listed["blocks"])
    assert first in _body(smtp_server.to(ORGANIZER)[0])
    assert "first reported by Naples Daily News on December 2, 2025, 9 days earlier" in str(
        slack_server.posts("#fl-organizers")[0]["blocks"])


def test_a_report_without_an_outlet_is_named_in_spanish_too() -> None:
    spanish = language("es")
    first = {"outlet": "", "source": "agenda", "place": "Marion County, FL", "reported": "2025-06-03", "days": 1}
    assert lead_words(first, spanish) == "informado primero por una agenda de Marion County, FL el 3 de junio de " \
                                         "2025, 1 día antes"
    assert lead_words({**first, "place": "", "source": "news"}, spanish).startswith(
        "informado primero por una nota periodística el 3 de junio")
    staged = news_signal(stage="rejected", jurisdiction="City of Fort Myers", outlet=None,
                         excerpt="The council voted 3-3 on 287(g).", also_reported_by=[{"url": WINK}])
    report = report_of(staged, dt.date(2026, 1, 5), spanish)
    assert report.line == "El concejo municipal de Fort Myers rechazó un acuerdo 287(g) (2 dic 2025)"
    assert (report.source, report.also_text) == ("informe", "también lo informó otro medio")


@pytest.mark.parametrize(("changes", "words"), [
    ({"stage": "proposed", "agency": "Collier County Sheriff's Office"},
     "Collier County Sheriff's Office planea solicitar un acuerdo 287(g) de grupo de trabajo"),
    ({"stage": "scheduled"},
     "Los comisionados de Collier County programaron una votación sobre un acuerdo 287(g) de grupo de trabajo"),
    ({"stage": "debated", "jurisdiction": "Maricopa County",
      "excerpt": "The Board of Supervisors heard two hours of public comment on 287(g)."},
     "Los supervisores de Maricopa County debatieron un acuerdo 287(g)"),
    ({"stage": "approved", "jurisdiction": "Caddo Parish", "excerpt": "Caddo approved a 287(g) jail enforcement deal."},
     "El concejo de Caddo Parish aprobó un acuerdo 287(g) de modelo de cárcel"),
    ({"stage": "scheduled", "jurisdiction": "City of Doral",
      "excerpt": "La Comisión de Doral votará el miércoles el acuerdo 287(g) de fuerza de tarea."},
     "Los comisionados municipales de Doral programaron una votación sobre un acuerdo 287(g) de grupo de trabajo"),
    ({"stage": "signed", "agency": "Collier County Sheriff's Office",
      "excerpt": "The sheriff signed jail enforcement and warrant service officer agreements."},
     "Collier County Sheriff's Office firmó un acuerdo 287(g)"),
    ({"stage": "ended", "jurisdiction": "Key West", "agency": "Key West Police Department",
      "excerpt": "Key West ended its warrant service officer agreement."},
     "Key West Police Department puso fin a su acuerdo 287(g) de oficial de servicio de órdenes"),
    ({"stage": "approved", "jurisdiction": "", "agency": ""},
     "Un gobierno local aprobó un acuerdo 287(g) de grupo de trabajo"),
])
def test_every_stage_is_said_in_spanish_with_the_verb_agreeing_with_who_acts(changes, words):
    assert report_of(news_signal(**changes), lang=language("es")).sentence == words
