"""Versions that arrive out of order: the source's own modification time decides, and an
older version is recorded but never overwrites a newer one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.core.inbound.chunk import Posting
from hub.core.inbound.pipeline import Ingestor
from hub.core.mapping import load_mapping_set
from hub.core.masterdata import MasterDataService
from hub.core.masterdata.service import load
from hub.core.plugins.registry import CodecSpec
from hub.core.raw import RawDocument

TABLE = """\
system: shop
document_type: partner
format: json
inbound: [customer]
rules:
  - target: external_ids
    match: {system: shop}
    rules:
      - {target: id, source: id, required: true}
  - {target: kind, const: organisation}
  - {target: organisation_name, source: name, required: true}
"""


def _parse(payload: bytes, source: str) -> Iterator[RawDocument]:
    body = json.loads(payload, parse_float=Decimal)
    yield RawDocument("shop", "customer", str(body["id"]), "json", body, {"modified_at": body["updated_at"]},
                      source, payload, dedupe_key=f"{source}:{body['id']}:{body['updated_at']}")


@pytest.fixture
def ingestor(hub_engine: sa.Engine, tmp_path: Path) -> Ingestor:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "customer.yaml").write_text(TABLE, encoding="utf-8")
    posting = Posting("shop", load_mapping_set([tmp_path]), MasterDataService(hub_engine))
    return Ingestor(hub_engine, posting, [CodecSpec("json", _parse, accepts=lambda head, name: True)])


def _send(ingestor: Ingestor, name: str, updated_at: str, via: str = "webhook") -> tuple[str, str | None]:
    payload = json.dumps({"id": 7, "name": name, "updated_at": updated_at}).encode()
    [outcome] = ingestor.ingest(payload, via)
    return outcome.status, outcome.hub_id


def _name(ingestor: Ingestor, hub_id: str | None) -> str | None:
    with ingestor.engine.connect() as conn:
        return load(conn, hub_id or "").organisation_name  # type: ignore[attr-defined,no-any-return]


def test_an_older_version_arriving_late_is_recorded_but_changes_nothing(ingestor: Ingestor) -> None:
    # The update reached the hub before the create did.
    assert _send(ingestor, "Beta GmbH", "2026-12-01T10:05:00+00:00")[0] == "posted"
    status, hub_id = _send(ingestor, "Alpha GmbH", "2026-12-01T10:00:00Z")
    assert status == "stale" and _name(ingestor, hub_id) == "Beta GmbH"
    assert _send(ingestor, "Gamma GmbH", "2026-12-01T10:10:00+01:00")[0] == "stale"  # 09:10 UTC: older
    assert _send(ingestor, "Delta GmbH", "2026-12-01T11:00:00+00:00")[0] == "posted"
    # The same version again, by another way (a reconcile poll): nothing newer to apply.
    assert _send(ingestor, "Delta GmbH", "2026-12-01T11:00:00+00:00", via="poll")[0] == "stale"
    assert _name(ingestor, hub_id) == "Delta GmbH"


def test_a_modification_time_that_is_no_time_fails_the_document(ingestor: Ingestor) -> None:
    payload = json.dumps({"id": 7, "name": "Alpha GmbH", "updated_at": "yesterday"}).encode()
    [outcome] = ingestor.ingest(payload, "webhook")
    assert outcome.status == "failed"
    assert "control.modified_at" in (outcome.error or "") and "'yesterday'" in (outcome.error or "")
