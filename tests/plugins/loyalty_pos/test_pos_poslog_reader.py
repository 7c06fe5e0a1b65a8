"""The streaming POSLog reader: one standalone document per transaction, stable keys,
flat memory over a whole day, and no DTD or entity ever honoured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pos_fixtures import DATA, MALFORMED, codecs, parse, read

from hub.api import DocumentError
from plugins.loyalty_pos.poslog.generate import write_day

DAY = "poslog60_day.xml"


def test_each_transaction_is_a_document_with_its_own_payload_and_key() -> None:
    documents = read(DAY)
    assert [d.message_type for d in documents] == ["POSLog"] * 8
    assert [d.dedupe_key for d in documents] == [d.document_id for d in documents]
    assert documents[1].dedupe_key == "S042/03/2024-05-18/815"
    assert {d.source for d in documents} == {DAY} and {d.format for d in documents} == {"json"}
    for document in documents:
        assert document.payload is not None
        assert document.payload.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<POSLog xmlns="http://www.nrf')
        (again,) = parse(document.payload, "archive:1")
        assert (again.document_id, again.body) == (document.document_id, document.body)
    assert b"<SequenceNumber>815</SequenceNumber>" in documents[1].payload  # type: ignore[operator]
    assert b"<SequenceNumber>816</SequenceNumber>" not in documents[1].payload  # type: ignore[operator]


def test_keys_and_payloads_are_the_same_however_often_the_file_is_read() -> None:
    first, second = read(DAY), read(DAY)
    assert [(d.dedupe_key, d.payload) for d in first] == [(d.dedupe_key, d.payload) for d in second]
    relaid = (DATA / DAY).read_bytes().replace(b"\n  <Transaction", b"\n\n\n  <Transaction")
    assert [d.payload for d in parse(relaid, "again.xml")] == [d.payload for d in first]


def test_a_lone_transaction_is_a_poslog_too() -> None:
    day = (DATA / DAY).read_bytes()
    start = day.index(b"<Transaction", day.index(b"<SequenceNumber>815") - 400)
    alone = day[start:day.index(b"</Transaction>", start) + len(b"</Transaction>")]
    alone = alone.replace(b"<Transaction ", b'<Transaction xmlns="http://www.nrf-arts.org/IXRetail/namespace/" ', 1)
    (document,) = parse(alone, "one.xml")
    assert document.document_id == "S042/03/2024-05-18/815" and document.body == read(DAY)[1].body


def test_an_empty_day_holds_nothing_and_other_xml_is_refused() -> None:
    assert parse(b'<POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/"/>', "empty.xml") == []
    reader = codecs()["poslog"]
    with pytest.raises(DocumentError, match="not POSLog: the root element is neither POSLog nor Transaction"):
        list(reader.parse(b"<Orders><Transaction/></Orders>", "orders.xml"))
    with pytest.raises(DocumentError, match="not POSLog: no POSLog or Transaction element"):
        list(reader.parse(b"<Orders/>", "orders.xml"))


@pytest.mark.parametrize("name", ["doctype_entity_expansion.xml", "doctype_external_entity.xml"])
def test_a_doctype_refuses_the_whole_file_before_anything_is_read(name: str) -> None:
    with pytest.raises(DocumentError) as refused:
        read(name, MALFORMED)
    assert str(refused.value) == (f"{name}: field 'DOCTYPE': a document type declaration is refused"
                                  " (no DTDs or entities in POSLog)")


def test_a_root_namespace_that_is_no_uri_refuses_the_whole_file() -> None:
    day = (DATA / DAY).read_bytes().replace(b"http://www.nrf-arts.org", b"$ttp://www.nrf-arts.org", 1)
    day = day[:day.index(b"</Transaction>") + 20]  # cut off: its rejection would have to quote the root
    with pytest.raises(DocumentError) as refused:
        list(codecs()["poslog"].parse(day, "bent.xml"))
    assert str(refused.value) == ("bent.xml: field 'POSLog': not POSLog: the namespace"
                                  " '$ttp://www.nrf-arts.org/IXRetail/namespace/' is not a valid URI")


def test_a_payload_that_is_not_xml_is_refused_whole() -> None:
    with pytest.raises(DocumentError) as refused:
        read("not_xml.xml", MALFORMED)
    assert str(refused.value).startswith("not_xml.xml: field 'XML line 1, column 14': not POSLog: ")


def test_a_file_broken_off_in_an_element_of_an_undeclared_prefix_rejects_that_transaction() -> None:
    """Found by the property test: the element path of the break named its elements
    through ``etree.QName``, which refuses ``cme:Itemizers``, and the reader raised."""
    raw = (DATA / DAY).read_bytes()
    line_item = raw.index(b"<LineItem", raw.index(b"<SequenceNumber>815</SequenceNumber>"))
    cut = raw[:raw.index(b">", line_item) + 1] + b"<cme:Itemizers><Quantity>1"
    *posted, rejected = parse(cut, "cut.xml")
    assert [d.message_type for d in posted] == ["POSLog"]
    assert (rejected.message_type, rejected.document_id) == ("POSLog.rejected", "S042/03/2024-05-18/815")
    assert isinstance(rejected.body, dict)
    assert rejected.body["element"].startswith("Transaction/RetailTransaction/LineItem/Itemizers/Quantity (XML line")
    assert "Namespace prefix cme on Itemizers is not defined" in rejected.body["reason"]


@pytest.fixture(scope="module")
def day_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("day") / "day.xml"
    with path.open("wb") as out:
        write_day(out, 20_000, seed=7)
    return path


MEASURE = """
import resource, sys
from plugins.loyalty_pos.codecs import codec_specs
from plugins.loyalty_pos.settings import LoyaltyPosSettings
parse = codec_specs(LoyaltyPosSettings())[0].parse
payload = open(sys.argv[1], "rb").read()
peaks, count = [], 0
for document in parse(payload, "day.xml"):
    count += 1
    if count in (2000, 20000):
        peaks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
print(count, *peaks)
"""


@pytest.mark.slow
def test_a_day_of_20000_transactions_parses_in_flat_memory(day_file: Path) -> None:
    """Peak RSS after 2,000 transactions and after 20,000: a reader that kept what it
    read would grow by hundreds of MB (each transaction is about 3 KB of XML)."""
    done = subprocess.run([sys.executable, "-c", MEASURE, str(day_file)], capture_output=True, text=True,
                          check=True, timeout=300, cwd=Path(__file__).resolve().parents[3])
    count, after_2000, after_20000 = (int(v) for v in done.stdout.split())
    assert count == 20_000
    assert after_20000 - after_2000 < 8 * 1024, f"peak RSS grew by {(after_20000 - after_2000) // 1024} MB"
