"""Properties of both IDoc codecs and the Hypothesis strategies that drive them.

Imported explicitly (no conftest) by ``test_idoc_fuzz.py``, a short reproducible run in
``make test``, and by ``bench/fuzz.py``, which runs the same properties long. Two
properties:

- ``parses_or_refuses``: any bytes (arbitrary, or a valid sample file mutated the ways
  files really break) either parse or raise DocumentError, the documented error class,
  with a one-line message; never another exception, and never memory out of proportion
  to the input (traced Python memory at most ``MEMORY_FACTOR`` times the input plus
  ``MEMORY_SLACK``). The deadline against hangs is the Hypothesis setting of the caller.
- ``round_trips``: a valid IDoc built from the definitions renders to a flat file and to
  IDoc-XML, and each parses back to the same control record and segment tree.
"""

from __future__ import annotations

import re
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from hub.core.errors import DocumentError
from hub.core.raw import RawDocument, Segment
from plugins.erp_sap.idoc.codec import Definitions, IdocCodecs
from plugins.erp_sap.idoc.control import CONTROL_LAYOUT
from plugins.erp_sap.idoc.definitions import IdocTypeDef, SegmentDef
from plugins.erp_sap.idoc.flat import read_flat, render_flat
from plugins.erp_sap.idoc.xml import read_xml, render_xml

DATA = Path(__file__).resolve().parent / "data"
FLAT_SAMPLES = ("debmas07_zext_trimmed.txt", "debmas06_crlf.txt", "debmas07_nolinebreaks.txt",
                "debmas07_unicode.txt", "orders05_flat.txt", "invoic02_flat.txt", "aleaud01_flat.txt")
XML_SAMPLES = ("matmas05.xml", "matmas03.xml", "orders05.xml", "invoic02.xml")
SAMPLES = {name: (DATA / name).read_bytes() for name in FLAT_SAMPLES + XML_SAMPLES}
MEMORY_FACTOR = 20
MEMORY_SLACK = 1024 * 1024
CODECS = IdocCodecs(Definitions(DATA / "no-such-folder"))
MESSAGES = {"DEBMAS07": "DEBMAS", "MATMAS05": "MATMAS", "ORDERS05": "ORDERS", "INVOIC02": "INVOIC",
            "ALEAUD01": "ALEAUD", "WPUBON01": "WPUBON"}

Parse = Callable[[bytes], list[RawDocument]]
PARSERS: dict[str, Parse] = {
    "either": lambda payload: list(CODECS.parse(payload, "fuzz")),
    "flat": lambda payload: list(read_flat(payload, "fuzz", CODECS.definitions.registry())),
    "xml": lambda payload: list(read_xml(payload, "fuzz", CODECS.definitions.registry())),
}


def tree(segments: list[Segment]) -> list[tuple[str, dict[str, str], list[Any]]]:
    """Segments as plain data, every field read (a flat segment reads its fields lazily)."""
    return [(s.name, dict(s.fields), tree(s.children)) for s in segments]


def parses_or_refuses(payload: bytes, parse: Parse) -> None:
    """The property of any input: documents, or one DocumentError line; memory in proportion."""
    tracemalloc.start()
    try:
        try:
            for document in parse(payload):
                tree(document.body)
                assert document.payload, document.document_id
        except DocumentError as exc:
            message = str(exc)
            assert message and "\n" not in message, message
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= MEMORY_FACTOR * len(payload) + MEMORY_SLACK, f"{peak:,} bytes traced for {len(payload):,} of input"


def round_trips(document: RawDocument) -> None:
    """The property of a valid IDoc: flat and XML both carry it whole."""
    registry = CODECS.definitions.registry()
    expected = tree(document.body)
    for layout, again in (("flat", read_flat(render_flat([document], registry), "rt", registry)),
                          ("xml", read_xml(render_xml([document], registry), "rt", registry))):
        (parsed,) = again
        assert tree(parsed.body) == expected, layout
        assert parsed.control == {"TABNAM": "EDI_DC40", **document.control}, layout
        assert (parsed.message_type, parsed.document_id) == (document.message_type, document.document_id), layout


