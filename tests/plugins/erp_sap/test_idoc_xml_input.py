"""IDoc-XML input held to SAP's lengths, read in any Unicode encoding, and streamed."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from plugins.erp_sap.idoc.codec import Definitions, IdocCodecs
from plugins.erp_sap.idoc.errors import IdocError
from plugins.erp_sap.idoc.sniff import accepts_xml
from plugins.erp_sap.idoc.xml import read_xml

DATA = Path(__file__).parent / "data"
MATMAS = (DATA / "matmas05.xml").read_bytes()
ONE_LINE = re.sub(rb">\s+<", b"><", MATMAS)


def refused(payload: bytes, name: str = "file.xml") -> str:
    with pytest.raises(IdocError) as caught:
        list(read_xml(payload, name))
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_50_mb_value_in_a_40_character_field_is_refused_before_it_is_built() -> None:
    """The finding: a single-line file whose MAKTX (40 characters) held 50 MB was stored."""
    payload = ONE_LINE.replace(b"Kreiselpumpe KP-100", b"A" * 50_000_000, 1)
    assert b"\n" not in payload
    assert refused(payload) == ("IDoc 0000000000552001 in file.xml: field 'E1MAKTM': XML line 1:"
                                " field MAKTX is more than 10,000,000 characters, at most 40 fit")


def test_a_value_longer_than_its_field_names_idoc_segment_field_and_line() -> None:
    payload = MATMAS.replace(b"Kreiselpumpe KP-100", b"K" * 41)
    assert refused(payload) == ("IDoc 0000000000552001 in file.xml: field 'E1MAKTM': XML line 43:"
                                " field MAKTX is 41 characters, at most 40 fit")
    assert len(list(read_xml(MATMAS.replace(b"Kreiselpumpe KP-100", b"K" * 40 + b"   ")))) == 2


def test_control_record_fields_are_held_to_their_lengths() -> None:
    assert refused(MATMAS.replace(b"<SNDPRN>", b"<SNDPRN>ABCDEFGHIJK", 1)).endswith(
        "XML line 16: control field SNDPRN is 21 characters, at most 10 fit")
    message = refused(MATMAS.replace(b"0000000000552001", b"0" * 17, 1))
    assert message.startswith("IDoc (number unknown) in file.xml: field 'control record': XML line 7:")
    assert message.endswith("control field DOCNUM is 17 characters, at most 16 fit")
    assert refused(MATMAS.replace(b"0000000000552001", b"00000000005520X1", 1)).endswith(
        "DOCNUM '00000000005520X1' is not a number (corrupted control record?)")
    assert refused(MATMAS.replace(b"<SNDPOR>", b"<COLOUR>blue</COLOUR><SNDPOR>", 1)).endswith(
        "COLOUR is no field of the control record EDI_DC40")


def test_fields_without_definition_share_what_sdata_leaves() -> None:
    """A definition may list only a segment's leading fields; a segment without one
    keeps all its fields. Either way SAP's SDATA holds 1000 characters."""
    extension = b"<Z1MATX SEGMENT=\"1\"><ZZA>" + b"a" * 600 + b"</ZZA><ZZB>" + b"b" * 400 + b"</ZZB></Z1MATX>"
    (first, _) = read_xml(MATMAS.replace(b"</E1MARAM>", extension + b"</E1MARAM>", 1))
    (ext,) = first.body[0].find("Z1MATX")
    assert (len(ext.fields["ZZA"]), len(ext.fields["ZZB"])) == (600, 400)
    assert refused(MATMAS.replace(b"</E1MARAM>", extension.replace(b"</ZZB>", b"b</ZZB>") + b"</E1MARAM>", 1)) \
        .endswith("segment without definition whose fields hold 1001 characters; SDATA holds at most 1000")
    # E1MAKTM defines 46 characters: 954 are left for fields it does not list
    assert len(list(read_xml(MATMAS.replace(b"</MAKTX>", b"</MAKTX><ZZNOTE>" + b"n" * 954 + b"</ZZNOTE>", 1)))) == 2
    assert refused(MATMAS.replace(b"</MAKTX>", b"</MAKTX><ZZNOTE>" + b"n" * 955 + b"</ZZNOTE>", 1)).endswith(
        "fields ZZNOTE, which the definition does not list, hold 955 characters;"
        " past its defined fields SDATA holds 954")
    assert refused(MATMAS.replace(b"</E1MARAM>", b"<Z1" + b"X" * 30 + b" SEGMENT=\"1\"/></E1MARAM>", 1)).endswith(
        "segment name is 32 characters, at most 30 fit")


@pytest.mark.parametrize("encoding", ["UTF-16", "UTF-32", "UCS-4"])
def test_a_declared_encoding_the_bytes_are_not_in_is_refused(encoding: str) -> None:
    """Found by fuzzing: ASCII bytes declaring UTF-16 stopped the reader with a bare UnicodeError."""
    assert refused(MATMAS.replace(b"UTF-8", encoding.encode())) == (
        f"IDoc (number unknown) in file.xml: field 'XML': XML line 1: declares encoding {encoding},"
        " but its bytes are not in it")


def test_libxml2_limits_stay_on_and_read_in_our_words() -> None:
    deep = ONE_LINE.replace(b"<MAKTX>", b"<A>" * 300 + b"<MAKTX>", 1)
    assert refused(deep).endswith("elements nested more than 256 deep")


@pytest.mark.parametrize(("bom", "codec"), [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")])
@pytest.mark.parametrize("declaration", ["UTF-16", None])
def test_utf16_is_recognised_and_read(tmp_path: Path, bom: bytes, codec: str, declaration: str | None) -> None:
    text = MATMAS.decode("utf-8").replace("Kreiselpumpe", "Kreiselpümpe €")
    text = text.replace("encoding='UTF-8'", f"encoding='{declaration}'") if declaration else text.split("\n", 1)[1]
    payload = bom + text.encode(codec)
    assert accepts_xml(payload[:4096])
    codecs = IdocCodecs(Definitions(tmp_path / "none"))
    pump, _ = codecs.parse(payload, "utf16.xml")
    expected, _ = read_xml(MATMAS.replace(b"Kreiselpumpe", "Kreiselpümpe €".encode()))
    assert pump.body == expected.body and pump.control == expected.control
    assert next(pump.body[0].find("E1MAKTM")).fields["MAKTX"] == "Kreiselpümpe € KP-100"
    # declared UTF-16 without byte order mark: libxml2 and we agree on what it is
    if declaration:
        (again, _) = read_xml(text.encode(codec))
        assert again.body == expected.body


def test_a_large_file_streams_one_idoc_at_a_time() -> None:
    idocs = ONE_LINE.split(b"<IDOC ", 1)[1].rsplit(b"</MATMAS05>", 1)[0]
    big = ONE_LINE.split(b"<IDOC ", 1)[0] + (b"<IDOC " + idocs) * 2000 + b"</MATMAS05>"

    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, size: int | None = -1) -> bytes:
            chunk = super().read(size)
            Counting.read_bytes += len(chunk)
            return chunk

    documents = read_xml(Counting(big), "big.xml")
    assert next(documents).document_id == "0000000000552001"
    assert Counting.read_bytes < len(big) / 10
    assert sum(1 for _ in documents) == 3999
