"""A publication against what the store knows → change events. Pure: no database.

The rules of identity live in `storage.identity`; this module decides what each
match, leftover and duplicate means for a reader:

- matched, fields differ → `agreement_changed` (before/after hold only what changed);
  a new or changed MOA/addendum link → `moa_published` / `addendum_published`;
- a new row nobody matches → `agreement_added` (or `pending_added`), `was_pending`
  when the agency is, or recently was, on the pending list;
- a known agreement missing from the publication is only counted; after
  `removal_confirmations` consecutive good publications without it, `agreement_removed`
  dated by the first publication it was missing from. A pending entry that turns up as
  participating leaves at once with `reason: signed`;
- a known agreement that is a near-duplicate of one that was matched (ICE dropped a
  duplicate row) is merged into it with an `agreement_changed`, never a removal;
- the first publication of a list is a `baseline`: recorded, never alerted.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from storage.events import PublicationRef, make_event
from storage.identity import Facts, LazyFacts, NameIndex, match
from vocabulary import PARTICIPATING, PENDING, AgreementStatus, EventType

COMPARED = ("state", "agency", "agency_type", "county", "signed", "signed_raw")
WATCHED = (*COMPARED, "moa_url", "addendum_url")
RULE_NOTES = {
    "holder_change": "matched on county, model and signed date only: the agreement seems to have a new holder; "
                     "flagged for review",
    "state_correction": "same agency, model and signed date under another state: read as a state correction",
}


@dataclass
class Known:
    """An agreement (or pending entry) as the store knows it before this publication."""

    uid: str
    fields: dict
    status: str = AgreementStatus.ACTIVE
    missing_count: int = 0
    missing_since: str | None = None
    was_pending: bool = False
    first_seen: str | None = None  # publication time it was first listed: a signing says how long it was pending


@dataclass(slots=True)
class Upsert:
    uid: str
    fields: dict
    new: bool
    was_pending: bool = False
    reinstated: bool = False


@dataclass
class Diff:
    upserts: list[Upsert] = field(default_factory=list)
    missing: list[tuple[str, int, str]] = field(default_factory=list)  # uid, count, missing since
    removed: list[str] = field(default_factory=list)
    merged: list[tuple[str, str]] = field(default_factory=list)  # uid, into uid
    events: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def new_uid(pub: PublicationRef, fields: dict) -> str:
    seed = f"{pub.sha256}|{fields['state']}|{fields['model']}|{fields['agency']}"
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def diff_publication(
    known: Sequence[Known],
    records: Sequence[dict],
    pub: PublicationRef,
    *,
    removal_confirmations: int = 2,
    other_list: Sequence[Known] = (),
) -> Diff:
    """Everything that changes when `records` (one publication) replaces `known`.

    `other_list` is the other list's agreements: pending entries when diffing the
    participating list (for `was_pending`), participating ones when diffing pending
    (for `reason: signed`).
    """
    # Hundreds of thousands of small, long-lived objects: the cyclic collector would rescan
    # them again and again (half the time at 100,000 agreements) and find nothing to free.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _diff(known, records, pub, removal_confirmations, other_list)
    finally:
        if collecting:
            gc.enable()


def _diff(known: Sequence[Known], records: Sequence[dict], pub: PublicationRef, removal_confirmations: int,
          other_list: Sequence[Known]) -> Diff:
    result = Diff()
    if not any(k.status in (AgreementStatus.ACTIVE, AgreementStatus.REMOVED) for k in known):
        for fields in records:
            uid = new_uid(pub, fields)
            result.upserts.append(Upsert(uid, fields, new=True))
            result.events.append(make_event(EventType.BASELINE, uid, fields, pub))
        return result

    active = [k for k in known if k.status == AgreementStatus.ACTIVE]
    old_facts = LazyFacts([k.fields for k in active])
    new_facts = LazyFacts(records)
    matches = match(old_facts, new_facts)
    matched_new = {m.new for m in matches}

    participating = pub.kind == PARTICIPATING
    for m in matches:
        old, fields = active[m.old], records[m.new]
        result.upserts.append(Upsert(old.uid, fields, False, old.was_pending))
        if participating and old.fields != fields and (
                [old.fields.get(k) for k in WATCHED] != [fields.get(k) for k in WATCHED]):
            _changed(result, old, fields, pub, m.rule, m.review)

    kept_new = NameIndex(new_facts, by_model=True)
    kept_new.extend(sorted(matched_new))
    _merge_or_count_missing(result, active, old_facts, records, matches, kept_new, pub, removal_confirmations,
                            other_list)

    removed = {_key(k.fields): k for k in known if k.status == AgreementStatus.REMOVED}
    other_names = _names_of(other_list)
    for j, fields in enumerate(records):
        if j in matched_new:
            continue
        twin = kept_new.find(new_facts[j])
        if twin is not None:
            result.warnings.append(
                f"{fields['agency']} ({fields['state']} {fields['model']}) repeats {records[twin]['agency']}: "
                "treated as a duplicate row"
            )
            continue
        kept_new.add(j)
        facts = new_facts[j]
        back = removed.get((facts.state, facts.model, facts.key)) if removed else None
        if back is not None:
            result.upserts.append(Upsert(back.uid, fields, new=False, was_pending=back.was_pending, reinstated=True))
            result.events.append(make_event(_added(pub), back.uid, fields, pub, note="listed again after removal",
                                            was_pending=back.was_pending))
            continue
        request = other_names.find(new_facts[j]) if participating else None
        was_pending = request is not None
        uid = new_uid(pub, fields)
        result.upserts.append(Upsert(uid, fields, new=True, was_pending=was_pending))
        result.events.append(make_event(_added(pub), uid, fields, pub, was_pending=was_pending,
                                        pending_since=other_list[request].first_seen if was_pending else None))
    return result


def _added(pub: PublicationRef) -> str:
    return EventType.AGREEMENT_ADDED if pub.kind == PARTICIPATING else EventType.PENDING_ADDED


def _key(fields: dict) -> tuple[str, str, str]:
    facts = Facts.of(fields)
    return facts.state, facts.model, facts.key


def _changed(result: Diff, old: Known, fields: dict, pub: PublicationRef, rule: str, review: bool) -> None:
    """Events for an agreement whose row differs from what the store knows."""
    was = old.fields
    before = {k: was.get(k) for k in COMPARED if _differs(was.get(k), fields.get(k))}
    if before:
        after = {k: fields.get(k) for k in before}
        result.events.append(make_event(
            EventType.AGREEMENT_CHANGED, old.uid, fields, pub, before=before, after=after,
            extra_id=repr(sorted(after.items())), rule=rule, review=review or None,
            note=RULE_NOTES.get(rule), was_pending=old.was_pending,
        ))
    for link, kind in (("moa_url", EventType.MOA_PUBLISHED), ("addendum_url", EventType.ADDENDUM_PUBLISHED)):
        new_link = fields.get(link)
        if new_link and new_link != old.fields.get(link):
            result.events.append(make_event(
                kind, old.uid, fields, pub, before={link: old.fields.get(link)}, after={link: new_link},
                extra_id=new_link, was_pending=old.was_pending,
            ))


def _names_of(agreements: Sequence[Known]) -> NameIndex:
    """The other list's names, by state, for was_pending and reason: signed."""
    index = NameIndex(LazyFacts([k.fields for k in agreements]), by_model=False)
    index.extend(range(len(agreements)))
    return index


