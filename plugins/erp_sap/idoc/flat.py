"""Flat IDoc files: streaming reader and writer.

Reads what SAP and its partners really write: control records labelled ``EDI_DC40``
or ``EDI_DC40_U``; versioned segment names (``E2KNA1M005``); trailing blanks trimmed;
CRLF, LF or no line breaks at all (records are then fixed-length, 524 characters for
a control record and 1063 for a data record); any number of IDocs in one file.

Each IDoc is yielded as soon as the next control record (or the end of the file) is
read, so memory stays constant however many IDocs a file holds. Segments are placed
in the tree by PSGNUM (the parent's SEGNUM); where a generator left PSGNUM blank, by
the segment definition, else by HLEVEL.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from itertools import chain, count, repeat
from operator import itemgetter, methodcaller
from typing import IO, cast

from hub.api import RawDocument, Segment
from plugins.erp_sap.idoc.control import (
    CONTROL_LENGTH,
    CONTROL_MIN_LENGTH,
    CONTROL_TABNAMES,
    DATA_LENGTH,
    SDATA_LENGTH,
    SDATA_OFFSET,
    decode_control,
    encode_control,
    sender_key,
)
from plugins.erp_sap.idoc.definitions import RAW_FIELD, DefinitionRegistry, IdocTypeDef, SegmentFields, unversioned
from plugins.erp_sap.idoc.errors import IdocError
from plugins.erp_sap.idoc.flatdecode import find_bad_byte

SYSTEM = "erp_sap"
_HEADER = itemgetter(slice(0, 30), slice(33, 49), slice(49, 63))
_WITHOUT_NEWLINE = methodcaller("removesuffix", "\n")
_CHUNK = 1 << 20
_HEAD = 4096


def _position(index: int, offset: int | None) -> str:
    if offset is None:
        return f"line {index}"
    return f"record {index} at character offset {offset}"


def _text_stream(payload: bytes | IO[bytes] | IO[str], encoding: str) -> IO[str]:
    if isinstance(payload, (bytes, bytearray, memoryview)):
        payload = io.BytesIO(bytes(payload))
    if isinstance(payload, io.TextIOBase):
        return payload
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    return io.TextIOWrapper(cast(IO[bytes], payload), encoding=codec, newline=None)  # not text, so bytes


def _line_records(text: IO[str], head: str) -> Iterator[tuple[int, int | None, str]]:
    # The reader's inner loop for the usual file of lines: chained, numbered and cut in C.
    *complete, partial = head.split("\n")
    first = partial + text.readline()
    lines = chain(complete, (first,) if first else (), text)
    return zip(count(1), repeat(None), map(_WITHOUT_NEWLINE, lines))


def _fixed_records(text: IO[str], head: str, source: str) -> Iterator[tuple[int, int | None, str]]:
    buf, pos, base, number = head, 0, 0, 0
    eof = False
    while True:
        if not eof and len(buf) - pos < DATA_LENGTH + 2:
            more = text.read(_CHUNK)
            if more:
                buf, base, pos = buf[pos:] + more, base + pos, 0
                continue
            eof = True
        while pos < len(buf) and buf[pos] in "\r\n":
            pos += 1
        if pos >= len(buf):
            return
        size = CONTROL_LENGTH if buf.startswith("EDI_DC40", pos) else DATA_LENGTH
        record = buf[pos : pos + size]
        number += 1
        if "\n" in record:
            cut = record.index("\n")
            if buf[pos + cut :].strip():
                raise IdocError("", record[:30].rstrip(), _position(number, base + pos),
                                f"bad record length: line break after {cut} characters in a file of"
                                f" fixed-length records ({size} expected)", source)
            record = record[:cut]
        elif len(record) < size and record.strip():
            raise IdocError("", record[:30].rstrip(), _position(number, base + pos),
                            f"file ends inside a record: {len(record)} of {size} characters (truncated?)", source)
        yield number, base + pos, record
        pos += size


def iter_records(payload: bytes | IO[bytes] | IO[str], encoding: str = "utf-8",
                 source: str = "") -> Iterator[tuple[int, int | None, str]]:
    """Every flat record of a payload as (record or line number, character offset or None, text).

    A file is read as fixed-length records when it starts with a control record that
    runs on past its 524 characters without a line break.
    """
    text = _text_stream(payload, encoding)
    try:
        head = text.read(_HEAD)
        start = head.lstrip()
        if start.startswith("EDI_DC40") and len(start) > CONTROL_LENGTH + 1 and "\n" not in start[: CONTROL_LENGTH + 1]:
            yield from _fixed_records(text, head, source)
        else:
            yield from _line_records(text, head)
    finally:
        if text is not payload and isinstance(text, io.TextIOWrapper):
            # hand the caller's stream back unclosed; closing it is the caller's business
            text.detach()


class _Assembler:
    """Builds one IDoc's segment tree from its data records, checking numbering and nesting."""

    __slots__ = ("control", "defn", "registry", "source", "docnum", "docnum_field", "body", "path", "expected", "at",
                 "record_segment", "records")

    def __init__(self, control_record: str, control: dict[str, str], defn: IdocTypeDef,
                 registry: DefinitionRegistry, source: str) -> None:
        # The IDoc's records as read, data records without trailing blanks (``_with_payload``).
        self.records = [control_record]
        self.control = control
        self.defn = defn
        self.registry = registry
        self.source = source
        self.docnum = control.get("DOCNUM", "")
        self.docnum_field = self.docnum.ljust(16)
        self.body: list[Segment] = []
        self.path: list[tuple[Segment, int]] = []
        self.expected = 1
        self.at: tuple[int, int | None] = (0, None)
        self.record_segment = defn.record_segment

    def fail(self, segment: str, where: str | None, reason: str) -> IdocError:
        return IdocError(self.docnum, segment, where or _position(*self.at), reason, self.source)

    def _numbers(self, fields: tuple[str, str, str], segnam: str) -> list[int | None]:
        numbers: list[int | None] = []
        for what, text in zip(("SEGNUM", "PSGNUM", "HLEVEL"), fields, strict=True):
            stripped = text.strip()
            if stripped and not stripped.isdigit():
                raise self.fail(segnam, None, f"{what} {text!r} is not a number")
            numbers.append(int(stripped) if stripped else None)
        return numbers

    def add(self, record: str, index: int, offset: int | None) -> None:
        # The parser's inner loop: the common record (digits in the number fields, a
        # defined segment, a child of the segment just read or a top-level one) takes
        # the straight path; everything else is checked and placed by the slower helpers.
        self.at = (index, offset)
        size = len(record)
        if size < SDATA_OFFSET or size > DATA_LENGTH:
            raise self._length_error(record, size)
        segnam_field, docnum, numbers = _HEADER(record)
        if docnum != self.docnum_field:
            self._check_docnum(segnam_field, docnum)
        segnum: int | None
        psgnum: int | None
        hlevel: int | None
        if numbers.isdigit():
            # SEGNUM, PSGNUM and HLEVEL side by side: one conversion instead of three
            segnum, rest = divmod(int(numbers), 100000000)
            psgnum, hlevel = divmod(rest, 100)
        else:
            segnum, psgnum, hlevel = self._numbers((numbers[:6], numbers[6:12], numbers[12:]), segnam_field.rstrip())
        number = self.expected
        if segnum != number and segnum is not None:
            raise self.fail(segnam_field.rstrip(), None, f"SEGNUM {segnum:06d} out of order; expected {number:06d}")
        self.expected = number + 1
        trimmed = record.rstrip()
        self.records.append(trimmed if len(trimmed) >= SDATA_OFFSET else record[:SDATA_OFFSET])
        seg_type, sdef = self.record_segment(segnam_field)
        if sdef is None:
            self._add_unknown(seg_type, segnam_field, trimmed[SDATA_OFFSET:], number, psgnum, hlevel)
            return
        sdata = trimmed[SDATA_OFFSET:]
        segment = Segment(seg_type, SegmentFields(sdata, sdef) if sdef.wide else sdef.decode(sdata), [], number)
        path = self.path
        if psgnum:
            if path:
                parent, parent_level = path[-1]
                if parent.number == psgnum:
                    # the common case: a child of the segment just read
                    if hlevel is not None and parent_level and hlevel != parent_level + 1:
                        raise self.fail(seg_type, None,
                                        f"HLEVEL jump from {parent_level:02d} (parent {parent.name}) to {hlevel:02d}")
                    parent.children.append(segment)
                    path.append((segment, hlevel or parent_level + 1))
                    return
        elif psgnum == 0:
            self.body.append(segment)
            path.clear()
            path.append((segment, hlevel or 0))
            return
        self._place(segment, sdef.parent, True, psgnum, hlevel)

    def _length_error(self, record: str, size: int) -> IdocError:
        if size < SDATA_OFFSET:
            return self.fail(record[:30].rstrip(), None,
                             f"data record has {size} characters; its header alone needs {SDATA_OFFSET} (truncated?)")
        return self.fail(record[:30].rstrip(), None,
                         f"bad record length {size}; a data record has at most {DATA_LENGTH} characters")

    def _check_docnum(self, segnam_field: str, docnum: str) -> None:
        docnum = docnum.strip()
        if docnum and self.docnum and docnum != self.docnum:
            raise self.fail(segnam_field.rstrip(), None, f"data record carries DOCNUM {docnum}, "
                            f"but follows the control record of IDoc {self.docnum}")

    def _add_unknown(self, seg_type: str, segnam_field: str, raw: str, number: int,
                     psgnum: int | None, hlevel: int | None) -> None:
        """A segment without definition (a customer extension): its SDATA (``raw``) is kept whole."""
        if not seg_type:
            raise self.fail("", None, "data record without segment name")
        segment = Segment(seg_type, {RAW_FIELD: raw} if raw else {}, [], number)
        self.registry.learn(seg_type, segnam_field.rstrip())
        self._place(segment, None, False, psgnum, hlevel)

    def _place(self, segment: Segment, defined_parent: str | None, known: bool,
               psgnum: int | None, hlevel: int | None) -> None:
        path = self.path
        if psgnum:
            for i in range(len(path) - 1, -1, -1):
                if path[i][0].number == psgnum:
                    break
            else:
                raise self.fail(segment.name, None, f"PSGNUM {psgnum:06d} names no open parent segment")
            parent, parent_level = path[i]
            if hlevel is not None and parent_level and hlevel != parent_level + 1:
                raise self.fail(segment.name, None,
                                f"HLEVEL jump from {parent_level:02d} (parent {parent.name}) to {hlevel:02d}")
            del path[i + 1 :]
            parent.children.append(segment)
            path.append((segment, hlevel or parent_level + 1))
            return
        if psgnum is None and (known or hlevel is not None):
            index = self._parent_index(segment, defined_parent, known, hlevel)
        else:
            index = -1
        if index < 0:
            self.body.append(segment)
            path.clear()
            path.append((segment, hlevel or 0))
            return
        parent, parent_level = path[index]
        del path[index + 1 :]
        parent.children.append(segment)
        path.append((segment, hlevel or parent_level + 1))

    def _parent_index(self, segment: Segment, defined_parent: str | None, known: bool,
                      hlevel: int | None) -> int:
        path = self.path
        if known:
            if defined_parent is None:
                return -1
            for i in range(len(path) - 1, -1, -1):
                if path[i][0].name == defined_parent:
                    return i
            raise self.fail(segment.name, None,
                            f"segment needs parent segment {defined_parent}, which is not open here")
        for i in range(len(path) - 1, -1, -1):
            if path[i][1] == (hlevel or 0) - 1:
                return i
        return -1

    def finish(self, where: str, ordinal: int) -> RawDocument:
        if not self.body:
            raise self.fail("", where, "IDoc has a control record but no data records (truncated?)")
        present = {s.name for s in self.body}
        for required in self.defn.mandatory_roots():
            if required not in present:
                raise self.fail(required, where, f"mandatory segment {required} missing (truncated?)")
        control = self.control
        document_id = self.docnum or f"{self.source or 'payload'}#{ordinal}"
        return RawDocument(
            system=SYSTEM,
            message_type=control.get("MESTYP", ""),
            document_id=document_id,
            format="idoc",
            body=self.body,
            control=control,
            source=self.source,
            dedupe_key=sender_key(control, document_id),
        )


