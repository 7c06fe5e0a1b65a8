"""Helpers shared by the erp_sap port, acknowledgement, transport and loader tests.

Imported explicitly (no conftest): a hub on the test's database with the repository's
mapping tables and the erp_sap folders under the test's temporary directory, plus
small readers of the tables the tests check.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from lxml import etree

from hub.core.queue.tables import messages
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate
from hub.core.store.tables import InboundPayloadRow, KeyMapRow
from plugins.erp_sap.idoc.aleaud import Acknowledgement, parse_audit
from plugins.erp_sap.idoc.codec import IdocCodecs
from plugins.erp_sap.settings import ErpSapSettings

REPO = Path(__file__).resolve().parents[3]
MAPPINGS = REPO / "plugins" / "erp_sap" / "mappings"
DATA = Path(__file__).resolve().parent / "data"
PYTHON = sys.executable

inbound_payloads = InboundPayloadRow.__table__
key_map = KeyMapRow.__table__


def plugin_settings(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """The ``[plugins.erp_sap]`` table of a test hub: its folders under ``tmp_path``."""
    return {"inbound_dir": str(tmp_path / "in"), "outbound_dir": str(tmp_path / "out"),
            "definitions_dir": str(tmp_path / "idoc_definitions"), **overrides}


def erp_settings(database_url: str, tmp_path: Path, *, http: dict[str, Any] | None = None,
                 queue: dict[str, Any] | None = None, **overrides: Any) -> HubSettings:
    """Settings of a hub with the repository's mapping tables."""
    return HubSettings(database_url=database_url, mappings_dir=MAPPINGS, http=http or {}, queue=queue or {},
                       plugins={"erp_sap": plugin_settings(tmp_path, **overrides)})


def erp_runtime(database_url: str, tmp_path: Path, **kwargs: Any) -> HubRuntime:
    """A hub on a migrated database (see ``erp_settings`` for the arguments)."""
    runtime = HubRuntime(erp_settings(database_url, tmp_path, **kwargs))
    migrate.upgrade(runtime.engine)
    return runtime


def write_hub_toml(folder: Path, database_url: str, tmp_path: Path, **overrides: Any) -> Path:
    """A hub.toml for ``hub`` run as a subprocess in ``folder``."""
    lines = [f"database_url = {_toml(database_url)}", f"mappings_dir = {_toml(str(MAPPINGS))}", "",
             "[plugins.erp_sap]"]
    lines += [f"{key} = {_toml(value)}" for key, value in plugin_settings(tmp_path, **overrides).items()]
    path = folder / "hub.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def scalar(engine: sa.Engine, statement: Any) -> Any:
    """One value from a fresh connection (so it sees only committed data)."""
    with engine.connect() as conn:
        return conn.execute(statement).scalar()


def count_documents(engine: sa.Engine, doc_type: str) -> int:
    """Stored canonical documents of ``doc_type``."""
    return scalar(engine, sa.text("SELECT count(*) FROM documents WHERE doc_type = :t").bindparams(t=doc_type))


def archived_keys(engine: sa.Engine) -> Counter[str]:
    """How often each erp_sap dedupe key (``MESTYP:SNDPRN/SNDPOR/MANDT:DOCNUM``) is in the inbound archive."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(inbound_payloads.c.dedupe_key).where(inbound_payloads.c.system == "erp_sap"))
        return Counter(row.dedupe_key for row in rows)


def erp_numbers(engine: sa.Engine, object_type: str) -> Counter[str]:
    """How often each erp_sap external id of ``object_type`` is in the key map."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(key_map.c.external_id).where(
            key_map.c.system == "erp_sap", key_map.c.object_type == object_type))
        return Counter(row.external_id for row in rows)


def queue_rows(engine: sa.Engine, queue: str | None = None) -> list[Any]:
    """Queue messages (optionally of one queue) in id order."""
    query = sa.select(messages).order_by(messages.c.id)
    if queue is not None:
        query = query.where(messages.c.queue == queue)
    with engine.connect() as conn:
        return list(conn.execute(query))


def queued_acknowledgements(engine: sa.Engine) -> list[dict[str, Any]]:
    """Every acknowledgement of every queued ALEAUD message, in order."""
    return [ack for row in queue_rows(engine, "erp_sap:aleaud") for ack in row.payload["acknowledgements"]]


def read_audit(path: Path) -> list[Acknowledgement]:
    """The acknowledgements of an ALEAUD01 IDoc-XML file the hub wrote."""
    codecs = IdocCodecs.from_settings(ErpSapSettings(definitions_dir=path.parent / "no_definitions"))
    return [ack for raw in codecs.parse_file(path) for ack in parse_audit(raw)]


def set_field(xml: bytes, docnum: str, segment: str, field: str, value: str) -> bytes:
    """IDoc-XML with ``segment/field`` of IDoc ``docnum`` set to ``value`` (a bad value, say)."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    for idoc in root.findall("IDOC"):
        if idoc.findtext("EDI_DC40/DOCNUM") == docnum:
            idoc.find(f".//{segment}/{field}").text = value
            return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    raise AssertionError(f"no IDoc {docnum} in the test file")