# --- mutations: how files really break -------------------------------------------------------

Draw = Callable[[st.SearchStrategy[Any]], Any]
_TEXT = re.compile(rb">([^<>]*)</")
_TAG = re.compile(rb"<(/?)([A-Za-z_][\w/-]*)")


def _position(draw: Draw, payload: bytes, end: bool = False) -> int:
    return draw(st.integers(0, len(payload) if end else max(len(payload) - 1, 0)))


def flip_bit(draw: Draw, payload: bytes) -> bytes:
    if not payload:
        return payload
    at = _position(draw, payload)
    return payload[:at] + bytes([payload[at] ^ (1 << draw(st.integers(0, 7)))]) + payload[at + 1 :]


def truncate(draw: Draw, payload: bytes) -> bytes:
    return payload[: _position(draw, payload, end=True)]


def insert_bytes(draw: Draw, payload: bytes) -> bytes:
    at = _position(draw, payload, end=True)
    return payload[:at] + draw(st.binary(min_size=1, max_size=16)) + payload[at:]


def delete_bytes(draw: Draw, payload: bytes) -> bytes:
    at = _position(draw, payload)
    return payload[:at] + payload[at + draw(st.integers(1, 64)) :]


def _records(payload: bytes) -> list[bytes]:
    return payload.split(b"\n")


def duplicate_record(draw: Draw, payload: bytes) -> bytes:
    records = _records(payload)
    at = draw(st.integers(0, len(records) - 1))
    return b"\n".join(records[: at + 1] + records[at : at + draw(st.integers(1, 3))] + records[at + 1 :])


def swap_records(draw: Draw, payload: bytes) -> bytes:
    records = _records(payload)
    first, second = draw(st.integers(0, len(records) - 1)), draw(st.integers(0, len(records) - 1))
    records[first], records[second] = records[second], records[first]
    return b"\n".join(records)


def long_value(draw: Draw, payload: bytes) -> bytes:
    """A value far beyond its field: an XML element's text, or a flat record run long."""
    size = draw(st.sampled_from([36, 41, 61, 999, 1000, 1001, 1064, 5000, 70000]))
    texts = list(_TEXT.finditer(payload))
    if texts:
        match = texts[draw(st.integers(0, len(texts) - 1))]
        return payload[: match.start(1)] + b"A" * size + payload[match.end(1) :]
    records = _records(payload)
    at = draw(st.integers(0, len(records) - 1))
    records[at] = records[at].rstrip(b"\r").ljust(size, b"A")
    return b"\n".join(records)


