"""The diff on the cases that make naive key diffs cry wolf, and its invariants."""

from __future__ import annotations

import hashlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.diff import Known, PublicationRef, diff_publication

ADD_REMOVE = {"agreement_added", "agreement_removed"}


def pub(n: int, kind: str = "participating") -> PublicationRef:
    return PublicationRef(sha256=hashlib.sha256(f"{kind}{n}".encode()).hexdigest(), kind=kind,
                          source_url=f"https://www.ice.gov/doclib/{kind}{n}.xlsx",
                          detected_at=f"2025-06-{n:02d}T15:00:00Z")


def rec(agency, state="FL", model="TFM", signed="2025-04-24", county=None, kind="Municipality", moa=None):
    return {"state": state, "agency": agency, "agency_type": kind, "county": county, "model": model,
            "signed": signed, "signed_raw": None, "moa_url": moa, "addendum_url": None}


class Store:
    """Applies diffs the way storage does, so a test can walk through publications."""

    def __init__(self, confirmations: int = 2) -> None:
        self.known: dict[str, Known] = {}
        self.pending: dict[str, Known] = {}
        self.confirmations = confirmations
        self.n = 0

    def publish(self, records, kind="participating"):
        self.n += 1
        table, other = (self.known, self.pending) if kind == "participating" else (self.pending, self.known)
        result = diff_publication(list(table.values()), records, pub(self.n, kind),
                                  removal_confirmations=self.confirmations, other_list=list(other.values()))
        for upsert in result.upserts:
            table[upsert.uid] = Known(upsert.uid, upsert.fields, "active", 0, None, upsert.was_pending)
        for uid, count, since in result.missing:
            table[uid].missing_count, table[uid].missing_since = count, since
        for uid in result.removed:
            table[uid].status = "removed"
        for uid, _ in result.merged:
            table[uid].status = "merged"
        return result.events

    def types(self, records, kind="participating"):
        return sorted(e["type"] for e in self.publish(records, kind))


def test_first_publication_is_a_baseline_only():
    store = Store()
    events = store.publish([rec("Ocala Police Department"), rec("Marion County Sheriff's Office", kind="County")])
    assert {e["type"] for e in events} == {"baseline"}


def test_renames_are_changes_not_add_and_remove():
    cases = [
        ("City of Miami Springs Police Department", "Miami Springs Police Department", {}),
        ("Indialantic Police Department", "Indiatlantic Police Department", {}),
        ("Berrian County Sheriff's Offic", "Berrian County Sheriff's Office", {"state": "MI", "model": "WSO"}),
        ("Ft. Myers Police Department", "Fort Myers Police Department", {}),
        ("Idaho State Police", "Idaho State Police Department", {"state": "ID", "kind": "State Agency"}),
        ("Montgomery County Sheriff’s Office", "Montgomery County Sheriff's Office", {"state": "TX"}),
    ]
    for before, after, extra in cases:
        store = Store()
        store.publish([rec(before, **extra), rec("Ocala Police Department")])
        events = store.publish([rec(after, **extra), rec("Ocala Police Department")])
        assert [e["type"] for e in events] == ["agreement_changed"], (before, after, events)
        assert events[0]["before"] == {"agency": before} and events[0]["after"] == {"agency": after}
        # and back again (ICE re-introduces typos)
        back = store.publish([rec(before, **extra), rec("Ocala Police Department")])
        assert [e["type"] for e in back] == ["agreement_changed"]


def test_corrected_state_is_a_change():
    store = Store()
    store.publish([rec("Ellis County Sheriff's Office", state="TX", model="WSO", signed="2025-03-05")])
    events = store.publish([rec("Ellis County Sheriff's Office", state="KS", model="WSO", signed="2025-03-05")])
    assert [e["type"] for e in events] == ["agreement_changed"]
    assert events[0]["before"] == {"state": "TX"} and events[0]["after"] == {"state": "KS"}
    assert events[0]["rule"] == "state_correction"


def test_new_holder_of_the_same_agreement_is_a_change_flagged_for_review():
    store = Store()
    store.publish([rec("Escambia County Sheriff's Office", state="AL", county="Escambia County", kind="County",
                       signed="2025-02-20", model="JEM")])
    events = store.publish([rec("Escambia County Board of County Commissioners", state="AL", county="Escambia County",
                                kind="County", signed="2025-02-20", model="JEM")])
    assert [e["type"] for e in events] == ["agreement_changed"]
    assert events[0]["review"] is True and "review" in events[0]["note"]


