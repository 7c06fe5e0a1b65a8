"""erp_sap runs the hub's conformance suite: both IDoc codecs and both transports to the ERP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from erp_fixtures import DATA, erp_runtime

from hub.api import CodecSpec, OutboundMessage, PluginContext
from hub.testing import samples
from hub.testing.conformance import check_codec, check_delivers, check_transport
from hub.testing.peer import RecordingPeer
from plugins.erp_sap.idoc.codec import IdocCodecs, codec_specs
from plugins.erp_sap.idoc_out import IdocTransport
from plugins.erp_sap.pos import PosTransport
from plugins.erp_sap.settings import ErpSapSettings
from plugins.erp_sap.simulator.masterdata import customer, product
from plugins.erp_sap.simulator.routes import ENDPOINT_PATH
from plugins.erp_sap.simulator.server import ErpSimulator
from plugins.erp_sap.transports import SoapOrderTransport

FLAT_SAMPLES = ("aleaud01_flat.txt", "debmas06_crlf.txt", "debmas07_nolinebreaks.txt", "debmas07_unicode.txt",
                "debmas07_zext_trimmed.txt", "invoic02_flat.txt", "orders05_flat.txt")
FLAT_MALFORMED = ("debmas07_datafirst.txt", "debmas07_hlevel.txt", "debmas07_nolinebreaks_truncated.txt",
                  "debmas07_segnum.txt", "debmas07_truncated.txt")
XML_SAMPLES = ("invoic02.xml", "matmas03.xml", "matmas05.xml", "orders05.xml")
XML_MALFORMED = ("orders05_broken.xml",)
TIMEOUT = 1.5
"""Seconds a transport waits for the recording peer: at 0.5 a loaded machine made plain answers time out."""


def _files(names: tuple[str, ...]) -> dict[str, bytes]:
    return {name: (DATA / name).read_bytes() for name in names}


def _codec(tmp_path: Path, name: str) -> CodecSpec:
    codecs = IdocCodecs.from_settings(ErpSapSettings(definitions_dir=tmp_path / "no_definitions"))
    [spec] = [spec for spec in codec_specs(codecs) if spec.name == name]
    return spec


def test_the_flat_idoc_codec_conforms(tmp_path: Path) -> None:
    check_codec(_codec(tmp_path, "idoc-flat"), _files(FLAT_SAMPLES), _files(FLAT_MALFORMED))


def test_the_idoc_xml_codec_conforms(tmp_path: Path) -> None:
    check_codec(_codec(tmp_path, "idoc-xml"), _files(XML_SAMPLES), _files(XML_MALFORMED))


@pytest.fixture
def context(sqlite_database_url: str, tmp_path: Path) -> Iterator[PluginContext]:
    runtime = erp_runtime(sqlite_database_url, tmp_path, timeout=TIMEOUT)
    try:
        yield runtime.plugin_context("erp_sap")
    finally:
        runtime.close()


def _pointed(context: PluginContext, **settings: object) -> PluginContext:
    return context.with_settings(context.settings_as(ErpSapSettings).model_copy(update=settings))


def _message(kind: str, doc_type: str, payload: dict[str, object]) -> OutboundMessage:
    return OutboundMessage(id=42, queue=f"erp_sap:{doc_type}:1", seq=1, system="erp_sap", kind=kind,
                           doc_type=doc_type, hub_id="so_01HZX00000000000000CONFRM", version=1, payload=payload,
                           idempotency_key="erp_sap:conformance#1", attempt=1)


ACKNOWLEDGEMENT = _message("aleaud", "aleaud", {"acknowledgements": [
    {"docnum": "0000000000471101", "status": "53", "message_type": "DEBMAS", "text": "posted"}]})


def _order() -> OutboundMessage:
    """A sales order whose partner and product already carry the simulator's ERP numbers."""
    data = samples.sales_order().model_dump(mode="json")
    data["partners"] = [{"function": "sold_to", "external_id": customer(0).number}]
    data["items"] = [{**item, "product_external_id": product(0).number} for item in data["items"]]
    return _message("upsert", "sales_order", {"data": data})


def test_the_idoc_http_transport_conforms(context: PluginContext, recording_peer: RecordingPeer) -> None:
    def build(url: str) -> IdocTransport:
        return IdocTransport(_pointed(context, idoc_url=f"{url}/sap/idoc"))

    # The IDoc port's answer says only "received"; the ERP's word comes as ALEAUD.
    check_transport(build, ACKNOWLEDGEMENT, recording_peer, timeout=TIMEOUT, outcomes={"garbage_body": "delivered"})
    [request] = recording_peer.requests
    assert request.method == "POST" and request.path == "/sap/idoc" and b"<ALEAUD01>" in request.body


def _soap(context: PluginContext) -> Callable[[str], SoapOrderTransport]:
    def build(url: str) -> SoapOrderTransport:
        return SoapOrderTransport(_pointed(context, endpoint=url + ENDPOINT_PATH))

    return build


def test_the_soap_order_transport_conforms(context: PluginContext, recording_peer: RecordingPeer) -> None:
    check_transport(_soap(context), _order(), recording_peer, timeout=TIMEOUT, success=None)


def test_the_soap_order_transport_delivers_to_the_simulator(context: PluginContext) -> None:
    with ErpSimulator() as sim:
        result = check_delivers(_soap(context)(sim.base_url), _order())
        assert result is not None and result.confirmed and len(sim.orders) == 1


def test_the_pos_transport_conforms_and_sends_a_receipt_as_wpubon(
        context: PluginContext, recording_peer: RecordingPeer) -> None:
    def build(url: str) -> PosTransport:
        return PosTransport(_pointed(context, idoc_url=f"{url}/sap/idoc", pos_channel="wpubon"))

    receipt = _message("upsert", "retail_transaction",
                       {"data": samples.retail_transaction().model_dump(mode="json")})
    check_transport(build, receipt, recording_peer, timeout=TIMEOUT, outcomes={"garbage_body": "delivered"})
    [request] = recording_peer.requests
    assert b"<WPUBON01>" in request.body and b"<SNDPRN>S042</SNDPRN>" in request.body


def test_the_wpuums_idoc_of_a_store_day_conforms(context: PluginContext, recording_peer: RecordingPeer) -> None:
    def build(url: str) -> IdocTransport:
        return IdocTransport(_pointed(context, idoc_url=f"{url}/sap/idoc"))

    day = _message("wpuums", "wpuums", {"totals": {
        "store": "S042", "day": "2024-05-18", "currency": "EUR", "receipts": ["rt_1"],
        "articles": {"4006381333931": {"quantity": "-1", "value": "-24.90"}}}})
    check_transport(build, day, recording_peer, timeout=TIMEOUT, outcomes={"garbage_body": "delivered"})
    [request] = recording_peer.requests
    assert b"<WPUUMS01>" in request.body and b"<VORZMENGE>-</VORZMENGE>" in request.body
