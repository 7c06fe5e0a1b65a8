"""A list of N prospects imported end to end against N existing partners: rows/s and peak RSS.

The people come from the seeded generator ``hub.testing.people`` (``against_existing``):
the hub's store is first filled with N existing persons (through the master-data
service, as an initial load would, so their match keys are stored), then a list of N
rows in the shipped trade_fair format is written, a tenth of its rows sightings of
existing persons with the errors real lists have (typos, nicknames and initials,
swapped names, street spellings, date digits, postcodes, missing fields), the rest new
people, households, twins and namesakes among them. ``hub import partners`` imports it
as a user would, in its own process: mapping, the duplicate check within the list and
against the store, partners created or linked through master data and the outbox, row
outcomes and cursor. Its wall time and peak RSS are what counts; how the sightings of
existing persons came out (linked to them, held for review, created anew) is printed
beside them.

    python bench/list_import.py            # 1,000,000 rows against 1,000,000 partners
    python bench/list_import.py --short    # 20,000 against 20,000

The machine is shared (2 cores, other work running): the figures are indicative.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The checkout this script lives in, not bench/, comes first (see bench/masterdata.py).
sys.path[0] = str(Path(__file__).resolve().parents[1])

import sqlalchemy as sa

from hub.core.gcpause import gc_paused
from hub.core.lists.listformat import SHIPPED_FORMATS
from hub.core.masterdata import Incoming, MasterDataService
from hub.core.model.partner import Partner
from hub.core.store import migrate
from hub.core.store.db import create_engine
from hub.testing.people import Row, against_existing

HUB = str(Path(sys.executable).parent / "hub")
COLUMNS = (SHIPPED_FORMATS / "trade_fair.csv").read_text(encoding="utf-8").splitlines()[0].split(";")


def _text_date(iso: str) -> str:
    """``YYYY-MM-DD`` as the list writes dates, ``DD.MM.YYYY`` (digits as they are: a
    swapped day and month stay an impossible date, which the import drops and reports)."""
    if not iso:
        return ""
    year, month, day = iso.split("-")
    return f"{day}.{month}.{year}"


def write_list(path: Path, rows: list[Row]) -> None:
    """The list file in the trade_fair format; row n has key L-n."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(COLUMNS)
        for n, r in enumerate(rows):
            writer.writerow([f"L-{n:08d}", "", r.first_name, r.last_name, _text_date(r.birth_date), r.street,
                             r.house_number, r.postal_code, r.city, r.country, r.email, r.phone, "", "", "", ""])


def fill_store(url: str, stored: list[Row]) -> float:
    """The existing partners, upserted as an initial load would (their match keys stored);
    partner n has the ERP id n."""
    engine = create_engine(url)
    migrate.upgrade(engine)
    service = MasterDataService(engine)
    started = time.perf_counter()
    for at in range(0, len(stored), 2000):
        with gc_paused():
            service.upsert_many([Incoming(Partner.model_validate({**r.partner_data(), "roles": ["sold_to"]}),
                                          "erp_sap", str(at + n)) for n, r in enumerate(stored[at:at + 2000])])
    engine.dispose()
    return time.perf_counter() - started


def accuracy(url: str, stored: list[Row], rows: list[Row]) -> dict[str, int]:
    """How the list's sightings of existing partners came out: linked to their partner,
    linked to another, held for review, or created anew."""
    entity_of_partner = {str(n): r.entity for n, r in enumerate(stored)}
    engine = create_engine(url)
    with engine.connect() as conn:
        erp = dict(conn.execute(sa.text("SELECT hub_id, external_id FROM key_map WHERE system = 'erp_sap'")).all())
        outcomes = conn.execute(sa.text("SELECT key, outcome, coalesce(matched_hub_id, hub_id) FROM list_import_rows"
                                        " WHERE list_name = 'bench'")).all()
    engine.dispose()
    known = {r.entity for r in stored}
    found = {"known": 0, "linked_right": 0, "linked_wrong": 0, "review_right": 0, "created_known": 0,
             "linked_new": 0}
    for key, outcome, hub_id in outcomes:
        entity = rows[int(key[2:])].entity
        matched = entity_of_partner.get(erp.get(hub_id, ""), None) if hub_id else None
        if entity in known:
            found["known"] += 1
            if outcome == "linked":
                found["linked_right" if matched == entity else "linked_wrong"] += 1
            elif outcome == "review" and matched == entity:
                found["review_right"] += 1
            elif outcome == "created":
                found["created_known"] += 1
        elif outcome == "linked" and matched is not None:
            found["linked_new"] += 1
    return found


def run_import(url: str, path: Path, folder: Path) -> tuple[dict[str, object], float, float, float]:
    """``hub import partners`` in its own process: its summary, wall seconds, CPU seconds
    and peak RSS (MB)."""
    env = {**os.environ, "HUB_DATABASE_URL": url, "HUB_MAPPINGS_DIR": str(folder / "mappings")}
    started = time.perf_counter()
    process = subprocess.run([HUB, "import", "partners", str(path), "--format", "trade_fair", "--list", "bench",
                              "--json"], env=env, cwd=folder, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if process.returncode not in (0, 1):
        raise SystemExit(f"hub import failed ({process.returncode}): {process.stderr[-2000:]}")
    # The only child this script waits for: its figures are the import's (ru_maxrss is KiB on Linux).
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return json.loads(process.stdout), seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--existing", type=int, default=None, help="existing partners (default: as many as rows)")
    parser.add_argument("--short", action="store_true", help="20,000 rows against 20,000 partners")
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: a SQLite file in a temporary folder)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    rows = 20_000 if args.short else args.rows
    stored = args.existing if args.existing is not None else rows
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
        existing, sightings = against_existing(stored, rows, args.seed, known_share=0.1, organisation_share=0.0)
        fill_seconds = fill_store(url, existing)
        path = folder / "list.csv"
        write_list(path, sightings)
        summary, seconds, cpu, peak = run_import(url, path, folder)
        found = accuracy(url, existing, sightings)
    result = {
        "bench": "list_import", "backend": url.split(":")[0], "rows": rows, "existing": stored,
        "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds), "cpu_seconds": round(cpu, 1),
        "rows_per_cpu_s": round(rows / cpu), "peak_rss_mb": round(peak, 1),
        "created": summary["created"], "linked": summary["linked"], "review": summary["review"],
        "failed": summary["failed"], **found, "fill_seconds": round(fill_seconds, 1),
    }
    print(f"stored {stored:,} partners first ({fill_seconds:.1f} s)")
    print(f"imported {rows:,} rows in {seconds:.1f} s: {result['rows_per_s']:,} rows/s end to end (process start,"
          f" mapping, duplicate check, master data, outbox), peak RSS {peak:.1f} MB")
    print(f"  {summary['created']:,} created, {summary['linked']:,} linked, {summary['review']:,} for review,"
          f" {summary['failed']:,} failed")
    print(f"  of {found['known']:,} rows that are existing partners (generator: hub.testing.people): "
          f"{found['linked_right']:,} linked to them, {found['linked_wrong']:,} to another, {found['review_right']:,}"
          f" held for review against them, {found['created_known']:,} created anew; {found['linked_new']:,} new"
          " people linked to someone")
    print(f"  the import's CPU time {cpu:.1f} s: {result['rows_per_cpu_s']:,} rows per CPU second (what a core of"
          " its own would give)")
    print("targets: >= 5,000 rows/s, peak RSS < 300 MB (machine shared: indicative)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
