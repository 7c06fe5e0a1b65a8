"""The simulator's HTTP interface (Starlette): SOAP service, IDoc inbound, control API.

- ``GET  {ENDPOINT_PATH}?wsdl`` the WSDL with the live endpoint; ``GET .../SalesOrderERP.xsd``
- ``POST {ENDPOINT_PATH}`` the SOAP service SalesOrderERPCreateRequestConfirmation_In
- ``POST /sap/idoc`` inbound ORDERS05 IDoc-XML (answers 200 once the orders are stored; one of a
  contract type creates or changes a contract, acknowledged with ALEAUD01 naming its number),
  POS sales WPUBON01/WPUUMS01 (kept in ``ErpSimulator.sales``, acknowledged with ALEAUD01),
  DEBMAS customers (new ones get a number, told back in ALEAUD01's E1PRTOB), or ALEAUD01
  audits of the simulator's own IDocs (kept in ``ErpSimulator.audits``)
- ``GET  /sim/contracts`` contracts as JSON
- ``GET  /sim/orders`` orders as JSON; ``POST /sim/orders/{id}/followups`` emit follow-ups
- ``POST|GET|DELETE /sim/failures`` failure injection (JSON ``{"mode", "count", "match", "severity"}``)
- ``GET  /sim/idocs/DEBMAS?count=N&start=S`` (or MATMAS) master data, streamed
- ``POST /sim/stock/report`` (JSON ``{"materials": [...]}``) LOISTD stock report to the follow-up target;
  ``POST /sim/stock`` (``{"material", "quantity"}``) sets a material's stock (an inventory count)
- ``POST /sim/prices`` (JSON ``{"material", "price"}``) changes a sales price and re-sends the MATMAS
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import secrets
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lxml import etree
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from plugins.erp_sap.simulator import soap_messages as sm
from plugins.erp_sap.simulator.audits_in import is_audit, is_sales, parse_audits, parse_sales
from plugins.erp_sap.simulator.billing_routes import billing_routes
from plugins.erp_sap.simulator.contracts_in import ContractReadError, is_contract, parse_contracts
from plugins.erp_sap.simulator.customers_in import is_debmas, parse_customers
from plugins.erp_sap.simulator.erp import alpha
from plugins.erp_sap.simulator.idocxml import document
from plugins.erp_sap.simulator.masterdata import customer_index, product_index
from plugins.erp_sap.simulator.masterdata_idocs import debmas_idoc, iter_masterdata
from plugins.erp_sap.simulator.orders_in import IdocReadError, parse_orders
from plugins.erp_sap.simulator.state import FailureMode, FailureRule, StoredOrder

if TYPE_CHECKING:
    from plugins.erp_sap.simulator.server import ErpSimulator

ENDPOINT_PATH = "/sap/bc/srt/xip/sap/ecc_salesordercrtrc/100/salesorder/binding"
XSD_PATH = "/sap/bc/srt/xip/sap/ecc_salesordercrtrc/100/salesorder/SalesOrderERP.xsd"
_XML = "text/xml; charset=utf-8"
_ICM_ERROR = (
    "<html><head><title>500 Internal Server Error</title></head><body>"
    "<h1>500 Internal Server Error</h1><p>ICM_HTTP_INTERNAL_ERROR<br>Error: -20<br>"
    "Server: erp-sim</body></html>"
)
MAX_STREAM_COUNT = 10_000_000


def _authorised(sim: ErpSimulator, request: Request) -> bool:
    if sim.username is None:
        return True
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return False
    try:
        user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    expected = sim.password.get_secret_value() if sim.password else ""
    return secrets.compare_digest(user, sim.username) and secrets.compare_digest(password, expected)


def _challenge() -> Response:
    return PlainTextResponse("401 Unauthorized", 401, headers={"WWW-Authenticate": 'Basic realm="SAP NetWeaver"'})


def build_app(sim: ErpSimulator) -> Starlette:
    """The Starlette application serving ``sim``."""

    async def wsdl_or_xsd(request: Request) -> Response:
        if not _authorised(sim, request):
            return _challenge()
        if request.url.path == XSD_PATH:
            return Response(sim.xsd_bytes, media_type=_XML)
        if "wsdl" in {k.lower() for k in request.query_params}:
            return Response(sim.wsdl_bytes, media_type=_XML)
        return PlainTextResponse("add ?wsdl to read the service description", 404)

    async def injected(rule: FailureRule) -> Response | None:
        if rule.mode is FailureMode.HTTP500:
            return HTMLResponse(_ICM_ERROR, 500)
        if rule.mode is FailureMode.MALFORMED:
            return Response(sm.malformed("0000000000"), media_type=_XML)
        if rule.mode is FailureMode.WRONG_STRUCTURE:
            return Response(sm.wrong_structure(), media_type=_XML)
        if rule.mode is FailureMode.FAULT:
            text = "Sales order could not be saved; the system is temporarily unavailable"
            body = sm.standard_fault(text, [(rule.severity, text, "ZERPSIM/005")])
            return Response(body, 500, media_type=_XML)
        await sim.sleep(sim.timeout_seconds)
        return PlainTextResponse("simulator stopping", 503) if sim.stopping else None

    async def soap(request: Request) -> Response:
        if not _authorised(sim, request):
            return _challenge()
        body = await request.body()
        header_id, order, error = None, None, ""
        try:
            header_id, order = sm.parse_create_request(body)
        except sm.RequestError as exc:
            error = str(exc)
        rule = sim.state.take_rule(order.buyer_id if order else None)
        if rule is not None and (answer := await injected(rule)) is not None:
            return answer
        if order is None:
            return Response(sm.plain_fault(error, "Client"), 500, media_type=_XML)
        result = sim.backend.create(order, "soap")
        if result.order is None:
            first = result.problems[0].text
            details = [("error", p.text, p.id) for p in result.problems]
            return Response(sm.standard_fault(first, details), 500, media_type=_XML)
        erp_id = result.order.erp_id
        if result.created:
            notes = [("311(V1)", "1", f"Standard Order {erp_id} has been saved")]
        else:
            notes = [("004(ZERPSIM)", "2", f"Order {order.buyer_id} already exists as sales order {erp_id}")]
        task = BackgroundTask(sim.emit_automatic, erp_id) if result.created and sim.followups else None
        return Response(sm.confirmation(erp_id, notes, header_id), media_type=_XML, background=task)

    async def idoc_inbound(request: Request) -> Response:
        if not _authorised(sim, request):
            return _challenge()
        body = await request.body()
        if is_debmas(body):
            try:
                customers = parse_customers(body)
            except etree.XMLSyntaxError as exc:
                return PlainTextResponse(f"IDoc rejected: DEBMAS not well-formed: {exc}", 400)
            saved = [(c, sim.backend.save_customer(c.number, c.currency)) for c in customers]
            task = BackgroundTask(sim.acknowledge_customers, saved) if sim.followups else None
            return PlainTextResponse("\n".join(f"{c.docnum}: customer {n}" for c, n in saved), 200,
                                     background=task)
        if is_sales(body):
            try:
                sales = parse_sales(body)
            except etree.XMLSyntaxError as exc:
                return PlainTextResponse(f"IDoc rejected: POS sales not readable: {exc}", 400)
            sim.sales.extend(sales)
            task = BackgroundTask(sim.acknowledge_sales, sales) if sim.followups else None
            return PlainTextResponse("\n".join(f"{s.docnum}: {s.message_type} of store {s.store} taken"
                                               for s in sales), 200, background=task)
        if is_audit(body):
            try:
                sim.audits.extend(parse_audits(body))
            except etree.XMLSyntaxError as exc:
                return PlainTextResponse(f"IDoc rejected: ALEAUD not well-formed: {exc}", 400)
            return PlainTextResponse("audit received", 200)
        if is_contract(body):
            try:
                contracts = parse_contracts(body)
            except ContractReadError as exc:
                return PlainTextResponse(f"IDoc rejected: {exc}", 400)
            kept = [(c, *sim.contracts_book.save(c)) for c in contracts]
            task = BackgroundTask(sim.acknowledge_contracts, kept) if sim.followups else None
            return PlainTextResponse("\n".join(f"{c.docnum}: contract {k.erp_id}" for c, k, _ in kept) + "\n", 200,
                                     background=task)
        try:
            inbound = parse_orders(body)
        except IdocReadError as exc:
            return PlainTextResponse(f"IDoc rejected: {exc}", 400)
        rule = sim.state.take_rule(inbound[0].order.buyer_id)
        if rule is not None:
            if rule.mode is not FailureMode.TIMEOUT:
                return HTMLResponse(_ICM_ERROR, 500)
            await sim.sleep(sim.timeout_seconds)
            if sim.stopping:
                return PlainTextResponse("simulator stopping", 503)
        outcomes = [(i, sim.backend.cancel(i.order.buyer_id) if i.message_type == "ORDCHG"
                     else sim.backend.create(i.order, "idoc", i.docnum)) for i in inbound]
        task = BackgroundTask(sim.acknowledge_inbound, outcomes) if sim.followups else None
        lines = [f"{i.docnum}: " + (f"sales order {r.order.erp_id}" if r.order else
                                    "; ".join(p.text for p in r.problems)) for i, r in outcomes]
        return PlainTextResponse("\n".join(lines) + "\n", 200, background=task)

    async def contracts(request: Request) -> Response:
        return JSONResponse([{**asdict(c), "valid_from": c.valid_from.isoformat() if c.valid_from else None,
                              "valid_to": c.valid_to.isoformat() if c.valid_to else None}
                             for c in sim.contracts_book.snapshot().values()])

    async def orders(request: Request) -> Response:
        return JSONResponse([{**_order_json(o), "cancelled": o.erp_id in sim.state.cancelled}
                             for o in sim.orders.values()])

    async def followups(request: Request) -> Response:
        erp_id = request.path_params["erp_id"]
        data = await request.json() if await request.body() else {}
        target = data.get("target") or sim.followups
        if erp_id not in sim.orders:
            return JSONResponse({"error": f"no sales order {erp_id}"}, 404)
        if target is None:
            return JSONResponse({"error": "no follow-up target configured or given"}, 400)
        written = await asyncio.to_thread(sim.emit_followups, erp_id, target)
        return JSONResponse({"delivered": written})

    async def failures(request: Request) -> Response:
        if request.method == "DELETE":
            sim.clear_failures()
        elif request.method == "POST":
            try:
                data = await request.json()
                sim.fail_next(data["mode"], int(data.get("count", 1)), match=data.get("match"),
                              severity=data.get("severity", "temporary"))
            except (ValueError, KeyError, TypeError) as exc:
                return JSONResponse({"error": f"bad failure rule: {exc}"}, 400)
        return JSONResponse([{**asdict(r), "mode": str(r.mode)} for r in sim.state.rules()])

    async def masterdata(request: Request) -> Response:
        kind = request.path_params["kind"].upper()
        try:
            count = int(request.query_params.get("count", "100"))
            start = int(request.query_params.get("start", "0"))
        except ValueError:
            return PlainTextResponse("count and start must be integers", 400)
        if kind not in ("DEBMAS", "MATMAS") or not 0 <= count <= MAX_STREAM_COUNT or start < 0:
            return PlainTextResponse("use /sim/idocs/DEBMAS or MATMAS with 0 <= count <= 10000000", 400)
        chunks = iter_masterdata(kind, count, seed=sim.seed, start=start, partners=sim.partners)
        return StreamingResponse(chunks, media_type="application/xml")

    async def requested(request: Request) -> Response:
        # A request load: the ERP answers with the IDoc of one customer or material.
        kind = request.path_params["kind"].upper()
        number = request.path_params["number"]
        index = customer_index(number) if kind == "DEBMAS" else product_index(number) if kind == "MATMAS" else None
        added = sim.backend.added_customer(alpha(number, 10)) if kind == "DEBMAS" else None
        if added is not None:
            idoc = debmas_idoc(added, sim.state.next_docnum(), partners=sim.partners)
            return Response(document("DEBMAS07", [idoc]), media_type="application/xml")
        if index is None:
            return PlainTextResponse(f"no {kind} {number} in this ERP", 404)
        chunks = iter_masterdata(kind, 1, seed=sim.seed, start=index, partners=sim.partners)
        return StreamingResponse(chunks, media_type="application/xml")

    async def stock_report(request: Request) -> Response:
        try:
            data = await request.json()
            where = await asyncio.to_thread(sim.report_stock, [str(m) for m in data["materials"]])
        except (ValueError, KeyError, TypeError) as exc:
            return JSONResponse({"error": f"bad stock report request: {exc}"}, 400)
        return JSONResponse({"delivered": where})

    async def stock_count(request: Request) -> Response:
        try:
            data = await request.json()
            material = alpha(str(data["material"]), 18)
            sim.stock.put(material, Decimal(str(data["quantity"])))
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            return JSONResponse({"error": f"bad stock count: {exc}"}, 400)
        return JSONResponse({"material": material, "available": str(sim.stock.level(material))})

    async def prices(request: Request) -> Response:
        try:
            data = await request.json()
            where = await asyncio.to_thread(sim.change_price, str(data["material"]), Decimal(str(data["price"])))
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            return JSONResponse({"error": f"bad price change: {exc}"}, 400)
        return JSONResponse({"delivered": where})

    return Starlette(routes=[
        Route(ENDPOINT_PATH, wsdl_or_xsd, methods=["GET"]),
        Route(XSD_PATH, wsdl_or_xsd, methods=["GET"]),
        Route(ENDPOINT_PATH, soap, methods=["POST"]),
        Route("/sap/idoc", idoc_inbound, methods=["POST"]),
        Route("/sim/orders", orders, methods=["GET"]),
        Route("/sim/contracts", contracts, methods=["GET"]),
        Route("/sim/orders/{erp_id}/followups", followups, methods=["POST"]),
        Route("/sim/failures", failures, methods=["GET", "POST", "DELETE"]),
        Route("/sim/idocs/{kind}", masterdata, methods=["GET"]),
        Route("/sim/idocs/{kind}/{number}", requested, methods=["GET"]),
        Route("/sim/stock/report", stock_report, methods=["POST"]),
        Route("/sim/stock", stock_count, methods=["POST"]),
        Route("/sim/prices", prices, methods=["POST"]),
        *billing_routes(sim),
    ])


def _order_json(order: StoredOrder) -> dict[str, Any]:
    req = asdict(order.request)
    items = [{k: (None if v is None else str(v)) for k, v in i.items()} for i in req.pop("items")]
    header = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in req.items()}
    return {
        "erp_id": order.erp_id, "currency": order.currency, "source": order.source,
        "created_at": order.created_at.isoformat(), "inbound_docnum": order.inbound_docnum,
        **header, "items": items,
    }
