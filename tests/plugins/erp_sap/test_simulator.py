"""The ERP simulator: follow-up IDocs, inbound ORDERS05, master data streams, state, CLI."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from lxml import etree
from pydantic import SecretStr

from plugins.erp_sap.simulator import ErpSimulator, delivery, write_debmas, write_matmas
from plugins.erp_sap.simulator.cli import erp_sim
from plugins.erp_sap.simulator.delivery import FollowupTarget
from plugins.erp_sap.simulator.masterdata import customer
from plugins.erp_sap.soap import SalesArea, SalesOrderSoapClient

SAFE = etree.XMLParser(resolve_entities=False, no_network=True)
AREA = SalesArea("1000", "10", "00")


def order(hub_id: str, sold_to: str = "100002") -> dict:
    return {
        "hub_id": hub_id, "currency": "EUR", "order_date": "2025-03-01",
        "partners": [{"function": "sold_to", "external_id": sold_to}],
        "items": [
            {"item_number": 10, "product_external_id": "400001", "quantity": {"value": "3", "unit": "PCE"},
             "net_price": {"amount": "12.50", "currency": "EUR"}},
            {"item_number": 20, "product_external_id": "400005", "quantity": {"value": "2", "unit": "MTR"},
             "net_price": {"amount": "0.99", "currency": "EUR"}},
        ],
    }


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def parse(path: Path) -> etree._Element:
    return etree.fromstring(path.read_bytes(), SAFE)


def qualified(idoc: etree._Element, segment: str, qualifier_field: str, qualifier: str) -> etree._Element:
    return next(s for s in idoc.findall(segment) if s.findtext(qualifier_field) == qualifier)


@pytest.fixture()
def followup_dir(tmp_path: Path) -> Path:
    return tmp_path / "hub-port"


def test_followups_are_written_atomically_and_well_formed(followup_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    renames: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def watched_replace(src: str, dst: Path) -> None:
        source, target = Path(src), Path(dst)
        assert source.parent == followup_dir / "tmp" and target.parent == followup_dir / "in"
        assert not target.exists()
        etree.fromstring(source.read_bytes(), SAFE)  # complete before it becomes visible
        renames.append((source, target))
        real_replace(src, dst)

    monkeypatch.setattr(delivery.os, "replace", watched_replace)
    with ErpSimulator(followups=f"file:{followup_dir}") as sim:
        client = SalesOrderSoapClient(sim.wsdl_url, None, None, None, timeout=2, sales_area=AREA)
        erp_id = client.create_order(order("so_FOLLOW1")).erp_order_id
        wait_for(lambda: len(list((followup_dir / "in").glob("*.xml"))) == 3)
    assert [t.name.split("_")[0] for _, t in renames] == ["ORDRSP", "DESADV", "INVOIC"]
    assert list((followup_dir / "tmp").iterdir()) == []

    ordrsp_file = next((followup_dir / "in").glob("ORDRSP_*.xml"))
    root = parse(ordrsp_file)
    assert root.tag == "ORDERS05"
    idoc = root.find("IDOC")
    assert idoc.findtext("EDI_DC40/MESTYP") == "ORDRSP" and idoc.findtext("EDI_DC40/IDOCTYP") == "ORDERS05"
    assert idoc.findtext("E1EDK01/BELNR") == erp_id
    assert qualified(idoc, "E1EDK02", "QUALF", "001").findtext("BELNR") == "so_FOLLOW1"
    assert qualified(idoc, "E1EDK02", "QUALF", "002").findtext("BELNR") == erp_id
    items = idoc.findall("E1EDP01")
    assert [(i.findtext("POSEX"), i.findtext("E1EDP20/WMENG"), i.findtext("MENEE")) for i in items] == [
        ("10", "3", "PCE"), ("20", "2", "MTR")]
    assert items[0].find("E1EDP20/EDATU").text.isdigit()

    invoice = parse(next((followup_dir / "in").glob("INVOIC_*.xml"))).find("IDOC")
    assert invoice.findtext("EDI_DC40/IDOCTYP") == "INVOIC02"
    assert {p.findtext("PARVW") for p in invoice.findall("E1EDKA1")} >= {"RE", "RG", "AG"}
    assert qualified(invoice, "E1EDK02", "QUALF", "002").findtext("BELNR") == erp_id
    totals = {s.findtext("SUMID"): s.findtext("SUMME") for s in invoice.findall("E1EDS01")}
    net = Decimal("3") * Decimal("12.50") + Decimal("2") * Decimal("0.99")
    assert Decimal(totals["010"]) == net
    assert Decimal(totals["010"]) + Decimal(totals["005"]) == Decimal(totals["011"])
    # Tax per item, rounded per item (as SAP's pricing does), then summed.
    rate = Decimal("0.19") if customer(1).country == "DE" else Decimal("0")
    item_tax = [(Decimal(v) * rate).quantize(Decimal("0.01"), ROUND_HALF_UP) for v in ("37.50", "1.98")]
    assert Decimal(totals["005"]) == sum(item_tax)
    assert [i.findtext("E1EDP04/MWSBT") for i in invoice.findall("E1EDP01")] == [str(t) for t in item_tax]
    item_refs = [i.findtext("E1EDP02/BELNR") for i in invoice.findall("E1EDP01")]
    assert item_refs == [erp_id, erp_id]


def test_emit_followups_on_request_to_another_folder(tmp_path: Path) -> None:
    with ErpSimulator() as sim:
        client = SalesOrderSoapClient(sim.wsdl_url, None, None, None, timeout=2, sales_area=AREA)
        erp_id = client.create_order(order("so_EMIT1")).erp_order_id
        written = sim.emit_followups(erp_id, f"file:{tmp_path / 'out'}")
        assert [Path(p).parent for p in written] == [tmp_path / "out" / "in"] * 3
        with pytest.raises(KeyError, match="no sales order 0000000099"):
            sim.emit_followups("0000000099", f"file:{tmp_path}")
        answer = httpx.post(f"{sim.base_url}/sim/orders/{erp_id}/followups",
                            json={"target": f"file:{tmp_path / 'api'}"})
        assert answer.status_code == 200 and len(answer.json()["delivered"]) == 3


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, str | None, bytes]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, self.headers.get("Authorization"), body))
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture()
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"received": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/idoc", handler
    server.shutdown()
    server.server_close()


def test_followups_posted_over_http_with_basic_auth(receiver: tuple[str, type[_Receiver]]) -> None:
    url, handler = receiver
    target = FollowupTarget.parse(url, "ERPUSER", SecretStr("pw-123"))
    with ErpSimulator(followups=replace(target, retry_seconds=0.5)) as sim:
        client = SalesOrderSoapClient(sim.wsdl_url, None, None, None, timeout=2, sales_area=AREA)
        client.create_order(order("so_HTTP1"))
        wait_for(lambda: len(handler.received) == 3)
        handler.status = 500
        client.create_order(order("so_HTTP2"))
        wait_for(lambda: len(sim.followup_errors) == 1)
    expected = "Basic " + base64.b64encode(b"ERPUSER:pw-123").decode()
    assert [auth for _, auth, _ in handler.received[:3]] == [expected] * 3
    roots = [etree.fromstring(body, SAFE).tag for _, _, body in handler.received[:3]]
    assert roots == ["ORDERS05", "DELVRY05", "INVOIC02"]
    assert len(handler.received) > 4, "a 500 is tried again before the simulator gives up"
    assert "HTTP 500" in sim.followup_errors[0] and "pw-123" not in sim.followup_errors[0]


def test_a_followup_the_receiver_could_not_take_is_sent_again_until_it_can(
        receiver: tuple[str, type[_Receiver]]) -> None:
    url, handler = receiver
    handler.status = 503
    with ErpSimulator(followups=url) as sim:
        client = SalesOrderSoapClient(sim.wsdl_url, None, None, None, timeout=2, sales_area=AREA)
        client.create_order(order("so_DOWN1"))
        wait_for(lambda: len(handler.received) >= 2)
        handler.status = 200
        wait_for(lambda: [etree.fromstring(b, SAFE).tag for _, _, b in handler.received].count("INVOIC02") == 1)
    tags = [etree.fromstring(body, SAFE).tag for _, _, body in handler.received]
    assert tags[-3:] == ["ORDERS05", "DELVRY05", "INVOIC02"] and set(tags[:-3]) == {"ORDERS05"}
    assert sim.followup_errors == []


def test_a_request_load_reads_a_customer_the_erp_was_given(tmp_path: Path) -> None:
    with ErpSimulator(customer_count=5) as sim:
        sim.add_customer("0000099999", "CHF")
        answer = httpx.get(f"{sim.base_url}/sim/idocs/DEBMAS/99999")
        missing = httpx.get(f"{sim.base_url}/sim/idocs/DEBMAS/99998")
    assert answer.status_code == 200 and missing.status_code == 404
    idoc = etree.fromstring(answer.content, SAFE)
    assert idoc.findtext("IDOC/E1KNA1M/KUNNR") == "0000099999"
    assert idoc.findtext("IDOC/E1KNA1M/E1KNVVM/WAERS") == "CHF"


def orders05(docnum: str, buyer_id: str, sold_to: str = "0000100002") -> bytes:
    """An inbound ORDERS05 IDoc-XML written by hand, independent of the simulator's writer."""
    root = etree.Element("ORDERS05")
    idoc = etree.SubElement(root, "IDOC", BEGIN="1")

    def seg(parent: etree._Element, name: str, **fields: str) -> etree._Element:
        node = etree.SubElement(parent, name, SEGMENT="1")
        for key, value in fields.items():
            etree.SubElement(node, key).text = value
        return node

    seg(idoc, "EDI_DC40", TABNAM="EDI_DC40", DOCNUM=docnum, IDOCTYP="ORDERS05", MESTYP="ORDERS",
        SNDPOR="CRMHUB", SNDPRT="LS", SNDPRN="CRMHUB", RCVPOR="SAPERP", RCVPRT="LS", RCVPRN="ERPCLNT100")
    seg(idoc, "E1EDK01", CURCY="EUR", BSART="TA")
    for qualf, orgid in (("008", "1000"), ("007", "10"), ("006", "00")):
        seg(idoc, "E1EDK14", QUALF=qualf, ORGID=orgid)
    seg(idoc, "E1EDK03", IDDAT="002", DATUM="20250310")
    seg(idoc, "E1EDKA1", PARVW="AG", PARTN=sold_to)
    seg(idoc, "E1EDK02", QUALF="001", BELNR=buyer_id, DATUM="20250301")
    item = seg(idoc, "E1EDP01", POSEX="000010", MENGE="4.000", MENEE="PCE", VPREI="7.25")
    seg(item, "E1EDP19", QUALF="002", IDTNR="000000000000400003")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_inbound_orders05_is_stored_and_acknowledged(followup_dir: Path) -> None:
    with ErpSimulator(followups=f"file:{followup_dir}") as sim:
        answer = httpx.post(sim.idoc_url, content=orders05("0000000000004711", "so_IDOC1"))
        assert answer.status_code == 200
        stored = sim.state.order_for_buyer("so_IDOC1")
        assert stored is not None and stored.source == "idoc" and stored.inbound_docnum == "0000000000004711"
        assert stored.request.items[0].quantity == Decimal("4.000")
        wait_for(lambda: len(list((followup_dir / "in").glob("*.xml"))) == 4)  # ALEAUD, ORDRSP, DESADV, INVOIC
        again = httpx.post(sim.idoc_url, content=orders05("0000000000004711", "so_IDOC1"))
        assert again.status_code == 200 and stored.erp_id in again.text
        refused = httpx.post(sim.idoc_url, content=orders05("0000000000004712", "so_IDOC2", sold_to="0000999999"))
        assert refused.status_code == 200 and sim.state.order_for_buyer("so_IDOC2") is None
        wait_for(lambda: len(list((followup_dir / "in").glob("ALEAUD_*.xml"))) == 3)
        broken = httpx.post(sim.idoc_url, content=b"<ORDERS05><IDOC BEGIN='1'>")
        assert broken.status_code == 400 and "not well-formed" in broken.text
    audits = {}
    for path in (followup_dir / "in").glob("ALEAUD_*.xml"):
        idoc = parse(path).find("IDOC")
        state = idoc.find("E1ADHDR/E1STATE")
        audits.setdefault(state.findtext("DOCNUM"), []).append(
            (state.findtext("STATUS"), idoc.findtext("E1ADHDR/E1STATE/E1PRTOB/OBJKEY")))
    assert audits["0000000000004711"] == [("53", stored.erp_id)] * 2
    assert audits["0000000000004712"] == [("51", None)]
    assert len(list((followup_dir / "in").glob("ORDRSP_*.xml"))) == 1


