"""Compiled mapping tables at run time: map inbound, render outbound, report the unmapped.

``MappingTable`` holds the closures of one compiled file; ``MappingSet`` selects a
table by (system, message type) inbound, or by (system, document type) outbound.
Results name the mapping file and version that translated the document, so every
message can record them.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from hub.core.errors import DocumentError, NotFoundError, UnresolvedReferenceError
from hub.core.mapping.codegen import Inbound
from hub.core.mapping.compiler import Mapped
from hub.core.mapping.keys import KeyReader, LookupKey
from hub.core.mapping.steps import DocCtx, InRule, Lookup, OutRule, ReverseLookup, RuleFailure, RuleRow
from hub.core.model.base import Document
from hub.core.raw import RawDocument, RawFormat


@dataclass(frozen=True)
class MappingResult:
    """One inbound document mapped: the canonical document and how it was made."""

    document: Document
    mapping_file: str
    mapping_version: str
    unmapped: list[str]
    """Source locations present in the document that no rule of the table reads."""
    notes: list[str] = dataclasses.field(default_factory=list)
    """What the mapping let through that the document's history should show (an
    unknown code kept, or replaced by its list's default)."""
    unresolved: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    """With ``unresolved_as_warnings``: the (system, object type, external id) of each
    required reference the key map did not know; the document holds placeholders there."""


@dataclass(frozen=True)
class RenderResult:
    """One canonical document rendered into a raw tree for a codec."""

    raw: RawDocument
    mapping_file: str
    mapping_version: str


