"""``MatchRecord``: the normalised facts of one partner that matching compares.

Built once per partner (from a canonical ``Partner`` or its stored JSON data), so the
comparisons and blocking keys never normalise the same text twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from hub.core.matching import text
from hub.core.model.partner import Partner

PERSON = "person"
ORGANISATION = "organisation"


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """One partner as matching sees it; every text is folded (see ``text``), "" when absent.

    ``kind`` is "person" or "organisation". ``identifications`` are (kind, number) pairs,
    tax numbers among them as ("vat", number). ``birth_date`` is ISO ``YYYY-MM-DD``.
    """

    kind: str
    first_name: str = ""
    last_name: str = ""
    organisation_name: str = ""
    birth_date: str = ""
    identifications: frozenset[tuple[str, str]] = frozenset()
    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    street: str = ""
    house_number: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""

    @classmethod
    def create(
        cls, kind: str, *, first_name: str | None = None, last_name: str | None = None,
        organisation_name: str | None = None, birth_date: date | str | None = None,
        identifications: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
        emails: tuple[str, ...] | list[str] = (), phones: tuple[str, ...] | list[str] = (),
        street: str | None = None, house_number: str | None = None, postal_code: str | None = None,
        city: str | None = None, country: str | None = None,
    ) -> MatchRecord:
        """A record from raw values as a source wrote them: this normalises them."""
        street_name, number = text.split_street(street, house_number)
        phone_digits = (text.digits(p) for p in phones)
        return cls(
            kind=ORGANISATION if kind == ORGANISATION else PERSON,
            first_name=text.fold(first_name),
            last_name=text.fold(last_name),
            organisation_name=text.organisation_name(organisation_name),
            birth_date=birth_date.isoformat() if isinstance(birth_date, date) else (birth_date or "").strip(),
            identifications=frozenset(
                (text.fold(k).replace(" ", "_"), text.id_number(n)) for k, n in identifications if text.id_number(n)
            ),
            emails=frozenset(e.strip().lower() for e in emails if e and "@" in e),
            # The last nine digits: "+49 30 1234567" and "030 1234567" are one number.
            phones=frozenset(d[-9:] for d in phone_digits if len(d) >= 6),
            street=street_name,
            house_number=number,
            postal_code=text.postal_code(postal_code),
            city=text.fold(city),
            country=(country or "").strip().upper(),
        )

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> MatchRecord:
        """The record of a partner's JSON data (as stored, or ``Partner.business_data()``)."""
        address = (data.get("addresses") or [{}])[0]
        ids = [(i.get("kind", ""), i.get("number", "")) for i in data.get("identifications") or ()]
        ids += [("vat", t.get("number", "")) for t in data.get("tax_numbers") or ()
                if str(t.get("category", "")).upper() == "VAT"]
        return cls.create(
            str(data.get("kind") or PERSON),
            first_name=data.get("first_name"), last_name=data.get("last_name"),
            organisation_name=data.get("organisation_name") if data.get("kind") == ORGANISATION else None,
            birth_date=data.get("birth_date"),
            identifications=ids,
            emails=list(data.get("emails") or ()),
            phones=[p.get("number", "") for p in data.get("phones") or ()],
            street=address.get("street"), house_number=address.get("house_number"),
            postal_code=address.get("postal_code"), city=address.get("city"), country=address.get("country"),
        )

    @classmethod
    def from_partner(cls, partner: Partner) -> MatchRecord:
        """The record of a canonical partner."""
        return cls.from_data(partner.business_data())

    @property
    def is_person(self) -> bool:
        """Persons and organisations are compared on different facts."""
        return self.kind == PERSON

    @property
    def name(self) -> str:
        """The folded name for display in evidence: "first last" or the organisation's."""
        return self.organisation_name if not self.is_person else f"{self.first_name} {self.last_name}".strip()
