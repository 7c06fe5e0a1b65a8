"""The zeep client against the real ERP simulator on 127.0.0.1: success, redelivery, faults."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from lxml import etree
from pydantic import SecretStr

from hub.core.errors import PermanentError, TransientError
from hub.testing.peer import Answer, RecordingPeer
from plugins.erp_sap.settings import DEFAULT_WSDL
from plugins.erp_sap.simulator import ErpSimulator
from plugins.erp_sap.soap import OrderPayloadError, SalesArea, SalesOrderSoapClient, build_request

AREA = SalesArea("1000", "10", "00")
_counter = iter(range(1, 1_000_000))


def order_data(sold_to: str = "100002", product: str = "400001", **extra: object) -> dict:
    """A canonical sales order's JSON data with resolved external ids and a fresh hub id."""
    data = {
        "hub_id": f"so_TEST{next(_counter):08d}", "order_type": "standard", "status": "open",
        "currency": "EUR", "order_date": "2025-03-01", "requested_delivery_date": "2025-03-10",
        "customer_reference": "PO-4711", "sold_to_hub_id": "bp_X",
        "partners": [{"function": "sold_to", "partner_hub_id": "bp_X", "external_id": sold_to}],
        "items": [
            {"item_number": 10, "product_external_id": product, "description": "Screw",
             "quantity": {"value": "2.5", "unit": "PCE"},
             "net_price": {"amount": "12.50", "currency": "EUR"}},
            {"item_number": 20, "product_external_id": "400002", "quantity": {"value": "1", "unit": "PCE"}},
        ],
    }
    data.update(extra)
    return data


@pytest.fixture(scope="module")
def sim() -> Iterator[ErpSimulator]:
    with ErpSimulator(timeout_seconds=1.0) as simulator:
        yield simulator


@pytest.fixture()
def client(sim: ErpSimulator) -> SalesOrderSoapClient:
    sim.clear_failures()
    return SalesOrderSoapClient(sim.wsdl_url, None, None, None, timeout=0.4, sales_area=AREA)


def test_success_assigns_erp_number_and_stores_the_order(sim: ErpSimulator, client: SalesOrderSoapClient) -> None:
    data = order_data()
    result = client.create_order(data)
    assert len(result.erp_order_id) == 10 and result.erp_order_id.isdigit()
    assert [(m.type_id, m.severity) for m in result.messages] == [("311(V1)", "1")]
    stored = sim.orders[result.erp_order_id].request
    assert stored.buyer_id == data["hub_id"]
    assert stored.sold_to == "0000100002"
    assert (stored.sales_org, stored.distribution_channel, stored.division) == ("1000", "10", "00")
    assert stored.buyer_note == "PO-4711" and str(stored.requested_date) == "2025-03-10"
    first, second = stored.items
    assert (first.material, str(first.quantity), first.unit, str(first.price)) == (
        "000000000000400001", "2.5", "PCE", "12.50")
    assert second.price is None


def test_numbers_are_sequential(client: SalesOrderSoapClient) -> None:
    first = int(client.create_order(order_data()).erp_order_id)
    second = int(client.create_order(order_data()).erp_order_id)
    assert second == first + 1


def test_redelivery_returns_the_same_number(sim: ErpSimulator, client: SalesOrderSoapClient) -> None:
    data = order_data()
    first = client.create_order(data)
    count = len(sim.orders)
    again = client.create_order(data)
    assert again.erp_order_id == first.erp_order_id
    assert again.messages[0].severity == "2" and "already exists" in again.messages[0].note
    assert len(sim.orders) == count


@pytest.mark.parametrize(("change", "expected"), [
    ({"sold_to": "999999"}, "Sold-to party 0000999999 does not exist"),
    ({"product": "123"}, "material 000000000000000123 does not exist"),
])
def test_business_fault_is_permanent(sim: ErpSimulator, client: SalesOrderSoapClient,
                                     change: dict, expected: str) -> None:
    data = order_data(**change)
    with pytest.raises(PermanentError, match=expected):
        client.create_order(data)
    assert sim.state.order_for_buyer(data["hub_id"]) is None


def test_sales_area_not_maintained_is_permanent(client: SalesOrderSoapClient) -> None:
    data = order_data(sales_area={"sales_org": "2000", "distribution_channel": "10", "division": "00"})
    with pytest.raises(PermanentError, match="not maintained for sales area 2000/10/00"):
        client.create_order(data)


def test_request_the_erp_cannot_read_is_permanent(sim: ErpSimulator, client: SalesOrderSoapClient) -> None:
    data = order_data(product="   ")
    with pytest.raises(PermanentError, match="ERP rejected the request: element Product/InternalID"):
        client.create_order(data)


