"""Comparison levels: how alike two records are, field by field.

Each comparison maps a pair of records to a level: 0 when either side lacks the field
(the field then says nothing), 1 for full agreement, then levels of partial agreement
down to the last one, disagreement. The Fellegi-Sunter model (``model``) gives each
level a weight learnt from data; these functions only decide the level.
"""

from __future__ import annotations

from collections.abc import Callable

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler
from rapidfuzz.fuzz import token_sort_ratio

from hub.core.matching.record import MatchRecord
from hub.core.matching.text import nickname_groups

_jw = JaroWinkler.normalized_similarity

Comparison = Callable[[MatchRecord, MatchRecord], int]

FIRST_NAME_LEVELS = ("missing", "exact", "nickname", "typo", "initial", "similar", "different")
"""A typo is Jaro-Winkler >= 0.92 or one letter changed, added, dropped or two swapped."""
LAST_NAME_LEVELS = ("missing", "exact", "typo", "similar", "different")


def first_name_level(a: str, b: str) -> int:
    """Level of two folded first names (see ``FIRST_NAME_LEVELS``)."""
    if not a or not b:
        return 0
    if a == b:
        return 1
    first_a, first_b = a.split()[0], b.split()[0]
    if first_a == first_b or nickname_groups(first_a) & nickname_groups(first_b):
        return 2
    if len(first_a) == 1 or len(first_b) == 1:
        return 4 if first_a[0] == first_b[0] else 6
    score = _jw(a, b)
    if score >= 0.92 or DamerauLevenshtein.distance(first_a, first_b, score_cutoff=1) <= 1:
        return 3
    return 5 if score >= 0.82 else 6


def last_name_level(a: str, b: str) -> int:
    """Level of two folded last names (see ``LAST_NAME_LEVELS``); a double name shares
    the "typo" level with one of its parts ("Müller-Lüdenscheidt" and "Müller")."""
    if not a or not b:
        return 0
    if a == b:
        return 1
    score = _jw(a, b)
    if score >= 0.93 or (" " in a or " " in b) and bool(set(a.split()) & set(b.split())):
        return 2
    return 3 if score >= 0.84 else 4


def _one_edit_apart(a: str, b: str) -> bool:
    """Same length and one character different, or two neighbours swapped."""
    if len(a) != len(b):
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def birth_date(a: MatchRecord, b: MatchRecord) -> int:
    """missing, exact, one digit off or swapped (incl. day and month swapped), same year,
    different."""
    x, y = a.birth_date, b.birth_date
    if not x or not y:
        return 0
    if x == y:
        return 1
    dx, dy = x.replace("-", ""), y.replace("-", "")
    if _one_edit_apart(dx, dy) or (dx[:4] == dy[:4] and dx[4:6] == dy[6:8] and dx[6:8] == dy[4:6]):
        return 2
    return 3 if dx[:4] == dy[:4] else 4


def _near_code(x: str, y: str) -> bool:
    return x == y or _one_edit_apart(x, y)


def _alike_street(a: MatchRecord, b: MatchRecord) -> bool:
    return a.street == b.street or _jw(a.street, b.street) >= 0.88


def address(a: MatchRecord, b: MatchRecord) -> int:
    """One comparison for street, house number, postal code and city: they are not
    independent (one street lies in one postal code and city), so weighing them apart
    would count one agreement three times.

    Levels: missing; same street, number and place; alike street (spelling, typo), same
    number, same or near place; same or alike street, other or no number, same place;
    same postal code (or one character off) with another street or none; same city
    only; different.
    """
    if not (a.street or a.postal_code or a.city) or not (b.street or b.postal_code or b.city):
        return 0
    same_code = bool(a.postal_code) and a.postal_code == b.postal_code
    near_code = bool(a.postal_code and b.postal_code) and _near_code(a.postal_code, b.postal_code)
    same_city = bool(a.city) and (a.city == b.city or _jw(a.city, b.city) >= 0.9)
    place = near_code or (same_city and not (a.postal_code and b.postal_code))
    if a.street and b.street and place:
        same_number = bool(a.house_number) and a.house_number == b.house_number
        if a.street == b.street and same_number and (same_code or not near_code):
            return 1
        if _alike_street(a, b):
            return 2 if same_number else 3
    if near_code:
        return 4
    return 5 if same_city else 6


GENERIC_MAILBOXES = frozenset("info kontakt contact office mail post service sales vertrieb hallo hello"
                              " team mail admin buero bureau verwaltung anfrage".split())
"""Mailbox names that many organisations use: sharing one says nothing."""


def _mailboxes(emails: frozenset[str]) -> set[str]:
    return {e.split("@")[0] for e in emails} - GENERIC_MAILBOXES


def email(a: MatchRecord, b: MatchRecord) -> int:
    """missing, a shared address, a shared mailbox name (not a generic one like info@) at
    another domain, different."""
    if not a.emails or not b.emails:
        return 0
    if a.emails & b.emails:
        return 1
    if _mailboxes(a.emails) & _mailboxes(b.emails):
        return 2
    return 3


def phone(a: MatchRecord, b: MatchRecord) -> int:
    """missing, shared number, different."""
    if not a.phones or not b.phones:
        return 0
    return 1 if a.phones & b.phones else 2


def identification(a: MatchRecord, b: MatchRecord) -> int:
    """missing (or no kind in common), a shared number, numbers of the same kind differ."""
    if not a.identifications or not b.identifications:
        return 0
    if a.identifications & b.identifications:
        return 1
    kinds = {k for k, _ in a.identifications} & {k for k, _ in b.identifications}
    return 2 if kinds else 0


def organisation_name(a: MatchRecord, b: MatchRecord) -> int:
    """missing, exact (legal forms dropped), typo or words reordered, similar, different."""
    x, y = a.organisation_name, b.organisation_name
    if not x or not y:
        return 0
    if x == y:
        return 1
    if _jw(x, y) >= 0.94 or token_sort_ratio(x, y) >= 92:
        return 2
    return 3 if _jw(x, y) >= 0.85 or token_sort_ratio(x, y) >= 80 else 4


COMPARISONS: dict[str, tuple[tuple[str, ...], Comparison | None]] = {
    "first_name": (FIRST_NAME_LEVELS, None),
    "last_name": (LAST_NAME_LEVELS, None),
    "organisation_name": (("missing", "exact", "typo", "similar", "different"), organisation_name),
    "birth_date": (("missing", "exact", "digit", "year", "different"), birth_date),
    "address": (("missing", "exact", "alike", "street", "postal code", "city", "different"), address),
    "email": (("missing", "exact", "mailbox", "different"), email),
    "phone": (("missing", "exact", "different"), phone),
    "identification": (("missing", "exact", "different"), identification),
}
"""Every comparison: its level names and, for all but the two names (compared in both
orders by the model, for swapped first and last names), the function."""
