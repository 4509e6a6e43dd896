"""Replay ICE's real May–June 2025 publications, in crawl order, through a local mirror.

Each step is one `scheduler.py once --only ice` against the files ICE served that day.
The events are compared with tests/fixtures/ice/expected_events.csv, written by hand by
reading the workbooks (see EXPECTED.md). Any extra or missing `agreement_added` or
`agreement_removed` fails the test; precision and recall are printed.
"""

from __future__ import annotations

import csv
import sqlite3
from collections import Counter

import pytest

from tests.support.tracker import FIXTURES, publish, run_cli

ICE = FIXTURES / "ice"
STRICT = ("agreement_added", "agreement_removed")
COMPARED = (*STRICT, "agreement_changed", "pending_added", "pending_removed")


def expected_by_step() -> dict[int, Counter]:
    steps: dict[int, Counter] = {}
    with open(ICE / "expected_events.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            note = row["note"].split("; ", 1)[0]
            reason = "signed" if note == "reason=signed" else None
            key = (row["type"], row["state"], row["agency"].strip(), row["model"], reason)
            steps.setdefault(int(row["seq"]), Counter())[key] += 1
    return steps


def happened(db_path, after_seq: int) -> tuple[Counter, int]:
    with sqlite3.connect(db_path) as db:
        rows = db.execute("select seq, type, json_extract(payload, '$.state'), json_extract(payload, '$.agency'),"
                          " json_extract(payload, '$.model'), json_extract(payload, '$.reason') from events "
                          "where seq > ? order by seq", (after_seq,)).fetchall()
    found = Counter((t, s, a.strip(), m, r) for _, t, s, a, m, r in rows if t in COMPARED)
    return found, max([after_seq, *(r[0] for r in rows)])


@pytest.mark.timeout(900)  # fifteen crawls in a row: under parallel workers on two cores, well past 300 s
def test_replay_of_real_publications_matches_a_careful_reader(mirror, tracker_env, tmp_path, capsys):
    expected = expected_by_step()
    totals = {kind: Counter() for kind in COMPARED}
    problems: list[str] = []
    last_seq = 0
    with open(ICE / "manifest.csv", newline="") as handle:
        manifest = list(csv.DictReader(handle))
    for step in manifest:
        seq = int(step["seq"])
        names = {kind: step[kind].split("_", 2)[2] for kind in ("participating", "pending")}
        publish(mirror, (ICE / "sheets" / step["participating"]).read_bytes(),
                (ICE / "sheets" / step["pending"]).read_bytes(), participating_name=names["participating"])
        result = run_cli(tracker_env, "once", "--only", "ice")
        assert result.returncode == 0, f"step {seq}: {result.stdout} {result.stderr[-2000:]}"
        found, last_seq = happened(tmp_path / "tracker.db", last_seq)
        want = expected.get(seq, Counter())
        for kind in COMPARED:
            got = Counter({k: v for k, v in found.items() if k[0] == kind})
            wanted = Counter({k: v for k, v in want.items() if k[0] == kind})
            totals[kind]["right"] += sum((got & wanted).values())
            totals[kind]["extra"] += sum((got - wanted).values())
            totals[kind]["missing"] += sum((wanted - got).values())
            for key in got - wanted:
                problems.append(f"step {seq}: unexpected {key}")
            for key in wanted - got:
                problems.append(f"step {seq}: missing {key}")

    with capsys.disabled():
        print("\nreplay of 15 real crawls: events against the hand-written list")
        for kind, count in totals.items():
            found = count["right"] + count["extra"]
            wanted = count["right"] + count["missing"]
            precision = count["right"] / found if found else 1.0
            recall = count["right"] / wanted if wanted else 1.0
            print(f"  {kind:18} expected {wanted:3}  found {found:3}  precision {precision:6.1%}  recall {recall:6.1%}")
        for line in problems:
            print("  " + line)
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        refused = db.execute("select filename, reason from publications where status = 'refused'").fetchall()
    assert refused == [], refused
    strict = [p for p in problems if any(f"'{kind}'" in p for kind in STRICT)]
    assert not strict, "\n".join(strict)
    assert not problems, "\n".join(problems)