def wrong_encoding(draw: Draw, payload: bytes) -> bytes:
    text = payload.decode("utf-8", errors="replace")
    codec = draw(st.sampled_from(["latin-1", "cp1252", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp037"]))
    encoded = text.encode(codec, errors="replace")
    if draw(st.booleans()):  # and claim what it is not
        encoded = encoded.replace(b"UTF-8", draw(st.sampled_from([b"UTF-16", b"ISO-8859-1", b"EBCDIC", b"x"])))
    return encoded


def segment_name(draw: Draw, payload: bytes) -> bytes:
    """Any segment name where one stood: a flat record's SEGNAM, or an XML tag pair's name."""
    name = draw(st.from_regex(rb"\A[A-Z0-9_/]{0,34}\Z")) or b"X"
    tags = list(_TAG.finditer(payload))
    if tags and payload.lstrip().startswith(b"<"):
        old = tags[draw(st.integers(0, len(tags) - 1))].group(2)
        return payload.replace(b"<" + old, b"<" + name).replace(b"</" + old, b"</" + name)
    records = _records(payload)
    at = draw(st.integers(0, len(records) - 1))
    records[at] = name.ljust(30) + records[at][30:]
    return b"\n".join(records)


def number_field(draw: Draw, payload: bytes) -> bytes:
    """Out-of-range or non-numeric SEGNUM, PSGNUM, HLEVEL or DOCNUM (flat), or DOCNUM (XML)."""
    value = draw(st.one_of(st.from_regex(rb"\A[0-9]{1,20}\Z"), st.from_regex(rb"\A[ A-Z0-9-]{1,20}\Z")))
    if b"<DOCNUM>" in payload:
        return re.sub(rb"<DOCNUM>[^<]*", b"<DOCNUM>" + value, payload, count=1)
    records = _records(payload)
    at = draw(st.integers(0, len(records) - 1))
    start, end = draw(st.sampled_from([(49, 55), (55, 61), (61, 63), (33, 49), (13, 29)]))
    records[at] = records[at][:start] + value[: end - start].ljust(end - start) + records[at][end:]
    return b"\n".join(records)


MUTATIONS = (flip_bit, truncate, insert_bytes, delete_bytes, duplicate_record, swap_records, long_value,
             wrong_encoding, segment_name, number_field)


@st.composite
def mutated(draw: Draw, names: tuple[str, ...]) -> bytes:
    """A valid sample file, broken one to four ways."""
    payload = SAMPLES[draw(st.sampled_from(names))]
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4)):
        payload = mutation(draw, payload)
    return payload


def arbitrary() -> st.SearchStrategy[bytes]:
    """Any bytes, some of them starting the way an IDoc file does (so the readers go deeper)."""
    starts = st.sampled_from([b"", b"EDI_DC40", b"EDI_DC40  800" + b"0" * 16, b"\xef\xbb\xbf", b"\xff\xfe",
                              b"<?xml version='1.0'?><DEBMAS07><IDOC BEGIN='1'><EDI_DC40>"])
    return st.builds(lambda start, rest: start + rest, starts, st.binary(max_size=2048))


# --- valid IDocs, built from the definitions ----------------------------------------------------

def _value(length: int) -> st.SearchStrategy[str]:
    """A field's value as SAP holds it: up to its length, no trailing blanks, nothing XML forbids."""
    characters = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cn"))
    return st.text(characters, min_size=1, max_size=length).map(str.rstrip).filter(bool)


@st.composite
def _segment(draw: Draw, sdef: SegmentDef, children: dict[str | None, list[SegmentDef]], budget: list[int]) -> Segment:
    budget[0] -= 1
    chosen = draw(st.lists(st.sampled_from(sdef.fields), unique=True, max_size=8)) if sdef.fields else []
    fields = {f.name: draw(_value(f.length)) for f in chosen}
    kids = []
    for child in children.get(sdef.type, []):
        for _ in range(draw(st.integers(0, 2)) if budget[0] > 0 else 0):
            kids.append(draw(_segment(child, children, budget)))
    if draw(st.integers(0, 9)) == 0:  # a customer extension without definition
        kids.append(Segment(draw(st.from_regex(r"\AZ1[A-Z0-9]{1,10}\Z")), {"SDATA": draw(_value(1000))}))
    return Segment(sdef.type, fields, kids)


@st.composite
def idocs(draw: Draw) -> RawDocument:
    """One valid IDoc of a shipped type: mandatory top segments, children where the definition puts them."""
    idoc_type = draw(st.sampled_from(sorted(MESSAGES)))
    defn: IdocTypeDef | None = CODECS.definitions.registry().get(idoc_type)
    assert defn is not None
    children: dict[str | None, list[SegmentDef]] = {}
    for sdef in defn.segments.values():
        children.setdefault(sdef.parent, []).append(sdef)
    budget = [30]
    body = []
    for root in children[None]:
        for _ in range(max(draw(st.integers(0, 2)), root.min)):
            body.append(draw(_segment(root, children, budget)))
    if not body:
        body.append(draw(_segment(children[None][0], children, budget)))
    lengths = dict(CONTROL_LAYOUT)
    optional = st.lists(st.sampled_from(["SNDPOR", "SNDPRN", "RCVPRN", "CREDAT", "SERIAL", "ARCKEY"]), unique=True)
    control = {name: draw(_value(lengths[name])) for name in draw(optional)}
    docnum = f"{draw(st.integers(1, 10**16 - 1)):016d}"
    control.update(DOCNUM=docnum, IDOCTYP=idoc_type, MESTYP=MESSAGES[idoc_type])
    return RawDocument("erp_sap", MESSAGES[idoc_type], docnum, "idoc", body, control)
