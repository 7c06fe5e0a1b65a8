"""The loyalty_pos demo's web-shop customer in the store: one partner for both channels.

Anna Schmidt, who may have ordered in a web shop before, joins the club at a store's
till with her e-mail. The hub finds the partner that e-mail belongs to (the one the web
shop made, whichever plugin that was: ``partners_with_email`` reads master data) or,
when there is none, writes her as a new partner; that partner becomes the member, with
a card, and her member number goes into the store's customer file (the key map). Her
receipt then carries both card and customer number: she earns points on it, and the
receipt names her partner, so ``hub partner show`` lists it beside her web-shop orders.
"""

from __future__ import annotations

import json
from decimal import Decimal

import click
import httpx

from hub.api import Partner, PartnerKind, PartnerRole, RetailTransaction, utcnow
from hub.testing.live import LiveHub
from plugins.loyalty_pos.engine import members
from plugins.loyalty_pos.engine.programme import active_programme
from plugins.loyalty_pos.poslog.generate import card_number
from plugins.loyalty_pos.settings import PLUGIN

SHOPPER = {"first_name": "Anna", "last_name": "Schmidt", "email": "anna.schmidt@example.de"}
"""What the customer gives at the till; the web-shop part's registered customer is her."""
CARD = card_number(10_000)
"""Her new card: beyond the generated day's cards (members 1 to 5000)."""
WORKSTATION = "97"


def shopper_in_store(hub: LiveHub, till: httpx.Client, sold: RetailTransaction) -> list[str]:
    """She joins the club and buys an article of receipt ``sold`` at its store; returns
    what did not happen."""
    email = SHOPPER["email"]
    with hub.context(PLUGIN).transaction() as tx:
        known = tx.partners_with_email(email)
        if known:
            partner_hub_id, how = known[0], "found by her e-mail"
        else:
            signed_up = Partner(kind=PartnerKind.person, first_name=SHOPPER["first_name"],
                                last_name=SHOPPER["last_name"], emails=[email], roles=[PartnerRole.loyalty_member])
            partner_hub_id, how = tx.upsert([signed_up])[0].hub_id, "new to the hub"
        member = members.enrol(tx, active_programme(tx), partner_hub_id, CARD, utcnow())
        tx.link("partner", member.id, partner_hub_id)  # the store's customer file knows her by member number
    click.secho(f"\n{SHOPPER['first_name']} {SHOPPER['last_name']} ({email}) joins the club at store"
                f" {sold.store_id}: partner {partner_hub_id} ({how}) becomes member {member.id} with card {CARD}",
                fg="cyan")
    line = next(x for x in sold.lines if not x.voided and x.kind.value == "sale")
    price = line.unit_price.amount
    body = {"pos_transaction": 1, "store": sold.store_id, "workstation": WORKSTATION, "sequence_number": "1",
            "business_day": sold.business_day.isoformat(), "type": "sale", "ended_at": utcnow().isoformat(),
            "currency": "EUR", "customer": member.id, "loyalty_card": CARD,
            "lines": [{"line": 1, "kind": "sale", "item_id": line.product_external_id or "item",
                       "product_group": line.product_group, "quantity": "2", "unit_price": str(price),
                       "amount": str(price * 2)}],
            "tenders": [{"type": "card", "amount": str(price * 2)}], "total": str(price * 2)}
    answer = till.post("/transactions", content=json.dumps(body))
    balance = Decimal(str(till.get(f"/cards/{CARD}").json()["balances"][0]["balance"]))
    click.echo(f"her receipt {sold.store_id}/{WORKSTATION}/{sold.business_day}/1 ({price * 2} EUR, card and customer"
               f" number): {answer.status_code} {answer.json().get('status')}; she has {balance} points")
    if answer.status_code != 201:
        return [f"the web-shop customer's store receipt was refused: {answer.status_code} {answer.text[:200]}"]
    return [] if balance > 0 else ["the web-shop customer earned no points on her store receipt"]
