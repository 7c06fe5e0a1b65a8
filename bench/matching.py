"""Accuracy of the hub's matching on seeded lists with known duplicates, beside Splink's.

Two cases, each on a list from ``hub.testing.people`` (persons and organisations, with
typos, swapped names, nicknames and initials, missing fields, street spellings, swapped
date digits, postal codes off by a digit, legal-form variants, and the hard
non-duplicates: households, twins, namesakes, firms in one building):

- **within the list**: every row is compared with the rows before it (as the import
  does batch by batch); the links are closed transitively into clusters and scored pair
  by pair against the true clusters;
- **against existing partners**: a list of which a share are sightings of existing
  partners; each row's best existing candidate is linked or not.

For each: blocking recall (true pairs among the candidates) and candidates per row;
precision, recall and F1 of the auto-links (probability >= link threshold) and of the
auto-links plus the review pairs; the share of rows sent to review. Then Splink (DuckDB
backend, the settings its documentation gives for person data, trained by EM) on the same
data in the same run. The machine is shared: seconds are indicative.

    python bench/matching.py --short          # 20,000 rows
    python bench/matching.py                  # 200,000 rows
    python bench/matching.py --rows 1000000   # the issue's size
    python bench/matching.py --short --baseline-keys old_duplicates.py   # blocking recall of other keys
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import resource
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parents[1])

from hub.core.matching.blocking import blocking_keys
from hub.core.matching.estimate import estimate
from hub.core.matching.find import CandidateIndex, Decision, best_match
from hub.core.matching.model import MatchModel, default_model
from hub.core.matching.record import MatchRecord
from hub.core.matching.settings import MatchingSettings
from hub.testing.people import Row, against_existing, within_list

Pair = tuple[int, int]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prf(true_positives: int, predicted: int, actual: int) -> dict[str, float]:
    precision = true_positives / predicted if predicted else 1.0
    recall = true_positives / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def cluster_pairs(edges: Iterable[Pair]) -> set[Pair]:
    """Every pair of rows in one cluster, the clusters being the edges' connected parts."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        parent[root(a)] = root(b)
    groups: dict[int, list[int]] = {}
    for x in parent:
        groups.setdefault(root(x), []).append(x)
    return {(a, b) for g in groups.values() for i, a in enumerate(sorted(g)) for b in sorted(g)[i + 1:]}


def true_pairs(rows: Sequence[Row]) -> set[Pair]:
    by_entity: dict[int, list[int]] = {}
    for i, row in enumerate(rows):
        by_entity.setdefault(row.entity, []).append(i)
    return {(a, b) for g in by_entity.values() for i, a in enumerate(g) for b in g[i + 1:]}


def records(rows: Sequence[Row]) -> list[MatchRecord]:
    return [MatchRecord.from_data(r.partner_data()) for r in rows]


KeysOf = Callable[[Row, MatchRecord], Iterable[Any]]


def ours_keys(row: Row, record: MatchRecord) -> Iterable[Any]:
    return blocking_keys(record)