class MappingTable:
    """One compiled mapping file."""

    def __init__(self, *, file: str, system: str, document_type: str, document_class: type[Document],
                 adapter: Any, inbound_types: tuple[str, ...], outbound_type: str | None,
                 outbound_control: dict[str, str], outbound_root: str | None, version: str,
                 description: str, rows: list[RuleRow], inbound_rules: list[InRule],
                 outbound_rules: list[OutRule], mapped: list[Mapped], sources: dict[str, str],
                 inbound_function: Inbound, key_readers: list[KeyReader] | None = None,
                 row_key: str | None = None, ignored_columns: tuple[str, ...] = (),
                 columns_of: dict[str, tuple[str, ...]] | None = None,
                 fail_on_invalid: frozenset[str] = frozenset()) -> None:
        self.file = file
        self.system = system
        self.document_type = document_type
        self.document_class = document_class
        self.format: RawFormat = adapter.name
        self.inbound_types = inbound_types
        self.outbound_type = outbound_type
        self.outbound_control = outbound_control
        self.outbound_root = outbound_root
        self.version = version
        self.description = description
        self.rows = rows
        self._adapter = adapter
        self._inbound = inbound_rules
        self.inbound_function = inbound_function
        """The table's inbound work as one function: (root, canonical dict, ctx) -> None
        (generated from the rules, see ``hub.core.mapping.codegen``)."""
        self._outbound = outbound_rules
        self._sources = sources
        self.row_key = row_key
        """A list format's column that identifies a row (``key``); None for other tables."""
        self.ignored_columns = frozenset(ignored_columns)
        """A list format's columns a file may have that are not imported (``ignore``)."""
        self.columns_of = columns_of or {}
        """A list format's canonical paths (list positions as ``*``) -> the columns feeding them."""
        self.fail_on_invalid = fail_on_invalid
        """A list format's canonical paths where an invalid value fails the row rather than
        being dropped (required fields, and rules with ``invalid: fail``)."""
        self._key_readers = key_readers or []
        # Unmapped report: locations read whatever their qualifiers, those read only
        # under qualifiers, and the qualifier keys used per segment path (for labels).
        self._always: set[tuple[tuple[str, ...], str]] = set()
        self._conditional: dict[tuple[tuple[str, ...], str], list[tuple[tuple[str, str], ...]]] = {}
        self._qualifiers: dict[tuple[str, ...], list[str]] = {}
        keys: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for entry in mapped:
            if entry.predicates:
                self._conditional.setdefault((entry.names, entry.field), []).append(entry.predicates)
                keys[entry.names].update(key for key, _ in entry.predicates)
            else:
                self._always.add((entry.names, entry.field))
        self._qualifiers = {names: sorted(found) for names, found in keys.items()}

    def __repr__(self) -> str:
        return f"MappingTable({self.file!r}, {self.system}/{self.document_type})"

    @property
    def columns(self) -> frozenset[str]:
        """A list format's known columns: those its rules and conditions read, and its key."""
        read = {name for names, name in self._always if not names}
        return frozenset(read | ({self.row_key} if self.row_key else set()))

    def map_inbound(self, raw: RawDocument, lookup: Lookup | None = None, *,
                    report_unmapped: bool = True, unresolved_as_warnings: bool = False) -> MappingResult:
        """Map ``raw`` to a canonical document; ``DocumentError`` names document, field and reason.

        ``unresolved_as_warnings`` (dry runs) maps on past required references the key
        map does not know, listing them in the result instead of raising
        ``UnresolvedReferenceError``.
        """
        root = self._adapter.root(raw.body)
        ctx = DocCtx(root, raw.control, lookup, None)
        if unresolved_as_warnings:
            ctx.unresolved = []
        out: dict[str, Any] = {}
        try:
            self.inbound_function(root, out, ctx)
        except RuleFailure as failure:
            name = f"{raw.message_type} {raw.document_id}"
            if failure.missing is not None:
                raise UnresolvedReferenceError(name, failure.location(), failure.reason, failure.missing) from None
            raise DocumentError(name, failure.location(), failure.reason) from None
        try:
            document = self.document_class.model_validate(out)
        except ValidationError as exc:
            raise self._validation_error(f"{raw.message_type} {raw.document_id}", exc) from None
        unmapped = self.unmapped(root) if report_unmapped else []
        return MappingResult(document, self.file, self.version, unmapped, ctx.notes, ctx.unresolved or [])

    def lookup_keys(self, raw: RawDocument) -> set[LookupKey]:
        """The key-map lookups mapping ``raw`` will make (a superset; see ``hub.core.mapping.keys``)."""
        keys: set[LookupKey] = set()
        if self._key_readers:
            root = self._adapter.root(raw.body)
            ctx = DocCtx(root, raw.control)
            for reader in self._key_readers:
                reader.collect(root, ctx, keys)
        return keys

    def _validation_error(self, name: str, exc: ValidationError) -> DocumentError:
        errors = exc.errors()
        described = []
        for error in errors:
            loc = ".".join(str(part) for part in error["loc"])
            generic = ".".join("*" if isinstance(part, int) else str(part) for part in error["loc"])
            source = self._sources.get(generic) or self._sources.get(generic.rsplit(".", 1)[0])
            described.append((f"{loc} <- {source}" if source else loc or "(document)", error["msg"]))
        field, reason = described[0]
        if len(described) > 1:
            reason += "; also " + "; ".join(f"{f}: {r}" for f, r in described[1:])
        return DocumentError(name, field, reason)

    def unmapped(self, root: Any) -> list[str]:
        """Source locations in the tree ``root`` that this table does not read (deduplicated)."""
        adapter = self._adapter
        always, conditional = self._always, self._conditional
        found: dict[str, None] = {}
        for names, field, node in adapter.locations(root):
            key = (names, field)
            if key in always:
                continue
            options = conditional.get(key)
            if options is not None and any(
                all(str(adapter.value(node, name)) == value for name, value in predicates)
                for predicates in options
            ):
                continue
            label = adapter.separator.join(names)
            for qualifier in self._qualifiers.get(names, ()):
                label += f"[{qualifier}={adapter.value(node, qualifier)}]"
            found[f"{label}{adapter.field_separator}{field}" if label else field] = None
        return list(found)

    def render(self, document: BaseModel, reverse_lookup: ReverseLookup | None = None) -> RenderResult:
        """Render ``document`` into a raw tree of this table's outbound message type."""
        if self.outbound_type is None:
            raise NotFoundError(f"{self.file} maps {self.system} inbound only; it renders nothing")
        data = document.model_dump()
        root = self._adapter.new_root(self.outbound_root)
        control = dict(self.outbound_control)
        ctx = DocCtx(root, control, None, reverse_lookup)
        name = f"{self.document_type} {getattr(document, 'hub_id', None) or '(new)'}"
        try:
            for rule in self._outbound:
                rule(data, root, ctx)
        except RuleFailure as failure:
            raise DocumentError(name, failure.location(), failure.reason) from None
        raw = RawDocument(self.system, self.outbound_type, getattr(document, "hub_id", None) or "",
                          self.format, self._adapter.body(root), control)
        return RenderResult(raw, self.file, self.version)


