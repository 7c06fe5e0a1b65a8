"""``hub contract ...``: contracts for the administrator (every command with ``--json``).

``create`` a contract from a JSON file; ``show`` it with its releases, billing-plan dates
and replication; ``ending``
the report of contracts nearing their end; ``bill`` a billing run now; ``reading`` and
``readings`` meter readings for usage billing; ``cancel`` under the notice rule.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from hub.api import (
    DocumentError,
    PluginContext,
    SalesContract,
    ServiceContract,
    json_option,
    pass_plugin_context,
    print_json,
    print_table,
    utcnow,
    validate_document,
)
from plugins.contracts import readings as meter_readings
from plugins.contracts.billing import run_billing
from plugins.contracts.ending import REPORT_STATE, report
from plugins.contracts.settings import PLUGIN, ContractsSettings
from plugins.contracts.terms import cancelled, decide
from plugins.contracts.view import CONTRACT_TYPES, contract_view
from plugins.contracts.writes import track, write_contracts


@click.group("contract")
def contract() -> None:
    """Sales and service contracts: releases, billing plans, readings, cancellation."""


def _print_view(view: dict[str, Any]) -> None:
    data = view["data"]
    click.echo(f"{view['doc_type']}  {view['hub_id']}  version {view['version']}  status {data.get('status')}"
               f"  valid {data.get('valid_from')} .. {data.get('valid_to') or 'open'}")
    ids = ", ".join(f"{system}:{'/'.join(numbers)}" for system, numbers in view["external_ids"].items())
    if ids:
        click.echo(f"ids: {ids}")
    if view["doc_type"] == "sales_contract":
        target, released = data.get("target_value"), data.get("released_value")
        click.echo(f"{data.get('contract_kind')} contract: target value "
                   f"{target['amount'] + ' ' + target['currency'] if target else '-'}, released "
                   f"{released['amount'] + ' ' + released['currency'] if released else '0'}")
        print_table(["item", "product", "target", "released"],
                    [(i["item_number"], i.get("product_hub_id") or i.get("product_external_id") or "",
                      (i.get("target_quantity") or {}).get("value", ""),
                      (i.get("released_quantity") or {}).get("value", "")) for i in data.get("items", [])],
                    title="Items")
        print_table(["order", "version", "value", "quantities", "state", "reason"],
                    [(r["order_hub_id"], r["order_version"], r["value"] or "",
                      ", ".join(f"item {k}: {v}" for k, v in r["quantities"].items()), r["state"], r["reason"] or "")
                     for r in view["releases"]], title="Releases")
    else:
        print_table(["item", "billing date", "period", "amount", "state", "request", "usage", "invoice"],
                    [(d["item_number"], d["billing_date"], f"{d['period_start']} .. {d['period_end']}",
                      f"{d['amount']} {d['currency']}", d["state"], d["request_hub_id"] or "",
                      d["usage_quantity"] or "", d["invoice_hub_id"] or "") for d in view["billing_plan"]],
                    title="Billing plan")
    print_table(["system", "state", "version", "error"],
                [(r["system"], r["state"], r["version"], r.get("error") or "") for r in view["replication"]],
                title="Replication")


@contract.command("show")
@click.argument("ident")
@json_option
@pass_plugin_context(PLUGIN)
def show(context: PluginContext, ident: str, as_json: bool) -> None:
    """Show contract IDENT (hub id, SYSTEM:ID or an id one system uses): releases,
    billing-plan dates with their state and invoice, and replication."""
    with context.reading() as transaction:
        view = contract_view(transaction, ident)
    if as_json:
        print_json(view)
    else:
        _print_view(view)


@contract.command("create")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--type", "doc_type", type=click.Choice(CONTRACT_TYPES), required=True, help="The contract's type.")
@json_option
@pass_plugin_context(PLUGIN)
def create(context: PluginContext, file: Path, doc_type: str, as_json: bool) -> None:
    """Write the contract in FILE (canonical JSON, see `hub schema TYPE`) as the CRM side
    does: checked whole (every problem listed, nothing stored), then replicated."""
    contract = validate_document(doc_type, file.read_bytes(), str(file))
    assert isinstance(contract, SalesContract | ServiceContract)
    with context.transaction() as transaction:
        [result] = transaction.upsert([contract])
        contract.hub_id = result.hub_id
        track(transaction.connection, contract, context.settings_as(ContractsSettings), utcnow().date())
    answer = {"hub_id": result.hub_id, "version": result.version, "created": result.created}
    print_json(answer) if as_json else click.echo(f"{doc_type} {result.hub_id} version {result.version}"
                                                  + (" created" if result.created else ""))


@contract.command("ending")
@click.option("--now", is_flag=True, help="Make the report now instead of showing the last one.")
@json_option
@pass_plugin_context(PLUGIN)
def ending(context: PluginContext, now: bool, as_json: bool) -> None:
    """Contracts nearing their end, as the scheduled report last found them."""
    made = context.state(REPORT_STATE)
    if now or not isinstance(made, dict):
        made = report(context)
    if as_json:
        print_json(made)
        return
    click.echo(f"report of {made['made_at']}: contracts ending within {made['days']} days of {made['today']}")
    entries = made["contracts"] if isinstance(made["contracts"], list) else []
    print_table(["contract", "type", "sold-to", "ends", "days left", "cancelled"],
                [(e["hub_id"], e["doc_type"], e["sold_to_hub_id"], e["valid_to"], e["days_left"],
                  "yes" if e["cancelled"] else "") for e in entries if isinstance(e, dict)], title="Ending")


@contract.command("bill")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Bill what is due on this day (default: today).")
@json_option
@pass_plugin_context(PLUGIN)
def bill(context: PluginContext, day: dt.datetime | None, as_json: bool) -> None:
    """Request every due billing-plan date from the ERP now (the scheduled job does it too)."""
    run = run_billing(context, day.date() if day else None)
    result = {"requested": run.requested, "batches": run.batches, "dropped": run.skipped}
    if as_json:
        print_json(result)
    else:
        click.echo(f"{run.requested} billing-plan dates requested in {run.batches} batches; {run.skipped} without"
                   " a request (ended or cancelled contracts, or no usage to bill)")


@contract.command("readings")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_plugin_context(PLUGIN)
def readings(context: PluginContext, file: Path, as_json: bool) -> None:
    """Record the meter readings of a CSV FILE (contract, meter_id, read_at, value, unit[, estimated])."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(str(file), "encoding", f"not UTF-8 text: {exc}") from None
    parsed = meter_readings.parse(text, str(file))
    with context.transaction() as transaction:
        added = meter_readings.record(transaction, parsed, context.settings_as(ContractsSettings), str(file))
    result = {"file": str(file), "readings": len(parsed), "added": added}
    print_json(result) if as_json else click.echo(f"{file}: {added} of {len(parsed)} readings added")


