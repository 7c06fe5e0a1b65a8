"""The loyalty_pos part of ``hub demo``: a store's day, points earned, burnt at a till,
reversed by a return, and the receipts on their way to the ERP.

A store's back office posts its day-end POSLog file (generated: a few hundred receipts,
40 % with a loyalty card) to ``POST /loyalty_pos/poslog``; its members earn points as the
receipts post (unknown cards enrol provisional members). The member with the most
points shows up in ``hub loyalty member show``. A till of the store, with its own API
key, looks the card up, reserves points for a receipt and commits the reservation; then
the customer brings an article back and the till sends the return as JSON, which
reverses the points that line earned. A web-shop customer joins the club at the store
and buys there with her new card (``demo_shopper``): the hub's one partner for her has
both. ``hub loyalty check`` proves the ledger. With the
ERP part running, the counted receipts go to the ERP simulator as WPUBON and are
acknowledged. In the demo, points are spendable at once (``return_window_days = 0``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import click
import httpx
import sqlalchemy as sa

from hub.api import DemoStage, JsonValue, RetailTransaction, utcnow
from hub.testing.live import LiveHub
from plugins.loyalty_pos.demo_shopper import shopper_in_store
from plugins.loyalty_pos.poslog.generate import write_day
from plugins.loyalty_pos.settings import PLUGIN
from plugins.loyalty_pos.store.tables import accounts, cards, ledger, line_points

PROGRAMME = Path(__file__).resolve().parent / "programmes" / "club.yaml"
RECEIPTS = 100
REDEEM = 50
ACKNOWLEDGEMENT_SECONDS = 30.0
"""Longest the demo waits for the ERP to acknowledge the receipts it took."""


@dataclass
class PosDemo:
    """The part: nothing to start (the tills are this code), its settings, then its run."""

    stage: DemoStage
    settings: dict[str, object] = field(init=False)

    def __post_init__(self) -> None:
        self.settings = {"timezone": "Europe/Berlin", "return_window_days": 0,
                         "inbound_dir": str(self.stage.work / "in")}

    def run(self, hub: LiveHub) -> list[str]:
        """The store's day; returns what did not happen."""
        started = time.monotonic()
        problems: list[str] = []
        hub.admin("loyalty", "programme", "load", str(PROGRAMME))
        day = self._post_day(hub, problems)
        card, original = _best_member(hub)
        if card is None or original is None:
            return [*problems, "no member earned points from the day"]
        hub.admin("loyalty", "member", "show", card)
        store = original.store_id
        key = _json(hub.cli_json("loyalty", "api-key", "create", "--store", store))["key"]
        with httpx.Client(base_url=f"{hub.url}/{PLUGIN}/v1", headers={"Authorization": f"Bearer {key}"},
                          timeout=10) as till:
            problems += _redeem(till, card)
            problems += _return(till, original, day)
            problems += shopper_in_store(hub, till, original)
        hub.admin("loyalty", "member", "show", card)
        check = _json(hub.cli_json("loyalty", "check"))
        click.echo(f"hub loyalty check: {check['accounts']} accounts, "
                   f"{'every balance equals its ledger' if check['ok'] else 'PROBLEMS'}")
        if not check["ok"]:
            problems.append("hub loyalty check found balances that disagree with the ledger")
        problems += _to_erp(hub)
        click.echo(f"stores and loyalty took {time.monotonic() - started:.1f} s")
        return problems

    def _post_day(self, hub: LiveHub, problems: list[str]) -> date:
        day = utcnow().date()
        out = BytesIO()
        write_day(out, RECEIPTS, seed=7, stores=2, tills=3, day=day)
        click.secho(f"\nA store's back office posts its day-end POSLog ({RECEIPTS} receipts,"
                    f" {len(out.getvalue()) // 1024} KiB) to POST /{PLUGIN}/poslog", fg="cyan")
        answer = httpx.post(f"{hub.url}/{PLUGIN}/poslog", content=out.getvalue(), timeout=120,
                            auth=(self.stage.username, self.stage.password),
                            headers={"Content-Type": "application/xml"})
        if answer.status_code != 200:
            problems.append(f"POSLog day refused: {answer.status_code} {answer.text[:200]}")
            return day
        click.echo(f"posted: {answer.json()['summary']}")
        return day

    def close(self) -> None:
        """Nothing runs apart from the hub."""


def _json(value: JsonValue) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected a JSON object, got {value!r}")
    return value


def _best_member(hub: LiveHub) -> tuple[str | None, RetailTransaction | None]:
    """The card with the most points and one receipt line it earned on."""
    with hub.context(PLUGIN).reading() as tx:
        conn = tx.connection
        row = conn.execute(sa.select(cards.c.card_number, accounts.c.member_id)
                           .join(accounts, accounts.c.member_id == cards.c.member_id)
                           .order_by(accounts.c.balance.desc(), cards.c.card_number).limit(1)).first()
        if row is None:
            return None, None
        earned = conn.execute(
            sa.select(ledger.c.document_hub_id).join(line_points, line_points.c.ledger_id == ledger.c.id)
            .where((ledger.c.member_id == row.member_id) & (ledger.c.kind == "accrual"))
            .order_by(ledger.c.id).limit(1)).scalar_one_or_none()
        document = tx.document(earned) if earned else None
    return row.card_number, document if isinstance(document, RetailTransaction) else None


