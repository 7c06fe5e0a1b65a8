"""The document a row sends to a partner it is linked to.

The golden record takes what the list adds by source priority (``masterdata.golden``):
a field the partner lacks is filled, a field another source set is replaced only when
the list's system ranks at least as high for it. Two fields are sent merged rather
than as the list has them, so that where the list may write them it adds and does not
replace: the roles (the partner keeps being a customer, and becomes a prospect too)
and the marketing attributes (those of the partner stay; ``list`` names every list the
partner was found on, separated by ``; ``).
"""

from __future__ import annotations

from typing import Any

from hub.core.lists.listformat import LIST_ATTRIBUTE
from hub.core.model.partner import Partner, PartnerRole

LIST_SEPARATOR = "; "


def link_document(partner: Partner, current: dict[str, Any] | None, hub_id: str, list_name: str) -> Partner:
    """``partner`` (a mapped row) as an update of partner ``hub_id``, whose golden
    record's data is ``current`` (None: not known here; sent as mapped)."""
    if current is None:
        return partner.model_copy(update={"hub_id": hub_id})
    roles = [PartnerRole(role) for role in current.get("roles") or ()]
    roles += [role for role in partner.roles if role not in roles]
    attributes = {**(current.get("marketing_attributes") or {}), **partner.marketing_attributes}
    on_lists = [n for n in (current.get("marketing_attributes") or {}).get(LIST_ATTRIBUTE, "").split(LIST_SEPARATOR)
                if n]
    if list_name not in on_lists:
        on_lists.append(list_name)
    attributes[LIST_ATTRIBUTE] = LIST_SEPARATOR.join(on_lists)
    return partner.model_copy(update={"hub_id": hub_id, "roles": roles, "marketing_attributes": attributes})
