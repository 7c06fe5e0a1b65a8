"""The generated inbound function of a table does exactly what its rules do one by one.

Every shipped erp_sap table and a JSON table are run both ways on realistic documents
and on every single-field mutation of them (field removed, blank, garbage, a negative
number, an unknown code): the canonical dicts must be equal, and a failure must name the
same canonical field, source location and reason, and the same missing reference.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mapping_samples import lookup, order_raw, seg
from test_mapping_formats import SHOP_PARTNER, customer

from hub.core.mapping import MappingSet, load_mapping_set
from hub.core.mapping.engine import MappingTable
from hub.core.mapping.steps import DocCtx, RuleFailure
from hub.core.raw import RawDocument, Segment

MAPPINGS = Path(__file__).resolve().parents[3] / "plugins" / "erp_sap" / "mappings"
VARIANTS = (None, "", "x?", "12.5-", "ZZ9")


@pytest.fixture(scope="module")
def erp() -> MappingSet:
    return load_mapping_set([MAPPINGS])


def outcome(table: MappingTable, raw: RawDocument, generated: bool) -> tuple[Any, ...]:
    root = table._adapter.root(copy.deepcopy(raw.body))
    ctx = DocCtx(root, raw.control, lookup)
    out: dict[str, Any] = {}
    try:
        if generated:
            table.inbound_function(root, out, ctx)
        else:
            for rule in table._inbound:
                rule(root, out, ctx)
    except RuleFailure as failure:
        return "failed", failure.location(), failure.reason, failure.missing
    return "mapped", out, ctx.notes


def segments(body: list[Segment]) -> Iterator[Segment]:
    for segment in body:
        yield segment
        yield from segments(segment.children)


def idoc_mutations(raw: RawDocument) -> Iterator[RawDocument]:
    """The document, then each field of each segment removed or replaced by each variant."""
    yield raw
    count = sum(len(s.fields) for s in segments(raw.body))
    for index in range(count):
        for variant in VARIANTS:
            body = copy.deepcopy(raw.body)
            field_segment, name = [(s, f) for s in segments(body) for f in list(s.fields)][index]
            if variant is None:
                del field_segment.fields[name]
            else:
                field_segment.fields[name] = variant
            yield RawDocument(raw.system, raw.message_type, raw.document_id, raw.format, body, raw.control)


def debmas() -> RawDocument:
    body = [seg("E1KNA1M", [
        seg("E1KNVVM", VKORG="1000", VTWEG="10", SPART="00", WAERS="EUR", ZTERM="Z042", INCO1="FCA"),
        seg("Z1KNA1X", ZZTIER="GOLD"),
    ], KUNNR="0000012345", NAME1="ACME", ANRED="Herr", NAME2="Ada", LAND1="DE", SPRAS="D", AUFSD="01",
        LIFSD="07")]
    return RawDocument("erp_sap", "DEBMAS", "1", "idoc", body, {"MESTYP": "DEBMAS"})


def matmas() -> RawDocument:
    body = [seg("E1MARAM", [
        seg("E1MAKTM", SPRAS="D", MAKTX="Pumpe", SPRAS_ISO="DE"),
        seg("E1MARMM", MEINH="KAR", UMREZ="12", UMREN="1"),
        seg("E1MARMM", MEINH="ST", UMREZ="1", UMREN="1"),
    ], MATNR="000000000000100100", MTART="ROH", MEINS="ST", BRGEW="1.250", GEWEI="KGM")]
    return RawDocument("erp_sap", "MATMAS", "2", "idoc", body, {"MESTYP": "MATMAS"})


@pytest.mark.parametrize("make", [lambda: order_raw(3), debmas, matmas], ids=["ORDERS", "DEBMAS", "MATMAS"])
def test_generated_erp_tables_match_their_rules_on_every_mutation(erp: MappingSet, make: Any) -> None:
    raw = make()
    table = erp.select_raw(raw)
    compared = failed = 0
    for variant in idoc_mutations(raw):
        expected = outcome(table, variant, generated=False)
        assert outcome(table, variant, generated=True) == expected, variant.body
        compared += 1
        failed += expected[0] == "failed"
    assert compared > 40 and 0 < failed < compared  # the mutations reach both outcomes


def test_multi_unit_order_reads_each_items_unit_for_its_schedule_lines(erp: MappingSet) -> None:
    raw = order_raw(2)
    items = [s for s in raw.body if s.name == "E1EDP01"]
    items[1].fields["MENEE"] = "KGM"
    order = erp.map_inbound(raw, lookup).document
    assert [(i.quantity.unit, [line.quantity.unit for line in i.schedule_lines]) for i in order.items] == [
        ("PCE", ["PCE"]), ("KGM", ["KGM"])]
    assert outcome(erp.select_raw(raw), raw, True) == outcome(erp.select_raw(raw), raw, False)


def test_generated_json_table_matches_its_rules(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "partner.yaml").write_text(SHOP_PARTNER, encoding="utf-8")
    (tmp_path / "values").mkdir()
    (tmp_path / "values" / "countries.csv").write_text("external,canonical\nUK,GB\n", encoding="utf-8")
    table = load_mapping_set([tmp_path]).select("shop", "customers/create")
    base = customer()
    documents = [base] + [{**base, key: variant} for key in base for variant in (None, "", 7, [], {"a": 1})]
    for body in documents:
        raw = RawDocument("shop", "customers/create", "77", "json", body)
        assert outcome(table, raw, generated=True) == outcome(table, raw, generated=False), body
