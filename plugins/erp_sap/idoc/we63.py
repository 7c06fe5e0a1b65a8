"""Import SAP's WE63 "parser" text output (the IDoc documentation for parsers).

The text nests ``BEGIN_IDOC``, ``BEGIN_GROUP``/``END_GROUP``, ``BEGIN_SEGMENT``/
``END_SEGMENT`` and ``BEGIN_FIELDS``/``END_FIELDS`` blocks of ``KEY value`` lines.
A group's first segment is the parent of everything else in the group; a segment's
``LEVEL`` is its HLEVEL; ``CHARACTER_FIRST``/``CHARACTER_LAST`` (or the ``BYTE_``
variants of non-Unicode systems) are 1-based positions in the data record, where
SDATA starts at 64.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from plugins.erp_sap.idoc.control import SDATA_OFFSET
from plugins.erp_sap.idoc.definitions import FieldDef, IdocTypeDef, SegmentDef, unversioned
from plugins.erp_sap.idoc.errors import DefinitionError


@dataclass
class _Group:
    level: int = 0
    loopmin: int = 0
    loopmax: int = 1
    mandatory: bool = False
    head: str | None = None
    parent: str | None = None


@dataclass
class _Seg:
    definition: str
    line: int
    attrs: dict[str, str] = field(default_factory=dict)
    fields: list[dict[str, str]] = field(default_factory=list)


def _int(value: str, file: str, line: int, key: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise DefinitionError(file, line, key, f"{value!r} is not a number") from exc


def looks_like_we63(text: str) -> bool:
    """Whether a text is WE63 parser output."""
    return "BEGIN_SEGMENT_SECTION" in text or ("BEGIN_IDOC" in text and "BEGIN_SEGMENT" in text)


def _field_def(raw: dict[str, str], seg: _Seg, file: str) -> FieldDef:
    line = int(raw.get("_line", seg.line))
    name = raw.get("NAME", "")
    first = raw.get("CHARACTER_FIRST") or raw.get("BYTE_FIRST")
    last = raw.get("CHARACTER_LAST") or raw.get("BYTE_LAST")
    if first is None:
        raise DefinitionError(file, line, f"{seg.definition}-{name}", "field has no CHARACTER_FIRST/BYTE_FIRST")
    start = _int(first, file, line, "CHARACTER_FIRST")
    if start <= SDATA_OFFSET:
        raise DefinitionError(file, line, f"{seg.definition}-{name}",
                              f"starts at position {start}, before SDATA (position {SDATA_OFFSET + 1})")
    if last is not None:
        length = _int(last, file, line, "CHARACTER_LAST") - start + 1
    elif "LENGTH" in raw:
        length = _int(raw["LENGTH"], file, line, "LENGTH")
    else:
        raise DefinitionError(file, line, f"{seg.definition}-{name}", "field has neither CHARACTER_LAST nor LENGTH")
    if length <= 0:
        raise DefinitionError(file, line, f"{seg.definition}-{name}", f"length {length} is not positive")
    return FieldDef(name, start - SDATA_OFFSET - 1, length)


def parse_we63(text: str, file: str = "<we63>") -> list[IdocTypeDef]:
    """IDoc types described by a WE63 parser text; raises DefinitionError with file and line."""
    results: list[IdocTypeDef] = []
    name: str | None = None
    segments: dict[str, SegmentDef] = {}
    groups: list[_Group] = []
    seg: _Seg | None = None
    in_fields = False
    current_field: dict[str, str] | None = None
    in_records = False

    def close_segment(s: _Seg) -> None:
        seg_type = s.attrs.get("SEGMENTTYPE") or unversioned(s.definition)
        group = groups[-1] if groups else None
        if group is not None and group.head is None:
            group.head = seg_type
            parent = group.parent
            low, high = group.loopmin, group.loopmax
            mandatory = group.mandatory
        else:
            parent = group.head if group is not None else None
            low = _int(s.attrs.get("LOOPMIN", "0"), file, s.line, "LOOPMIN")
            high = _int(s.attrs.get("LOOPMAX", "1"), file, s.line, "LOOPMAX")
            mandatory = s.attrs.get("STATUS") == "MANDATORY"
        level = _int(s.attrs.get("LEVEL", "1"), file, s.line, "LEVEL")
        fields = tuple(_field_def(f, s, file) for f in s.fields)
        if seg_type in segments:
            raise DefinitionError(file, s.line, seg_type, "segment type defined twice")
        segments[seg_type] = SegmentDef(seg_type, s.definition, parent, level,
                                        max(low, 1 if mandatory else 0), high, fields, s.attrs.get("TEXT", ""))

    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line:
            continue
        key, _, value = line.partition(" ")
        value = value.strip()
        if in_records:
            in_records = key != "END_RECORD_SECTION"
            continue
        if key == "BEGIN_RECORD_SECTION":
            # the control/data/status record layouts are SAP's fixed ones (control.py)
            in_records = True
        elif key in ("BEGIN_SEGMENT_SECTION", "END_SEGMENT_SECTION"):
            continue
        elif key == "BEGIN_IDOC":
            if name is not None:
                raise DefinitionError(file, number, key, "BEGIN_IDOC inside another IDoc")
            parts = value.split()
            if not parts:
                raise DefinitionError(file, number, key, "BEGIN_IDOC without IDoc type")
            name, segments, groups = parts[-1], {}, []
        elif key == "EXTENSION" and seg is None and not groups and value:
            name = value
        elif key == "END_IDOC":
            if name is None or seg is not None or groups:
                raise DefinitionError(file, number, key,
                                      "END_IDOC without matching BEGIN_IDOC, or inside a segment/group")
            if not segments:
                raise DefinitionError(file, number, name, "IDoc type without segments")
            results.append(IdocTypeDef(name, segments))
            name = None
        elif name is None:
            raise DefinitionError(file, number, key, "content outside BEGIN_IDOC ... END_IDOC")
        elif key == "BEGIN_GROUP":
            parent = groups[-1].head if groups else None
            groups.append(_Group(parent=parent))
        elif key == "END_GROUP":
            if not groups or seg is not None:
                raise DefinitionError(file, number, key, "END_GROUP without BEGIN_GROUP")
            groups.pop()
        elif key == "BEGIN_SEGMENT":
            if seg is not None:
                raise DefinitionError(file, number, key, f"BEGIN_SEGMENT inside segment {seg.definition}")
            if not value:
                raise DefinitionError(file, number, key, "BEGIN_SEGMENT without segment name")
            seg = _Seg(value, number)
        elif key == "END_SEGMENT":
            if seg is None or in_fields:
                raise DefinitionError(file, number, key, "END_SEGMENT without BEGIN_SEGMENT")
            close_segment(seg)
            seg = None
        elif key == "BEGIN_FIELDS":
            if seg is None:
                raise DefinitionError(file, number, key, "BEGIN_FIELDS outside a segment")
            in_fields, current_field = True, None
        elif key == "END_FIELDS":
            in_fields, current_field = False, None
        elif in_fields and seg is not None:
            if key == "NAME":
                current_field = {"NAME": value, "_line": str(number)}
                seg.fields.append(current_field)
            elif current_field is None:
                raise DefinitionError(file, number, key, "field attribute before the field's NAME")
            else:
                current_field.setdefault(key, value)
        elif seg is not None:
            seg.attrs.setdefault(key, value if key != "QUALIFIED" else "X")
        elif groups:
            group = groups[-1]
            if key == "LEVEL":
                group.level = _int(value, file, number, key)
            elif key == "LOOPMIN":
                group.loopmin = _int(value, file, number, key)
            elif key == "LOOPMAX":
                group.loopmax = _int(value, file, number, key)
            elif key == "STATUS":
                group.mandatory = value == "MANDATORY"
    if name is not None or seg is not None:
        raise DefinitionError(file, None, name or "IDoc", "text ends inside an IDoc or segment (truncated?)")
    if not results:
        raise DefinitionError(file, None, "BEGIN_IDOC", "no IDoc type found: not WE63 parser output")
    return results