def baseline_keys(path: Path) -> KeysOf:
    """The keys of another duplicates.py (e.g. today's: ``git show main:hub/core/masterdata/duplicates.py``)."""
    spec = importlib.util.spec_from_file_location("baseline_duplicates", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return lambda row, record: module.PartnerProfile.of(row.partner_data()).keys()


# -- ours -------------------------------------------------------------------------


def ours_within(rows: Sequence[Row], model: MatchModel, settings: MatchingSettings,
                keys_of: KeysOf = ours_keys, score: bool = True) -> dict[str, Any]:
    started = time.perf_counter()
    recs = records(rows)
    index = CandidateIndex()
    truth = true_pairs(rows)
    blocked: set[Pair] = set()
    candidates = 0
    links: list[Pair] = []
    reviews: list[Pair] = []
    for j, (row, record) in enumerate(zip(rows, recs, strict=True)):
        keys = list(keys_of(row, record))
        found = index.candidates(keys)
        candidates += len(found)
        blocked.update((i, j) for i in found if rows[i].entity == row.entity)
        if score:
            result = best_match(record, (), ((i, recs[i]) for i in sorted(found)), model, settings, j)
            if result.batch_row is not None and result.decision is Decision.link:
                links.append((result.batch_row, j))
            elif result.batch_row is not None and result.decision is Decision.review:
                reviews.append((result.batch_row, j))
        index.add(j, keys)
    out: dict[str, Any] = {"rows": len(rows), "true_pairs": len(truth),
                           "blocking_recall": round(len(blocked) / len(truth), 4),
                           "candidates_per_row": round(candidates / len(rows), 2)}
    if score:
        auto = cluster_pairs(links)
        loose = cluster_pairs(links + reviews)
        out.update({"auto": prf(len(auto & truth), len(auto), len(truth)),
                    "with_review": prf(len(loose & truth), len(loose), len(truth)),
                    "review_share": round(len(reviews) / len(rows), 4)})
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def ours_against(stored: Sequence[Row], rows: Sequence[Row], model: MatchModel, settings: MatchingSettings,
                 keys_of: KeysOf = ours_keys, score: bool = True) -> dict[str, Any]:
    started = time.perf_counter()
    stored_recs = records(stored)
    index = CandidateIndex()
    for i, (row, record) in enumerate(zip(stored, stored_recs, strict=True)):
        index.add(i, keys_of(row, record))
    existing = {row.entity: i for i, row in enumerate(stored)}
    known = sum(1 for row in rows if row.entity in existing)
    blocked = candidates = linked_right = linked = reviewed_right = reviewed = 0
    for row, record in zip(rows, records(rows), strict=True):
        found = index.candidates(keys_of(row, record))
        candidates += len(found)
        blocked += existing.get(row.entity, -1) in found
        if not score:
            continue
        result = best_match(record, (), ((i, stored_recs[i]) for i in sorted(found)), model, settings,
                            len(stored))
        right = result.batch_row is not None and stored[result.batch_row].entity == row.entity
        if result.decision is Decision.link:
            linked += 1
            linked_right += right
        elif result.decision is Decision.review:
            reviewed += 1
            reviewed_right += right
    out: dict[str, Any] = {"existing": len(stored), "rows": len(rows), "known_rows": known,
                           "blocking_recall": round(blocked / known, 4),
                           "candidates_per_row": round(candidates / len(rows), 2)}
    if score:
        out.update({"auto": prf(linked_right, linked, known),
                    "with_review": prf(linked_right + reviewed_right, linked + reviewed, known),
                    "review_share": round(reviewed / len(rows), 4)})
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


# -- Splink -----------------------------------------------------------------------


def splink_table(rows: Sequence[Row], offset: int = 0) -> Any:
    """The rows as Splink reads them; an organisation's name goes in ``surname``."""
    import pyarrow as pa

    def text(value: str) -> str | None:
        return value.lower() or None

    return pa.table({
        "unique_id": [offset + i for i in range(len(rows))],
        "first_name": [text(r.first_name) for r in rows],
        "surname": [text(r.last_name or r.organisation_name) for r in rows],
        "dob": [r.birth_date or None for r in rows],
        "postcode": [r.postal_code or None for r in rows],
        "city": [text(r.city) for r in rows],
        "email": [text(r.email) for r in rows],
    })


def splink_settings(link_type: str) -> Any:
    """Splink's documented settings for person data (its deduplication tutorial): name,
    date-of-birth, postcode and e-mail comparisons, city with term frequencies."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type=link_type,
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"), block_on("surname", "dob"), block_on("first_name", "dob"),
            block_on("postcode", "first_name"), block_on("postcode", "surname"), block_on("email"),
            block_on("substr(postcode,1,3)", "dob"),
            block_on("substr(first_name,1,2)", "substr(surname,1,2)", "substr(dob,1,4)"),
        ],
        comparisons=[
            cl.NameComparison("first_name"), cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True), cl.PostcodeComparison("postcode"),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True), cl.EmailComparison("email"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def splink_train_and_predict(tables: list[Any], link_type: str,
                             threshold: float) -> tuple[list[tuple[int, int, float]], float]:
    from splink import DuckDBAPI, Linker, block_on

    started = time.perf_counter()
    db_api = DuckDBAPI()
    frames = [db_api.register(t, dataset_display_name=f"t{i}") for i, t in enumerate(tables)]
    linker = Linker(frames if len(frames) > 1 else frames[0], splink_settings(link_type), log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("email")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    predicted = linker.inference.predict(threshold_match_probability=threshold)
    table = predicted.as_pyarrow_table() if hasattr(predicted, "as_pyarrow_table") else None
    if table is not None:
        edges = list(zip(table["unique_id_l"].to_pylist(), table["unique_id_r"].to_pylist(),
                         table["match_probability"].to_pylist(), strict=True))
    else:
        edges = [(r["unique_id_l"], r["unique_id_r"], r["match_probability"]) for r in predicted.as_record_dict()]
    return edges, time.perf_counter() - started


def splink_within(rows: Sequence[Row], settings: MatchingSettings) -> dict[str, Any]:
    edges, seconds = splink_train_and_predict([splink_table(rows)], "dedupe_only", settings.review_threshold)
    truth = true_pairs(rows)
    auto = cluster_pairs((a, b) for a, b, p in edges if p >= settings.link_threshold)
    loose = cluster_pairs((a, b) for a, b, _ in edges)
    return {"auto": prf(len(auto & truth), len(auto), len(truth)),
            "with_review": prf(len(loose & truth), len(loose), len(truth)),
            "best_f1_threshold": best_threshold(edges, truth), "seconds": round(seconds, 1)}


def best_threshold(edges: list[tuple[int, int, float]], truth: set[Pair]) -> dict[str, float]:
    """Splink's F1 at the threshold that suits it best (so our threshold is not its handicap)."""
    best = {"threshold": 0.0, "f1": 0.0}
    for threshold in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999):
        pairs = cluster_pairs((a, b) for a, b, p in edges if p >= threshold)
        scored = prf(len(pairs & truth), len(pairs), len(truth))
        if scored["f1"] > best["f1"]:
            best = {"threshold": threshold, **scored}
    return best


