"""IDoc type definitions: which segments an IDoc type has, their fields, offsets and hierarchy.

A definition is what SAP's WE63 "parser" output or IDoc-XML XSD describes: per segment
type (``E1KNA1M``) its version-suffixed definition name as flat files carry it
(``E2KNA1M005``), its parent segment type, its hierarchy level (SAP's HLEVEL), its
minimum and maximum occurrence, and its fields with offset and length inside SDATA.

Definitions are stored as JSON (``definitions/*.json`` shipped with the plugin, plus a
folder of the installation where ``hub idoc import-definition`` writes). Shipped files
may list fields as ``[name, length]`` pairs (offsets follow one another, as in SAP);
imported ones carry explicit offsets.

Segments that SAP extends in a newer version only gain fields at the end, so one field
list serves every version of a segment; a ``variants`` table names older basic types
(DEBMAS06 next to DEBMAS07) with their own definition names.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from importlib import resources
from operator import itemgetter
from pathlib import Path
from typing import Any

from plugins.erp_sap.idoc.control import SDATA_LENGTH
from plugins.erp_sap.idoc.errors import DefinitionError

FORMAT = "crm-hub-idoc-definition/1"
_SECOND = itemgetter(1)
# Text of a known segment beyond its last defined field (a definition that lists only
# the leading fields) is kept under this name so nothing in the record is lost.
REST_FIELD = "SDATA_REST"
# An unknown segment (no definition, e.g. a customer Z1 segment) keeps its raw SDATA.
RAW_FIELD = "SDATA"
REMEMBERED_NAMES = 10_000
"""How many segment names a definition caches and the registry learns, at most: files
name a few hundred, and a hub that runs for months must not grow with every garbage name
a broken file carries."""
WIDE_SEGMENT_FIELDS = 12
"""Above this many fields, a parsed segment's fields are read when asked for: a mapping
reads a few of a wide segment's fields once each, but reads a narrow qualifier segment's
(E1EDK14: QUALF, ORGID) again and again, which a decoded dict answers faster."""


def unversioned(name: str) -> str:
    """Segment type for a flat-file segment name: ``E2KNA1M005`` -> ``E1KNA1M``.

    Handles ``E2``/``Z2`` (and any ``?2``) prefixes, an optional 3-digit version
    suffix and SAP namespaces (``/ABC/E2XYZ001`` -> ``/ABC/E1XYZ``). Names that are
    already types are returned unchanged.
    """
    prefix, rest = "", name
    if name.startswith("/"):
        end = name.find("/", 1)
        if end > 0:
            prefix, rest = name[: end + 1], name[end + 1 :]
    if len(rest) > 2 and rest[1] == "2" and rest[0].isalpha():
        core = rest[2:]
        if len(core) > 3 and core[-3:].isdigit():
            core = core[:-3]
        return f"{prefix}{rest[0]}1{core}"
    return name


def definition_candidates(name: str) -> tuple[str, ...]:
    """Possible types of a flat segment name, suffix stripped first, then kept."""
    first = unversioned(name)
    prefix, rest = ("", name)
    if name.startswith("/") and name.find("/", 1) > 0:
        end = name.find("/", 1)
        prefix, rest = name[: end + 1], name[end + 1 :]
    if len(rest) > 2 and rest[1] == "2" and rest[0].isalpha():
        whole = f"{prefix}{rest[0]}1{rest[2:]}"
        if whole != first:
            return (first, whole)
    return (first,)


@dataclass(frozen=True)
class FieldDef:
    """One field of a segment: name, 0-based offset inside SDATA, length in characters."""

    name: str
    offset: int
    length: int

    @property
    def end(self) -> int:
        """Offset just past the field."""
        return self.offset + self.length


@dataclass
class SegmentDef:
    """One segment type of an IDoc type, with its fields and its place in the hierarchy."""

    type: str
    definition: str
    parent: str | None
    level: int
    min: int = 0
    max: int = 1
    fields: tuple[FieldDef, ...] = ()
    description: str = ""
    _names: tuple[str, ...] = field(init=False, repr=False)
    _getter: Any = field(init=False, repr=False)
    _getters: dict[int, Any] = field(init=False, repr=False)
    _starts: list[int] = field(init=False, repr=False)
    _sorted: bool = field(init=False, repr=False)
    _end: int = field(init=False, repr=False)
    _by_name: dict[str, FieldDef] = field(init=False, repr=False)
    _ordered: tuple[FieldDef, ...] = field(init=False, repr=False)
    spans: dict[str, slice] = field(init=False, repr=False)
    """Where each field lies in SDATA, for reading one field without decoding the rest."""
    lengths: dict[str, int] = field(init=False, repr=False)
    """Each field's length, for checking a value that comes without its record (IDoc-XML)."""
    wide: bool = field(init=False, repr=False)
    """Enough fields that reading a few of them beats decoding them all (``SegmentFields``)."""

    def __post_init__(self) -> None:
        self.spans = {f.name: slice(f.offset, f.end) for f in self.fields}
        self.lengths = {f.name: f.length for f in self.fields}
        self.wide = len(self.fields) > WIDE_SEGMENT_FIELDS
        self._ordered = tuple(sorted(self.fields, key=lambda f: f.offset))
        self._names = tuple(f.name for f in self.fields)
        self._by_name = {f.name: f for f in self.fields}
        self._end = max((f.end for f in self.fields), default=0)
        self._starts = [f.offset for f in self.fields]
        self._sorted = self._starts == sorted(self._starts)
        self._getters: dict[int, Any] = {}
        self._getter = self._prefix_getter(len(self.fields))

    def _prefix_getter(self, count: int) -> Any:
        """An itemgetter for the first ``count`` fields (always returning a tuple)."""
        getter = self._getters.get(count)
        if getter is None:
            slices = [slice(f.offset, f.end) for f in self.fields[:count]]
            if not slices:
                getter = lambda sdata: ()  # noqa: E731 - one of the getters chosen here by count
            elif len(slices) == 1:
                single = itemgetter(slices[0])
                getter = lambda sdata: (single(sdata),)  # noqa: E731 - one of the getters chosen here by count
            else:
                getter = itemgetter(*slices)
            self._getters[count] = getter
        return getter

    @property
    def field_names(self) -> tuple[str, ...]:
        """Field names in SAP's order."""
        return self._names

    @property
    def length(self) -> int:
        """Characters of SDATA the defined fields cover."""
        return self._end

    def decode(self, sdata: str) -> dict[str, str]:
        """Fields of one record's SDATA: trailing blanks stripped, blank fields left out.

        Text past the last defined field, if any, is kept under ``SDATA_REST``.
        """
        sdata = sdata.rstrip()
        # Fields that start past the (trimmed) record end are blank and skipped, and
        # filter/zip/map keep the per-field work in C.
        getter = self._prefix_getter(bisect_left(self._starts, len(sdata))) if self._sorted else self._getter
        values = dict(filter(_SECOND, zip(self._names, map(str.rstrip, getter(sdata)), strict=False)))
        if len(sdata) > self._end:
            rest = sdata[self._end :].rstrip()
            if rest:
                values[REST_FIELD] = rest
        return values

    def encode(self, values: Mapping[str, str]) -> str:
        """SDATA for ``values`` (trailing blanks not padded).

        Raises ValueError naming a field that the segment does not have or that is
        longer than its slot.
        """
        chars = []
        position = 0
        for name, value in values.items():
            if not value:
                continue
            if name == REST_FIELD:
                continue
            spec = self._by_name.get(name)
            if spec is None:
                raise ValueError(f"field {name} is not part of segment {self.type}")
            if len(value) > spec.length:
                raise ValueError(
                    f"field {name} is {len(value)} characters, segment {self.type} holds {spec.length}"
                )
        for spec in self._ordered:
            given = values.get(spec.name)
            if given:
                chars.append(" " * (spec.offset - position))
                chars.append(given)
                position = spec.offset + len(given)
        rest = values.get(REST_FIELD)
        if rest:
            chars.append(" " * (self._end - position))
            chars.append(rest)
            position = self._end + len(rest)
        if position > SDATA_LENGTH:
            raise ValueError(f"segment {self.type} needs {position} characters, SDATA holds {SDATA_LENGTH}")
        return "".join(chars)