def test_raw_envelope_without_sold_to_gets_a_client_fault(sim: ErpSimulator) -> None:
    envelope = (
        b'<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/"><soap-env:Body>'
        b'<n0:SalesOrderERPCreateRequestConfirmation_sync xmlns:n0="http://sap.com/xi/SAPGlobal20/Global">'
        b"<SalesOrder><BuyerDocument><ID>so_RAW</ID></BuyerDocument><Item><ID>10</ID><Product><InternalID>1"
        b'</InternalID></Product><RequestedQuantity unitCode="PCE">1</RequestedQuantity></Item></SalesOrder>'
        b"</n0:SalesOrderERPCreateRequestConfirmation_sync></soap-env:Body></soap-env:Envelope>"
    )
    answer = httpx.post(sim.endpoint_url, content=envelope, headers={"Content-Type": "text/xml"})
    fault = etree.fromstring(answer.content).find(".//{http://schemas.xmlsoap.org/soap/envelope/}Fault")
    assert answer.status_code == 500 and fault.findtext("faultcode") == "soap-env:Client"
    assert "AccountParty/InternalID" in fault.findtext("faultstring")


def test_temporary_fault_is_transient_then_next_call_succeeds(sim: ErpSimulator,
                                                              client: SalesOrderSoapClient) -> None:
    data = order_data()
    sim.fail_next("fault")
    with pytest.raises(TransientError, match="temporarily unavailable"):
        client.create_order(data)
    assert sim.state.order_for_buyer(data["hub_id"]) is None
    assert client.create_order(data).erp_order_id


def test_fault_with_error_severity_is_permanent(sim: ErpSimulator, client: SalesOrderSoapClient) -> None:
    sim.fail_next("fault", severity="error")
    with pytest.raises(PermanentError, match="ZERPSIM/005"):
        client.create_order(order_data())


def test_transient_fault_ids_make_a_business_fault_transient(sim: ErpSimulator) -> None:
    client = SalesOrderSoapClient(sim.wsdl_url, None, None, None, timeout=2, sales_area=AREA,
                                  transient_fault_ids={"ZERPSIM/005"})
    sim.fail_next("fault", severity="error")
    with pytest.raises(TransientError):
        client.create_order(order_data())


def test_timeout_is_transient_and_redelivery_after_it_is_harmless(sim: ErpSimulator,
                                                                  client: SalesOrderSoapClient) -> None:
    data = order_data()
    sim.fail_next("timeout")
    started = time.monotonic()
    with pytest.raises(TransientError, match="did not answer within 0.4 s"):
        client.create_order(data)
    assert time.monotonic() - started < 0.9
    deadline = time.monotonic() + 5
    while sim.state.order_for_buyer(data["hub_id"]) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    saved = sim.state.order_for_buyer(data["hub_id"])
    assert saved is not None, "the ERP finished the order after the client gave up"
    assert client.create_order(data).erp_order_id == saved.erp_id


@pytest.mark.parametrize(("mode", "expected"), [
    ("malformed", "malformed answer .* not well-formed XML"),
    ("wrong_structure", "malformed answer"),
    ("http500", "HTTP 500"),
])
def test_broken_answers_are_transient(sim: ErpSimulator, client: SalesOrderSoapClient,
                                      mode: str, expected: str) -> None:
    sim.fail_next(mode)
    with pytest.raises(TransientError, match=expected):
        client.create_order(order_data())


def test_failures_count_and_match(sim: ErpSimulator, client: SalesOrderSoapClient) -> None:
    target, other = order_data(), order_data()
    sim.fail_next("http500", count=2, match=target["hub_id"])
    assert client.create_order(other).erp_order_id
    for _ in range(2):
        with pytest.raises(TransientError):
            client.create_order(target)
    assert client.create_order(target).erp_order_id
    assert sim.state.rules() == []


def test_failure_control_api_over_http(sim: ErpSimulator, client: SalesOrderSoapClient) -> None:
    answer = httpx.post(sim.base_url + "/sim/failures", json={"mode": "http500", "count": 1})
    assert answer.status_code == 200 and answer.json()[0]["mode"] == "http500"
    with pytest.raises(TransientError, match="HTTP 500"):
        client.create_order(order_data())
    assert httpx.get(sim.base_url + "/sim/failures").json() == []
    bad = httpx.post(sim.base_url + "/sim/failures", json={"mode": "explode"})
    assert bad.status_code == 400 and "explode" in bad.json()["error"]


def test_connection_refused_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = SalesOrderSoapClient(str(DEFAULT_WSDL), f"http://127.0.0.1:{port}/soap", None, None,
                                  timeout=1, sales_area=AREA)
    with pytest.raises(TransientError, match="cannot connect"):
        client.create_order(order_data())


