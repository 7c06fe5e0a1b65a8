"""A table names the key-map lookups it will make before mapping, so a chunk asks the store once."""

from __future__ import annotations

from pathlib import Path

import pytest
from mapping_samples import lookup, order_raw, seg

from hub.core.mapping import MappingSet, load_mapping_set
from hub.core.raw import RawDocument

MAPPINGS = Path(__file__).resolve().parents[3] / "plugins" / "erp_sap" / "mappings"


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


SHOP_ORDER = """\
system: shop
document_type: sales_order
format: json
inbound: [order]
rules:
  - {target: currency, source: currency, required: true}
  - {target: order_date, source: date, transform: iso_date, required: true}
  - {target: sold_to_hub_id, source: customer, lookup: partner, required: true}
  - target: items
    each: lines
    rules:
      - {target: item_number, source: n, required: true}
      - {target: product_hub_id, source: sku, lookup: product, lookup_system: "@sku_system", required: true}
      - {target: quantity.value, source: qty, required: true}
      - {target: quantity.unit, const: PCE}
"""


def _shop_tables(tmp_path: Path, table: str = SHOP_ORDER) -> MappingSet:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "order.yaml").write_text(table, encoding="utf-8")
    return load_mapping_set([tmp_path])


def _shop_order(sku_system: str | None) -> RawDocument:
    control = {"sku_system": sku_system} if sku_system else {}
    body = {"currency": "EUR", "date": "2026-12-01", "customer": "c7", "lines": [{"n": 1, "sku": "4711", "qty": 2}]}
    return RawDocument("shop", "order", "o1", "json", body, control)


def test_a_lookup_may_ask_the_key_map_of_the_system_a_control_field_names(tmp_path: Path) -> None:
    mappings = _shop_tables(tmp_path)
    raw = _shop_order("erp_sap")
    known = {("shop", "partner", "c7"): "bp_C7", ("erp_sap", "product", "4711"): "pr_4711"}
    assert mappings.lookup_keys(raw) == set(known)
    order = mappings.map_inbound(raw, lambda *key: known.get(key)).document
    assert order.items[0].product_hub_id == "pr_4711" and order.sold_to_hub_id == "bp_C7"


def test_a_control_field_that_names_no_system_is_a_clear_error(tmp_path: Path) -> None:
    mappings = _shop_tables(tmp_path)
    with pytest.raises(Exception, match="control field 'sku_system' names no system"):
        mappings.map_inbound(_shop_order(None), lambda *key: "bp_X")


def test_a_lookup_system_needs_a_lookup(tmp_path: Path) -> None:
    broken = SHOP_ORDER.replace("- {target: currency, source: currency, required: true}",
                                "- {target: currency, source: currency, lookup_system: erp_sap}")
    with pytest.raises(Exception, match="lookup_system names a system"):
        _shop_tables(tmp_path, broken)
