"""Contracts the simulated ERP takes: ORDERS05 (and ORDCHG) of a contract document type.

An IDoc whose order type (E1EDK14 qualifier 012) is a contract type (WK1, WK2, KM, WV,
MV: sales document category G) creates or changes a contract instead of an order.
Fields read: DOCNUM and MESTYP; E1EDK02 QUALF 001 (the sender's contract id: a contract
sent again keeps its number); E1EDKA1 PARVW AG; E1EDK03 IDDAT 019/020 (validity); items
E1EDP01 POSEX/MENGE/MENEE with E1EDP19 QUALF 002. Contract numbers come from SAP's
usual range for contracts, 40000001 onwards; they live as long as the simulator runs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import date, datetime

from lxml import etree

from plugins.erp_sap.simulator.idocxml import safe_parser

CONTRACT_TYPES = frozenset({"WK1", "WK2", "KM", "WV", "MV"})
FIRST_NUMBER = 40000001


class ContractReadError(Exception):
    """A contract IDoc cannot be read; the text names IDoc, segment and field."""


@dataclass(frozen=True)
class Contract:
    """A contract as the ERP keeps it."""

    buyer_id: str
    contract_type: str
    sold_to: str
    valid_from: date | None
    valid_to: date | None
    items: tuple[tuple[str, str, str], ...]
    """(item, material, target quantity) per item."""
    erp_id: str = ""
    changes: int = 0


@dataclass(frozen=True)
class InboundContract:
    """One received contract IDoc."""

    docnum: str
    message_type: str
    contract: Contract


def _field(segment: etree._Element | None, name: str) -> str:
    value = segment.findtext(name) if segment is not None else None
    return value.strip() if value else ""


def _date(raw: str, where: str) -> date | None:
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y%m%d").date()
    except ValueError:
        raise ContractReadError(f"{where}: {raw!r} is not a date YYYYMMDD") from None


def _types(body: bytes) -> tuple[etree._Element, list[str]]:
    root = etree.fromstring(body, safe_parser())
    return root, [_field(s, "ORGID") for idoc in root.findall("IDOC")
                  for s in idoc.findall("E1EDK14") if _field(s, "QUALF") == "012"]


def is_contract(body: bytes) -> bool:
    """Whether an ORDERS IDoc-XML document carries contracts (by the first IDoc's type)."""
    try:
        _, types = _types(body)
    except etree.XMLSyntaxError:
        return False
    return bool(types) and types[0] in CONTRACT_TYPES


def parse_contracts(body: bytes) -> list[InboundContract]:
    """Every contract IDoc of the document; ContractReadError naming what is missing."""
    try:
        root = etree.fromstring(body, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise ContractReadError(f"IDoc-XML is not well-formed: {exc}") from None
    found = []
    for idoc in root.findall("IDOC"):
        control = idoc.find("EDI_DC40")
        docnum = _field(control, "DOCNUM")
        where = f"IDoc {docnum or '(no DOCNUM)'}"
        org = {_field(s, "QUALF"): _field(s, "ORGID") for s in idoc.findall("E1EDK14")}
        refs = {_field(s, "QUALF"): _field(s, "BELNR") for s in idoc.findall("E1EDK02")}
        dates = {_field(s, "IDDAT"): _field(s, "DATUM") for s in idoc.findall("E1EDK03")}
        parties = {_field(s, "PARVW"): _field(s, "PARTN") for s in idoc.findall("E1EDKA1")}
        missing = [n for n, v in (("EDI_DC40 DOCNUM", docnum), ("E1EDK02 QUALF 001 BELNR", refs.get("001")),
                                  ("E1EDKA1 PARVW AG PARTN", parties.get("AG")),
                                  ("E1EDK03 IDDAT 019 DATUM", dates.get("019"))) if not v]
        if missing:
            raise ContractReadError(f"{where}: missing {', '.join(missing)}")
        if org.get("012") not in CONTRACT_TYPES:
            raise ContractReadError(f"{where}: E1EDK14 QUALF 012 {org.get('012')!r} is no contract type")
        items = tuple((_field(p, "POSEX"), next((_field(s, "IDTNR") for s in p.findall("E1EDP19")
                                                  if _field(s, "QUALF") == "002"), ""), _field(p, "MENGE"))
                      for p in idoc.findall("E1EDP01"))
        contract = Contract(refs["001"], org["012"], parties["AG"], _date(dates.get("019", ""), where),
                            _date(dates.get("020", ""), where), items)
        found.append(InboundContract(docnum, _field(control, "MESTYP") or "ORDERS", contract))
    if not found:
        raise ContractReadError(f"root element {root.tag!r} holds no IDOC element")
    return found


class ContractBook:
    """The simulated ERP's contracts, by ERP number and by the sender's contract id."""

    def __init__(self) -> None:
        self._by_buyer: dict[str, Contract] = {}
        self._next = FIRST_NUMBER
        self._lock = threading.Lock()

    def save(self, inbound: InboundContract) -> tuple[Contract, bool]:
        """Create the contract, or change the one saved for its sender's id; (contract, created)."""
        with self._lock:
            known = self._by_buyer.get(inbound.contract.buyer_id)
            if known is None:
                saved = replace(inbound.contract, erp_id=f"{self._next:010d}")
                self._next += 1
                self._by_buyer[saved.buyer_id] = saved
                return saved, True
            if inbound.message_type == "ORDCHG":
                known = replace(inbound.contract, erp_id=known.erp_id, changes=known.changes + 1)
                self._by_buyer[known.buyer_id] = known
            return known, False

    def knows(self, erp_id: str) -> bool:
        """Whether a contract is saved under ``erp_id`` (a release order names it so)."""
        with self._lock:
            return any(c.erp_id == erp_id for c in self._by_buyer.values())

    def snapshot(self) -> dict[str, Contract]:
        """The contracts by ERP number (a copy)."""
        with self._lock:
            return {c.erp_id: c for c in self._by_buyer.values()}
