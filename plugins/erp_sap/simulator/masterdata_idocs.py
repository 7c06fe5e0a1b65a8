"""DEBMAS07 and MATMAS05 IDoc-XML for initial loads, streamed in constant memory.

Segment and field names are SAP's (E1KNA1M/E1KNVVM/E1KNVPM, E1MARAM/E1MAKTM/E1MARMM),
in SAP's field order. Units in MATMAS are SAP internal codes (``ST``, ``KAR``), as an
SAP system sends them; translating them to ISO is the mapping table's job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO

from lxml import etree

from plugins.erp_sap.simulator.idocxml import (
    DEFAULT_PARTNERS,
    Partners,
    iter_chunks,
    new_idoc,
    segment,
    write_file,
    write_stream,
)
from plugins.erp_sap.simulator.masterdata import Customer, Product, customer, product


def debmas_idoc(cust: Customer, docnum: str, created: datetime | None = None,
                partners: Partners = DEFAULT_PARTNERS) -> etree._Element:
    """One DEBMAS07 IDoc carrying ``cust`` with its sales areas and partner functions."""
    idoc = new_idoc("DEBMAS07", "DEBMAS", docnum, created, partners)
    kna1 = segment(idoc, "E1KNA1M", [
        ("MSGFN", "005"), ("KUNNR", cust.number), ("ANRED", "Firma"), ("KTOKD", "0001"),
        ("LAND1", cust.country), ("NAME1", cust.name), ("ORT01", cust.city),
        ("PSTLZ", cust.postal_code), ("REGIO", cust.region), ("SORTL", cust.name[:10].upper()),
        ("SPRAS", cust.language_sap), ("STRAS", cust.street), ("TELF1", cust.phone),
        ("STCEG", cust.vat_id), ("SPRAS_ISO", cust.language_iso),
    ])
    for area in cust.sales_areas:
        knvv = segment(kna1, "E1KNVVM", [
            ("MSGFN", "005"), ("VKORG", area.sales_org), ("VTWEG", area.distribution_channel),
            ("SPART", area.division), ("VERSG", "1"), ("KALKS", "1"), ("KDGRP", "01"),
            ("INCO1", area.incoterms), ("INCO2", area.incoterms_location), ("WAERS", area.currency),
            ("KTGRD", "01"), ("ZTERM", area.payment_terms), ("VSBED", "01"),
        ])
        for function in ("AG", "RE", "RG", "WE"):
            segment(knvv, "E1KNVPM", [("MSGFN", "005"), ("PARVW", function), ("KUNN2", cust.number)])
    return idoc


def matmas_idoc(prod: Product, docnum: str, created: datetime | None = None,
                partners: Partners = DEFAULT_PARTNERS, price: Decimal | None = None) -> etree._Element:
    """One MATMAS05 IDoc carrying ``prod`` with German and English texts, its units and,
    in the extension segment Z1MVKEP (ZMATMAS), its sales price in sales area 1000/10
    (``price``, else the generated list price)."""
    idoc = new_idoc("MATMAS05", "MATMAS", docnum, created, partners)
    mara = segment(idoc, "E1MARAM", [
        ("MSGFN", "005"), ("MATNR", prod.number), ("ERSDA", "20240102"), ("MTART", prod.material_type),
        ("MBRSH", "M"), ("MATKL", prod.material_group), ("MEINS", prod.base_unit),
        ("BRGEW", prod.gross_weight), ("NTGEW", prod.net_weight), ("GEWEI", "KG"), ("SPART", "00"),
    ])
    for sap_lang, text, iso_lang in (("D", prod.description_de, "DE"), ("E", prod.description_en, "EN")):
        segment(mara, "E1MAKTM", [("MSGFN", "005"), ("SPRAS", sap_lang), ("MAKTX", text),
                                  ("SPRAS_ISO", iso_lang)])
    segment(mara, "E1MARMM", [("MSGFN", "005"), ("MEINH", prod.base_unit), ("UMREZ", 1), ("UMREN", 1)])
    for conv in prod.conversions:
        segment(mara, "E1MARMM", [("MSGFN", "005"), ("MEINH", conv.unit), ("UMREZ", conv.numerator),
                                  ("UMREN", conv.denominator)])
    segment(mara, "Z1MVKEP", [("KSCHL", "PR00"), ("VKORG", "1000"), ("VTWEG", "10"),
                              ("KBETR", price if price is not None else prod.list_price), ("KONWA", "EUR"),
                              ("KPEIN", "1"), ("KMEIN", prod.base_unit), ("DATAB", "20240101"), ("DATBI", "99991231")])
    return idoc


def _builders(kind: str, seed: int, start: int, created: datetime | None,
              partners: Partners) -> tuple[str, Callable[[int], etree._Element]]:
    stamp = created or datetime.now(UTC)
    if kind == "DEBMAS":
        return "DEBMAS07", lambda i: debmas_idoc(customer(start + i, seed), f"{start + i + 1:016d}",
                                                 stamp, partners)
    if kind == "MATMAS":
        return "MATMAS05", lambda i: matmas_idoc(product(start + i, seed), f"{start + i + 1:016d}",
                                                 stamp, partners)
    raise ValueError(f"unknown master data message type {kind!r}; use DEBMAS or MATMAS")


def write_debmas(target: str | Path | IO[bytes], count: int, *, seed: int = 1, start: int = 0,
                 created: datetime | None = None, partners: Partners = DEFAULT_PARTNERS) -> int:
    """Write ``count`` customers (from index ``start``) as one DEBMAS07 IDoc-XML file.

    ``target`` is a path or a binary file object. Streams: constant memory for any count.
    IDoc numbers are ``start + 1`` upwards. Returns the number of IDocs written.
    """
    return _write("DEBMAS", target, count, seed, start, created, partners)


def write_matmas(target: str | Path | IO[bytes], count: int, *, seed: int = 1, start: int = 0,
                 created: datetime | None = None, partners: Partners = DEFAULT_PARTNERS) -> int:
    """Write ``count`` materials (from index ``start``) as one MATMAS05 IDoc-XML file."""
    return _write("MATMAS", target, count, seed, start, created, partners)


def _write(kind: str, target: str | Path | IO[bytes], count: int, seed: int, start: int,
           created: datetime | None, partners: Partners) -> int:
    root, build = _builders(kind, seed, start, created, partners)
    if isinstance(target, (str, Path)):
        return write_file(target, root, count, build)
    return write_stream(target, root, count, build)


def iter_masterdata(kind: str, count: int, *, seed: int = 1, start: int = 0,
                    partners: Partners = DEFAULT_PARTNERS) -> Iterator[bytes]:
    """DEBMAS or MATMAS IDoc-XML as byte chunks, for a streamed HTTP response."""
    root, build = _builders(kind, seed, start, None, partners)
    return iter_chunks(root, count, build)
