"""Cutting pages into the items a reader sees: what each signal will be titled, dated and linked by."""

from __future__ import annotations

from parsers.agenda import first_sentence, html_items, text_items

URL = "https://www.county.example.gov/sheriff/news"


def test_headings_with_their_following_text_are_items() -> None:
    page = """<html><body><h1>Sheriff's Office News</h1>
    <h2>Jail expansion moves ahead</h2><p>Posted June 2, 2025</p><p>The Board approved the design.</p>
    <h2>Sheriff signs agreement</h2><p>Posted June 9, 2025</p>
    <p>The agreement with ICE under the 287(g) program takes effect July 1.</p></body></html>"""
    items = html_items(page, URL)
    assert [(i.title, i.date) for i in items] == [
        ("Sheriff's Office News", None),
        ("Jail expansion moves ahead", "2025-06-02"),
        ("Sheriff signs agreement", "2025-06-09"),
    ]
    assert "287(g)" in items[2].text and "287(g)" not in items[1].text


def test_a_bullet_list_inside_a_release_stays_part_of_it() -> None:
    page = """<html><body><article><h2><a href="/news/287g">Sheriff joins 287(g)</a></h2>
    <ul><li>Deputies train with ICE</li><li>Starts July 1</li></ul></article>
    <article><h2><a href="/news/parade">Parade</a></h2><p>Road closures.</p></article></body></html>"""
    items = html_items(page, URL)
    assert [(i.title, i.link) for i in items] == [
        ("Sheriff joins 287(g)", "https://www.county.example.gov/news/287g"),
        ("Parade", "https://www.county.example.gov/news/parade"),
    ]
    assert "Deputies train with ICE" in items[0].text


def test_a_lone_list_wrapper_is_not_an_item_but_its_repeated_entries_are() -> None:
    page = """<html><body><div class="news-list">
    <div class="news-item"><h3>One</h3><p>May 1, 2025</p></div>
    <div class="news-item"><h3>Two</h3><p>May 2, 2025</p></div></div></body></html>"""
    assert [(i.title, i.date) for i in html_items(page, URL)] == [("One", "2025-05-01"), ("Two", "2025-05-02")]


def test_an_item_links_its_packet_as_a_document_not_as_its_article() -> None:
    page = """<html><body><table><tr><td>7.</td><td>Approve MOA with ICE (287(g))</td>
    <td><a href="/docs/item7.pdf">Backup</a></td></tr></table></body></html>"""
    (item,) = html_items(page, URL)
    assert item.link is None
    assert item.documents == (("https://www.county.example.gov/docs/item7.pdf", "Backup"),)


def test_pdf_packet_items_are_numbered_lines_dated_by_the_cover() -> None:
    text = "BOARD OF COMMISSIONERS\nAGENDA - JUNE 3, 2025\nItem 4.1 Highway 287 paving.\n" \
           "Item 7.2 SHERIFF'S OFFICE\nMOA with ICE under 287(g).\n12. Adjourn."
    items = text_items(text)
    assert [(i.title, i.date) for i in items] == [
        ("BOARD OF COMMISSIONERS", "2025-06-03"),
        ("Item 4.1 Highway 287 paving.", "2025-06-03"),
        ("Item 7.2 SHERIFF'S OFFICE", "2025-06-03"),
        ("12. Adjourn.", "2025-06-03"),
    ]
    assert "287(g)" in items[2].text


def test_titles_are_the_opening_sentence_past_the_item_number() -> None:
    assert first_sentence("14. Approve Resolution No. 25-3 with the Sheriff. Staff recommends approval.") == (
        "14. Approve Resolution No. 25-3 with the Sheriff."
    )
    assert first_sentence("word " * 60).endswith(" …") and len(first_sentence("word " * 60)) <= 162
