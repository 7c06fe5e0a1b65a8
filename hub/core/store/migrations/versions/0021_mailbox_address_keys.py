"""Match keys: the e-mail's mailbox name and the address alone in, birth date with postal
code or street out.

Revision ID: 0021
Revises: 0020

The matcher (``hub.core.matching.blocking``) now also blocks on an e-mail address's
mailbox name without its domain (not a generic one such as ``info``) and on postal code,
street and house number without any name: duplicates with typos in both names, or a
new surname, and no birth date were never compared before. It no longer blocks on birth
date + postal code (``dz``) or birth date + street (``ds``), which the address key all
but covers. Partners stored before this revision lack the new keys, so a new row could
not find them through them, and hold the old ones, which nothing looks up any more:
every unmerged partner's keys of these four kinds are computed from its stored data, the
new ones added and the old ones deleted (its other keys stay). The computation is copied
here, so this revision keeps doing what it did if that code changes. In chunks.
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


def changed_keys_of(data: dict[str, Any]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """A partner's keys of this revision's new kinds and of the kinds it drops, from its
    stored data."""
    emails = {e.strip().lower() for e in data.get("emails") or () if e and "@" in e}
    new = {("mailbox", box) for e in emails if (box := e.split("@")[0]) not in GENERIC_MAILBOXES}
    old = set()
    address = (data.get("addresses") or [{}])[0]
    zip_code = "".join(ch for ch in str(address.get("postal_code") or "").upper() if ch.isalnum())
    street_name, number = _street(address.get("street"), address.get("house_number"))
    street = f"{street_name[:6]}{number}" if street_name else ""
    born = str(data.get("birth_date") or "").strip()
    if street and zip_code:
        new.add(("ad", f"{zip_code}|{street}"))
    if born and zip_code:
        old.add(("dz", f"{born}|{zip_code}"))
    if born and street:
        old.add(("ds", f"{born}|{street}"))
    return new, old


def key_hash(key: tuple[str, str]) -> int:
    """A match key's stored form (as revision 0005 made it)."""
    kind, text = key
    return int.from_bytes(blake2b(f"{kind}\x00{text}".encode(), digest_size=8).digest(), "big", signed=True)


def _each_chunk() -> Any:
    """Per chunk of partners: the connection, the (hash, hub id) of their new keys and of
    their dropped ones."""
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
        changed = [(hub_id, changed_keys_of(data)) for hub_id, data in rows]
        yield (conn, sorted({(key_hash(k), hub_id) for hub_id, (new, _) in changed for k in new}),
               sorted({(key_hash(k), hub_id) for hub_id, (_, old) in changed for k in old}))
        after = rows[-1].hub_id


def _swap(conn: sa.Connection, insert: list[tuple[int, str]], delete: list[tuple[int, str]]) -> None:
    if delete:
        conn.execute(_keys.delete().where(_keys.c.key_hash == sa.bindparam("b_hash"),
                                          _keys.c.hub_id == sa.bindparam("b_hub_id")),
                     [{"b_hash": h, "b_hub_id": hub_id} for h, hub_id in delete])
    if insert:
        conn.execute(_keys.insert(), [{"key_hash": h, "hub_id": hub_id} for h, hub_id in insert])


def upgrade() -> None:
    for conn, new, old in _each_chunk():
        _swap(conn, new, old)


def downgrade() -> None:
    for conn, new, old in _each_chunk():
        _swap(conn, old, new)
