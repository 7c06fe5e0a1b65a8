"""Every document type: registered, sampled, and surviving a JSON round trip unchanged."""

from __future__ import annotations

import json
import random
import time

import pytest

from hub.core.errors import NotFoundError
from hub.core.model import DOCUMENT_TYPES, Document, document_class, new_hub_id
from hub.testing.samples import SAMPLES

EXPECTED_PREFIXES = {
    "partner": "bp", "product": "pr", "quotation": "qt", "sales_order": "so", "sales_contract": "sc",
    "service_contract": "svc", "billing_document": "bd", "loyalty_programme": "lp",
    "loyalty_membership": "lm", "point_transaction": "pt", "coupon": "cp", "retail_transaction": "rt",
    "delivery": "dl", "stock_level": "st",
}


def test_registry_holds_exactly_the_fourteen_types_with_their_prefixes() -> None:
    assert {name: cls.id_prefix for name, cls in DOCUMENT_TYPES.items()} == EXPECTED_PREFIXES
    for name, cls in DOCUMENT_TYPES.items():
        assert issubclass(cls, Document)
        assert cls.doc_type == name


def test_every_type_has_a_sample_builder() -> None:
    assert set(SAMPLES) == set(DOCUMENT_TYPES)


def test_document_class_finds_a_type_and_names_the_known_ones_when_it_cannot() -> None:
    assert document_class("sales_order").__name__ == "SalesOrder"
    with pytest.raises(NotFoundError) as info:
        document_class("salesorder")
    assert "'salesorder'" in str(info.value)
    assert "sales_order" in str(info.value) and "retail_transaction" in str(info.value)


@pytest.mark.parametrize("doc_type", sorted(EXPECTED_PREFIXES))
def test_json_round_trip_gives_the_same_document(doc_type: str) -> None:
    document = SAMPLES[doc_type]()
    assert isinstance(document, DOCUMENT_TYPES[doc_type])
    text = document.model_dump_json()
    again = DOCUMENT_TYPES[doc_type].model_validate_json(text)
    assert again == document
    assert again.model_dump_json() == text


@pytest.mark.parametrize("doc_type", sorted(EXPECTED_PREFIXES))
def test_json_has_no_float_for_any_exact_value(doc_type: str) -> None:
    def floats(value: object) -> list[float]:
        if isinstance(value, float):
            return [value]
        if isinstance(value, dict):
            return [f for v in value.values() for f in floats(v)]
        if isinstance(value, list):
            return [f for v in value for f in floats(v)]
        return []

    assert floats(json.loads(SAMPLES[doc_type]().model_dump_json())) == []


@pytest.mark.parametrize("doc_type", sorted(EXPECTED_PREFIXES))
def test_hub_ids_of_each_type_carry_its_prefix(doc_type: str) -> None:
    cls = DOCUMENT_TYPES[doc_type]
    hub_id = new_hub_id(cls.id_prefix)
    assert hub_id.startswith(f"{cls.id_prefix}_") and len(hub_id) == len(cls.id_prefix) + 27
    assert SAMPLES[doc_type]().hub_id.startswith(f"{cls.id_prefix}_")


def test_hub_ids_spell_time_and_randomness_in_crockford_base32_and_sort_by_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    digits = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

    def spelt(value: int) -> str:
        return "".join(digits[(value >> (5 * i)) & 31] for i in range(25, -1, -1))

    for millis, low in [(0, 0), (1_700_000_000_123, 2**80 - 1), (2**48 - 1, 12345), (1_790_000_000_000, 2**79 + 7)]:
        monkeypatch.setattr(time, "time", lambda millis=millis: millis / 1000)
        monkeypatch.setattr(random, "getrandbits", lambda bits, low=low: low)
        assert new_hub_id("bp") == f"bp_{spelt((millis << 80) | low)}"
    monkeypatch.undo()
    earlier = new_hub_id("bp")
    time.sleep(0.002)
    assert new_hub_id("bp") > earlier


def test_business_data_leaves_out_store_bookkeeping() -> None:
    order = SAMPLES["sales_order"]()
    stored = order.model_copy(update={"version": 7})
    assert stored.business_data() == order.business_data()
    assert "hub_id" not in order.business_data() and order.business_data()["order_date"] == "2024-05-06"


def test_every_document_class_is_known_by_its_type() -> None:
    """References check their target's type against the classes defined, which the
    registry lists; the two must agree."""
    from hub.core.model import DOCUMENT_TYPES, Document

    assert Document.known_types == set(DOCUMENT_TYPES)
