"""Fuzz every codec long: the properties of the tests, many examples.

IDoc flat and XML (tests/plugins/erp_sap/test_idoc_fuzz.py's properties, run here: arbitrary
bytes, broken flat files, broken IDoc-XML, valid IDocs round trip), then the web shops'
JSON envelopes and the stores' POSLog and JSON transactions (their property test files,
run by pytest with ``HUB_FUZZ_EXAMPLES`` examples per property and the same seed). Each
property runs ``--examples`` examples with a per-example deadline; the report shows how
many examples each ran, the failures Hypothesis found (shrunk, with the failing input)
and the time. ``--seed`` makes a run repeatable. The last line is JSON with every figure.

    .venv/bin/python bench/fuzz.py --short              # 500 examples per property
    .venv/bin/python bench/fuzz.py --examples 20000     # a long run
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The bench folder holds scripts named like standard modules (queue.py); with it on the
# path they would shadow them, so it goes. The properties live with the tests.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "plugins" / "erp_sap")]

from hypothesis import HealthCheck, given, seed, settings, strategies as st
from idoc_fuzzing import FLAT_SAMPLES, PARSERS, XML_SAMPLES, arbitrary, idocs, mutated, parses_or_refuses, round_trips


def _every_parser(payload: bytes) -> None:
    for parse in PARSERS.values():
        parses_or_refuses(payload, parse)


def _flat_parsers(payload: bytes) -> None:
    parses_or_refuses(payload, PARSERS["either"])
    parses_or_refuses(payload, PARSERS["flat"])


def _xml_parsers(payload: bytes) -> None:
    parses_or_refuses(payload, PARSERS["either"])
    parses_or_refuses(payload, PARSERS["xml"])


PROPERTIES: dict[str, tuple[st.SearchStrategy[Any], Callable[[Any], None]]] = {
    "arbitrary_bytes": (arbitrary(), _every_parser),
    "broken_flat": (mutated(FLAT_SAMPLES), _flat_parsers),
    "broken_xml": (mutated(XML_SAMPLES), _xml_parsers),
    "round_trip": (idocs(), round_trips),
}


def run(name: str, examples: int, random_seed: int, deadline: float) -> dict[str, Any]:
    """Run one property; the number of examples tried, the failure found (if any) and the time."""
    strategy, check = PROPERTIES[name]
    tried = 0

    @seed(random_seed)
    @settings(max_examples=examples, database=None, deadline=timedelta(seconds=deadline),
              suppress_health_check=list(HealthCheck), report_multiple_bugs=True)
    @given(strategy)
    def prop(value: Any) -> None:
        nonlocal tried
        tried += 1
        check(value)

    start = time.perf_counter()
    failures: list[str] = []
    try:
        prop()
    except BaseException as exc:  # a failure is the bench's finding, shown and counted
        if isinstance(exc, KeyboardInterrupt):
            raise
        found = exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,)
        failures = ["".join(traceback.format_exception(e)) for e in found]
    return {"examples": tried, "failures": len(failures), "seconds": round(time.perf_counter() - start, 1),
            "details": failures}


PROPERTY_FILES = {
    "shop_json": ROOT / "tests" / "plugins" / "ecommerce" / "test_ecommerce_codec_properties.py",
    "pos_poslog_json": ROOT / "tests" / "plugins" / "loyalty_pos" / "test_pos_properties.py",
}
"""Codecs whose properties stay in their test file (each with its own fixtures), run by pytest."""


def run_file(name: str, examples: int, random_seed: int) -> dict[str, Any]:
    """The property tests of one file with ``examples`` examples each: tests passed,
    failures (pytest's report of each on stderr) and the time."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--hypothesis-seed={random_seed}",
         "-k", "not seeds_themselves", str(PROPERTY_FILES[name])],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "HUB_FUZZ_EXAMPLES": str(examples)},
    )
    counts = {word: int(number) for number, word in re.findall(r"(\d+) (passed|failed|errors?)", done.stdout)}
    failures = counts.get("failed", 0) + counts.get("error", 0) + counts.get("errors", 0)
    if done.returncode not in (0, 1) or not counts:
        failures = max(failures, 1)
    return {"properties": counts.get("passed", 0) + failures, "examples_each": examples, "failures": failures,
            "seconds": round(time.perf_counter() - start, 1),
            "details": [done.stdout[-20_000:]] if failures else []}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000, help="examples per property")
    parser.add_argument("--short", action="store_true", help="500 examples per property")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (default 0)")
    parser.add_argument("--deadline", type=float, default=5.0, help="seconds one example may take")
    parser.add_argument("--only", choices=sorted(PROPERTIES) + sorted(PROPERTY_FILES))
    args = parser.parse_args(argv)
    examples = 500 if args.short else args.examples
    figures: dict[str, Any] = {"bench": "fuzz", "examples_per_property": examples, "seed": args.seed}
    for name in [args.only] if args.only else list(PROPERTIES) + list(PROPERTY_FILES):
        if name in PROPERTIES:
            result = run(name, examples, args.seed, args.deadline)
            tried = f"{result['examples']:>7} examples"
        else:
            result = run_file(name, examples, args.seed)
            tried = f"{result['properties']} properties x {examples} examples"
        for detail in result.pop("details"):
            print(f"--- {name}: failure\n{detail}", file=sys.stderr)
        print(f"{name:16} {tried}  {result['failures']} failures  {result['seconds']:7.1f} s")
        figures[name] = result
    figures["failures"] = sum(figures[name]["failures"] for name in [*PROPERTIES, *PROPERTY_FILES] if name in figures)
    print(json.dumps(figures))
    return 1 if figures["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
