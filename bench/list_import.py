"""A list of N prospects imported end to end against N existing partners: rows/s and peak RSS.

The hub's store is first filled with N existing persons (through the master-data
service, as an initial load would, so their match keys are stored). Then a list of N
rows in the shipped trade_fair format is written: a tenth of its rows are existing
partners again, respelt (typos, abbreviated streets, umlauts spelt out), a fiftieth
repeat an earlier row of the list, the rest are new people. ``hub import partners``
imports it as a user would, in its own process: mapping, the duplicate check within
the list and against the store, partners created or linked through master data and
the outbox, row outcomes and cursor. Its wall time and peak RSS are what counts.

    python bench/list_import.py            # 1,000,000 rows against 1,000,000 partners
    python bench/list_import.py --short    # 20,000 against 20,000

The machine is shared (2 cores, other work running): the figures are indicative.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

# The checkout this script lives in, not bench/, comes first (see bench/masterdata.py).
sys.path[0] = str(Path(__file__).resolve().parents[1])

from hub.core.gcpause import gc_paused
from hub.core.lists.listformat import SHIPPED_FORMATS
from hub.core.masterdata import Incoming, MasterDataService
from hub.core.model.partner import Partner
from hub.core.store import migrate
from hub.core.store.db import create_engine

HUB = str(Path(sys.executable).parent / "hub")
FIRST = ("Anna Maria Eva Lena Mia Emma Sophie Laura Julia Sarah Petra Sabine Claudia Andrea Monika Ursula Karin"
         " Max Paul Jonas Leon Felix Lukas Tim Jan Peter Michael Thomas Andreas Stefan Jürgen Klaus Wolfgang"
         " Dieter Uwe Frank Markus Tobias Florian Sebastian Alexander Daniel Martin Christian Matthias").split()
SYLLABLES = ("ber kal tor wen mar lin dorf hau sen rich bach feld mann stein berg hol ker rot gen schm "
             "mül web wag beck hoff koch rich kle wol schr neu schw zim bra krü hart lan").split()
STREETS = ("Hauptstraße Bahnhofstraße Gartenweg Ringstraße Lindenallee Schulstraße Bergstraße Kirchweg"
           " Waldstraße Dorfstraße Am Markt Mühlenweg Rosenstraße Birkenweg Friedhofstraße").split(" ")
CITIES = [("50667", "Köln"), ("10115", "Berlin"), ("80331", "München"), ("20095", "Hamburg"),
          ("60311", "Frankfurt am Main"), ("70173", "Stuttgart"), ("04109", "Leipzig"), ("01067", "Dresden")]
COLUMNS = (SHIPPED_FORMATS / "trade_fair.csv").read_text(encoding="utf-8").splitlines()[0].split(";")


def _surname(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _person(rng: random.Random, n: int) -> dict[str, str]:
    postal, city = rng.choice(CITIES)
    return {"first": rng.choice(FIRST), "last": _surname(rng), "born": f"{rng.randint(1940, 2004)}-"
            f"{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "street": rng.choice(STREETS),
            "number": str(rng.randint(1, 250)), "postal": f"{int(postal) + rng.randint(0, 90):05d}", "city": city,
            "email": f"p{n}@example-{n % 997}.de"}


def existing(count: int, seed: int) -> Iterator[tuple[str, Partner, dict[str, str]]]:
    rng = random.Random(seed)
    for n in range(count):
        p = _person(rng, n)
        yield f"{n:010d}", Partner(
            kind="person", first_name=p["first"], last_name=p["last"], birth_date=p["born"], roles=["sold_to"],
            emails=[p["email"]], addresses=[{"street": p["street"], "house_number": p["number"],
                                             "postal_code": p["postal"], "city": p["city"], "country": "DE"}]), p


def _respelt(rng: random.Random, p: dict[str, str]) -> dict[str, str]:
    q = dict(p)
    change = rng.randrange(3)
    if change == 0 and len(q["last"]) > 4:
        i = rng.randrange(1, len(q["last"]) - 1)
        q["last"] = q["last"][:i] + q["last"][i + 1] + q["last"][i] + q["last"][i + 2:]
    elif change == 1:
        q["street"] = q["street"].replace("straße", "str.")
    else:
        q["email"] = ""
    return q


def write_list(path: Path, count: int, existing_count: int, seed: int) -> dict[str, int]:
    """The list file; how many rows repeat an existing partner and an earlier row."""
    rng = random.Random(seed + 1)
    stored = iter(existing(existing_count, seed))
    planted = {"existing": 0, "within": 0}
    earlier: list[dict[str, str]] = []
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(COLUMNS)
        for n in range(count):
            roll = rng.random()
            if roll < 0.10:
                _, _, p = next(stored)  # the stored partners in order: each is repeated at most once
                p = _respelt(rng, p)
                planted["existing"] += 1
            elif roll < 0.12 and earlier:
                p = _respelt(rng, rng.choice(earlier))
                planted["within"] += 1
            else:
                p = _person(rng, existing_count + n)
                if len(earlier) < 50_000:
                    earlier.append(p)
            y, m, d = p["born"].split("-")
            writer.writerow([f"L-{n:08d}", "", p["first"], p["last"], f"{d}.{m}.{y}", p["street"], p["number"],
                             p["postal"], p["city"], "DE", p["email"], "", "", "", "", ""])
    return planted


def fill_store(url: str, count: int, seed: int) -> float:
    engine = create_engine(url)
    migrate.upgrade(engine)
    service = MasterDataService(engine)
    started = time.perf_counter()
    source = existing(count, seed)
    while True:
        with gc_paused():
            batch = [Incoming(p, "erp_sap", key) for key, p, _ in (next(source, (None, None, None))
                                                                  for _ in range(2000)) if key is not None]
            if not batch:
                break
            service.upsert_many(batch)
    engine.dispose()
    return time.perf_counter() - started


def run_import(url: str, path: Path, folder: Path) -> tuple[dict[str, object], float, float]:
    """``hub import partners`` in its own process: its summary, wall seconds and peak RSS (MB)."""
    env = {**os.environ, "HUB_DATABASE_URL": url, "HUB_MAPPINGS_DIR": str(folder / "mappings")}
    started = time.perf_counter()
    process = subprocess.run([HUB, "import", "partners", str(path), "--format", "trade_fair", "--list", "bench",
                              "--json"], env=env, cwd=folder, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if process.returncode not in (0, 1):
        raise SystemExit(f"hub import failed ({process.returncode}): {process.stderr[-2000:]}")
    # The only child this script waits for: its peak is the import's (ru_maxrss is KiB on Linux).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return json.loads(process.stdout), seconds, peak


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
        fill_seconds = fill_store(url, stored, args.seed)
        path = folder / "list.csv"
        planted = write_list(path, rows, stored, args.seed)
        summary, seconds, peak = run_import(url, path, folder)
    result = {
        "bench": "list_import", "backend": url.split(":")[0], "rows": rows, "existing": stored,
        "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds), "peak_rss_mb": round(peak, 1),
        "created": summary["created"], "linked": summary["linked"], "review": summary["review"],
        "failed": summary["failed"], "planted_existing": planted["existing"], "planted_within": planted["within"],
        "fill_seconds": round(fill_seconds, 1),
    }
    print(f"stored {stored:,} partners first ({fill_seconds:.1f} s)")
    print(f"imported {rows:,} rows in {seconds:.1f} s: {result['rows_per_s']:,} rows/s end to end (process start,"
          f" mapping, duplicate check, master data, outbox), peak RSS {peak:.1f} MB")
    print(f"  {summary['created']:,} created, {summary['linked']:,} linked, {summary['review']:,} for review,"
          f" {summary['failed']:,} failed; planted: {planted['existing']:,} existing partners respelt,"
          f" {planted['within']:,} repeats within the list")
    print("targets: >= 5,000 rows/s, peak RSS < 300 MB (machine shared: indicative)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