@contract.command("reading")
@click.argument("ident")
@click.option("--meter", required=True, help="The meter's id (usage_billing.meter_id).")
@click.option("--value", required=True, help="The counter's value.")
@click.option("--unit", required=True, help="The meter's unit (UN/ECE code, e.g. KWH).")
@click.option("--at", "read_at", default=None, help="When it was read (ISO 8601 with zone; default now).")
@click.option("--estimated", is_flag=True, help="An estimated reading.")
@json_option
@pass_plugin_context(PLUGIN)
def reading(context: PluginContext, ident: str, meter: str, value: str, unit: str, read_at: str | None,
            estimated: bool, as_json: bool) -> None:
    """Record one meter reading of service contract IDENT."""
    try:
        when = dt.datetime.fromisoformat(read_at) if read_at else utcnow()
        number = Decimal(value)
    except (ValueError, InvalidOperation):
        raise DocumentError(f"reading of {ident}", "value/at", "value must be a number and --at ISO 8601") from None
    if when.tzinfo is None:
        raise DocumentError(f"reading of {ident}", "at", "needs a time zone, e.g. 2026-12-07T10:00:00+00:00")
    with context.transaction() as transaction:
        added = meter_readings.record(transaction, [meter_readings.Reading(ident, meter, when, number, unit,
                                                                            estimated)],
                                      context.settings_as(ContractsSettings), f"reading of {ident}")
    result = {"contract": ident, "meter": meter, "added": added}
    print_json(result) if as_json else click.echo(f"{ident} meter {meter}: {'recorded' if added else 'known already'}")


@contract.command("cancel")
@click.argument("ident")
@click.option("--by", required=True, help="Who cancels: customer or provider.")
@click.option("--effective", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The end asked for (default: the end of the current term).")
@click.option("--requested", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="When the cancellation was received (default: today).")
@click.option("--reason", default=None, help="Why.")
@json_option
@pass_plugin_context(PLUGIN)
def cancel(context: PluginContext, ident: str, by: str, effective: dt.datetime | None,
           requested: dt.datetime | None, reason: str | None, as_json: bool) -> None:
    """Cancel service contract IDENT under its notice period (refused or moved, as configured)."""
    settings = context.settings_as(ContractsSettings)
    today = utcnow().date()
    with context.transaction() as transaction:
        hub_id = contract_view(transaction, ident)["hub_id"]
        current = transaction.document(hub_id)
        if not isinstance(current, ServiceContract):
            raise DocumentError(hub_id, "doc_type", f"only service contracts are cancelled here, not {CONTRACT_TYPES}")
        decision = decide(current, requested.date() if requested else today, effective.date() if effective else None,
                          by, reason, settings.late_cancellation)
        write_contracts(transaction, [cancelled(current, decision)], settings, today)
    context.log.info("%s", decision.message)
    result = {"contract": hub_id, "effective_on": decision.cancellation.effective_on.isoformat(),
              "moved": decision.moved, "message": decision.message}
    print_json(result) if as_json else click.echo(decision.message)