def test_dropped_duplicate_row_is_merged_not_removed():
    store = Store()
    store.publish([rec("City of St. Cloud Police Department", county="Osceola County"),
                   rec("St. Cloud Police Department", county="Osceola County")])
    events = store.publish([rec("St. Cloud Police Department", county="Osceola County")])
    assert [e["type"] for e in events] == ["agreement_changed"]
    assert events[0]["rule"] == "duplicate_dropped"
    assert store.types([rec("St. Cloud Police Department", county="Osceola County")]) == []


def test_look_alike_names_are_different_agencies():
    store = Store()
    store.publish([rec("Lyon County Sheriff's Office", state="KY", kind="County"),
                   rec("Melbourne Police Department")])
    events = store.publish([rec("Union County Sheriff's Office", state="KY", kind="County"),
                            rec("West Melbourne Police Department"), rec("Melbourne Police Department"),
                            rec("Sarasota Police Department"), rec("Lyon County Sheriff's Office", state="KY",
                                                                       kind="County")])
    assert sorted(e["agency"] for e in events if e["type"] == "agreement_added") == [
        "Sarasota Police Department", "Union County Sheriff's Office", "West Melbourne Police Department"]


def test_removal_waits_for_confirmations_and_is_dated_by_the_first_miss():
    store = Store(confirmations=2)
    store.publish([rec("Ocala Police Department"), rec("Kenneth City Police Department")])
    assert store.types([rec("Ocala Police Department")]) == []
    events = store.publish([rec("Ocala Police Department")])
    assert [e["type"] for e in events] == ["agreement_removed"]
    assert events[0]["agency"] == "Kenneth City Police Department"
    assert events[0]["removed_as_of"] == "2025-06-02T15:00:00Z"


def test_one_off_glitch_announces_nothing():
    store = Store(confirmations=2)
    both = [rec("Ocala Police Department"), rec("Kenneth City Police Department")]
    store.publish(both)
    assert store.types([rec("Ocala Police Department")]) == []
    assert store.types(both) == []
    assert store.types([rec("Ocala Police Department")]) == []


def test_field_corrections_and_moa_links():
    store = Store()
    store.publish([rec("Ocala Police Department", signed="2025-04-14")])
    events = store.publish([rec("Ocala Police Department", signed="2025-04-24", county="Marion County",
                                moa="https://www.ice.gov/doclib/287gMOA/OcalaPDFL_TFM_MOA_042425.pdf")])
    types = {e["type"]: e for e in events}
    assert set(types) == {"agreement_changed", "moa_published"}
    assert types["agreement_changed"]["after"] == {"signed": "2025-04-24", "county": "Marion County"}
    assert types["moa_published"]["moa_url"].endswith("OcalaPDFL_TFM_MOA_042425.pdf")


def test_pending_lifecycle_signed_and_was_pending():
    store = Store()
    store.publish([rec("Ocala Police Department")])
    store.publish([rec("Apopka Police Department", signed=None)], kind="pending")
    added = store.publish([rec("Ocala Police Department"), rec("Apopka Police Department", signed="2025-05-20")])
    assert [(e["type"], e["was_pending"]) for e in added] == [("agreement_added", True)]
    left = store.publish([rec("Other Police Department", signed=None)], kind="pending")
    assert sorted((e["type"], e.get("reason")) for e in left) == [("pending_added", None),
                                                                   ("pending_removed", "signed")]


names = st.sampled_from([
    "Ocala Police Department", "Marion County Sheriff's Office", "Apopka Police Department",
    "Hillsborough County Sheriff's Office", "Lake Clark Shores Police Department", "Florida Highway Patrol",
    "Tampa Police Department", "Polk County Sheriff's Office", "Kenneth City Police Department",
    "Edgewood Police Department", "Lee County Sheriff's Office", "Temple Terrace Police Department",
])
rows = st.lists(st.tuples(names, st.sampled_from(["JEM", "TFM", "WSO"]), st.sampled_from(["FL", "GA", "TX"])),
                min_size=1, max_size=15, unique=True).map(lambda items: [rec(a, state=s, model=m) for a, m, s in items])