def test_debmas_export_of_1000_customers_streams(tmp_path: Path) -> None:
    class Sink(io.RawIOBase):
        def __init__(self) -> None:
            self.sizes: list[int] = []
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, chunk: bytes) -> int:  # type: ignore[override]
            self.sizes.append(len(chunk))
            self.data += chunk
            return len(chunk)

    sink = Sink()
    stamp = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert write_debmas(sink, 1000, created=stamp) == 1000
    assert len(sink.sizes) > 100 and max(sink.sizes) < len(sink.data) / 50

    path = tmp_path / "debmas.xml"
    write_debmas(path, 1000, created=stamp)
    assert path.read_bytes() == bytes(sink.data), "same seed, same file"
    numbers, vat_ok = [], 0
    for _, idoc in etree.iterparse(str(path), tag="IDOC", resolve_entities=False, no_network=True):
        assert idoc.findtext("EDI_DC40/IDOCTYP") == "DEBMAS07"
        kna1 = idoc.find("E1KNA1M")
        numbers.append(kna1.findtext("KUNNR"))
        assert kna1.findtext("NAME1") and kna1.findtext("STRAS") and kna1.findtext("PSTLZ")
        assert kna1.find("E1KNVVM/E1KNVPM") is not None and kna1.findtext("E1KNVVM/WAERS")
        vat = kna1.findtext("STCEG")
        if vat.startswith("DE"):
            vat_ok += _german_check_digit_ok(vat)
        idoc.clear()
    assert numbers[0] == "0000100001" and len(set(numbers)) == 1000


