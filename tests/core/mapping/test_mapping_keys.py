"""A table names the key-map lookups it will make before mapping, so a chunk asks the store once."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.core.mapping import MappingSet, load_mapping_set
from hub.core.raw import RawDocument
from mapping_samples import lookup, order_raw, seg

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"


@pytest.fixture(scope="module")
def mappings() -> MappingSet:
    return load_mapping_set([MAPPINGS])


def test_order_keys_are_its_partners_after_the_rules_transforms(mappings):
    # sold-to (top level) and every partner (inside the E1EDKA1 group), ALPHA-converted
    # exactly as the mapping passes them to the lookup
    assert mappings.lookup_keys(order_raw()) == {
        ("erp_sap", "partner", "12345"), ("erp_sap", "partner", "12399"),
    }


def test_keys_are_exactly_what_the_mapping_looks_up(mappings):
    asked: set[tuple[str, str, str]] = set()

    def recording(system: str, object_type: str, external_id: str) -> str | None:
        asked.add((system, object_type, external_id))
        return lookup(system, object_type, external_id)

    raw = order_raw()
    raw.body.append(seg("E1EDKA1", PARVW="RE", PARTN="0000077777"))
    mappings.map_inbound(raw, recording)
    assert asked == mappings.lookup_keys(raw)


def test_a_value_the_pipeline_refuses_is_left_to_the_mapping(mappings):
    raw = order_raw()
    raw.body = [s for s in raw.body if s.name != "E1EDKA1"]
    raw.body.append(seg("E1EDKA1", PARVW="AG"))  # no partner number: nothing to look up
    assert mappings.lookup_keys(raw) == set()


def test_no_table_no_keys(mappings):
    raw = RawDocument("erp_sap", "NOSUCH", "1", "idoc", [])
    assert mappings.lookup_keys(raw) == set()


def test_tables_without_lookups_name_none(mappings):
    debmas = mappings.select("erp_sap", "DEBMAS")
    assert debmas.lookup_keys(RawDocument("erp_sap", "DEBMAS", "1", "idoc", [seg("E1KNA1M", KUNNR="1")])) == set()
