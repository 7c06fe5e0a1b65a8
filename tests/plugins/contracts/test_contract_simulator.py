"""The simulated ERP's contract inbound over HTTP: a contract keeps its number when sent
again, ORDCHG changes it, and malformed or hostile IDocs are refused with a reason. A
release order names its contract per item (E1EDP02 qualifier 006): the ERP keeps it on
the item, and refuses a contract it does not have."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from plugins.erp_sap.simulator.masterdata import customer, product
from plugins.erp_sap.simulator.server import ErpSimulator


def _idoc(docnum: str, *, buyer: str = "sc_1", kind: str = "WK1", message: str = "ORDERS", end: str = "20271231",
          sold_to: str | None = "0000000001") -> bytes:
    party = f"<E1EDKA1 SEGMENT='1'><PARVW>AG</PARVW><PARTN>{sold_to}</PARTN></E1EDKA1>" if sold_to else ""
    return (f"<?xml version='1.0'?><ORDERS05><IDOC BEGIN='1'><EDI_DC40 SEGMENT='1'><DOCNUM>{docnum}</DOCNUM>"
            f"<MESTYP>{message}</MESTYP></EDI_DC40>"
            f"<E1EDK14 SEGMENT='1'><QUALF>012</QUALF><ORGID>{kind}</ORGID></E1EDK14>"
            f"<E1EDK03 SEGMENT='1'><IDDAT>019</IDDAT><DATUM>20260101</DATUM></E1EDK03>"
            f"<E1EDK03 SEGMENT='1'><IDDAT>020</IDDAT><DATUM>{end}</DATUM></E1EDK03>"
            f"{party}<E1EDK02 SEGMENT='1'><QUALF>001</QUALF><BELNR>{buyer}</BELNR></E1EDK02>"
            "</IDOC></ORDERS05>").encode()


def _release(docnum: str, buyer: str, contract: str | None) -> bytes:
    """An ORDERS05 of the simulator's first customer for 2 of its first material, naming ``contract``."""
    sold_to, area = customer(0).number, customer(0).sales_areas[0]
    reference = (f"<E1EDP02 SEGMENT='1'><QUALF>006</QUALF><BELNR>{contract}</BELNR><ZEILE>000010</ZEILE></E1EDP02>"
                 if contract is not None else "<E1EDP02 SEGMENT='1'><QUALF>006</QUALF></E1EDP02>")
    return (f"<?xml version='1.0'?><ORDERS05><IDOC BEGIN='1'><EDI_DC40 SEGMENT='1'><DOCNUM>{docnum}</DOCNUM>"
            "<MESTYP>ORDERS</MESTYP></EDI_DC40><E1EDK01 SEGMENT='1'><CURCY>EUR</CURCY></E1EDK01>"
            + "".join(f"<E1EDK14 SEGMENT='1'><QUALF>{q}</QUALF><ORGID>{v}</ORGID></E1EDK14>" for q, v in (
                ("008", area.sales_org), ("007", area.distribution_channel), ("006", area.division)))
            + f"<E1EDKA1 SEGMENT='1'><PARVW>AG</PARVW><PARTN>{sold_to}</PARTN></E1EDKA1>"
            f"<E1EDK02 SEGMENT='1'><QUALF>001</QUALF><BELNR>{buyer}</BELNR></E1EDK02>"
            f"<E1EDP01 SEGMENT='1'><POSEX>000010</POSEX><MENGE>2</MENGE><MENEE>PCE</MENEE>{reference}"
            f"<E1EDP19 SEGMENT='1'><QUALF>002</QUALF><IDTNR>{product(0).number}</IDTNR></E1EDP19></E1EDP01>"
            "</IDOC></ORDERS05>").encode()


@pytest.fixture
def sim() -> Iterator[ErpSimulator]:
    with ErpSimulator(port=0) as running:
        yield running


def test_a_contract_keeps_its_number_and_ordchg_changes_it(sim: ErpSimulator) -> None:
    first = httpx.post(sim.idoc_url, content=_idoc("1"))
    again = httpx.post(sim.idoc_url, content=_idoc("2"))
    changed = httpx.post(sim.idoc_url, content=_idoc("3", message="ORDCHG", end="20281231"))
    assert [r.status_code for r in (first, again, changed)] == [200, 200, 200]
    assert first.text == "1: contract 0040000001\n" and again.text == "2: contract 0040000001\n"
    [contract] = httpx.get(f"{sim.base_url}/sim/contracts").json()
    assert (contract["contract_type"], contract["valid_to"], contract["changes"]) == ("WK1", "2028-12-31", 1)


@pytest.mark.parametrize(("body", "reason"), [
    (_idoc("4", sold_to=None), "IDoc 4: missing E1EDKA1 PARVW AG PARTN"),
    (_idoc("5", end="20261332"), "IDoc 5: '20261332' is not a date YYYYMMDD"),
    (b"<?xml version='1.0'?><!DOCTYPE r [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;&a;'>]>"
     b"<ORDERS05><IDOC><EDI_DC40><DOCNUM>&b;</DOCNUM></EDI_DC40>"
     b"<E1EDK14><QUALF>012</QUALF><ORGID>WV</ORGID></E1EDK14></IDOC></ORDERS05>", "missing"),
    (_idoc("6")[:-20], "not well-formed"),
])
def test_malformed_and_hostile_contract_idocs_are_refused(sim: ErpSimulator, body: bytes, reason: str) -> None:
    answer = httpx.post(sim.idoc_url, content=body)
    assert answer.status_code == 400 and reason in answer.text
    assert httpx.get(f"{sim.base_url}/sim/contracts").json() == []


def test_a_release_order_keeps_its_contract_and_an_unknown_contract_is_refused(sim: ErpSimulator) -> None:
    assert httpx.post(sim.idoc_url, content=_idoc("1")).text == "1: contract 0040000001\n"
    taken = httpx.post(sim.idoc_url, content=_release("2", "so_1", "40000001"))
    assert taken.status_code == 200 and "sales order" in taken.text, taken.text
    [order] = httpx.get(f"{sim.base_url}/sim/orders").json()
    assert [(i["contract"], i["contract_item"]) for i in order["items"]] == [("0040000001", "000010")]
    unknown = httpx.post(sim.idoc_url, content=_release("3", "so_2", "40000009"))
    assert unknown.status_code == 200 and "Item 000010: contract 0040000009 does not exist" in unknown.text
    blank = httpx.post(sim.idoc_url, content=_release("4", "so_3", None))
    assert blank.status_code == 400 and "missing E1EDP02 QUALF 006 BELNR" in blank.text
    assert len(httpx.get(f"{sim.base_url}/sim/orders").json()) == 1
