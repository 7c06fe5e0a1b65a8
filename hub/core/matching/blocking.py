"""Blocking keys: which partners are compared at all.

Comparing every new row with every stored partner grows with the square of the rows;
instead each record gets a handful of keys, and only records sharing a key are scored.
The keys are chosen so that a true duplicate shares at least one of them despite the
errors lists contain: every name key is made of the *sound* of one name (so a typo in
the other name, swapped first and last names, a nickname or an initial do not break
it) together with one other fact (birth date, postal code, street); the address alone
(postal code, street, house number) and the e-mail mailbox name catch typos in both names.

Keys are stored per partner as 64-bit hashes (``hub.core.masterdata.matchkeys``). A key
held by more than ``MAX_FUZZY_HOLDERS`` partners is too common to tell anything and is
not used, which keeps candidates per row bounded; exact identifiers (e-mail, VAT and
identification numbers) always are.
"""

from __future__ import annotations

from hub.core.matching.compare import GENERIC_MAILBOXES
from hub.core.matching.record import MatchRecord
from hub.core.matching.text import canonical_first_name, phonetic

MatchKey = tuple[str, str]
EXACT_KINDS = frozenset({"email", "vat", "id"})
"""Keys of identifiers: shared by any number of partners, they are still used."""
MAX_FUZZY_HOLDERS = 20
"""A fuzzy key shared by more partners than this is too common to tell anything."""


def _name_sounds(record: MatchRecord) -> list[str]:
    """Sound keys of a person's names: the canonical first name (nicknames folded in)
    and every word of the last name; initials are left out (they tell too little)."""
    sounds = []
    first = record.first_name.split()
    if first and len(first[0]) > 1:
        sounds.append(phonetic(canonical_first_name(first[0])))
    sounds += [phonetic(w) for w in record.last_name.split() if len(w) > 1]
    return [s for s in dict.fromkeys(sounds) if len(s) > 1]


def _org_sounds(record: MatchRecord) -> list[str]:
    """Sound keys of the first two words of an organisation's name."""
    return [s for s in dict.fromkeys(phonetic(w) for w in record.organisation_name.split()[:2]) if len(s) > 1]


def blocking_keys(record: MatchRecord) -> frozenset[MatchKey]:
    """The keys under which ``record`` is stored and looked for."""
    keys: list[MatchKey] = [("email", e) for e in record.emails]
    keys += [("vat" if kind == "vat" else "id", number) for kind, number in record.identifications]
    keys += [("phone", p) for p in record.phones]
    # The mailbox alone: found again at another domain ("anna.roth7@web.de" and
    # "anna.roth7@gmx.de") when names, birth date and address all changed or are missing.
    keys += [("mailbox", box) for e in record.emails if (box := e.split("@")[0]) not in GENERIC_MAILBOXES]
    sounds = _name_sounds(record) if record.is_person else _org_sounds(record)
    zip_code, born = record.postal_code, record.birth_date
    street = f"{record.street[:6]}{record.house_number}" if record.street else ""
    for sound in sounds:
        if born:
            keys.append(("nd", f"{sound}|{born}"))
        if zip_code:
            keys.append(("nz", f"{sound}|{zip_code}"))
        if street:
            keys.append(("ns", f"{sound}|{street}"))
    if len(sounds) >= 2:
        # Both names: found again when birth date and address differ (a rare name; a
        # common one has more holders than the key may have).
        keys.append(("nn", "|".join(sorted(sounds[:2]))))
    if street and zip_code:
        # The address alone: typos in both names and no birth date leave it to find the
        # pair; a household shares it, but a household is small. It took the place of
        # birth date + postal code and birth date + street, which found 0.05 % of the
        # true pairs besides it and cost two more stored keys per partner.
        keys.append(("ad", f"{zip_code}|{street}"))
    return frozenset(keys)
