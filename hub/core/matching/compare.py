"""Comparison levels: how alike two records are, field by field.

Each comparison maps a pair of records to a level: 0 when either side lacks the field
(the field then says nothing), 1 for full agreement, then levels of partial agreement
down to the last one, disagreement. The Fellegi-Sunter model (``model``) gives each
level a weight learnt from data; these functions only decide the level.
"""

from __future__ import annotations

from collections.abc import Callable

from rapidfuzz.distance import JaroWinkler
from rapidfuzz.fuzz import token_sort_ratio

from hub.core.matching.record import MatchRecord
from hub.core.matching.text import nickname_groups

_jw = JaroWinkler.normalized_similarity

Comparison = Callable[[MatchRecord, MatchRecord], int]

FIRST_NAME_LEVELS = ("missing", "exact", "nickname", "typo", "initial", "similar", "different")
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
    if score >= 0.92:
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


def postal_code(a: MatchRecord, b: MatchRecord) -> int:
    """missing, exact, one character off or two swapped, same region (first two), different."""
    x, y = a.postal_code, b.postal_code
    if not x or not y:
        return 0
    if x == y:
        return 1
    if _one_edit_apart(x, y):
        return 2
    return 3 if x[:2] == y[:2] else 4


def street(a: MatchRecord, b: MatchRecord) -> int:
    """missing, same street and number, alike street and same number, alike street (other
    or no number), different."""
    if not a.street or not b.street:
        return 0
    same_number = a.house_number == b.house_number
    if a.street == b.street and same_number:
        return 1
    alike = a.street == b.street or _jw(a.street, b.street) >= 0.88
    if alike and same_number:
        return 2
    return 3 if alike else 4


def city(a: MatchRecord, b: MatchRecord) -> int:
    """missing, exact, alike, different."""
    if not a.city or not b.city:
        return 0
    if a.city == b.city:
        return 1
    return 2 if _jw(a.city, b.city) >= 0.88 else 3


def email(a: MatchRecord, b: MatchRecord) -> int:
    """missing, a shared address, a shared mailbox name at another domain, different."""
    if not a.emails or not b.emails:
        return 0
    if a.emails & b.emails:
        return 1
    if {e.split("@")[0] for e in a.emails} & {e.split("@")[0] for e in b.emails}:
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
    "postal_code": (("missing", "exact", "digit", "region", "different"), postal_code),
    "street": (("missing", "exact", "number", "street", "different"), street),
    "city": (("missing", "exact", "alike", "different"), city),
    "email": (("missing", "exact", "mailbox", "different"), email),
    "phone": (("missing", "exact", "different"), phone),
    "identification": (("missing", "exact", "different"), identification),
}
"""Every comparison: its level names and, for all but the two names (compared in both
orders by the model, for swapped first and last names), the function."""
