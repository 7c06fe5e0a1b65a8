"""Decoding SDATA by a segment definition: padded, trimmed and overlong records alike,
whole or one field at a time."""

from __future__ import annotations

import pytest

from plugins.erp_sap.idoc.control import SDATA_LENGTH
from plugins.erp_sap.idoc.definitions import REST_FIELD, FieldDef, SegmentDef, SegmentFields


def _segment() -> SegmentDef:
    fields = (FieldDef("A", 0, 3), FieldDef("B", 3, 5), FieldDef("C", 8, 4), FieldDef("D", 20, 10))
    return SegmentDef("Z1TEST", "Z2TEST000", None, 1, fields=fields)


def _reference(sdata: str) -> dict[str, str]:
    values = {}
    for name, start, end in (("A", 0, 3), ("B", 3, 8), ("C", 8, 12), ("D", 20, 30)):
        value = sdata[start:end].rstrip()
        if value:
            values[name] = value
    rest = sdata[30:].rstrip()
    if rest:
        values[REST_FIELD] = rest
    return values


RECORDS = [
    "AAA",  # one field
    "AAAB",  # one character more: the next field starts right there
    "AAABBBBB",  # two fields
    "AAA",  # fewer than the record before
    "AAABBBBBCCCC        DDDDDDDDDD",  # all of them
    "AAA  BB",  # a field cut short by trimming
    "        CCCC",  # leading fields blank
    "AAABBBBBCCCC        DDDDDDDDDDmore text",  # text past the last field
    "AAABBBBB",
    "",
]


@pytest.mark.parametrize("pad", [True, False])
def test_every_sequence_of_records_decodes_like_the_reference(pad: bool) -> None:
    segment = _segment()
    for sdata in RECORDS + RECORDS[::-1]:
        record = sdata.ljust(SDATA_LENGTH) if pad else sdata
        assert segment.decode(record) == _reference(sdata), sdata


def test_a_blank_looking_tail_that_is_not_blank_is_read() -> None:
    segment = _segment()
    segment.decode("AAA".ljust(SDATA_LENGTH))
    record = "AAA".ljust(SDATA_LENGTH - 1) + "X"  # the last character is not blank
    assert segment.decode(record) == _reference(record)
    assert segment.decode(record)[REST_FIELD].endswith("X")


@pytest.mark.parametrize("sdata", RECORDS)
def test_fields_read_one_at_a_time_are_what_decoding_gives(sdata: str) -> None:
    expected = _reference(sdata)
    fields = SegmentFields(sdata, _segment())
    for name in ("A", "B", "C", "D", REST_FIELD, "NOT_DEFINED"):
        assert fields.get(name) == expected.get(name), name
        assert fields.get(name, "") == expected.get(name, "")
        assert (name in fields) == (name in expected)
    assert dict(fields) == expected and fields == expected and len(fields) == len(expected)


def test_a_defined_field_is_read_without_decoding_the_record() -> None:
    fields = SegmentFields("AAABBBBBCCCC        DDDDDDDDDD", _segment())
    assert fields["C"] == "CCCC" and fields.get("D") == "DDDDDDDDDD" and "B" in fields
    assert fields._decoded is None
    with pytest.raises(KeyError):
        fields["NOT_DEFINED"]


def test_changing_fields_works_on_the_decoded_record() -> None:
    fields = SegmentFields("AAABBBBB", _segment())
    fields["C"] = "NEW"
    del fields["A"]
    assert dict(fields) == {"B": "BBBBB", "C": "NEW"} and fields.get("A") is None
