"""Business partners: organisations and persons, one golden record each.

A partner carries its roles (sold-to, ship-to, ... loyalty member), addresses,
communication data, tax numbers, sales-area data, relationships to other partners,
marketing attributes and blocks. The master-data service matches, merges and stores
partners; the names below are its contract.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from hub.core.model.base import CanonicalModel, CountryCode, CurrencyCode, Document, LanguageCode, field_error

_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


def normalise_email(email: str) -> str:
    """``email`` stripped, its domain lower-cased (the local part is the mailbox owner's
    to case); ``ValueError`` when it is not an e-mail address."""
    email = email.strip()
    if not _EMAIL.match(email):
        raise ValueError(f"not an e-mail address: {email!r}")
    local, domain = email.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


class PartnerKind(StrEnum):
    """Whether the partner is an organisation or a natural person."""

    organisation = "organisation"
    person = "person"


class PartnerRole(StrEnum):
    """What a partner is to us (SAP: BP role / partner function)."""

    sold_to = "sold_to"
    ship_to = "ship_to"
    bill_to = "bill_to"
    payer = "payer"
    contact_person = "contact_person"
    prospect = "prospect"
    loyalty_member = "loyalty_member"


class Address(CanonicalModel):
    """A postal address; ``kind`` tells which one ("main", "delivery", "billing", ...)."""

    kind: str = Field(default="main", min_length=1)
    street: str | None = None
    house_number: str | None = None
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    country: CountryCode | None = None
    po_box: str | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Address:
        if not any((self.street, self.postal_code, self.city, self.po_box, self.country)):
            raise field_error("city", "an address needs at least one of street, postal_code, city, po_box, country")
        return self


class Phone(CanonicalModel):
    """A telephone number as the source wrote it (E.164 preferred, not enforced)."""

    number: str = Field(min_length=1)
    kind: Literal["phone", "mobile", "fax"] = "phone"


class TaxNumber(CanonicalModel):
    """A tax id; ``category`` "VAT" for EU VAT ids, else the ERP's tax number category."""

    category: str = Field(min_length=1)
    number: str = Field(min_length=1)


class Identification(CanonicalModel):
    """An identification number of a person or organisation (SAP BP: table BUT0ID).

    ``kind`` is the type of the document, in the hub's words ("passport", "id_card",
    "driving_licence", "social_security", ...; the erp_sap value list translates SAP's ID
    types); the number is kept as written, the duplicate check compares it without spaces
    and punctuation.
    """

    kind: str = Field(min_length=1, description="passport, id_card, driving_licence, social_security, ...")
    number: str = Field(min_length=1)
    country: CountryCode | None = Field(default=None, description="The issuing country.")


class SalesArea(CanonicalModel):
    """Sales data of a customer in one sales organisation / channel / division."""

    sales_org: str = Field(min_length=1)
    distribution_channel: str = Field(min_length=1)
    division: str = Field(min_length=1)
    currency: CurrencyCode | None = None
    payment_terms: str | None = None
    incoterms: str | None = None
    incoterms_location: str | None = None


class Relationship(CanonicalModel):
    """A relationship from this partner to another, e.g. ``contact_person_of``."""

    kind: str = Field(min_length=1, description="e.g. contact_person_of, ship_to_of, subsidiary_of")
    partner_hub_id: str = Field(min_length=1)


class Block(CanonicalModel):
    """A block on the partner: which processes are stopped, and why."""

    kind: Literal["order", "delivery", "billing", "posting", "all"]
    reason: str | None = None


class Partner(Document):
    """A business partner: organisation or person, with roles, addresses and sales data.

    Organisations need ``organisation_name``; persons need ``last_name``.
    """

    doc_type: ClassVar[str] = "partner"
    id_prefix: ClassVar[str] = "bp"

    kind: PartnerKind
    organisation_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    language: LanguageCode | None = None
    birth_date: date | None = Field(default=None, description="A person's date of birth (SAP BUT000-BIRTHDT).")
    roles: list[PartnerRole] = Field(default_factory=list)
    addresses: list[Address] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    phones: list[Phone] = Field(default_factory=list)
    tax_numbers: list[TaxNumber] = Field(default_factory=list)
    identifications: list[Identification] = Field(default_factory=list)
    sales_areas: list[SalesArea] = Field(default_factory=list)
    relationships: list[Relationship] = Field(default_factory=list)
    marketing_attributes: dict[str, str] = Field(default_factory=dict)
    blocks: list[Block] = Field(default_factory=list)

    @field_validator("emails")
    @classmethod
    def _check_emails(cls, emails: list[str]) -> list[str]:
        cleaned = []
        for index, email in enumerate(emails):
            try:
                cleaned.append(normalise_email(email))
            except ValueError as exc:
                raise field_error(str(index), str(exc)) from None
        return cleaned

    @field_validator("roles")
    @classmethod
    def _unique_roles(cls, roles: list[PartnerRole]) -> list[PartnerRole]:
        seen: set[PartnerRole] = set()
        for index, role in enumerate(roles):
            if role in seen:
                raise field_error(str(index), f"role {role.value!r} is listed twice")
            seen.add(role)
        return roles

    @model_validator(mode="after")
    def _check_names(self) -> Partner:
        if self.kind is PartnerKind.organisation and not (self.organisation_name or "").strip():
            raise field_error("organisation_name", "an organisation needs organisation_name")
        if self.kind is PartnerKind.person and not (self.last_name or "").strip():
            raise field_error("last_name", "a person needs last_name")
        return self

    @property
    def display_name(self) -> str:
        """The organisation name, or "first last" for a person."""
        if self.organisation_name:
            return self.organisation_name
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def address(self, kind: str = "main") -> Address | None:
        """The first address of ``kind``, if any."""
        return next((a for a in self.addresses if a.kind == kind), None)