def _differs(a: object, b: object) -> bool:
    return (a or None) != (b or None)


def _merge_or_count_missing(result: Diff, active: Sequence[Known], old_facts: LazyFacts, records: Sequence[dict],
                            matches: Iterable, kept_new: NameIndex, pub: PublicationRef, confirmations: int,
                            other_list: Sequence[Known]) -> None:
    """Each known agreement nobody matched: a dropped duplicate of one that stays, or missing.

    A duplicate is found among the rows that matched (by their names in this publication),
    then traced back to the agreement that row matched.
    """
    owner = {m.new: m.old for m in matches}
    matched = set(owner.values())
    listed_others = [k for k in other_list if k.status == AgreementStatus.ACTIVE]
    other_names = _names_of(listed_others)
    for i, old in enumerate(active):
        if i in matched:
            continue
        twin = kept_new.find(old_facts[i])
        into = owner.get(twin) if twin is not None else None
        if into is not None and pub.kind == PARTICIPATING:
            kept = records[twin]
            result.merged.append((old.uid, active[into].uid))
            result.events.append(make_event(
                EventType.AGREEMENT_CHANGED, active[into].uid, kept, pub,
                before={"agency": old.fields["agency"]}, after={"agency": kept["agency"]},
                extra_id=f"merge:{old.uid}", rule="duplicate_dropped",
                note=f"ICE dropped a duplicate row ({old.fields['agency']}); one agreement remains",
            ))
            continue
        if into is not None:
            result.merged.append((old.uid, active[into].uid))
            continue
        count = old.missing_count + 1
        since = old.missing_since or pub.published_at or pub.detected_at
        agreement = other_names.find(old_facts[i]) if pub.kind == PENDING else None
        signed = agreement is not None
        if signed or count >= confirmations:
            result.removed.append(old.uid)
            kind = EventType.AGREEMENT_REMOVED if pub.kind == PARTICIPATING else EventType.PENDING_REMOVED
            result.events.append(make_event(
                kind, old.uid, old.fields, pub, removed_as_of=since, missing_from=count,
                reason="signed" if signed else None, was_pending=old.was_pending,
                pending_since=old.first_seen if signed else None,
                signed_as=listed_others[agreement].uid if agreement is not None else None,
            ))
        else:
            result.missing.append((old.uid, count, since))
