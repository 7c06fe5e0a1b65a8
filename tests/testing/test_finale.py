"""The demo's finale: the 360-degree view of the customer who bought in a web shop and
in a store, found in the hub's data; a landscape with both channels but no such
customer fails."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from hub.api import Document
from hub.testing import samples
from hub.testing.finale import show_finale
from hub.testing.live import LiveHub


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveHub]:
    installed = [ep.name for ep in metadata.entry_points(group="crm_hub.plugins")]
    monkeypatch.setenv("HUB_DISABLED_PLUGINS", ",".join(installed))
    with LiveHub(tmp_path / "hub", {}) as live:
        yield live


def _customers(hub: LiveHub) -> tuple[str, str]:
    """Hub ids of a shop customer (Anna Schmidt) and a wholesale customer."""
    anna, wholesale = hub.upsert([samples.person(hub_id=None, relationships=[]),
                                  samples.partner(hub_id=None, relationships=[])])
    return anna.hub_id, wholesale.hub_id


def _order(sold_to: str) -> Document:
    return samples.sales_order(hub_id=None, external_ids=[], references=[], sold_to_hub_id=sold_to,
                               partners=[{"function": "sold_to", "partner_hub_id": sold_to}])


def _receipt(customer: str) -> Document:
    return samples.retail_transaction(hub_id=None, customer_hub_id=customer, membership_hub_id=None,
                                      lines=[samples.retail_transaction().lines[1]])


def test_the_finale_shows_the_view_of_the_customer_with_an_order_and_a_receipt(
        hub: LiveHub, capsys: pytest.CaptureFixture[str]) -> None:
    anna, wholesale = _customers(hub)
    order, receipt, _ = hub.upsert([_order(anna), _receipt(anna), _order(wholesale)])
    assert show_finale(hub) == []
    shown = capsys.readouterr().out
    assert "Anna Schmidt ordered in a web shop and bought in a store" in shown
    assert f"$ hub partner show {anna}" in shown
    assert order.hub_id in shown and receipt.hub_id in shown
    assert "2 related document(s)" in shown


def test_orders_and_receipts_of_different_customers_fail_the_finale(
        hub: LiveHub, capsys: pytest.CaptureFixture[str]) -> None:
    anna, wholesale = _customers(hub)
    hub.upsert([_order(wholesale), _receipt(anna)])
    assert show_finale(hub) == ["no customer has both a web-shop order and a store receipt: the channels are not one"]
    assert "$ hub partner show" not in capsys.readouterr().out


def test_a_landscape_without_store_receipts_has_no_finale_to_fail(
        hub: LiveHub, capsys: pytest.CaptureFixture[str]) -> None:
    hub.upsert([_order(_customers(hub)[0])])
    assert show_finale(hub) == []
    assert "no customer of both" in capsys.readouterr().out
