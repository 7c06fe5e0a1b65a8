"""Merging duplicate partners keeps both id sets and both histories."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.core.masterdata import MasterDataService
from hub.core.masterdata.merge import MergeError, combine
from hub.core.model.partner import Partner
from hub.core.store import documents


def test_combine_fills_gaps_and_unions_lists() -> None:
    merged = combine({"emails": ["a@x.de"], "title": None, "language": "de"},
                     {"emails": ["b@x.de", "a@x.de"], "title": "Dr.", "language": "en"})
    assert merged == {"emails": ["a@x.de", "b@x.de"], "title": "Dr.", "language": "de"}


def test_merge_repoints_ids_and_keeps_history(hub_engine: sa.Engine) -> None:
    service = MasterDataService(hub_engine)
    erp = service.upsert(Partner(kind="person", first_name="Eva", last_name="Schmidt",
                                 tax_numbers=[{"category": "VAT", "number": "DE1"}]), "erp_sap", "100")
    shop = service.upsert(Partner(kind="person", first_name="Eva", last_name="Schmidt",
                                  emails=["eva@schmidt.de"]), "ecommerce", "c-9")
    result = service.merge(erp.hub_id, shop.hub_id)
    assert result.version == 2 and result.changes["merged_from"] == shop.hub_id
    golden = service.get(erp.hub_id)
    assert golden.emails == ["eva@schmidt.de"]  # type: ignore[attr-defined]
    assert {(r.system, r.id) for r in golden.external_ids} == {("erp_sap", "100"), ("ecommerce", "c-9")}
    assert service.find("ecommerce", "partner", "c-9").hub_id == erp.hub_id
    with hub_engine.connect() as conn:
        loser = documents.get(conn, shop.hub_id)
        assert loser.merged_into == erp.hub_id
        assert [v.changes for v in documents.history(conn, shop.hub_id)][-1] == {"merged_into": erp.hub_id}
    # A later change from the shop lands on the survivor.
    later = service.upsert(Partner(kind="person", first_name="Eva", last_name="Schmidt",
                                   emails=["eva@new.de"]), "ecommerce", "c-9")
    assert later.hub_id == erp.hub_id and not later.created
    assert service.duplicate_pairs() == []


def test_merge_refuses_nonsense(hub_engine: sa.Engine) -> None:
    service = MasterDataService(hub_engine)
    a = service.upsert(Partner(kind="person", last_name="A"), "erp_sap", "1").hub_id
    b = service.upsert(Partner(kind="person", last_name="B"), "erp_sap", "2").hub_id
    with pytest.raises(MergeError, match="itself"):
        service.merge(a, a)
    service.merge(a, b)
    with pytest.raises(MergeError, match="already merged"):
        service.merge(a, b)
