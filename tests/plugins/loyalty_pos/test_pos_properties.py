"""Whatever arrives, the codecs and the mapping either make documents or refuse with a
``DocumentError``: never another exception, never a hang (each example has a deadline)."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
from pos_fixtures import DATA, MALFORMED, codecs, mappings, no_lookup

from hub.api import DocumentError
from plugins.loyalty_pos.rejected import Rejection
from plugins.loyalty_pos.shape import REJECTED

CODECS = codecs()
TABLE = mappings()
SAMPLES = [(DATA / name).read_bytes() for name in ("poslog60_day.xml", "poslog21_vendor_extensions.xml",
                                                   "poslog_old_names_no_namespace.xml")]
SAMPLES += [(MALFORMED / "truncated_resent.xml").read_bytes()]
SALE = json.loads((DATA / "transaction_sale.json").read_bytes())
CHECK = settings(max_examples=int(os.environ.get("HUB_FUZZ_EXAMPLES", "150")), deadline=timedelta(seconds=5),
                 database=None, suppress_health_check=[HealthCheck.too_slow])
"""150 examples in ``make test``; ``bench/fuzz.py`` runs many more through HUB_FUZZ_EXAMPLES."""


def settle(codec: str, payload: bytes) -> None:
    """Parse and map ``payload`` (a rejected transaction fails as its handler fails it);
    only DocumentError may stop either."""
    try:
        documents = list(CODECS[codec].parse(payload, "fuzz"))
    except DocumentError:
        return
    for document in documents:
        try:
            if document.message_type == REJECTED:
                raise Rejection(**document.body).error()
            else:
                TABLE.map_inbound(document, no_lookup)
        except DocumentError:
            continue


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A sample POSLog file with bytes deleted, inserted, replaced, or the tail cut."""
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["delete", "insert", "replace", "cut", "element"]))
        if action == "delete":
            del data[where:where + draw(st.integers(1, 40))]
        elif action == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=12))
        elif action == "replace" and where < len(data):
            data[where] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[where:]
        elif action == "element":
            name = draw(st.sampled_from([b"Quantity", b"Amount", b"SequenceNumber", b"EndDateTime", b"Tender",
                                         b"Total", b"LineItem", b"Sale", b"Return", b"BusinessDayDate"]))
            text = draw(st.sampled_from([b"", b"-1", b"abc", b"1e9", b"2024-13-45", b"&amp;", b"0", b"99999999999"]))
            data[where:where] = b"<" + name + b">" + text + b"</" + name + b">"
    return bytes(data)


@given(st.binary(max_size=3000))
@CHECK
def test_arbitrary_bytes_as_poslog(payload: bytes) -> None:
    settle("poslog", payload)


@given(mutated())
@CHECK
def test_mutated_poslog(payload: bytes) -> None:
    settle("poslog", payload)


@given(st.binary(max_size=2000))
@CHECK
def test_arbitrary_bytes_as_json(payload: bytes) -> None:
    settle("json", payload)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=12)
    | st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
PATHS = ["store", "business_day", "type", "status", "training", "ended_at", "currency", "total", "change", "lines",
         "tenders", "rewards", "taxes", "discounts", "extensions", "customer", "loyalty_card", "control_action"]
LINE_FIELDS = ["line", "kind", "quantity", "unit", "unit_price", "amount", "discounts", "taxes", "returned_from",
               "extensions", "gtin", "voided"]


@given(st.lists(st.tuples(st.sampled_from(PATHS + [f"lines.0.{f}" for f in LINE_FIELDS]), JSON_VALUES),
                min_size=1, max_size=5))
@CHECK
def test_mutated_json_transactions(changes: list[tuple[str, Any]]) -> None:
    data = json.loads(json.dumps(SALE))
    for path, value in changes:
        holder, key = data, path
        if path.startswith("lines.0."):
            holder, key = data["lines"][0] if isinstance(data.get("lines"), list) and data["lines"] else {}, path[8:]
        if isinstance(holder, dict):
            holder[key] = value
    settle("json", json.dumps(data, default=_exact).encode())


def _exact(value: object) -> str:
    assert isinstance(value, Decimal)
    return str(value)