_MISSING: Any = object()


class SegmentFields(MutableMapping[str, str]):
    """The fields of one parsed data record, cut out of its SDATA only when asked for.

    A mapping table reads a handful of an ORDERS05 item's dozens of fields, and decoding
    every field of every record was a third of the flat parser's time, so the flat
    reader hands wide segments (``SegmentDef.wide``) their fields this way. Reading one
    field slices just that field out; iterating, counting or changing the fields
    decodes the record once (``SegmentDef.decode``) and works on that dict from then
    on. Either way a field is what the decoded record would hold: trailing blanks
    stripped, and absent when blank.
    """

    __slots__ = ("_sdata", "_definition", "_decoded")

    def __init__(self, sdata: str, definition: SegmentDef) -> None:
        self._sdata = sdata
        self._definition = definition
        self._decoded: dict[str, str] | None = None

    def _values(self) -> dict[str, str]:
        decoded = self._decoded
        if decoded is None:
            decoded = self._decoded = self._definition.decode(self._sdata)
        return decoded

    def get(self, name: str, default: Any = None) -> Any:
        """The field's value, or ``default`` when it is blank or not in the record."""
        if self._decoded is None:
            span = self._definition.spans.get(name)
            if span is not None:
                return self._sdata[span].rstrip() or default
        return self._values().get(name, default)

    def __getitem__(self, name: str) -> str:
        value = self.get(name, _MISSING)
        if value is _MISSING:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())

    def __setitem__(self, name: str, value: str) -> None:
        self._values()[name] = value

    def __delitem__(self, name: str) -> None:
        del self._values()[name]

    def __repr__(self) -> str:
        return repr(self._values())


