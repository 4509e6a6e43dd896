"""The explorer in Spanish under /es/: every page, its links, its language switch, its numbers and dates.

The store is filled from ICE's real publications (tests/fixtures/ice); the Spanish pages are read
over HTTP and in Chromium at a phone's width, and compared with the English ones word by word:
what the English page says in its own words must not be left in English on the Spanish page.
"""

from __future__ import annotations

import re

import lxml.html
import pytest
from sqlalchemy import select

from alerts.event_text import MODELS
from parsers.places import state_names
from scrapers.jurisdictions import load as jurisdictions
from storage.db import connect
from storage.models import Agreement
from tests.support.alert_servers import add_events, make_config, ocala
from tests.support.sample_store import build
from tests.support.web_server import Client, serving
from web.charts import geometry

PHONE = 390
PAGES = ("/", "/state/FL", "/state/NC", "/events", "/events?state=FL&type=agreement_added", "/signals",
         "/methodology")
# Words the two languages share, or that name what is not translated: ICE's terms and codes, formats, units.
SHARED = {"a", "no", "de", "ice", "moa", "moas", "jem", "tfm", "wso", "pdf", "utc", "g", "json", "csv", "excel",
          "atom", "readme", "api", "id", "us", "atlas", "isc", "florida", "texas", "carolina", "signed", "x",
          "english", "español", "o", "sheriff", "s", "city", "of", "am", "pm", "m", "p", "tx", "fl", "nc", "local",
          "real", "agenda", "agendas", "mar", "may", "jun", "jul", "sept", "oct", "nov", "dic"}


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    home = tmp_path_factory.mktemp("spanish")
    url = f"sqlite:///{home / 'tracker.db'}"
    build(url, home / "archive")
    return url


@pytest.fixture(scope="module")
def client(store):
    with serving(store) as running:
        yield running


@pytest.fixture(scope="module")
def ice_names(store) -> set[str]:
    """Every word of the agency and county names ICE wrote (typos included, as "Frankin County")."""
    with connect(store)() as session:
        rows = session.execute(select(Agreement.agency, Agreement.county)).all()
    return words(" ".join(f"{agency} {county or ''}" for agency, county in rows))


def visible(html: str) -> str:
    """What a reader sees: the body's text, not the markup, the scripts or the attributes; quoted names
    (“Kenneth City PD”) and commands or file names (<code>) left aside, as they stay as written."""
    document = lxml.html.document_fromstring(html)
    for code in document.body.iter("code"):
        code.drop_tree()
    return re.sub(r"“[^”]*”", " ", " ".join(document.body.itertext()))


def words(text: str) -> set[str]:
    text = re.sub(r"(https?://|mailto:)\S+|\S+@\S+|/\S+", " ", text)
    return {w.lower() for w in re.findall(r"[A-Za-zÁÉÍÓÚÑáéíóúñü’']+", text)}


def names_on(html: str) -> set[str]:
    """The words of names the page shows as ICE writes them: agencies, counties, places, outlets."""
    document = lxml.html.document_fromstring(html)
    named = document.xpath("//th[contains(@class,'agency')]|//td[@data-label='County']|//td[@data-label='Condado']"
                           "|//table[contains(@class,'numbers')]//th[@scope='row']|//td[@data-label='Type']"
                           "|//td[@data-label='Tipo']")
    return words(" ".join(" ".join(cell.itertext()) for cell in named))


def english_left(english: str, spanish: str, names: set[str]) -> set[str]:
    """The English page's own wording (not names, codes or ICE's terms) found again in the Spanish page."""
    spanish_text = visible(spanish)
    for model in MODELS.values():  # kept in Spanish beside its explanation, as ICE names it
        spanish_text = spanish_text.replace(model, "")
    places = words(" ".join([*state_names().values(), *(c["name"] for c in geometry()["counties"].values()),
                             *(j.name for j in jurisdictions())]))
    ours = words(visible(english)) - names_on(english) - names - places - SHARED
    return ours & (words(spanish_text) - names_on(spanish))


@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_in_spanish_under_es(client: Client, ice_names: set[str], path: str):
    english, spanish = client.get(path), client.get(f"/es{path}")
    assert english.status_code == spanish.status_code == 200, path
    assert '<html lang="en">' in english.text and '<html lang="es">' in spanish.text
    assert spanish.headers["content-language"] == "es" and english.headers["content-language"] == "en"
    assert english_left(english.text, spanish.text, ice_names) == set(), path
    assert spanish.headers["etag"] != english.headers["etag"]


def test_the_spanish_overview_reads_as_spanish_media_write_it(client: Client):
    page = client.get("/es/").text
    text = " ".join(visible(page).split())
    assert "Acuerdos 287(g) en todo Estados Unidos" in text
    assert re.search(r"Según la lista de ICE del \d{1,2} de [a-z]+ de 20\d\d", text)
    assert re.search(r"\b\d{1,3}\.\d{3}\b", text) or "acuerdos" in text  # Spanish groups thousands with a dot
    assert "Carolina del Norte" in text and "North Carolina" not in text
    assert 'title="Modelo de Grupo de Trabajo (Task Force Model)"' in page


def test_links_inside_a_spanish_page_stay_in_spanish_and_the_data_stays_where_it_is(client: Client):
    page = lxml.html.document_fromstring(client.get("/es/state/FL").text)
    links = [a.get("href") for a in page.iter("a") if a.get("href", "").startswith("/")]
    pages = [link for link in links if not link.startswith(("/api/", "/download/", "/feeds/", "/events.csv",
                                                              "/static/"))]
    switch = page.xpath("//nav//a[@hreflang='en']")[0]
    assert switch.get("href") == "/state/FL" and switch.text_content() == "English"
    assert [link for link in pages if link != "/state/FL" and not link.startswith("/es/")] == []
    assert any(link.startswith("/es/agency/") for link in pages)
    assert "/api/agreements.json?state=FL" in links and "/download/agreements.csv?state=FL" in links
    english = lxml.html.document_fromstring(client.get("/state/FL").text)
    switch = english.xpath("//nav//a[@hreflang='es']")[0]
    assert switch.get("href") == "/es/state/FL" and switch.text_content() == "Español"


