"""Partners get two more match keys: the e-mail's mailbox name, and the address alone.

Revision ID: 0021
Revises: 0020

The matcher (``hub.core.matching.blocking``) now also blocks on an e-mail address's
mailbox name without its domain (not a generic one such as ``info``) and on postal code,
street and house number without any name: duplicates with typos in both names, or a
new surname, and no birth date were never compared before. Partners stored before
this revision lack those keys, so a new row could not find them through them: every
unmerged partner's two new kinds of key are computed from its stored data and added
(the keys it has stay). The computation is copied here, so this revision keeps adding
what it added if that code changes. Read and written in chunks.
"""

from __future__ import annotations

import re
import unicodedata
from hashlib import blake2b
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

CHUNK = 2_000
JSONColumn = sa.JSON().with_variant(JSONB(), "postgresql")
_documents = sa.table("documents", sa.column("hub_id", sa.String), sa.column("doc_type", sa.String),
                      sa.column("data", JSONColumn), sa.column("merged_into", sa.String))
_keys = sa.table("partner_match_keys", sa.column("hub_id", sa.String), sa.column("key_hash", sa.BigInteger))

GENERIC_MAILBOXES = frozenset("info kontakt contact office mail post service sales vertrieb hallo hello"
                              " team mail admin buero bureau verwaltung anfrage".split())
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
_STREET_SUFFIX = re.compile(r"(strasse|str)\b")
_STREET_WORDS = (("street", "st"), ("road", "rd"), ("avenue", "ave"), ("platz", "pl"), ("weg", "wg"))
_HOUSE_NUMBER = re.compile(r"^(.*?)[\s,]*(\d+\s*[a-z]?(?:\s*[-/]\s*\d+\s*[a-z]?)?)$")
_TRANSLITERATIONS = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("&", " und "))


def _fold(text: Any) -> str:
    if not text:
        return ""
    text = str(text).lower()
    for letter, spelt in _TRANSLITERATIONS:
        text = text.replace(letter, spelt)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", text).split())


def _street(street: Any, house_number: Any) -> tuple[str, str]:
    text = _fold(street)
    number = _fold(house_number).replace(" ", "")
    if not number:
        found = _HOUSE_NUMBER.match(text)
        if found and found.group(1):
            text, number = found.group(1), found.group(2).replace(" ", "")
    text = _STREET_SUFFIX.sub("str", text)
    words = text.split()
    for long, short in _STREET_WORDS:
        words = [short if w == long else w for w in words]
    return "".join(words), number


def new_keys_of(data: dict[str, Any]) -> set[tuple[str, str]]:
    """The keys of this revision's two new kinds for a partner's stored data."""
    emails = {e.strip().lower() for e in data.get("emails") or () if e and "@" in e}
    keys = {("mailbox", box) for e in emails if (box := e.split("@")[0]) not in GENERIC_MAILBOXES}
    address = (data.get("addresses") or [{}])[0]
    zip_code = "".join(ch for ch in str(address.get("postal_code") or "").upper() if ch.isalnum())
    street_name, number = _street(address.get("street"), address.get("house_number"))
    if street_name and zip_code:
        keys.add(("ad", f"{zip_code}|{street_name[:6]}{number}"))
    return keys


def key_hash(key: tuple[str, str]) -> int:
    """A match key's stored form (as revision 0005 made it)."""
    kind, text = key
    return int.from_bytes(blake2b(f"{kind}\x00{text}".encode(), digest_size=8).digest(), "big", signed=True)


def _each_chunk() -> Any:
    conn = op.get_bind()
    select = (
        sa.select(_documents.c.hub_id, _documents.c.data)
        .where(_documents.c.doc_type == "partner", _documents.c.merged_into.is_(None),
               _documents.c.hub_id > sa.bindparam("b_after"))
        .order_by(_documents.c.hub_id)
        .limit(CHUNK)
    )
    after = ""
    while rows := conn.execute(select, {"b_after": after}).all():
        yield conn, sorted({(key_hash(k), hub_id) for hub_id, data in rows for k in new_keys_of(data)})
        after = rows[-1].hub_id


def upgrade() -> None:
    for conn, new in _each_chunk():
        if new:
            conn.execute(_keys.insert(), [{"key_hash": h, "hub_id": hub_id} for h, hub_id in new])


def downgrade() -> None:
    for conn, added in _each_chunk():
        for hashed, hub_id in added:
            conn.execute(_keys.delete().where(_keys.c.key_hash == hashed, _keys.c.hub_id == hub_id))
