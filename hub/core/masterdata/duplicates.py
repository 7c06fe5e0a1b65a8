"""Duplicate check for partners: blocking keys to find candidates, a score to rank them.

Blocking keys (stored in ``partner_match_keys``) make the check cheap: a new partner is
only compared with partners that share a normalised e-mail, VAT number, name+address
or name prefix+postal code. The score then weighs the evidence: the same VAT number or
e-mail is near-certain; otherwise name similarity and address agreement add up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

LEGAL_FORMS = frozenset(
    "gmbh ag kg ohg gbr ug se ev mbh kgaa co ltd limited inc llc corp plc sa sarl srl spa bv nv"
    " oy ab as aps".split()
)
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
_STREET_SUFFIX = re.compile(r"(strasse|str)\b")
_VAT_NOISE = re.compile(r"[^A-Z0-9]")
# German spelling without umlauts ("Mueller") is as common as with them ("Müller").
# Replaced one after the other, which equals translating them at once: no replacement
# holds a character that is replaced.
_TRANSLITERATIONS = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("&", " und "))
_ASCII_WORD_BYTES = bytes(c if c in b"abcdefghijklmnopqrstuvwxyz0123456789" else 32 for c in range(256))
"""``_NOT_WORD`` for ASCII text as a byte table: every other character becomes a space,
which splitting then drops like the runs the pattern replaces."""

MatchKey = tuple[str, str]
FUZZY_KINDS = frozenset({"nameaddr", "namezip"})
MAX_FUZZY_HOLDERS = 20
"""A fuzzy key shared by more partners than this is too common to tell anything
(a frequent surname in a big city); exact keys (e-mail, VAT) are always used."""


def _fold_words(text: str) -> list[str]:
    # Every partner's name and street pass here, for new partners and for stored ones
    # met as candidates: ASCII text (most, once transliterated) takes a byte table
    # instead of the pattern and Unicode normalisation, with the same result.
    text = text.lower()
    if "&" in text or not text.isascii():
        for letter, spelt in _TRANSLITERATIONS:
            if letter in text:
                text = text.replace(letter, spelt)
        if not text.isascii():
            text = unicodedata.normalize("NFKD", text)
            text = "".join(ch for ch in text if not unicodedata.combining(ch))
            return _NOT_WORD.sub(" ", text).split()
    return text.encode("ascii").translate(_ASCII_WORD_BYTES).decode("ascii").split()


def _fold(text: str) -> str:
    return " ".join(_fold_words(text))


def normalise_name(name: str) -> str:
    """Lower-case, accents and punctuation removed, legal forms (GmbH, Ltd...) dropped."""
    return " ".join([t for t in _fold_words(name) if t not in LEGAL_FORMS])


def normalise_street(street: str | None, house_number: str | None) -> str:
    """``Hauptstraße 5`` and ``Hauptstr. 5`` give the same key."""
    text = _fold(f"{street or ''} {house_number or ''}")
    return _STREET_SUFFIX.sub("str", text) if "str" in text else text


def trigrams(text: str) -> frozenset[str]:
    """Character trigrams of a padded string: the basis of a typo-tolerant similarity."""
    padded = f"  {text} "
    return frozenset(map("".join, zip(padded, padded[1:], padded[2:], strict=False)))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two trigram sets (1.0 = same)."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def _vat_number(number: str) -> str:
    """``DE 123.456.789`` as ``DE123456789``; most numbers arrive bare and skip the pattern."""
    number = number.upper()
    return number if number.isascii() and number.isalnum() else _VAT_NOISE.sub("", number)


def partner_name(data: dict[str, Any]) -> str:
    """The name a person or organisation is known by."""
    if data.get("organisation_name"):
        return str(data["organisation_name"])
    return " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)


class PartnerProfile:
    """The normalised facts the check compares.

    Immutable by convention; a plain slotted class rather than a frozen dataclass: a
    batch makes one for every new partner and every stored candidate, and the frozen
    dataclass's ``__init__`` and the locking ``cached_property`` of Python 3.11 were a
    tenth of the duplicate check's time. Trigrams and keys are made on first use.
    """

    __slots__ = ("name", "postal_code", "street", "emails", "vat_numbers", "_name_grams", "_keys")

    def __init__(self, name: str, postal_code: str, street: str, emails: frozenset[str],
                 vat_numbers: frozenset[str]) -> None:
        self.name = name
        self.postal_code = postal_code
        self.street = street
        self.emails = emails
        self.vat_numbers = vat_numbers
        self._name_grams: frozenset[str] | None = None
        self._keys: frozenset[MatchKey] | None = None

    @classmethod
    def of(cls, data: dict[str, Any]) -> PartnerProfile:
        """Profile of a partner's JSON data."""
        address = (data.get("addresses") or [{}])[0]
        return cls(
            normalise_name(partner_name(data)),
            (address.get("postal_code") or "").replace(" ", "").upper(),
            normalise_street(address.get("street"), address.get("house_number")),
            frozenset([e.strip().lower() for e in data.get("emails") or ()]),
            frozenset([
                _vat_number(t["number"]) for t in data.get("tax_numbers") or ()
                if t.get("category", "").upper() == "VAT"
            ]),
        )

    def _facts(self) -> tuple[str, str, str, frozenset[str], frozenset[str]]:
        return self.name, self.postal_code, self.street, self.emails, self.vat_numbers

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PartnerProfile):
            return NotImplemented
        return self._facts() == other._facts()

    def __hash__(self) -> int:
        return hash(self._facts())

    def __repr__(self) -> str:
        return (f"PartnerProfile(name={self.name!r}, postal_code={self.postal_code!r}, street={self.street!r},"
                f" emails={set(self.emails)!r}, vat_numbers={set(self.vat_numbers)!r})")

    @property
    def name_grams(self) -> frozenset[str]:
        """Trigrams of the name, made when the profile is first scored: most new partners
        share no key with anyone and are never scored."""
        if self._name_grams is None:
            self._name_grams = trigrams(self.name)
        return self._name_grams

    def keys(self) -> frozenset[MatchKey]:
        """Blocking keys: partners sharing any one are compared (made once: a batch asks
        once to look holders up and once to check the partner)."""
        if self._keys is None:
            keys: list[MatchKey] = [("email", e) for e in self.emails]
            keys += [("vat", v) for v in self.vat_numbers]
            if self.name:
                keys.append(("nameaddr", f"{self.name}|{self.postal_code}|{self.street}"[:200]))
                if self.postal_code:
                    keys.append(("namezip", f"{self.name.split()[0][:12]}|{self.postal_code}"))
            self._keys = frozenset(keys)
        return self._keys


