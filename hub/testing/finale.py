"""The end of ``hub demo``: the 360-degree view of one customer of both channels.

After every part has run, the landscape is whole: a customer who ordered in a web shop
and bought in a store is one partner, and ``hub partner show`` gives everything about
her, each document with where it stands toward each system. The finale finds that
customer in the hub's data (the partner named by both a sales order and a retail
transaction, through the reference index), not by an id a part hands over, and shows
her view as an administrator would type it. A landscape that holds orders and store
receipts but no customer with both did not become one: that is a problem, and the
demo fails.
"""

from __future__ import annotations

import click
import sqlalchemy as sa

from hub.core.masterdata.view import PartnerView, partner_view
from hub.core.store import documents as doc_store, references
from hub.testing.live import LiveHub

ORDER, RECEIPT = "sales_order", "retail_transaction"
"""What a web shop's order and a store's receipt are in the canonical model."""


def customer_of_both(conn: sa.Connection) -> str | None:
    """The hub id of the partner named by both a sales order and a retail transaction
    (the one named by the most of them, when several are), or None."""
    refs, docs = references.references, doc_store.documents
    count = sa.func.count(sa.distinct(refs.c.hub_id))
    query = (sa.select(refs.c.target_hub_id)
             .join(docs, docs.c.hub_id == refs.c.hub_id)
             .where(docs.c.doc_type.in_((ORDER, RECEIPT)))
             .group_by(refs.c.target_hub_id)
             .having(sa.func.count(sa.distinct(docs.c.doc_type)) == 2)
             .order_by(count.desc(), refs.c.target_hub_id).limit(1))
    return conn.execute(query).scalar_one_or_none()


def _holds(conn: sa.Connection, doc_type: str) -> bool:
    docs = doc_store.documents
    return conn.execute(sa.select(docs.c.hub_id).where(docs.c.doc_type == doc_type).limit(1)).first() is not None


def missing_from(view: PartnerView) -> list[str]:
    """What the view of a customer of both channels lacks: her order or her receipt."""
    types = {d.doc_type for d in view.related}
    return [f"the 360-degree view of {view.partner.hub_id} has no {what}"
            for doc_type, what in ((ORDER, "web-shop order"), (RECEIPT, "store receipt")) if doc_type not in types]


def show_finale(hub: LiveHub) -> list[str]:
    """Print the view of the customer of both channels; returns what is missing."""
    click.secho("\n== finale: one customer, web shop and store ==", bold=True)
    with hub.runtime.engine.connect() as conn:
        hub_id = customer_of_both(conn)
        if hub_id is None:
            if _holds(conn, ORDER) and _holds(conn, RECEIPT):
                return ["no customer has both a web-shop order and a store receipt: the channels are not one"]
            click.echo("(this landscape has no web-shop orders or no store receipts: no customer of both)")
            return []
        view = partner_view(conn, hub_id)
    click.echo(f"{view.partner.display_name} ordered in a web shop and bought in a store; everything the hub"
               " knows about her, each document with where it stands toward each system:")
    hub.admin("partner", "show", hub_id)
    return missing_from(view)
