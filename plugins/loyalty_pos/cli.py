"""``hub loyalty ...``: the loyalty administrator's commands (every one with ``--json``).

Errors name what is wrong and exit 1 (click's usage errors exit 2); ``hub loyalty
check`` exits 1 when any account disagrees with its ledger.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from hub.api import (
    CouponKind,
    DocumentError,
    NotFoundError,
    PluginContext,
    json_option,
    pass_plugin_context,
    print_json,
    print_table,
    utcnow,
)
from plugins.loyalty_pos.engine import coupons, members
from plugins.loyalty_pos.engine.admin import AdjustmentRefused, adjust, assign_receipt
from plugins.loyalty_pos.engine.balances import balances, lots_of, recent
from plugins.loyalty_pos.engine.check import check_accounts
from plugins.loyalty_pos.engine.expiry import run_expiry
from plugins.loyalty_pos.engine.members import UnknownMember
from plugins.loyalty_pos.engine.programme import NoProgramme, active_programme, read_programme, store_programme
from plugins.loyalty_pos.settings import PLUGIN, LoyaltyPosSettings
from plugins.loyalty_pos.till.keys import UnknownKey, create_key, list_keys, revoke_key


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.group("loyalty")
def loyalty() -> None:
    """Stores and loyalty: programmes, members, points, till API keys."""


@loyalty.group("programme")
def programme() -> None:
    """The loyalty programme (its rules are data)."""


@programme.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_plugin_context(PLUGIN)
def load_programme(context: PluginContext, file: Path, as_json: bool) -> None:
    """Load the programme in FILE (YAML) and make it the active one."""
    try:
        document = read_programme(file)
    except DocumentError as exc:
        _fail(str(exc))
        return
    with context.transaction() as tx:
        hub_id, version = store_programme(tx, document)
    row = {"code": document.code, "hub_id": hub_id, "version": version, "point_types": len(document.point_types),
           "tiers": len(document.tiers), "accrual_rules": len(document.accrual_rules)}
    if as_json:
        print_json(row)
    else:
        print_table(list(row), [list(row.values())])


@loyalty.group("member")
def member() -> None:
    """Members and their points."""


def _member_view(context: PluginContext, card_or_id: str) -> dict[str, Any]:
    now = utcnow()
    with context.reading() as tx:
        conn = tx.connection
        found = members.find(conn, card_or_id)
        return {"member": found.id, "partner": found.partner_hub_id, "status": found.status,
                "tier": found.tier_code, "cards": members.card_numbers(conn, found.id),
                "balances": [b.as_dict() for b in balances(conn, found.id, now.date(), now)],
                "lots": lots_of(conn, found.id), "recent": recent(conn, found.id)}


@member.command("show")
@click.argument("card_or_id")
@json_option
@pass_plugin_context(PLUGIN)
def show_member(context: PluginContext, card_or_id: str, as_json: bool) -> None:
    """A member (by card number, member id or partner hub id): tier, balances, lots, recent movements."""
    try:
        view = _member_view(context, card_or_id)
    except UnknownMember as exc:
        _fail(str(exc))
        return
    if as_json:
        print_json(view)
        return
    click.echo(f"member {view['member']} (partner {view['partner']}, {view['status']}), tier {view['tier'] or '-'},"
               f" cards {', '.join(view['cards']) or '-'}")
    print_table(["type", "balance", "available", "pending", "held", "expiring soon"],
                [(b["point_type"], b["balance"], b["available"], b["pending"], b["held"], b["expiring_soon"])
                 for b in view["balances"]], title="balances")
    print_table(["type", "points", "remaining", "available on", "expires on"],
                [(x["point_type"], x["points"], x["remaining"], x["available_on"], x["expires_on"])
                 for x in view["lots"]], title="lots")
    print_table(["id", "at", "kind", "type", "points", "receipt / document", "reason"],
                [(r["id"], r["occurred_at"], r["kind"], r["point_type"], r["points"], r["receipt"] or r["document"],
                  r["reason"]) for r in view["recent"]], title="recent")


@member.command("enrol")
@click.argument("partner_hub_id")
@click.option("--card", help="A card number to give the member.")
@json_option
@pass_plugin_context(PLUGIN)
def enrol_member(context: PluginContext, partner_hub_id: str, card: str | None, as_json: bool) -> None:
    """Make the partner PARTNER_HUB_ID a member (with a card)."""
    try:
        with context.transaction() as tx:
            found = members.enrol(tx, active_programme(tx), partner_hub_id, card, utcnow())
    except (NotFoundError, NoProgramme, ValueError) as exc:
        _fail(str(exc))
        return
    row = {"member": found.id, "partner": found.partner_hub_id, "card": card}
    print_json(row) if as_json else print_table(list(row), [list(row.values())])


@loyalty.command("adjust", context_settings={"ignore_unknown_options": True})
@click.argument("member_ref", metavar="MEMBER")
@click.argument("points", type=int)
@click.option("--type", "point_type", required=True, help="The point type (its code in the programme).")
@click.option("--reason", required=True, help="Why; kept in the ledger.")
@json_option
@pass_plugin_context(PLUGIN)
def adjust_points(context: PluginContext, member_ref: str, points: int, point_type: str, reason: str,
                  as_json: bool) -> None:
    """Credit (or, negative, debit) POINTS to MEMBER (card, member id or partner id);
    a negative number is written as is (``hub loyalty adjust C1 -25 ...``)."""
    try:
        with context.transaction() as tx:
            found = members.find(tx.connection, member_ref)
            ledger_id = adjust(tx, found, points, point_type, reason, utcnow())
    except (UnknownMember, AdjustmentRefused, NoProgramme) as exc:
        _fail(str(exc))
        return
    row = {"member": found.id, "ledger_id": ledger_id, "points": points, "type": point_type, "reason": reason}
    print_json(row) if as_json else print_table(list(row), [list(row.values())])


@loyalty.command("assign")
@click.argument("receipt")
@click.argument("member_ref", metavar="MEMBER")
@json_option
@pass_plugin_context(PLUGIN)
def assign(context: PluginContext, receipt: str, member_ref: str, as_json: bool) -> None:
    """Give RECEIPT (STORE/TILL/DAY/NUMBER), rung up without a card, to MEMBER: its points follow."""
    window = context.settings_as(LoyaltyPosSettings).return_window_days
    try:
        with context.transaction() as tx:
            found = members.find(tx.connection, member_ref)
            points = assign_receipt(tx, receipt, found, window, utcnow())
    except (UnknownMember, NotFoundError, AdjustmentRefused, NoProgramme) as exc:
        _fail(str(exc))
        return
    row = {"receipt": receipt, "member": found.id, "points": points}
    print_json(row) if as_json else print_table(list(row), [list(row.values())])


@loyalty.command("expire")
@click.option("--dry-run", is_flag=True, help="Say what would expire; write nothing.")
@json_option
@pass_plugin_context(PLUGIN)
def expire(context: PluginContext, dry_run: bool, as_json: bool) -> None:
    """Expire points past their date, lapse forgotten reservations, expire coupons, re-evaluate tiers."""
    now = utcnow()
    with context.transaction() as tx:
        report = run_expiry(tx, now.date(), now, dry_run)
    row = report.as_dict()
    print_json(row) if as_json else print_table(list(row), [list(row.values())])


@loyalty.command("check")
@json_option
@pass_plugin_context(PLUGIN)
def check(context: PluginContext, as_json: bool) -> None:
    """Prove that every account's balance equals its ledger (and its lots); exit 1 if not."""
    with context.reading() as tx:
        count, problems = check_accounts(tx.connection)
    if as_json:
        print_json({"accounts": count, "ok": not problems, "problems": [p.as_dict() for p in problems]})
    elif problems:
        print_table(["member", "type", "balance", "ledger sum", "in lots"],
                    [(p.member_id, p.point_type, p.balance, p.ledger_sum, p.lots_remaining) for p in problems],
                    title=f"{len(problems)} of {count} accounts disagree with the ledger")
    else:
        click.echo(f"{count} accounts: every balance equals its ledger")
    if problems:
        sys.exit(1)


