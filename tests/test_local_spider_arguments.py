"""`-a url` (or `-a client`) with `-a jurisdiction`: the three platform spiders read them by one rule."""

from __future__ import annotations

import pytest

from scrapers.spiders.local.civicplus import CivicPlusSpider
from scrapers.spiders.local.legistar import LegistarSpider
from scrapers.spiders.local.local_page import LocalPageSpider


@pytest.mark.parametrize(("spider", "flag"), [(CivicPlusSpider, "url"), (LegistarSpider, "client"),
                                              (LocalPageSpider, "url")])
def test_an_address_without_a_jurisdiction_is_refused_in_words(spider, flag) -> None:
    with pytest.raises(ValueError, match=f'{spider.name} needs -a jurisdiction="Name, ST" with -a {flag}'):
        spider(**{flag: "https://www.example.gov" if flag == "url" else "example"})


def test_a_place_the_registry_knows_keeps_its_spelling_and_county_and_the_flags_choose_selectors() -> None:
    spider = LocalPageSpider(url="https://www.pascosheriff.com/news", jurisdiction="pasco sheriff's office, FL",
                             selector="article")
    (source,) = spider.sources
    assert (source.url, source.target.jurisdiction, source.target.state, source.selector) == (
        "https://www.pascosheriff.com/news", "Pasco Sheriff's Office", "FL", "article")
    marion = LocalPageSpider(url="https://www.marionfl.org/a", jurisdiction="Marion County Board of County "
                             "Commissioners, Florida").sources[0]
    assert (marion.target.county, marion.selector) == ("Marion County", None)


def test_a_place_the_registry_does_not_know_is_read_from_its_name() -> None:
    (client, target), = LegistarSpider(client="newtown", jurisdiction="Fresh County Commission, GA").clients
    assert (client, target.jurisdiction, target.state, target.county) == (
        "newtown", "Fresh County Commission", "GA", "Fresh County")


def test_without_an_address_every_registry_row_of_the_platform_is_watched() -> None:
    sites = CivicPlusSpider().sites
    assert sites and all(root.startswith("https://") and target.state for root, target in sites)
    assert "Sumter County Board of County Commissioners" in {target.jurisdiction for _, target in sites}