respell = st.sampled_from([
    lambda n: "City of " + n, lambda n: n.replace("Sheriff's", "Sheriff’s"), lambda n: n.upper(),
    lambda n: n.replace("Department", "Dept."), lambda n: "  " + n + " ",
])


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(rows, st.randoms(use_true_random=False), st.data())
def test_renames_and_reorders_never_create_add_remove_pairs(records, rnd, data):
    store = Store()
    store.publish(records)
    changed = [dict(r, agency=data.draw(respell)(r["agency"]).strip()) for r in records]
    rnd.shuffle(changed)
    assert not {e["type"] for e in store.publish(changed)} & ADD_REMOVE


@settings(max_examples=40, deadline=None)
@given(rows)
def test_unchanged_publication_yields_nothing_and_twice_yields_nothing_new(records):
    store = Store()
    store.publish(records)
    assert store.publish(list(reversed(records))) == []
    extra = [*records, rec("Brand New Police Department", state="GA")]
    first = store.publish(extra)
    assert [e["type"] for e in first] == ["agreement_added"]
    assert store.publish(extra) == []


def test_agencies_that_differ_only_in_a_number_are_never_merged_or_dropped_as_duplicates():
    def tx(agency, **kw):
        return rec(agency, state="TX", county="Harris County", kind="County", signed="2025-05-01", **kw)

    store = Store()
    store.publish([tx("Harris County Constable Precinct 2"), tx("Township 1 Police Department"),
                   tx("Ward II Marshal's Office")])
    events = store.publish([tx("Harris County Constable Precinct 2"), tx("Harris County Constable Precinct 3"),
                            tx("Township 1 Police Department"), tx("Township 25 Police Department"),
                            tx("Ward II Marshal's Office"), tx("Ward 3 Marshal's Office"),
                            tx("Harris County Constable Precinct Four")])
    assert sorted(e["agency"] for e in events if e["type"] == "agreement_added") == [
        "Harris County Constable Precinct 3", "Harris County Constable Precinct Four",
        "Township 25 Police Department", "Ward 3 Marshal's Office"]
    assert [e for e in events if e["type"] != "agreement_added"] == []

    # Precinct 3 gone and Precinct 5 new, same county and date: not a rename, not a dropped duplicate.
    events = store.publish([tx("Harris County Constable Precinct 2"), tx("Harris County Constable Precinct 5"),
                            tx("Township 1 Police Department"), tx("Township 25 Police Department"),
                            tx("Ward II Marshal's Office"), tx("Ward 3 Marshal's Office"),
                            tx("Harris County Constable Precinct Four")])
    assert [(e["type"], e["agency"]) for e in events] == [("agreement_added", "Harris County Constable Precinct 5")]
    assert store.types([tx("Harris County Constable Precinct 2"), tx("Harris County Constable Precinct 5"),
                        tx("Township 1 Police Department"), tx("Township 25 Police Department"),
                        tx("Ward II Marshal's Office"), tx("Ward 3 Marshal's Office"),
                        tx("Harris County Constable Precinct Four")]) == ["agreement_removed"]
    # The same agency re-spelled keeps its number: still one agreement.
    assert store.types([tx("Harris County Constable Pct. 2"), tx("Harris County Constable Precinct 5"),
                        tx("Township 1 Police Dept"), tx("Township 25 Police Department"),
                        tx("Ward II Marshal's Office"), tx("Ward 3 Marshal's Office"),
                        tx("Harris County Constable Precinct 4th")]) == ["agreement_changed"] * 3


def test_in_a_long_list_a_misspelt_repeat_is_a_duplicate_and_a_new_agency_is_added():
    store = Store()
    towns = [rec(f"{name} Police Department") for name in (
        "Indialantic", "Hillsborough", "Apopka", "Ocala", "Belleview", "Dunnellon", "Edgewood", "Kissimmee")]
    many = towns + [rec(f"Town {i} Police Department") for i in range(120)]
    store.publish(many)
    events = store.publish([*many, rec("Indiatlantic Police Department"), rec("Hillsbrough Police Department"),
                            rec("Ocalla Police Department"), rec("Belview Police Department"),
                            rec("Town 121 Police Department"), rec("Melbourne Police Department")])
    assert sorted(e["agency"] for e in events if e["type"] == "agreement_added") == [
        "Belview Police Department", "Melbourne Police Department", "Town 121 Police Department"]