HTML_PAGE = b"<html><head><title>Error</title></head><body><h1>Error</h1></body></html>"


def _client_of(peer: RecordingPeer) -> SalesOrderSoapClient:
    return SalesOrderSoapClient(str(DEFAULT_WSDL), f"{peer.url}/soap", None, None, timeout=2, sales_area=AREA)


@pytest.mark.parametrize(("status", "error"), [
    (400, PermanentError), (401, PermanentError), (404, PermanentError), (422, PermanentError),
    (502, TransientError), (503, TransientError),
])
def test_an_error_page_that_is_well_formed_xml_is_judged_by_its_http_status(
        recording_peer: RecordingPeer, status: int, error: type[Exception]) -> None:
    """Regression: zeep reads such a page as an "unknown fault", which was taken for a
    transient ERP fault, so a wrong endpoint (404) was retried until the queue blocked."""
    recording_peer.otherwise = Answer(status, HTML_PAGE, {"Content-Type": "text/html"})
    with pytest.raises(error, match=rf"HTTP {status}\)? at http://127\.0\.0\.1"):
        _client_of(recording_peer).create_order(order_data())


def test_the_erps_retry_after_reaches_the_queue(recording_peer: RecordingPeer) -> None:
    """Regression: the Retry-After of a 503 or 429 was dropped with zeep's exception."""
    date = format_datetime(datetime.now(UTC) + timedelta(seconds=300), usegmt=True)
    recording_peer.script(Answer(503, HTML_PAGE, {"Retry-After": "120"}), Answer(429, b"", {"Retry-After": date}),
                          Answer(503, HTML_PAGE))
    client = _client_of(recording_peer)
    waits = []
    for _ in range(3):
        with pytest.raises(TransientError) as failed:
            client.create_order(order_data())
        waits.append(failed.value.retry_after)
    assert waits[0] == 120 and 290 <= waits[1] <= 300 and waits[2] is None


def test_shipped_wsdl_with_endpoint_override(sim: ErpSimulator) -> None:
    client = SalesOrderSoapClient(str(DEFAULT_WSDL), sim.endpoint_url, None, None, timeout=2,
                                  sales_area=AREA)
    result = client.create_order(order_data())
    assert sim.orders[result.erp_order_id]


def test_served_wsdl_points_at_the_live_endpoint(sim: ErpSimulator) -> None:
    wsdl = etree.fromstring(httpx.get(sim.wsdl_url).content)
    address = wsdl.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address is not None and address.get("location") == sim.endpoint_url


def test_credentials_refused_is_permanent_and_secret_stays_secret() -> None:
    with ErpSimulator(username="HUBUSER", password=SecretStr("s3cret-pw")) as protected:
        wrong = SalesOrderSoapClient(protected.wsdl_url, None, "HUBUSER", SecretStr("wrong-pw"),
                                     timeout=2, sales_area=AREA)
        with pytest.raises(PermanentError, match="HTTP 401") as caught:
            wrong.create_order(order_data())
        assert "wrong-pw" not in str(caught.value)
        right = SalesOrderSoapClient(protected.wsdl_url, None, "HUBUSER", SecretStr("s3cret-pw"),
                                     timeout=2, sales_area=AREA)
        assert right.create_order(order_data()).erp_order_id == "0000000001"
        endpoint_only = SalesOrderSoapClient(str(DEFAULT_WSDL), protected.endpoint_url, "HUBUSER",
                                             SecretStr("wrong-pw"), timeout=2, sales_area=AREA)
        with pytest.raises(PermanentError, match="credentials"):
            endpoint_only.create_order(order_data())


@pytest.mark.parametrize(("change", "field"), [
    ({"partners": []}, "partners"),
    ({"items": []}, "items"),
    ({"hub_id": None}, "hub_id"),
    ({"customer_reference": "X" * 41}, "customer_reference"),
    ({"items": [{"item_number": 10, "quantity": {"value": "1", "unit": "PCE"}}]},
     "items.0.product_external_id"),
    ({"items": [{"item_number": 10, "product_external_id": "1", "quantity": {"value": 1.5, "unit": "PCE"}}]},
     "items.0.quantity.value"),
    ({"items": [{"item_number": 10, "product_external_id": "1", "quantity": {"value": "1"}}]},
     "items.0.quantity.unit"),
    ({"order_date": "01.03.2025"}, "order_date"),
])
def test_unusable_input_names_the_field(change: dict, field: str) -> None:
    with pytest.raises(OrderPayloadError) as caught:
        build_request(order_data(**change), AREA)
    assert caught.value.field == field
    assert isinstance(caught.value, PermanentError)


def test_sales_area_required_without_default() -> None:
    with pytest.raises(OrderPayloadError, match="sales_area"):
        build_request(order_data(), None)