def _open_idoc(record: str, where: str, registry: DefinitionRegistry, source: str) -> _Assembler:
    if len(record) < CONTROL_MIN_LENGTH:
        raise IdocError("", "", where,
                        f"truncated control record: {len(record)} characters, at least {CONTROL_MIN_LENGTH} needed"
                        " to reach MESTYP", source)
    if len(record) > CONTROL_LENGTH:
        raise IdocError(record[13:29].strip(), "", where,
                        f"bad record length {len(record)}; a control record has {CONTROL_LENGTH} characters", source)
    control = decode_control(record)
    docnum = control.get("DOCNUM", "")
    if control.get("TABNAM") not in CONTROL_TABNAMES:
        raise IdocError(docnum, "", where,
                        f"control record labelled {control.get('TABNAM')!r}, expected EDI_DC40", source)
    if docnum and not docnum.isdigit():
        raise IdocError("", "", where, f"DOCNUM {docnum!r} is not a number (corrupted control record?)", source)
    for required in ("IDOCTYP", "MESTYP"):
        if not control.get(required):
            raise IdocError(docnum, "", where, f"control record without {required}", source)
    defn = registry.get(control["IDOCTYP"], control.get("CIMTYP", ""))
    if defn is None:
        raise IdocError(docnum, "", where,
                        f"no segment definitions for IDoc type {control['IDOCTYP']}; import SAP's description"
                        " with `hub idoc import-definition`", source)
    return _Assembler(record, control, defn, registry, source)