@dataclass
class IdocTypeDef:
    """The segment definitions of one basic type or extension type."""

    name: str
    segments: dict[str, SegmentDef]
    description: str = ""
    _flat_names: dict[str, str] = field(init=False, repr=False)
    _records: dict[str, tuple[str, SegmentDef | None]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._records = {}
        self._flat_names = {}
        for seg in self.segments.values():
            self._flat_names[seg.type] = seg.type
            self._flat_names[seg.definition] = seg.type

    def resolve(self, flat_name: str) -> str:
        """Segment type of a segment name as found in a file (versioned or not)."""
        found = self._flat_names.get(flat_name)
        if found is not None:
            return found
        candidates = definition_candidates(flat_name)
        found = next((c for c in candidates if c in self.segments), candidates[0])
        if len(self._flat_names) < REMEMBERED_NAMES:
            self._flat_names[flat_name] = found
        return found

    def record_segment(self, segnam_field: str) -> tuple[str, SegmentDef | None]:
        """Segment type and definition for the raw 30-character SEGNAM of a data record (cached)."""
        found = self._records.get(segnam_field)
        if found is None:
            seg_type = self.resolve(segnam_field.rstrip())
            found = (seg_type, self.segments.get(seg_type))
            if len(self._records) < REMEMBERED_NAMES:
                self._records[segnam_field] = found
        return found

    def get(self, seg_type: str) -> SegmentDef | None:
        """Definition of one segment type, or None for an unknown (e.g. Z1) segment."""
        return self.segments.get(seg_type)

    def mandatory_roots(self) -> list[str]:
        """Top-level segment types that every IDoc of this type must carry."""
        return [s.type for s in self.segments.values() if s.parent is None and s.min > 0]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form with explicit offsets (what an import stores)."""
        return {
            "format": FORMAT,
            "idoc_type": self.name,
            "description": self.description,
            "segments": [
                {
                    "type": s.type, "definition": s.definition, "parent": s.parent,
                    "level": s.level, "min": s.min, "max": s.max, "description": s.description,
                    "fields": [{"name": f.name, "offset": f.offset, "length": f.length} for f in s.fields],
                }
                for s in self.segments.values()
            ],
        }


def _fields_from_json(raw: list[Any], file: str, seg: str) -> tuple[FieldDef, ...]:
    fields = []
    offset = 0
    for item in raw:
        if isinstance(item, list) and len(item) == 2:
            name, length = item
            fields.append(FieldDef(str(name), offset, int(length)))
            offset += int(length)
        elif isinstance(item, dict) and {"name", "offset", "length"} <= item.keys():
            fields.append(FieldDef(str(item["name"]), int(item["offset"]), int(item["length"])))
        else:
            raise DefinitionError(file, None, seg,
                                  f"field entry {item!r} is neither [name, length] nor {{name, offset, length}}")
    for f in fields:
        if f.length <= 0 or f.offset < 0 or f.end > SDATA_LENGTH:
            raise DefinitionError(file, None, f"{seg}-{f.name}",
                                  f"offset {f.offset} and length {f.length} do not fit SDATA")
    return tuple(fields)


def definitions_from_json(data: dict[str, Any], file: str = "<json>") -> list[IdocTypeDef]:
    """The IDoc type (and its ``variants``) described by one definition JSON document."""
    if data.get("format") != FORMAT:
        raise DefinitionError(file, None, "format", f"expected {FORMAT!r}, found {data.get('format')!r}")
    name = data.get("idoc_type")
    if not isinstance(name, str) or not name:
        raise DefinitionError(file, None, "idoc_type", "missing")
    segments: dict[str, SegmentDef] = {}
    for raw in data.get("segments", []):
        seg_type = raw.get("type")
        if not seg_type:
            raise DefinitionError(file, None, "segments", f"segment without type: {raw!r}")
        parent = raw.get("parent")
        if parent is not None and parent not in segments:
            raise DefinitionError(file, None, seg_type, f"parent {parent} must be defined before its children")
        segments[seg_type] = SegmentDef(
            type=seg_type,
            definition=raw.get("definition") or seg_type,
            parent=parent,
            level=int(raw.get("level", 1)),
            min=int(raw.get("min", 0)),
            max=int(raw.get("max", 1)),
            fields=_fields_from_json(raw.get("fields", []), file, seg_type),
            description=raw.get("description", ""),
        )
    result = [IdocTypeDef(name, segments, data.get("description", ""))]
    for variant, names in data.get("variants", {}).items():
        unknown = sorted(set(names) - set(segments))
        if unknown:
            raise DefinitionError(file, None, variant, f"variant names unknown segment(s) {', '.join(unknown)}")
        copies = {
            t: SegmentDef(s.type, names.get(t, s.definition), s.parent, s.level, s.min, s.max, s.fields, s.description)
            for t, s in segments.items()
        }
        result.append(IdocTypeDef(variant, copies, f"{data.get('description', '')} ({variant} segment versions)"))
    return result


def _shipped_files() -> Iterator[tuple[str, str]]:
    folder = resources.files("plugins.erp_sap.idoc") / "definitions"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            yield entry.name, entry.read_text(encoding="utf-8")


class DefinitionRegistry:
    """Every IDoc type the codec knows: shipped ones, then the installation's (which win).

    Also remembers, for segments without a definition, the flat name seen when parsing,
    so a parsed file renders back with the same names.
    """

    def __init__(self, folders: Iterable[str | Path] = (), shipped: bool = True) -> None:
        self._types: dict[str, IdocTypeDef] = {}
        self._merged: dict[tuple[str, str], IdocTypeDef] = {}
        self._learned: dict[str, str] = {}
        if shipped:
            for name, text in _shipped_files():
                for definition in definitions_from_json(json.loads(text), name):
                    self._types[definition.name] = definition
        for folder in folders:
            path = Path(folder)
            if path.is_dir():
                for file in sorted(path.glob("*.json")):
                    self.load_file(file)

    def load_file(self, path: str | Path) -> list[IdocTypeDef]:
        """Add the definitions of one JSON file (replacing types of the same name)."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DefinitionError(str(path), exc.lineno, "json", exc.msg) from exc
        loaded = definitions_from_json(data, str(path))
        for definition in loaded:
            self.add(definition)
        return loaded

    def add(self, definition: IdocTypeDef) -> None:
        """Register (or replace) one IDoc type."""
        self._types[definition.name] = definition
        self._merged.clear()

    def get(self, idoc_type: str, extension: str = "") -> IdocTypeDef | None:
        """Definition for an IDoc: the extension type when known, else the basic type.

        An extension only adds customer segments to its basic type, so an imported
        extension that describes just those segments (or some standard ones) is completed
        from the basic type: its own segment definitions win, the basic type's fill in the
        rest.
        """
        if not extension or extension not in self._types:
            return self._types.get(idoc_type)
        ext = self._types[extension]
        basic = self._types.get(idoc_type)
        if basic is None or basic is ext:
            return ext
        merged = self._merged.get((idoc_type, extension))
        if merged is None:
            missing = {name: seg for name, seg in basic.segments.items() if name not in ext.segments}
            merged = IdocTypeDef(ext.name, {**missing, **ext.segments}, ext.description)
            self._merged[(idoc_type, extension)] = merged
        return merged

    def names(self) -> list[str]:
        """Names of all known IDoc types."""
        return sorted(self._types)

    def learn(self, seg_type: str, flat_name: str) -> None:
        """Remember how an undefined segment was named in a file (first sighting wins)."""
        if len(self._learned) < REMEMBERED_NAMES:
            self._learned.setdefault(seg_type, flat_name)

    def learned(self, seg_type: str) -> str | None:
        """The flat name remembered for an undefined segment."""
        return self._learned.get(seg_type)


def save_definition(definition: IdocTypeDef, folder: str | Path) -> Path:
    """Write one imported definition as ``FOLDER/<IDOCTYPE>.json`` and return the path."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    target = path / f"{definition.name.replace('/', '_')}.json"
    target.write_text(json.dumps(definition.to_json(), indent=1) + "\n", encoding="utf-8")
    return target