def _german_check_digit_ok(vat: str) -> bool:
    """ISO 7064 MOD 11,10 as the Bundeszentralamt für Steuern publishes it."""
    assert re.fullmatch(r"DE\d{9}", vat), vat
    product = 10
    for digit in vat[2:10]:
        total = (int(digit) + product) % 10
        product = (2 * (total if total else 10)) % 11
    check = 11 - product
    assert (0 if check == 10 else check) == int(vat[10]), vat
    return True


def test_masterdata_served_over_http_in_chunks() -> None:
    with ErpSimulator() as sim:
        with httpx.stream("GET", sim.base_url + "/sim/idocs/DEBMAS?count=1000") as response:
            assert response.status_code == 200
            chunks = list(response.iter_raw())
        assert httpx.get(sim.base_url + "/sim/idocs/KNA1").status_code == 400
        products = etree.fromstring(httpx.get(sim.base_url + "/sim/idocs/MATMAS?count=3").content, SAFE)
    assert len(chunks) > 1
    assert len(etree.fromstring(b"".join(chunks), SAFE).findall("IDOC")) == 1000
    mara = products.find("IDOC/E1MARAM")
    assert {t.findtext("SPRAS_ISO") for t in mara.findall("E1MAKTM")} == {"DE", "EN"}
    assert mara.findtext("MEINS") == "ST" and mara.find("E1MARMM/UMREZ") is not None


