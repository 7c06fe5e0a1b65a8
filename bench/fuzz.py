"""Fuzz both IDoc codecs long: the properties of tests/plugins/erp_sap/test_idoc_fuzz.py, many examples.

Each property (arbitrary bytes, broken flat files, broken IDoc-XML, valid IDocs round
trip) runs ``--examples`` examples with a per-example deadline; the report shows how
many examples each ran, the failures Hypothesis found (shrunk, with the failing input)
and the time. ``--seed`` makes a run repeatable. The last line is JSON with every figure.

    .venv/bin/python bench/fuzz.py --short              # 500 examples per property
    .venv/bin/python bench/fuzz.py --examples 20000     # a long run
"""

from __future__ import annotations

import argparse
import json
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000, help="examples per property")
    parser.add_argument("--short", action="store_true", help="500 examples per property")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (default 0)")
    parser.add_argument("--deadline", type=float, default=5.0, help="seconds one example may take")
    parser.add_argument("--only", choices=sorted(PROPERTIES))
    args = parser.parse_args(argv)
    examples = 500 if args.short else args.examples
    figures: dict[str, Any] = {"bench": "fuzz", "examples_per_property": examples, "seed": args.seed}
    for name in [args.only] if args.only else list(PROPERTIES):
        result = run(name, examples, args.seed, args.deadline)
        for detail in result.pop("details"):
            print(f"--- {name}: failure\n{detail}", file=sys.stderr)
        print(f"{name:16} {result['examples']:>7} examples  {result['failures']} failures  {result['seconds']:7.1f} s")
        figures[name] = result
    figures["failures"] = sum(figures[name]["failures"] for name in PROPERTIES if name in figures)
    print(json.dumps(figures))
    return 1 if figures["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