def test_an_agency_page_in_spanish_keeps_ice_s_names(client: Client, ice_names: set[str]):
    changed = lxml.html.document_fromstring(client.get("/es/events?type=agreement_changed").text)
    for link in changed.xpath("//th[contains(@class,'agency')]/a/@href")[:5]:
        assert link.startswith("/es/agency/")
        english, spanish = client.get(link.removeprefix("/es")), client.get(link)
        assert english_left(english.text, spanish.text, ice_names) == set(), link
        heading = lxml.html.document_fromstring(spanish.text).xpath("//section[@class='agreement']/h2")[0]
        assert re.match(r"(Acuerdo|Solicitud pendiente) del (Modelo de|Oficial de)", heading.text_content())


def test_the_switch_keeps_the_filters_of_the_page(client: Client):
    page = lxml.html.document_fromstring(client.get("/es/events?state=FL&type=agreement_added").text)
    assert page.xpath("//nav//a[@hreflang='en']")[0].get("href") == "/events?state=FL&type=agreement_added"
    assert page.xpath("//form[@class='filters']")[0].get("action") == "/es/events"


def test_a_spanish_error_page_is_in_spanish_and_the_api_is_unchanged(client: Client):
    missing = client.get("/es/agency/999999")
    assert missing.status_code == 404 and '<html lang="es">' in missing.text
    assert "No encontrado" in missing.text and "ningún acuerdo ni solicitud pendiente" in missing.text
    unknown = client.get("/es/no-such-page")
    assert unknown.status_code == 404 and '<html lang="es">' in unknown.text and "Not Found" not in unknown.text
    assert client.get("/es/api/summary.json").status_code == 404
    assert client.get("/api/summary.json").json()["agreements"] > 0
    assert client.get("/es").status_code == 200  # redirected to /es/


def test_sign_up_from_the_spanish_form_defaults_to_spanish(tmp_path, smtp_server):
    config = make_config(tmp_path, smtp=smtp_server)
    add_events(connect(config.database_url), ocala())
    with serving(config.database_url, config=config) as client:
        form = lxml.html.document_fromstring(client.get("/es/subscribe").text)
        assert form.xpath("//input[@name='language'][@checked]")[0].get("value") == "es"
        assert form.xpath("//form[@class='signup']")[0].get("action") == "/es/subscribe"
        assert "Reciba alertas por correo" in form.text_content()
        english = lxml.html.document_fromstring(client.get("/subscribe").text)
        assert english.xpath("//input[@name='language'][@checked]")[0].get("value") == "en"
        token = form.xpath("//input[@name='csrf_token']")[0].get("value")
        refused = client.post("/es/subscribe", [("email", "not-an-address"), ("states", "FL"), ("cadence", "daily"),
                                                ("csrf_token", token)])
        assert refused.status_code == 400 and "no es una dirección de correo electrónico" in refused.text
        assert 'value="es" lang="es" checked' in refused.text


def test_spanish_pages_on_a_phone(client: Client, ice_names: set[str], visit, tmp_path):
    """Chromium at 390 px: no console error, no sideways scroll, and the page's text (what the script adds
    too, like the table search) has none of the English page's own words."""
    english, spanish = visit(width=PHONE).page, visit(width=PHONE).page
    for path in ("/", "/state/FL"):
        assert english.goto(client.explorer.url(path)).status == 200
        assert spanish.goto(client.explorer.url(f"/es{path}")).status == 200
        assert spanish.evaluate("document.documentElement.lang") == "es"
        assert spanish.evaluate("document.documentElement.scrollWidth") <= PHONE, f"/es{path} scrolls sideways"
        assert english_left(english.content(), spanish.content(), ice_names) == set(), path
        spanish.screenshot(path=tmp_path / f"es-{path.strip('/').replace('/', '-') or 'home'}.png", full_page=True)
    spanish.fill("input[type=search]", "Ocala")
    assert re.fullmatch(r"\d+ de \d+ mostrados", spanish.locator(".table-search output").first.inner_text())


def test_the_spanish_sign_up_form_on_a_phone(tmp_path, smtp_server, visit):
    config = make_config(tmp_path, smtp=smtp_server)
    add_events(connect(config.database_url), ocala())
    with serving(config.database_url, config=config) as client:
        english, spanish = visit(width=PHONE).page, visit(width=PHONE).page
        english.goto(client.explorer.url("/subscribe"))
        spanish.goto(client.explorer.url("/es/subscribe"))
        assert spanish.evaluate("document.documentElement.scrollWidth") <= PHONE
        assert english_left(english.content(), spanish.content(), set()) == set()
        spanish.fill("input[name=email]", "lectora@example.org")
        spanish.check("input[name=states][value=FL]")
        spanish.click("button[type=submit]")
        assert spanish.locator("h1").inner_text() == "Revise su bandeja de entrada"
        (confirmation,) = smtp_server.to("lectora@example.org")
        link = re.search(r"http://127\.0\.0\.1:\d+/confirm/[\w.-]+", confirmation.get_body(("plain",)).get_content())
        assert spanish.goto(link[0].replace("/confirm/", "/es/confirm/")).status == 200
        assert spanish.locator("h1").inner_text() == "Ya está suscrito"
        assert spanish.evaluate("document.documentElement.scrollWidth") <= PHONE