class MappingSet:
    """Every usable table, selected by (system, message type) or (system, document type)."""

    def __init__(self, tables: list[MappingTable], shadowed: list[tuple[str, str]] | None = None) -> None:
        self.tables = tables
        self.shadowed = shadowed or []
        """(file not used, file that wins) for tables overridden by an earlier folder."""
        self._inbound: dict[tuple[str, str], MappingTable] = {}
        self._outbound: dict[tuple[str, str], list[MappingTable]] = defaultdict(list)
        for table in tables:
            for message_type in table.inbound_types:
                self._inbound.setdefault((table.system, message_type), table)
            if table.outbound_type is not None:
                self._outbound[(table.system, table.document_type)].append(table)

    def select(self, system: str, message_type: str) -> MappingTable:
        """The table mapping ``message_type`` from ``system`` inbound; NotFoundError otherwise."""
        table = self._inbound.get((system, message_type))
        if table is None:
            known = sorted(mt for s, mt in self._inbound if s == system)
            raise NotFoundError(f"no mapping table for {system} message type {message_type!r}"
                                f" (tables exist for: {', '.join(known) or 'none'})")
        return table

    def select_raw(self, raw: RawDocument) -> MappingTable:
        """The table for ``raw``: its message type, else the control record's MESTYP, else
        the message type of its IDoc basic type (``IDOCTYP`` without its version: DEBMAS07
        -> DEBMAS), so a customer message type such as ZDEBMAS over a customer extension
        maps through the basic type's table."""
        table = self._inbound.get((raw.system, raw.message_type))
        if table is None and raw.control.get("MESTYP"):
            table = self._inbound.get((raw.system, raw.control["MESTYP"]))
        if table is None and raw.control.get("IDOCTYP"):
            table = self._inbound.get((raw.system, raw.control["IDOCTYP"].rstrip("0123456789")))
        return table or self.select(raw.system, raw.message_type)

    def map_inbound(self, raw: RawDocument, lookup: Lookup | None = None, *,
                    report_unmapped: bool = True, unresolved_as_warnings: bool = False) -> MappingResult:
        """Select the table for ``raw`` and map it."""
        return self.select_raw(raw).map_inbound(raw, lookup, report_unmapped=report_unmapped,
                                                unresolved_as_warnings=unresolved_as_warnings)

    def lookup_keys(self, raw: RawDocument) -> set[LookupKey]:
        """The key-map lookups mapping ``raw`` will make; none when no table maps it."""
        try:
            table = self.select_raw(raw)
        except NotFoundError:
            return set()
        return table.lookup_keys(raw)

    def outbound_table(self, system: str, document_type: str, message_type: str | None = None) -> MappingTable:
        """The table rendering ``document_type`` for ``system`` (by message type when several)."""
        tables = [t for t in self._outbound.get((system, document_type), [])
                  if message_type is None or t.outbound_type == message_type]
        if len(tables) != 1:
            reason = "no" if not tables else "more than one"
            raise NotFoundError(f"{reason} outbound mapping table for {system} {document_type}"
                                + (f" message type {message_type}" if message_type else ""))
        return tables[0]

    def render(self, system: str, document: Document, reverse_lookup: ReverseLookup | None = None,
               message_type: str | None = None) -> RenderResult:
        """Render ``document`` for ``system`` with its outbound table."""
        table = self.outbound_table(system, document.doc_type, message_type)
        return table.render(document, reverse_lookup)

    def find(self, system: str, name: str) -> MappingTable:
        """The table of ``system`` for a document type or message type (``hub mapping show``)."""
        for table in self.tables:
            if table.system == system and (name == table.document_type or name in table.inbound_types
                                           or name == table.outbound_type):
                return table
        raise NotFoundError(f"no mapping table of {system} for {name!r}; tables: "
                            + ", ".join(f"{t.system} {t.document_type}" for t in self.tables))
