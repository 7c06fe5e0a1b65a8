"""Whatever lands in the archive, the codec answers with documents or a DocumentError,
never with another exception: arbitrary bytes, arbitrary JSON, and recorded envelopes
mutated field by field and byte by byte. What it parses, the tables map or refuse
with a hub error."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from shop_samples import body, shopify_envelope, woocommerce_envelope

from hub.api import DocumentError, HubError
from hub.core.mapping import MappingSet, load_mapping_set
from plugins.ecommerce.codecs import parse_envelope, poll_envelope
from plugins.ecommerce.plugin import MAPPINGS

SEEDS = [
    shopify_envelope("orders/create", "shopify/orders_create.json"),
    shopify_envelope("refunds/create", "shopify/refunds_create.json"),
    shopify_envelope("customers/update", "shopify/customers_update.json"),
    woocommerce_envelope("order.updated", "woocommerce/order_updated_completed.json"),
    woocommerce_envelope("order.deleted", "woocommerce/order_deleted.json"),
    poll_envelope("shopify", "eu", "orders", body("shopify/orders_page.json")),
    poll_envelope("woocommerce", "fr", "customers", body("woocommerce/customers_page.json")),
]
TABLES: MappingSet = load_mapping_set([MAPPINGS])
PROPERTY = settings(max_examples=int(os.environ.get("HUB_FUZZ_EXAMPLES", "150")), deadline=timedelta(seconds=5),
                    database=None, suppress_health_check=[HealthCheck.too_slow])
"""150 examples in ``make test``; ``bench/fuzz.py`` runs many more through HUB_FUZZ_EXAMPLES."""

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


def outcome(payload: bytes) -> None:
    """Parse, and map what parses; only hub errors may come out."""
    try:
        documents = parse_envelope(payload, "fuzz")
    except DocumentError:
        return
    for raw in documents:
        try:
            TABLES.map_inbound(raw, lambda *key: "bp_X")
        except HubError:
            pass


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*path, index))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _replace(value[head], rest, new)
    return copy


@PROPERTY
@given(st.binary(max_size=300))
def test_arbitrary_bytes(payload: bytes) -> None:
    outcome(payload)


@PROPERTY
@given(json_values, st.sampled_from(["crm-hub/shop-webhook/1", "crm-hub/shop-poll/1"]))
def test_arbitrary_json_with_an_envelope_marker(value: Any, marker: str) -> None:
    envelope = {"envelope": marker, **value} if isinstance(value, dict) else value
    outcome(json.dumps(envelope).encode())


@PROPERTY
@given(st.sampled_from(SEEDS), st.data())
def test_an_envelope_with_one_field_replaced(seed: bytes, data: st.DataObject) -> None:
    envelope = json.loads(seed)
    path = data.draw(st.sampled_from(_paths(envelope)[1:]))
    outcome(json.dumps(_replace(envelope, path, data.draw(json_values))).encode())


@PROPERTY
@given(st.sampled_from(SEEDS), st.data())
def test_a_body_with_one_value_replaced(seed: bytes, data: st.DataObject) -> None:
    envelope = json.loads(seed)
    shop_object = json.loads(envelope["body"])
    path = data.draw(st.sampled_from(_paths(shop_object)))
    envelope["body"] = json.dumps(_replace(shop_object, path, data.draw(json_values)))
    outcome(json.dumps(envelope).encode())


@PROPERTY
@given(st.sampled_from(SEEDS), st.data())
def test_an_envelope_with_its_bytes_cut_or_flipped(seed: bytes, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(seed) - 1))
    end = data.draw(st.integers(start, min(len(seed), start + 8)))
    patch = data.draw(st.binary(max_size=8))
    outcome(seed[:start] + patch + seed[end:])


@pytest.mark.parametrize("seed", SEEDS)
def test_the_seeds_themselves_parse(seed: bytes) -> None:
    assert parse_envelope(seed)


def test_a_line_item_id_that_is_no_id_is_left_to_the_mapping() -> None:
    """Found by fuzzing: an id that is a list made the item numbering fail with a TypeError."""
    envelope = json.loads(SEEDS[0])
    order = json.loads(envelope["body"])
    order["line_items"][0]["id"] = []
    order["fulfillments"] = [{"id": 1, "line_items": [{"id": {"x": 1}}]}]
    envelope["body"] = json.dumps(order)
    outcome(json.dumps(envelope).encode())