def read_flat(payload: bytes | IO[bytes] | IO[str], source: str = "", registry: DefinitionRegistry | None = None,
              encoding: str = "utf-8") -> Iterator[RawDocument]:
    """Parse a flat IDoc file one IDoc at a time; raises IdocError at the first bad record."""
    registry = registry or DefinitionRegistry()
    current: _Assembler | None = None
    ordinal = 0
    index, offset = 0, None
    try:
        for index, offset, record in iter_records(payload, encoding, source):
            if not record or record.isspace():
                continue
            if record.startswith("EDI_DC40"):
                where = _position(index, offset)
                if current is not None:
                    ordinal += 1
                    yield _with_payload(current.finish(where, ordinal), current.records, encoding)
                current = _open_idoc(record, where, registry, source)
            elif current is None:
                raise IdocError("", record[:30].rstrip(), _position(index, offset),
                                "data record before any control record", source)
            else:
                current.add(record, index, offset)
    except IdocError as exc:
        if exc.docnum or current is None:
            raise
        raise IdocError(current.docnum, exc.segment, exc.position, exc.detail, source) from exc
    except UnicodeDecodeError as exc:
        raise _decode_error(exc, payload, encoding, current, _position(index, offset), source) from exc
    if current is None:
        raise IdocError("", "", "", "no control record found: not a flat IDoc file", source)
    ordinal += 1
    yield _with_payload(current.finish(f"end of file after {_position(index, offset)}", ordinal), current.records,
                        encoding)