@dataclass(frozen=True)
class DuplicateCandidate:
    """Another partner that is probably the same one, with the evidence."""

    hub_id: str
    score: float
    reasons: tuple[str, ...] = field(default_factory=tuple)


def score(a: PartnerProfile, b: PartnerProfile) -> tuple[float, tuple[str, ...]]:
    """How likely two partners are the same (0..1), and why."""
    reasons: list[str] = []
    best = 0.0
    if a.vat_numbers & b.vat_numbers:
        best = 0.98
        reasons.append("same VAT number")
    if a.emails & b.emails:
        best = max(best, 0.9)
        reasons.append("same e-mail")
    if a.name and b.name:
        alike = similarity(a.name_grams, b.name_grams)
        same_postal = bool(a.postal_code) and a.postal_code == b.postal_code
        same_street = bool(a.street) and a.street == b.street
        combined = 0.6 * alike + 0.25 * same_postal + 0.15 * same_street
        if alike >= 0.8:
            reasons.append(f"name {alike:.0%} alike")
        if same_postal and same_street:
            reasons.append("same address")
        elif same_postal:
            reasons.append("same postal code")
        best = max(best, combined)
    return round(best, 3), tuple(reasons)


def rank_candidates(
    profile: PartnerProfile,
    others: Iterable[tuple[str, PartnerProfile]],
    threshold: float,
) -> list[DuplicateCandidate]:
    """Candidates at or above ``threshold``, best first."""
    found = []
    for hub_id, other in others:
        value, reasons = score(profile, other)
        if value >= threshold:
            found.append(DuplicateCandidate(hub_id, value, reasons))
    return sorted(found, key=lambda c: (-c.score, c.hub_id))
