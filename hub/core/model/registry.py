"""The document types the hub knows, by ``doc_type``."""

from __future__ import annotations

from hub.core.errors import NotFoundError
from hub.core.model.base import Document
from hub.core.model.billing import BillingDocument
from hub.core.model.contracts import SalesContract, ServiceContract
from hub.core.model.deliveries import Delivery
from hub.core.model.loyalty import LoyaltyProgramme
from hub.core.model.loyalty_accounts import Coupon, LoyaltyMembership, PointTransaction
from hub.core.model.partner import Partner
from hub.core.model.product import Product
from hub.core.model.retail import RetailTransaction
from hub.core.model.sales import Quotation, SalesOrder
from hub.core.model.stock import StockLevel

DOCUMENT_TYPES: dict[str, type[Document]] = {
    cls.doc_type: cls
    for cls in (
        Partner,
        Product,
        Quotation,
        SalesOrder,
        SalesContract,
        ServiceContract,
        BillingDocument,
        LoyaltyProgramme,
        LoyaltyMembership,
        PointTransaction,
        Coupon,
        RetailTransaction,
        Delivery,
        StockLevel,
    )
}
"""Every canonical document class, keyed by its ``doc_type``."""


def document_class(doc_type: str) -> type[Document]:
    """The class of ``doc_type``; NotFoundError naming the known types otherwise."""
    try:
        return DOCUMENT_TYPES[doc_type]
    except KeyError:
        known = ", ".join(DOCUMENT_TYPES)
        raise NotFoundError(f"unknown document type {doc_type!r}; known types: {known}") from None