def test_matmas_export(tmp_path: Path) -> None:
    assert write_matmas(tmp_path / "m.xml", 25) == 25
    root = parse(tmp_path / "m.xml")
    assert len(root.findall("IDOC/E1MARAM")) == 25


def test_state_file_keeps_orders_and_numbers(tmp_path: Path) -> None:
    state = tmp_path / "erp.json"
    with ErpSimulator(state_file=state) as sim:
        client = SalesOrderSoapClient(sim.wsdl_url, None, None, None, timeout=2, sales_area=AREA)
        first = client.create_order(order("so_STATE1")).erp_order_id
    with ErpSimulator(state_file=state) as sim:
        client = SalesOrderSoapClient(sim.wsdl_url, None, None, None, timeout=2, sales_area=AREA)
        assert client.create_order(order("so_STATE1")).erp_order_id == first
        assert client.create_order(order("so_STATE2")).erp_order_id == f"{int(first) + 1:010d}"
        assert sim.orders[first].request.items[1].price == Decimal("0.99")


def test_cli_exports(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(erp_sim, ["export-customers", "10", str(tmp_path / "c.xml")])
    assert result.exit_code == 0, result.output
    assert len(parse(tmp_path / "c.xml").findall("IDOC")) == 10
    result = runner.invoke(erp_sim, ["export-products", "5", str(tmp_path / "p.xml"), "--start", "5"])
    assert result.exit_code == 0, result.output
    assert parse(tmp_path / "p.xml").findtext("IDOC/E1MARAM/MATNR") == "000000000000400006"


def test_cli_serves_until_sigterm(tmp_path: Path) -> None:
    code = "from plugins.erp_sap.simulator.cli import erp_sim; erp_sim()"
    process = subprocess.Popen([sys.executable, "-c", code, "--port", "0", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        urls = json.loads(process.stdout.readline())
        assert httpx.get(urls["wsdl_url"]).status_code == 200
        process.terminate()
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
        process.stderr.close()
