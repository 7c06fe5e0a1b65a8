"""IDoc-XML: parsing, round trips with flat files, and safe handling of bad XML."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugins.erp_sap.idoc.definitions import DefinitionRegistry
from plugins.erp_sap.idoc.errors import IdocError
from plugins.erp_sap.idoc.flat import read_flat, render_flat
from plugins.erp_sap.idoc.xml import read_xml, render_xml

DATA = Path(__file__).parent / "data"


def parse(name: str) -> list:
    return list(read_xml((DATA / name).read_bytes(), name))


def test_matmas05_and_matmas03() -> None:
    pump, seals = parse("matmas05.xml")
    assert pump.message_type == "MATMAS" and pump.document_id == "0000000000552001"
    mara = pump.body[0]
    assert (mara.name, mara.fields["MATNR"], mara.fields["MTART"]) == ("E1MARAM", "000000000000100100", "FERT")
    assert [t.fields["MAKTX"] for t in mara.find("E1MAKTM")] == ["Kreiselpumpe KP-100", "Centrifugal pump KP-100"]
    ean = next(next(mara.find("E1MARMM")).find("E1MEANM"))
    assert ean.fields["EAN11"] == "4006381333931"
    assert seals.body[0].fields["MTART"] == "HAWA"
    (old,) = parse("matmas03.xml")
    assert old.control["IDOCTYP"] == "MATMAS03" and old.control["DOCREL"] == "46C"


def test_orders05_and_invoic02() -> None:
    (order,) = parse("orders05.xml")
    assert order.body[0].fields["BELNR"] == "0000004711"
    partners = [s for s in order.body if s.name == "E1EDKA1"]
    assert [p.fields["PARVW"] for p in partners] == ["AG", "WE"]
    assert partners[0].fields["NAME1"] == "Müller Maschinenbau GmbH"
    items = [s for s in order.body if s.name == "E1EDP01"]
    assert [i.fields["POSEX"] for i in items] == ["000010", "000020"]
    (invoice,) = parse("invoic02.xml")
    item = next(s for s in invoice.body if s.name == "E1EDP01")
    assert next(item.find("E1EDP26")).fields["BETRG"] == "1125.00"


@pytest.mark.parametrize("name", ["matmas05.xml", "matmas03.xml", "orders05.xml", "invoic02.xml"])
def test_round_trip_xml_flat_xml(name: str) -> None:
    registry = DefinitionRegistry()
    docs = list(read_xml((DATA / name).read_bytes(), name, registry))
    flat = render_flat(docs, registry)
    again = list(read_flat(flat, name, registry))
    assert [d.body for d in again] == [d.body for d in docs]
    assert render_xml(again, registry) == render_xml(docs, registry)
    assert [d.body for d in read_xml(render_xml(again, registry))] == [d.body for d in docs]


def test_malformed_xml_names_the_line() -> None:
    with pytest.raises(IdocError) as caught:
        parse("orders05_broken.xml")
    message = str(caught.value)
    assert "XML line 201" in message and "not well-formed" in message and "orders05_broken.xml" in message


def test_root_must_match_the_control_record() -> None:
    payload = (DATA / "matmas05.xml").read_bytes().replace(b"MATMAS05>", b"DEBMAS07>")
    with pytest.raises(IdocError, match="root element DEBMAS07 is neither IDOCTYP MATMAS05"):
        list(read_xml(payload))


def test_external_entities_are_refused_with_their_dtd() -> None:
    payload = b"""<?xml version="1.0"?>
<!DOCTYPE DEBMAS07 [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<DEBMAS07><IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><IDOCTYP>DEBMAS07</IDOCTYP><MESTYP>DEBMAS</MESTYP>
<DOCNUM>1</DOCNUM></EDI_DC40><E1KNA1M SEGMENT="1"><NAME1>&secret;</NAME1></E1KNA1M></IDOC></DEBMAS07>"""
    with pytest.raises(IdocError, match="XML with a DTD or entity declarations is refused") as caught:
        list(read_xml(payload))
    assert "root:" not in str(caught.value)


def test_not_idoc_xml() -> None:
    with pytest.raises(IdocError, match="no <IDOC> element"):
        list(read_xml(b"<html><body/></html>"))