def _redeem(till: httpx.Client, card: str) -> list[str]:
    click.secho(f"\nA till looks card {card} up and redeems {REDEEM} points online", fg="cyan")
    account = till.get(f"/cards/{card}").json()["balances"][0]
    click.echo(f"GET /cards/{card}: {account['available']} {account['point_type']} points available")
    held = till.post("/redemptions", json={"card": card, "points": REDEEM, "receipt": "demo-till-1"},
                     headers={"Idempotency-Key": "demo-till-1-receipt-1"})
    retry = till.post("/redemptions", json={"card": card, "points": REDEEM, "receipt": "demo-till-1"},
                      headers={"Idempotency-Key": "demo-till-1-receipt-1"})
    if held.status_code != 201:
        return [f"the reservation was refused: {held.status_code} {held.text[:200]}"]
    click.echo(f"POST /redemptions: {held.json()['state']} {held.json()['id']}; the till's retry with the same"
               f" Idempotency-Key gets the same reservation: {retry.json()['id'] == held.json()['id']}")
    committed = till.post(f"/redemptions/{held.json()['id']}/commit")
    after = till.get(f"/cards/{card}").json()["balances"][0]
    click.echo(f"commit: {committed.json()['state']}; available now {after['available']}")
    if committed.status_code != 200 or after["available"] != account["available"] - REDEEM:
        return [f"the redemption did not spend {REDEEM} points once"]
    return []


def _return(till: httpx.Client, original: RetailTransaction, day: date) -> list[str]:
    line = next(x for x in original.lines if not x.voided and x.kind.value == "sale")
    card = original.loyalty_card_number or ""
    before = till.get(f"/cards/{card}").json()["balances"][0]["balance"]
    click.secho(f"\nThe customer brings back line {line.line_number} of receipt {original.store_id}/"
                f"{original.till_id}/{original.business_day}/{original.transaction_number}; the till sends the return",
                fg="cyan")
    amount = str(line.amount.amount)
    body = {"pos_transaction": 1, "store": original.store_id, "workstation": "99", "sequence_number": "1",
            "business_day": day.isoformat(), "type": "return", "ended_at": utcnow().isoformat(), "currency": "EUR",
            "lines": [{"line": 1, "kind": "return", "item_id": line.product_external_id or "item",
                       "product_group": line.product_group, "quantity": str(line.quantity.value),
                       "unit_price": str(line.unit_price.amount), "amount": amount,
                       "returned_from": {"store": original.store_id, "workstation": original.till_id,
                                         "business_day": original.business_day.isoformat(),
                                         "sequence_number": original.transaction_number,
                                         "line": line.line_number}}],
            "tenders": [{"type": "cash", "amount": amount}], "total": amount}
    answer = till.post("/transactions", content=json.dumps(body))
    after = till.get(f"/cards/{card}").json()["balances"][0]["balance"]
    click.echo(f"POST /transactions: {answer.status_code} {answer.json().get('status')}; balance {before} -> {after}")
    if answer.status_code != 201 or after >= before:
        return ["the return did not reverse the points of the returned line"]
    return []


def _to_erp(hub: LiveHub) -> list[str]:
    listed = hub.cli_json("plugins")
    if not (isinstance(listed, list) and any(isinstance(p, dict) and p.get("name") == "erp_sap" for p in listed)):
        click.echo("(the ERP part is not installed: receipts stay in the hub)")
        return []

    def receipts(*states: str) -> list[dict[str, Any]]:
        found = []
        for state in states:
            listed = hub.cli_json("messages", "--system", "erp_sap", "--state", state, "--limit", "10000")
            found += [m for m in listed if isinstance(m, dict) and m.get("doc_type") == "retail_transaction"] \
                if isinstance(listed, list) else []
        return found

    def sent_and_acknowledged() -> tuple[int, int]:
        sent = acknowledged = 0
        for message in receipts("delivered", "confirmed"):
            history = _json(hub.cli_json("message", "show", str(message["id"]))).get("history")
            steps = [h for h in history if isinstance(h, dict)] if isinstance(history, list) else []
            sent += any("WPUBON IDoc" in str(h.get("detail", "")) for h in steps)
            acknowledged += any(h.get("status") == "confirmed" for h in steps)
        return sent, acknowledged

    settled = hub.work_until(lambda: not receipts("queued", "retrying"), timeout=60)
    # The ERP acknowledges the receipts (ALEAUD) a moment after taking them: on a busy
    # machine well over a second later, and the finale shows a receipt's confirmation.
    def all_acknowledged() -> bool:
        sent, acknowledged = sent_and_acknowledged()
        return acknowledged == sent

    hub.work_until(all_acknowledged, timeout=ACKNOWLEDGEMENT_SECONDS)
    sent, acknowledged = sent_and_acknowledged()
    blocked = len(receipts("blocked"))
    click.secho(f"\nReceipts to the ERP: {sent} sent as WPUBON (training, cancelled, suspended and control"
                f" transactions stay in the hub), {acknowledged} acknowledged by the ERP's ALEAUD, {blocked} blocked",
                fg="cyan")
    return [] if settled and sent and not blocked else ["receipts did not all reach the ERP"]