def splink_against(stored: Sequence[Row], rows: Sequence[Row], settings: MatchingSettings) -> dict[str, Any]:
    offset = len(stored)
    edges, seconds = splink_train_and_predict([splink_table(stored), splink_table(rows, offset)], "link_only",
                                              settings.review_threshold)
    best: dict[int, tuple[float, int]] = {}
    for a, b, p in edges:
        stored_id, row_id = (a, b) if a < offset else (b, a)
        if row_id >= offset and stored_id < offset and p > best.get(row_id, (-1.0, 0))[0]:
            best[row_id] = (p, stored_id)
    existing = {row.entity for row in stored}
    known = sum(1 for row in rows if row.entity in existing)
    linked = linked_right = reviewed = reviewed_right = 0
    for row_id, (p, stored_id) in best.items():
        right = stored[stored_id].entity == rows[row_id - offset].entity
        if p >= settings.link_threshold:
            linked, linked_right = linked + 1, linked_right + right
        else:
            reviewed, reviewed_right = reviewed + 1, reviewed_right + right
    return {"auto": prf(linked_right, linked, known),
            "with_review": prf(linked_right + reviewed_right, linked + reviewed, known),
            "seconds": round(seconds, 1)}


# -- run --------------------------------------------------------------------------


def line(name: str, figures: dict[str, Any]) -> str:
    parts = [f"{name:<22}"]
    if "blocking_recall" in figures:
        parts.append(f"blocking recall {figures['blocking_recall']:.4f}, {figures['candidates_per_row']:5.2f} cand/row")
    if "auto" in figures:
        a, r = figures["auto"], figures["with_review"]
        parts.append(f"auto P {a['precision']:.4f} R {a['recall']:.4f} F1 {a['f1']:.4f}"
                     f" | +review P {r['precision']:.4f} R {r['recall']:.4f} F1 {r['f1']:.4f}")
    if "review_share" in figures:
        parts.append(f"review {figures['review_share']:.2%}")
    parts.append(f"{figures['seconds']} s")
    return "  ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--short", action="store_true", help="20,000 rows")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--no-splink", action="store_true", help="our figures only")
    parser.add_argument("--baseline-keys", type=Path, help="also measure the blocking recall of this duplicates.py")
    parser.add_argument("--weights", type=Path, help="a weights file instead of the shipped one")
    parser.add_argument("--train", type=Path, metavar="OUT",
                        help="estimate weights (u from random pairs, m by EM, no labels) on a list of"
                             " --rows rows of seed --seed + 7, write them to OUT and stop")
    args = parser.parse_args(argv)
    rows = 20_000 if args.short else args.rows
    model = MatchModel.load(args.weights) if args.weights else default_model()
    if args.train:
        started = time.perf_counter()
        trained = estimate(records(within_list(rows, args.seed + 7)), model)
        args.train.write_text(json.dumps(trained.as_dict(), indent=1) + "\n", encoding="utf-8")
        print(f"estimated weights on {rows:,} rows in {time.perf_counter() - started:.1f} s: {args.train}")
        return 0
    settings = MatchingSettings()
    started = time.perf_counter()
    within = within_list(rows, args.seed)
    stored, incoming = against_existing(rows, rows // 2, args.seed + 1)
    print(f"generated {len(within):,} rows (within) and {len(stored):,} existing + {len(incoming):,} rows (against)"
          f" in {time.perf_counter() - started:.1f} s; thresholds link {settings.link_threshold},"
          f" review {settings.review_threshold}")
    result: dict[str, Any] = {"bench": "matching", "rows": rows, "seed": args.seed}
    result["within"] = {"ours": ours_within(within, model, settings)}
    print(line("within / ours", result["within"]["ours"]))
    result["against"] = {"ours": ours_against(stored, incoming, model, settings)}
    print(line("against / ours", result["against"]["ours"]))
    if args.baseline_keys:
        keys = baseline_keys(args.baseline_keys)
        result["within"]["baseline_keys"] = ours_within(within, model, settings, keys, score=False)
        print(line("within / baseline keys", result["within"]["baseline_keys"]))
        result["against"]["baseline_keys"] = ours_against(stored, incoming, model, settings, keys, score=False)
        print(line("against / baseline keys", result["against"]["baseline_keys"]))
    if not args.no_splink:
        result["within"]["splink"] = splink_within(within, settings)
        print(line("within / splink", result["within"]["splink"]),
              f"(best F1 {result['within']['splink']['best_f1_threshold']})")
        result["against"]["splink"] = splink_against(stored, incoming, settings)
        print(line("against / splink", result["against"]["splink"]))
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(f"peak RSS {result['peak_rss_mb']} MB (both cases and Splink in one process; indicative, shared machine)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
