"""Accuracy of the matcher on a seeded generated list with known duplicates.

A small version of bench/matching.py: the floors sit a little below what the method
reaches on these lists, so a change that costs accuracy fails here.
"""

from __future__ import annotations

from collections import defaultdict

from hub.core.matching.blocking import blocking_keys
from hub.core.matching.find import CandidateIndex, Decision, best_match
from hub.core.matching.model import default_model
from hub.core.matching.record import MatchRecord
from hub.core.matching.settings import MatchingSettings
from hub.testing.people import Row, against_existing, within_list


def records(rows: list[Row]) -> list[MatchRecord]:
    return [MatchRecord.from_data(r.partner_data()) for r in rows]


def test_within_a_list_links_are_precise_and_find_most_duplicates() -> None:
    rows = within_list(4000, seed=11)
    recs, index, model, settings = records(rows), CandidateIndex(), default_model(), MatchingSettings()
    by_entity: dict[int, list[int]] = defaultdict(list)
    true_pairs = blocked = linked = linked_right = candidates = repeated = 0
    for j, (row, record) in enumerate(zip(rows, recs, strict=True)):
        keys = blocking_keys(record)
        found = index.candidates(keys)
        candidates += len(found)
        earlier = by_entity[row.entity]
        true_pairs += len(earlier)
        repeated += bool(earlier)
        blocked += sum(1 for i in earlier if i in found)
        result = best_match(record, (), ((i, recs[i]) for i in sorted(found)), model, settings, j)
        if result.decision is Decision.link:
            assert result.batch_row is not None
            linked += 1
            linked_right += rows[result.batch_row].entity == row.entity
        index.add(j, keys)
        earlier.append(j)
    assert blocked / true_pairs >= 0.97
    assert candidates / len(rows) <= 5
    assert linked_right / linked >= 0.99
    print(f"blocking {blocked / true_pairs:.4f}, precision {linked_right / linked:.4f},"
          f" recall {linked_right / repeated:.4f}")
    assert linked_right / repeated >= 0.92  # of the rows that have an earlier duplicate


def test_against_existing_partners_links_are_precise_and_find_most_known_rows() -> None:
    stored, rows = against_existing(4000, 2000, seed=12)
    stored_recs, index, model, settings = records(stored), CandidateIndex(), default_model(), MatchingSettings()
    for i, record in enumerate(stored_recs):
        index.add(i, blocking_keys(record))
    position = {row.entity: i for i, row in enumerate(stored)}
    known = sum(1 for row in rows if row.entity in position)
    linked = linked_right = reviewed = 0
    for row, record in zip(rows, records(rows), strict=True):
        found = index.candidates(blocking_keys(record))
        result = best_match(record, (), ((i, stored_recs[i]) for i in sorted(found)), model, settings, len(stored))
        if result.decision is Decision.link:
            linked += 1
            linked_right += result.batch_row == position.get(row.entity)
        reviewed += result.decision is Decision.review
    print(f"precision {linked_right / linked:.4f}, recall {linked_right / known:.4f}, review {reviewed / len(rows)}")
    assert linked_right / linked >= 0.995
    assert linked_right / known >= 0.97
    assert reviewed / len(rows) <= 0.03
