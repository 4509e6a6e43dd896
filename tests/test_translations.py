"""The Spanish catalogue is complete, and a Spanish reader gets no English but names and ICE's own terms.

The catalogue check extracts every message from the code and templates as `make messages` does
(babel.cfg), so a new English sentence without its Spanish fails here, not in a reader's inbox.
The rendering check takes the English rendering's own words and looks for them in the Spanish one.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import lxml.html
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from alerts.confirmation import confirmation_email, reminder_email
from alerts.email_content import Headline, render_events
from alerts.event_text import MODELS, EventRow, Links, summarize_rows
from alerts.mail_links import MailLinks
from alerts.slack_blocks import SlackPart, plan_messages
from alerts.subscriptions import parse
from alerts.welcome import slack_part, welcome
from i18n import ENGLISH, catalogue_path, jinja_environment, language
from tests.support.alert_servers import add_active_agreements, database, make_config, ocala

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "locale" / "messages.pot"
SPANISH = language("es")


def extracted() -> set[str | tuple[str, ...]]:
    """Every message the code and templates ask gettext for, found as `make messages` finds them."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    return {message for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map)}


def read_catalogue(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=locale)


def catalogue_problems(catalog: Catalog, wanted: set[str | tuple[str, ...]]) -> list[str]:
    """What keeps a reader from getting each wanted message in the catalogue's language."""
    problems = []
    for msgid in sorted(wanted, key=str):
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        entry = catalog.get(key)
        strings = () if entry is None else (entry.string if isinstance(entry.string, tuple) else (entry.string,))
        if entry is None:
            problems.append(f"missing: {key!r}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        elif not all(strings):
            problems.append(f"untranslated: {key!r}")
    for entry, errors in catalog.check():
        problems += [f"{entry.id!r}: {error}" for error in errors]
    return problems


def test_every_message_of_the_code_has_its_spanish() -> None:
    problems = catalogue_problems(read_catalogue(catalogue_path("es"), "es"), extracted())
    assert problems == [], "run `make messages` and translate these in locale/es/LC_MESSAGES/messages.po"


def test_the_template_of_messages_is_up_to_date_with_the_code() -> None:
    in_pot = {m.id for m in read_catalogue(POT) if m.id}
    in_code = extracted()
    assert {"not in the code any more": in_pot - in_code, "not in messages.pot": in_code - in_pot} == {
        "not in the code any more": set(), "not in messages.pot": set()}, "run `make messages`"


def test_the_check_names_a_missing_a_fuzzy_an_empty_and_a_broken_translation() -> None:
    catalog = Catalog(locale="es")
    catalog.add("New agreement", "Nuevo acuerdo")
    catalog.add("Agreement removed", "Acuerdo retirado", flags=["fuzzy"])
    catalog.add("MOA published", "")
    catalog.add("signed %(date)s", "firmado el %(fecha)s", flags=["python-format"])
    wanted = {"New agreement", "Agreement removed", "MOA published", "signed %(date)s", "Nothing new."}
    problems = catalogue_problems(catalog, wanted)
    assert "missing: 'Nothing new.'" in problems
    assert "fuzzy: 'Agreement removed'" in problems
    assert "untranslated: 'MOA published'" in problems
    assert any(p.startswith("'signed %(date)s'") for p in problems)
    assert not any("'New agreement'" in p for p in problems)


def test_templates_speak_the_language_they_are_built_for() -> None:
    template = "{{ _('Nothing new.') }} {{ ngettext('%(count)s change', '%(count)s changes', n, count=n) }}"
    assert jinja_environment("es").from_string(template).render(n=3) == "Nada nuevo. 3 cambios"
    assert jinja_environment("en").from_string(template).render(n=1) == "Nothing new. 1 change"
    assert SPANISH.date(dt.date(2025, 5, 19)) == "19 de mayo de 2025"
    assert SPANISH.number(12345) == "12.345" and ENGLISH.number(12345) == "12,345"


# Every kind of change a reader can be told about, with the details that bring out every phrase.
PAYLOADS = (
    ocala(pending_since="2025-05-19", publication="2025-06-06 am",
          lea_signer={"name": "Mike Balken", "title": "Chief of Police"}, ice_signer={"name": "Garrett Ripa"}),
    ocala(agency="Marion County Sheriff's Office", agency_type="County", model="JEM", was_pending=False,
          published_at="2025-06-06T15:17:16Z"),
    ocala(agency="Marion County Sheriff's Office", agency_type="County", model="WSO", was_pending=False,
          published_at="2025-06-06T15:17:16Z"),
    ocala(type="agreement_removed", state="NY", agency="Nassau County Sheriff's Office", agency_type="County",
          county="Nassau County", removed_as_of="2025-06-10", publication="2025-06-10 pm"),
    ocala(type="pending_added", state="NC", agency="Gaston County Sheriff's Office", agency_type="County",
          county="Gaston County", signed=None, signed_raw=None, list="pending"),
    ocala(type="pending_removed", state="TX", agency="Terrell County Sheriff's Office", agency_type="County",
          county="Terrell County", reason="withdrawn", removed_as_of="2025-06-12", list="pending"),
    ocala(type="agreement_changed", agency="Kenneth City Police Department", review=True,
          before={"agency": "Kenneth City PD", "signed": "2025-04-02", "model": "JEM", "county": None},
          after={"agency": "Kenneth City Police Department", "signed": "2025-04-24", "model": "TFM",
                 "county": "Pinellas County"}),
    ocala(type="moa_published", agency="Belleview Police Department", before={"moa_url": "https://www.ice.gov/old.pdf"}),
    ocala(type="addendum_published", agency="Dunnellon Police Department",
          addendum_url="https://www.ice.gov/doclib/dunnellonAddendum.pdf"),
    ocala(type="moa_changed", agency="Ocala Police Department", document="addendum"),
    ocala(type="agreement_added", state="PA", agency="Pennsylvania State Police", agency_type="State Agency",
          county=None, moa_url=None, was_pending=False, note="listed again after removal"),
    {"type": "local_signal", "state": "FL", "jurisdiction": "Marion County, FL", "title": "Board of County "
     "Commissioners agenda", "url": "https://marion.example/agenda.pdf", "date": "2025-06-03",
     "matched": ["287(g)"], "snippet": "Approve the 287(g) Task Force agreement with ICE"},
)
# Words a Spanish text shares with English, or that name what is not translated (ICE's terms, codes, units).
SHARED = {"a", "no", "de", "ice", "moa", "jem", "tfm", "wso", "pdf", "utc", "g", "am", "pm", "m", "p", "florida",
          "texas", "york", "carolina", "fl", "tx", "ny", "nc", "pa"}


def visible(html: str) -> str:
    """What a reader sees of an HTML email: its text, not its markup and styles."""
    return " ".join(lxml.html.document_fromstring(html).itertext())


def slack_text(parts: list[SlackPart]) -> str:
    """What a reader sees of Slack messages: the fallback text and every block's text."""
    seen = [part.text for part in parts]

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                seen.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk([part.blocks for part in parts])
    return "\n".join(seen)


def _words(text: str) -> set[str]:
    """The words of a text, its web addresses (ICE's, the explorer's) left aside."""
    text = re.sub(r"(https?://|mailto:)[^\s|>\"]+|\S+@\S+", " ", text)
    return {w.lower() for w in re.findall(r"[^\W\d_]+", text)}


def _english_left(english: str, spanish: str, payloads) -> set[str]:
    """The English rendering's own wording (not the agencies', places' or documents' names) found in the Spanish."""
    names = {w.lower() for p in payloads for v in p.values() for w in re.findall(r"[^\W\d_]+", str(v))}
    for model in MODELS.values():  # kept in Spanish as the explanation's original
        spanish = spanish.replace(model, "")
    return (_words(english) - names - SHARED) & (_words(spanish) - names)


def _summaries(lang):
    rows = [EventRow(seq, payload, seq) for seq, payload in enumerate(PAYLOADS, start=1)]
    return summarize_rows(rows, Links(public_url="https://287g.example.org"), lang)


@pytest.fixture
def headline() -> Headline:
    return Headline(national=1415, states={"FL": 380, "NY": 12}, previous={"national": 1400, "FL": 377},
                    models={"national": {"JEM": 150, "TFM": 700, "WSO": 565}, "FL": {"TFM": 300}})


def test_a_spanish_digest_has_no_english_left(tmp_path, headline) -> None:
    config = make_config(tmp_path)
    english = render_events(config, "287(g) daily digest", _summaries(ENGLISH), "since June 5, 2025", headline)
    spanish = render_events(config, SPANISH.gettext("287(g) daily digest"), _summaries(SPANISH),
                            SPANISH.gettext("since %(date)s") % {"date": "5 de junio de 2025"}, headline, SPANISH)
    assert _english_left(english[0], spanish[0], PAYLOADS) == set()
    assert _english_left(visible(english[1]), visible(spanish[1]), PAYLOADS) == set()
    text, html = spanish
    assert '<html lang="es">' in html
    assert "Nuevo acuerdo: Ocala Police Department — Municipio, Marion County" in text
    assert "firmado el 24 de abril de 2025 · pendiente desde el 19 de mayo de 2025" in text
    assert "Modelo de Grupo de Trabajo (Task Force Model, TFM)" in text
    assert "JEM + WSO (Modelo de Cárcel, Oficial de Servicio de Órdenes)" in text
    assert "En todo el país: 1.415 (+15 desde el último resumen)" in text
    assert "Lista de ICE del 6 de junio de 2025 (a. m.)" in text
    assert "Nueva York (NY)" in text and "Nassau County Sheriff's Office" in text  # agency names as ICE writes them


def test_a_spanish_slack_message_has_no_english_left() -> None:
    english = slack_text(plan_messages(_summaries(ENGLISH)))
    spanish = slack_text(plan_messages(_summaries(SPANISH), lang=SPANISH))
    assert _english_left(english, spanish, PAYLOADS) == set()
    assert "Rastreador 287(g): 11 cambios" in spanish
    assert "cambió de nombre: de “Kenneth City PD” a “Kenneth City Police Department”" in spanish


def test_a_spanish_greeting_has_no_english_left(tmp_path) -> None:
    subs = parse('[[slack]]\nchannel = "#fl"\nstates = ["FL", "NY"]\nlanguage = "es"\n'
                 '[[slack]]\nchannel = "#fl-en"\nstates = ["FL", "NY"]\n')
    db = database(make_config(tmp_path))
    add_active_agreements(db, {"FL": 3, "NY": 1}, stamp="2025-06-06 am")
    add_active_agreements(db, {"FL": 2}, list_kind="pending", stamp="2025-06-06 am")
    with db() as session:
        spanish = slack_text([slack_part(welcome(session, subs.slack[0], dt.date(2030, 6, 18)))])
        english = slack_text([slack_part(welcome(session, subs.slack[1], dt.date(2030, 6, 18)))])
    assert _english_left(english, spanish, ()) == set()
    assert "El Rastreador 287(g) ahora vigila Florida y Nueva York" in spanish
    assert "Hoy, según la lista de ICE del 6 de junio de 2025 (a. m.):" in spanish
    assert "Florida: 3 acuerdos con 3 agencias — TFM 3; 2 solicitudes pendientes" in spanish
    assert "Nueva York: 1 acuerdo con 1 agencia — TFM 1; 0 solicitudes pendientes" in spanish


def _both_parts(message) -> tuple[str, str, str]:
    return (message["Subject"], message.get_body(("plain",)).get_content(),
            visible(message.get_body(("html",)).get_content()))


@pytest.mark.parametrize("cadence", ["instant", "daily", "weekly"])
def test_a_spanish_sign_up_is_asked_to_confirm_and_reminded_in_spanish(tmp_path, cadence) -> None:
    config = make_config(tmp_path)
    now = dt.datetime(2030, 6, 18, 12, 0, tzinfo=dt.UTC)
    url = "https://287g.example.org/confirm/token"
    links = MailLinks("https://287g.example.org/unsubscribe/token", "https://287g.example.org/manage/token")
    for english, spanish in (
        (confirmation_email(config, "a@example.org", url, ["FL", "NY"], cadence, now),
         confirmation_email(config, "a@example.org", url, ["FL", "NY"], cadence, now, SPANISH)),
        (reminder_email(config, "a@example.org", links, ["*"], cadence, now),
         reminder_email(config, "a@example.org", links, ["*"], cadence, now, SPANISH)),
    ):
        for english_part, spanish_part in zip(_both_parts(english), _both_parts(spanish), strict=True):
            assert _english_left(english_part, spanish_part, ()) == set()
        assert '<html lang="es">' in spanish.get_body(("html",)).get_content()
    confirm_text = _both_parts(confirmation_email(config, "a@example.org", url, ["FL", "NY"], cadence, now,
                                                  SPANISH))[1]
    assert "acuerdos 287(g) de Florida y Nueva York." in confirm_text
    assert f"Confirmar mi suscripción: {url}" in confirm_text
