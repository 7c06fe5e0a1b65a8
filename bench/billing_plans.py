"""Billing-plan execution: N service contracts with a date due today, requested from the
ERP by the contracts plugin's billing run; time until all are requested, and how many
were requested twice (must be 0).

"Requested" means what the billing run commits per date, in one transaction: the claim
row due -> requested, the billing request (a debit memo request) written through master
data, and its outbox message to the ERP queued. The ERP's side (the worker's SOAP calls)
is not timed. Setup writes the contracts through master data and their billing-plan rows
with the same function the plugin's subscription applies (not timed).

    python bench/billing_plans.py                 # 100,000 contracts on SQLite (target: < 10 minutes)
    python bench/billing_plans.py --short         # 10,000
    python bench/billing_plans.py --database-url postgresql://postgres@127.0.0.1:5432/bench

The machine is shared: figures are indicative.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

# The checkout this script lives in, not bench/, comes first.
sys.path[0] = str(Path(__file__).resolve().parents[1])
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "tests" / "plugins" / "contracts"))

from billing_setup import prepared_hub, tally

from plugins.contracts.billing import run_billing

TARGET_SECONDS = 600.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="10,000 contracts instead of 100,000")
    parser.add_argument("--contracts", type=int, default=None, help="how many contracts (overrides --short)")
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file in a temporary folder")
    args = parser.parse_args()
    count = args.contracts or (10_000 if args.short else 100_000)
    with tempfile.TemporaryDirectory(prefix="bench-billing-") as work:
        url = args.database_url or f"sqlite:///{Path(work) / 'hub.db'}"
        started = time.perf_counter()
        runtime = prepared_hub(url, str(Path(work) / "mappings"), count)
        setup = time.perf_counter() - started
        try:
            started = time.perf_counter()
            run = run_billing(runtime.plugin_context("contracts"))
            elapsed = time.perf_counter() - started
            counts = tally(runtime.engine)
        finally:
            runtime.close()
    backend = url.split(":", 1)[0]
    rate = counts["requested"] / elapsed if elapsed else 0.0
    met = counts["requested"] == count and counts["duplicates"] == 0 and elapsed * (100_000 / count) <= TARGET_SECONDS
    print(f"{count:,} service contracts due today on {backend} (setup {setup:.1f} s, not timed)")
    print(f"billing run: {counts['requested']:,} of {counts['dates']:,} dates requested in {elapsed:.1f} s"
          f" ({rate:,.0f}/s, {run.batches} batches); billing requests {counts['orders']:,},"
          f" ERP messages queued {counts['erp_messages']:,}, requested twice {counts['duplicates']}")
    print(f"target: 100,000 within {TARGET_SECONDS:.0f} s (scaled from this run: {elapsed * 100_000 / count:.0f} s):"
          f" {'met' if met else 'NOT met'}")
    print(json.dumps({"bench": "billing_plans", "backend": backend, "contracts": count, "dates": counts["dates"],
                      "requested": counts["requested"], "duplicates": counts["duplicates"],
                      "erp_messages": counts["erp_messages"], "seconds": round(elapsed, 2),
                      "per_second": round(rate, 1), "setup_seconds": round(setup, 1), "target_met": met}))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
