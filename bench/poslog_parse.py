"""Benchmark the POSLog codec: generate a day-end file of N transactions, parse it, map it.

Prints transactions per second for parsing alone and for parsing with the mapping
table, the peak RSS after the first tenth and at the end (flat memory shows as two
equal figures; the payload itself is in memory, as the codec contract hands it over),
and a JSON line. Usage: ``.venv/bin/python bench/poslog_parse.py [--count N] [--short]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The bench folder holds scripts named like standard modules (queue.py); with it on the
# path they would shadow them, so it goes.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from hub.api import DocumentError
from hub.core.mapping import load_mapping_set
from plugins.loyalty_pos.codecs import codec_specs
from plugins.loyalty_pos.plugin import MAPPINGS
from plugins.loyalty_pos.poslog.generate import write_day
from plugins.loyalty_pos.settings import LoyaltyPosSettings


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--count", type=int, default=100_000)
    options.add_argument("--short", action="store_true", help="20,000 transactions")
    args = options.parse_args()
    count = 20_000 if args.short else args.count
    parse = codec_specs(LoyaltyPosSettings(timezone="Europe/Berlin"))[0].parse
    table = load_mapping_set([MAPPINGS])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "day.xml"
        start = time.perf_counter()
        with path.open("wb") as out:
            write_day(out, count, seed=7)
        written = time.perf_counter() - start
        payload = path.read_bytes()
    peaks = []
    start = time.perf_counter()
    for number, _ in enumerate(parse(payload, "day.xml"), 1):
        if number == count // 10:
            peaks.append(_peak_mb())
    parsed = time.perf_counter() - start
    peaks.append(_peak_mb())
    start = time.perf_counter()
    failed = 0
    for document in parse(payload, "day.xml"):
        try:
            table.map_inbound(document, lambda *key: None, report_unmapped=False)
        except DocumentError:
            failed += 1
    mapped = time.perf_counter() - start
    figures = {"transactions": count, "file_mb": round(len(payload) / 2**20, 1), "write_s": round(written, 1),
               "parse_per_s": round(count / parsed), "parse_and_map_per_s": round(count / mapped),
               "failed": failed, "peak_rss_mb_at_tenth": round(peaks[0], 1), "peak_rss_mb_parsed": round(peaks[1], 1)}
    print(f"{count} transactions, {figures['file_mb']} MB of POSLog (written in {written:.1f} s)")
    print(f"parse: {figures['parse_per_s']} transactions/s; parse and map: {figures['parse_and_map_per_s']}/s;"
          f" {failed} failed")
    print(f"peak RSS after a tenth {peaks[0]:.1f} MB, after all {peaks[1]:.1f} MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