def _decode_error(exc: UnicodeDecodeError, payload: bytes | IO[bytes] | IO[str], encoding: str,
                  current: _Assembler | None, position: str, source: str) -> IdocError:
    """Bytes that are no text in ``encoding``: which byte, line, segment and IDoc, where the
    payload is at hand to tell (``flatdecode``); else the IDoc and record read last."""
    hint = "; set [plugins.erp_sap] encoding to the file's"
    bad = find_bad_byte(bytes(payload), encoding) if isinstance(payload, (bytes, bytearray, memoryview)) else None
    if bad is None:
        return IdocError(current.docnum if current else "", "", f"after {position}",
                         f"not valid {encoding}: {exc.reason}{hint}", source)
    return IdocError(bad.docnum, bad.segment, bad.position(),
                     f"byte 0x{bad.value:02X} is not valid {encoding} ({bad.reason}){hint}", source)


def _with_payload(document: RawDocument, records: list[str], encoding: str) -> RawDocument:
    """The IDoc's own records as read, one per line: its copy for the inbound archive.

    Data records lose their trailing blanks, as SAP's ports may write them: a padded
    ORDERS05 IDoc is ten times the size, and writing the padding cost 4 - 8 % of the
    ingest's time. The control record stays whole.
    """
    document.payload = "\n".join(records).encode(encoding)
    return document


