"""The IDoc control record EDI_DC40 and the data record header EDI_DD40.

Both layouts are SAP's (release 4.0 onwards): the control record is 524 characters,
a data record 63 characters of header followed by up to 1000 characters of SDATA.
Unicode systems label the control record ``EDI_DC40_U``; it has the same layout.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter

CONTROL_LAYOUT: tuple[tuple[str, int], ...] = (
    ("TABNAM", 10), ("MANDT", 3), ("DOCNUM", 16), ("DOCREL", 4), ("STATUS", 2),
    ("DIRECT", 1), ("OUTMOD", 1), ("EXPRSS", 1), ("TEST", 1), ("IDOCTYP", 30),
    ("CIMTYP", 30), ("MESTYP", 30), ("MESCOD", 3), ("MESFCT", 3), ("STD", 1),
    ("STDVRS", 6), ("STDMES", 6), ("SNDPOR", 10), ("SNDPRT", 2), ("SNDPFC", 2),
    ("SNDPRN", 10), ("SNDSAD", 21), ("SNDLAD", 70), ("RCVPOR", 10), ("RCVPRT", 2),
    ("RCVPFC", 2), ("RCVPRN", 10), ("RCVSAD", 21), ("RCVLAD", 70), ("CREDAT", 8),
    ("CRETIM", 6), ("REFINT", 14), ("REFGRP", 14), ("REFMES", 14), ("ARCKEY", 70),
    ("SERIAL", 20),
)
CONTROL_FIELDS: tuple[str, ...] = tuple(name for name, _ in CONTROL_LAYOUT)
CONTROL_LENGTH = 524
CONTROL_TABNAMES = ("EDI_DC40", "EDI_DC40_U")
# A control record must at least reach into MESTYP (positions 100-129) to be usable; SAP
# trims trailing blanks, so a short MESTYP may end the record.
CONTROL_MIN_LENGTH = 100

SEGNAM = slice(0, 30)
DATA_DOCNUM = slice(33, 49)
SEGNUM = slice(49, 55)
PSGNUM = slice(55, 61)
HLEVEL = slice(61, 63)
SDATA_OFFSET = 63
SDATA_LENGTH = 1000
DATA_LENGTH = SDATA_OFFSET + SDATA_LENGTH

_offsets: list[tuple[str, int, int]] = []
_pos = 0
for _name, _length in CONTROL_LAYOUT:
    _offsets.append((_name, _pos, _length))
    _pos += _length
assert _pos == CONTROL_LENGTH
CONTROL_OFFSETS: tuple[tuple[str, int, int], ...] = tuple(_offsets)
CONTROL_LENGTHS: dict[str, int] = dict(CONTROL_LAYOUT)
_get_control = itemgetter(*(slice(o, o + n) for _, o, n in CONTROL_OFFSETS))


def is_control_record(record: str) -> bool:
    """Whether a flat record is a control record (``EDI_DC40`` or ``EDI_DC40_U``)."""
    return record.startswith("EDI_DC40")


def decode_control(record: str) -> dict[str, str]:
    """Control-record fields of a flat record, trailing blanks stripped, blank ones left out."""
    return {
        name: value
        for name, value in zip(CONTROL_FIELDS, map(str.rstrip, _get_control(record)), strict=True)
        if value
    }


def encode_control(fields: dict[str, str]) -> str:
    """The 524-character flat control record for ``fields``.

    Raises ValueError naming a field that is unknown or longer than its slot.
    """
    parts = []
    for name, _, length in CONTROL_OFFSETS:
        value = fields.get(name, "")
        if len(value) > length:
            raise ValueError(f"control field {name} is {len(value)} characters, at most {length} fit")
        parts.append(value.ljust(length))
    unknown = sorted(set(fields) - set(CONTROL_FIELDS))
    if unknown:
        raise ValueError(f"unknown control record field(s) {', '.join(unknown)}")
    return "".join(parts)


def control_field_length(name: str) -> int | None:
    """Length of a control-record field, or None when ``name`` is not one."""
    return CONTROL_LENGTHS.get(name)


def sender_key(control: Mapping[str, str], document_id: str) -> str:
    """The inbound dedupe key of an IDoc: ``MESTYP:SNDPRN/SNDPOR/MANDT:DOCNUM``.

    An IDoc number is unique only within the system and client that sent it (another
    client, another SAP system, or the same system after a copy may send the same
    number again), so the key names the sending partner, port and client with it.
    """
    sender = "/".join(control.get(name, "") for name in ("SNDPRN", "SNDPOR", "MANDT"))
    return f"{control.get('MESTYP', '')}:{sender}:{document_id}"