@loyalty.group("coupon")
def coupon() -> None:
    """Coupons the tills validate and redeem."""


@coupon.command("issue")
@click.option("--kind", type=click.Choice([k.value for k in CouponKind]), required=True, help="What it gives.")
@click.option("--value", required=True, help="Amount, percent, points or product, by kind.")
@click.option("--currency", help="For amount_off: the currency (default: the programme's).")
@click.option("--member", "member_ref", help="Personal coupon: the member (card, member id or partner id).")
@click.option("--valid-to", type=click.DateTime(["%Y-%m-%d"]), help="Last day it may be redeemed.")
@click.option("--code", help="The code (default: a random one).")
@json_option
@pass_plugin_context(PLUGIN)
def issue_coupon(context: PluginContext, kind: str, value: str, currency: str | None, member_ref: str | None,
                 valid_to: datetime | None, code: str | None, as_json: bool) -> None:
    """Issue a coupon."""
    try:
        with context.transaction() as tx:
            owner = members.find(tx.connection, member_ref).id if member_ref else None
            if kind == CouponKind.amount_off and currency is None:
                currency = active_programme(tx).currency
            row = coupons.issue(tx.connection, kind, value, currency, owner, valid_to.date() if valid_to else None,
                                utcnow(), code)
    except (UnknownMember, NoProgramme, ValueError) as exc:
        _fail(str(exc))
        return
    print_json(row) if as_json else print_table(list(row), [list(row.values())])


@loyalty.group("api-key")
def api_key() -> None:
    """API keys of the stores' tills."""


@api_key.command("create")
@click.option("--store", required=True, help="The store whose tills use the key.")
@json_option
@pass_plugin_context(PLUGIN)
def create_api_key(context: PluginContext, store: str, as_json: bool) -> None:
    """Create an API key for STORE's tills; it is printed now and never again."""
    try:
        created = create_key(context, store)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--store") from None
    if as_json:
        print_json({"id": created.id, "store": created.store, "key": created.key})
    else:
        print_table(["id", "store", "key (shown once)"], [(created.id, created.store, created.key)])


@api_key.command("list")
@json_option
@pass_plugin_context(PLUGIN)
def list_api_keys(context: PluginContext, as_json: bool) -> None:
    """Every key by store: its id, when it was created and revoked (never the key itself)."""
    rows = [info.as_dict() for info in list_keys(context)]
    if as_json:
        print_json(rows)
    else:
        print_table(["id", "store", "created", "revoked"],
                    [(r["id"], r["store"], r["created_at"], r["revoked_at"] or "-") for r in rows])


@api_key.command("revoke")
@click.argument("key_id")
@json_option
@pass_plugin_context(PLUGIN)
def revoke_api_key(context: PluginContext, key_id: str, as_json: bool) -> None:
    """Revoke the key KEY_ID (see ``api-key list``): refused from now on by this hub's
    processes, by the others within ``key_cache_seconds``."""
    try:
        row = revoke_key(context, key_id).as_dict()
    except UnknownKey as exc:
        _fail(str(exc))
        return
    if as_json:
        print_json(row)
    else:
        print_table(["id", "store", "created", "revoked"],
                    [(row["id"], row["store"], row["created_at"], row["revoked_at"])])
