"""Field-level source priority of the golden record."""

from __future__ import annotations

from hub.core.masterdata.golden import SourcePolicy, apply_source
from hub.core.settings import SourcePriority

POLICY = SourcePolicy(
    SourcePriority(default=["erp_sap", "ecommerce"],
                   fields={"emails": ["ecommerce", "erp_sap"], "tax_numbers": ["erp_sap"]})
)


def test_higher_ranked_source_keeps_its_value() -> None:
    result = apply_source({"tax_numbers": ["A"]}, {"tax_numbers": "erp_sap"},
                          {"tax_numbers": ["B"]}, "ecommerce", POLICY)
    assert result.data["tax_numbers"] == ["A"] and result.changes == {}


def test_field_specific_order_overrides_the_default() -> None:
    result = apply_source({"emails": ["erp@x.de"]}, {"emails": "erp_sap"},
                          {"emails": ["shop@x.de"]}, "ecommerce", POLICY)
    assert result.data["emails"] == ["shop@x.de"]
    assert result.field_sources["emails"] == "ecommerce"
    assert result.changes == {"emails": {"old": ["erp@x.de"], "new": ["shop@x.de"]}}


def test_lower_ranked_source_fills_an_empty_field() -> None:
    result = apply_source({"tax_numbers": []}, {"tax_numbers": "erp_sap"},
                          {"tax_numbers": ["B"]}, "loyalty_pos", POLICY)
    assert result.data["tax_numbers"] == ["B"]


def test_equal_rank_means_the_newest_value_wins() -> None:
    result = apply_source({"city": "Köln"}, {"city": "erp_sap"}, {"city": "Bonn"}, "erp_sap", POLICY)
    assert result.data["city"] == "Bonn"


def test_inputs_are_not_mutated() -> None:
    data, sources = {"city": "Köln"}, {"city": "erp_sap"}
    apply_source(data, sources, {"city": "Bonn"}, "erp_sap", POLICY)
    assert data == {"city": "Köln"} and sources == {"city": "erp_sap"}
