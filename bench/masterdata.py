"""Upsert N partners (duplicate check on) into a fresh SQLite hub; print partners/s and peak RSS.

Partners are realistic organisations and persons with addresses, e-mails, VAT numbers
and sales areas; about 2% are near-duplicates of earlier ones (same e-mail or VAT,
respelt name), so the duplicate check has real work to do. A second pass re-sends
the first 10% unchanged to measure no-op detection.

    python bench/masterdata.py            # 100,000 partners (the issue's figure)
    python bench/masterdata.py --short    # 10,000 partners
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

# The checkout this script lives in, not bench/, comes first: run from a second checkout
# (to compare two versions with one virtualenv), it measures that checkout's code.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from hub.core.gcpause import gc_paused
from hub.core.masterdata import Incoming, MasterDataService
from hub.core.model.partner import Partner
from hub.core.store import migrate
from hub.core.store.db import create_engine

CITIES = [("50667", "Köln"), ("10115", "Berlin"), ("80331", "München"), ("20095", "Hamburg"),
          ("60311", "Frankfurt am Main"), ("70173", "Stuttgart"), ("04109", "Leipzig")]
SYLLABLES = ["ka", "ro", "lin", "mar", "tes", "bur", "gen", "hal", "ster", "wal", "din", "ber", "ko",
             "lau", "nik", "ran", "sel", "tor", "vel", "zan", "mü", "ö", "am", "el", "fried", "hel"]
TRADES = ["Maschinenbau", "Logistik", "Elektro", "Bau", "Handel", "Software", "Metallbau", "Druck"]
FORMS = ["GmbH", "AG", "KG", "GmbH & Co. KG", "e.K."]
STREETS = ["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Industriestraße", "Ringstraße", "Lindenallee"]


def _company(n: int) -> str:
    """A unique, pronounceable company name for number ``n``."""
    parts = []
    value = n
    for _ in range(3):
        value, digit = divmod(value, len(SYLLABLES))
        parts.append(SYLLABLES[digit])
    word = "".join(parts).capitalize()
    return f"{word} {TRADES[(n // 17576) % len(TRADES)]}"


def partners(count: int, seed: int = 7) -> Iterator[tuple[str, Partner]]:
    """(external id, partner) pairs; deterministic for a seed."""
    rng = random.Random(seed)
    for n in range(count):
        postal, city = rng.choice(CITIES)
        name = _company(n)
        vat = f"DE{100000000 + n}"
        email = f"info{n}@example-{n % 997}.de"
        if n > 100 and rng.random() < 0.02:  # a near-duplicate of an earlier partner
            m = rng.randrange(n)
            name, vat, email = _company(m).replace("ü", "ue"), f"DE{100000000 + m}", email
        yield f"{n:010d}", Partner(
            kind="organisation", organisation_name=f"{name} {rng.choice(FORMS)}", language="de",
            roles=["sold_to", "bill_to"], emails=[email],
            addresses=[{"street": rng.choice(STREETS), "house_number": str(rng.randint(1, 200)),
                        "postal_code": postal, "city": city, "country": "DE"}],
            tax_numbers=[{"category": "VAT", "number": vat}],
            sales_areas=[{"sales_org": "1000", "distribution_channel": "10", "division": "00",
                          "currency": "EUR", "payment_terms": "ZB30", "incoterms": "FCA"}],
        )


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _upsert_all(service: MasterDataService, count: int, batch: int) -> tuple[float, float, list]:
    """Upsert ``count`` partners in batches; returns (upsert seconds, build seconds, results).

    Building the pydantic documents is the test harness's work (in the hub a mapping
    does it), so its time is taken off; everything else counts as upsert time,
    including the collector's passes between chunks.
    """
    build_seconds = 0.0
    results: list[tuple[bool, bool]] = []
    source = partners(count)
    started = time.perf_counter()
    while True:
        # As in the hub's initial load, the GC is paused while a chunk is built and
        # stored, and the chunk is gone before it resumes (see hub.core.gcpause).
        with gc_paused():
            building = time.perf_counter()
            pending = [Incoming(p, "erp_sap", x) for x, p in itertools.islice(source, batch)]
            build_seconds += time.perf_counter() - building
            done = [(r.changed, bool(r.duplicates)) for r in service.upsert_many(pending)]
            del pending
        if not done:
            return time.perf_counter() - started - build_seconds, build_seconds, results
        results.extend(done)


def run(count: int, batch: int, folder: Path) -> dict[str, object]:
    engine = create_engine(f"sqlite:///{folder / 'bench.db'}")
    migrate.upgrade(engine)
    service = MasterDataService(engine, duplicate_check=True)
    elapsed, build, results = _upsert_all(service, count, batch)
    flagged = sum(1 for _, duplicate in results if duplicate)
    resend = count // 10
    resend_elapsed, _, resent = _upsert_all(service, resend, batch)
    unchanged = sum(1 for changed, _ in resent if not changed)
    engine.dispose()
    return {
        "bench": "masterdata", "backend": "sqlite", "partners": count, "batch": batch,
        "seconds": round(elapsed, 2), "partners_per_s": round(count / elapsed),
        "build_seconds": round(build, 2), "flagged_duplicates": flagged,
        "resent_unchanged": unchanged, "resent": resend,
        "noop_per_s": round(resend / resend_elapsed), "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--short", action="store_true", help="10,000 partners")
    args = parser.parse_args(argv)
    count = 10_000 if args.short else args.count
    with tempfile.TemporaryDirectory() as folder:
        result = run(count, args.batch, Path(folder))
    print(f"upserted {result['partners']:,} partners in {result['seconds']} s: "
          f"{result['partners_per_s']:,} partners/s (duplicate check on, {result['flagged_duplicates']} flagged; "
          f"building the documents took another {result['build_seconds']} s)")
    print(f"re-sent {result['resent']:,} unchanged: {result['resent_unchanged']:,} detected as no-op, "
          f"{result['noop_per_s']:,}/s")
    print(f"peak RSS {result['peak_rss_mb']} MB")
    print(json.dumps(result))
    return 0 if result["resent_unchanged"] == result["resent"] else 1


if __name__ == "__main__":
    sys.exit(main())