def _flat_name(seg_type: str) -> str:
    """The flat name of a segment type without definition: ``Z1ABC`` is written ``Z2ABC``;
    a type ending in three digits keeps its own name, as ``Z2ABC001`` would read as ``Z1ABC``
    in version 001."""
    if seg_type[1:2] != "1":
        return seg_type
    name = seg_type[0] + "2" + seg_type[2:]
    return name if unversioned(name) == seg_type else seg_type


def iter_flat_records(document: RawDocument, registry: DefinitionRegistry, pad: bool = True) -> Iterator[str]:
    """The flat records (control record first) of one IDoc; padded to full length unless ``pad`` is false."""
    control = dict(document.control)
    control.setdefault("TABNAM", "EDI_DC40")
    if "DOCNUM" not in control and document.document_id.isdigit() and len(document.document_id) <= 16:
        control["DOCNUM"] = document.document_id
    if "MESTYP" not in control and document.message_type:
        control["MESTYP"] = document.message_type
    docnum = control.get("DOCNUM", "")
    if not control.get("IDOCTYP"):
        raise IdocError(docnum, "", "control record", "IDOCTYP missing: cannot choose segment definitions")
    try:
        head = encode_control(control)
    except ValueError as exc:
        raise IdocError(docnum, "", "control record", str(exc)) from exc
    yield head if pad else head.rstrip()
    defn = registry.get(control["IDOCTYP"], control.get("CIMTYP", ""))
    prefix = f"{control.get('MANDT', ''):<3}{docnum:<16}"
    counter = 0

    def walk(segments: list[Segment], parent_number: int, parent_level: int) -> Iterator[str]:
        nonlocal counter
        for segment in segments:
            counter += 1
            number = counter
            sdef = defn.get(segment.name) if defn else None
            if sdef is not None:
                name, level = sdef.definition, sdef.level
                try:
                    sdata = sdef.encode(segment.fields)
                except ValueError as exc:
                    raise IdocError(docnum, segment.name, f"segment {number}", str(exc)) from exc
            else:
                extra = sorted(set(segment.fields) - {RAW_FIELD})
                if extra:
                    raise IdocError(docnum, segment.name, f"segment {number}",
                                    f"no definition for this segment, so fields {', '.join(extra)} cannot be placed")
                sdata = segment.fields.get(RAW_FIELD, "")
                if len(sdata) > SDATA_LENGTH:
                    raise IdocError(docnum, segment.name, f"segment {number}", f"SDATA longer than {SDATA_LENGTH}")
                # its level is where it stands in this tree, not where the file it was learned from had it
                name = registry.learned(segment.name) or _flat_name(segment.name)
                level = parent_level + 1
            record = f"{name:<30}{prefix}{number:06d}{parent_number:06d}{level:02d}{sdata}"
            yield record.ljust(DATA_LENGTH) if pad else record.rstrip()
            if segment.children:
                yield from walk(segment.children, number, level)

    yield from walk(document.body, 0, 0)


def write_flat(documents: Iterable[RawDocument], out: IO[str], registry: DefinitionRegistry | None = None,
               newline: str = "\n", pad: bool = True) -> None:
    """Write IDocs as a flat file to a text stream, one record per line."""
    registry = registry or DefinitionRegistry()
    for document in documents:
        for record in iter_flat_records(document, registry, pad):
            out.write(record)
            out.write(newline)


def render_flat(documents: Iterable[RawDocument], registry: DefinitionRegistry | None = None,
                newline: str = "\n", pad: bool = True, encoding: str = "utf-8") -> bytes:
    """A flat IDoc file for ``documents`` as bytes."""
    out = io.StringIO()
    write_flat(documents, out, registry, newline, pad)
    return out.getvalue().encode(encoding)
