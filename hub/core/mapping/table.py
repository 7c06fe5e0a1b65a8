"""Compiling one mapping file into a ``MappingTable``.

A table file names its system, the canonical document type, the raw format and the
message types it maps inbound and/or renders outbound, declares value lists, and
lists its rules (see docs/mapping.md). Every problem found is returned with file,
line and field; a table with any problem is not used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.core.errors import MappingProblem
from hub.core.mapping.codegen import generate
from hub.core.mapping.compiler import RuleCompiler
from hub.core.mapping.engine import MappingTable
from hub.core.mapping.formats import Adapter, adapter_for
from hub.core.mapping.loader import YList, YMap, read_yaml
from hub.core.mapping.unknown import POLICY_HELP, UnknownPolicy, parse_policy
from hub.core.mapping.values import ValueList, inline_value_list, read_csv_value_list

TABLE_KEYS = {"system", "document_type", "format", "version", "description", "inbound", "outbound",
              "namespace", "value_lists", "unknown_codes", "rules", "key", "ignore"}
OUTBOUND_KEYS = {"message_type", "control", "root"}


class ValueListCache:
    """CSV value lists read once per load, shared by every table that uses them."""

    def __init__(self) -> None:
        self._lists: dict[Path, tuple[ValueList, list[MappingProblem], bytes]] = {}

    def get(self, name: str, path: Path) -> tuple[ValueList, list[MappingProblem], bytes, bool]:
        """(list, problems, raw bytes for the version hash, first time read)."""
        key = path.resolve()
        first = key not in self._lists
        if first:
            vl, problems = read_csv_value_list(name, path)
            data = path.read_bytes() if path.is_file() else b""
            self._lists[key] = (vl, problems, data)
        vl, problems, data = self._lists[key]
        return vl, problems, data, first


def _text_list(value: Any) -> list[str] | None:
    items = list(value) if isinstance(value, YList) else [value]
    return [str(v) for v in items] if items and all(isinstance(v, str) and v for v in items) else None


class _Header:
    """The checked top-level keys of a table file."""

    def __init__(self, data: YMap, file: str, document_types: dict[str, type], problems: list[MappingProblem]):
        def bad(key: str, message: str) -> None:
            problems.append(MappingProblem(file, data.line_of(key), key, message))

        for key in sorted(set(data) - TABLE_KEYS):
            bad(key, f"unknown key (allowed: {', '.join(sorted(TABLE_KEYS))})")
        self.system = data.get("system")
        if not isinstance(self.system, str) or not self.system:
            bad("system", "system (the plugin name, e.g. erp_sap) is required")
        self.document_type = data.get("document_type")
        self.document_class = document_types.get(self.document_type) if isinstance(self.document_type, str) else None
        if self.document_class is None:
            bad("document_type", f"document_type must be one of: {', '.join(sorted(document_types))}")
        self.format = data.get("format")
        self.namespace = data.get("namespace")
        self.adapter: Adapter | None
        try:
            self.adapter = adapter_for(str(self.format), self.namespace)
        except ValueError as exc:
            bad("format", str(exc))
            self.adapter = None
        self.inbound = _text_list(data["inbound"]) if "inbound" in data else []
        if self.inbound is None:
            bad("inbound", "inbound lists the message types this table maps in, e.g. [ORDERS, ORDRSP]")
        out = data.get("outbound")
        self.outbound_type: str | None = None
        self.control: dict[str, str] = {}
        self.root: str | None = None
        if out is not None:
            if not isinstance(out, YMap) or not isinstance(out.get("message_type"), str) \
                    or set(out) - OUTBOUND_KEYS or not isinstance(out.get("control", {}), dict):
                bad("outbound", "outbound must be {message_type: TYPE, control: {FIELD: value}, root: NAME}")
            else:
                self.outbound_type = out["message_type"]
                self.control = {str(k): str(v) for k, v in out.get("control", {}).items()}
                self.root = out.get("root")
        if not self.inbound and self.outbound_type is None and self.inbound is not None:
            bad("inbound", "a table needs inbound message types, an outbound section, or both")
        self.row_key = self._row_key(data, bad)
        self.ignore = self._ignored(data, bad)
        version = data.get("version")
        self.version = str(version) if version is not None else ""
        self.description = str(data.get("description") or "")

    def _row_key(self, data: YMap, bad: Callable[[str, str], None]) -> str | None:
        """A list format's ``key``: the column whose value identifies a row (and becomes
        the partner's external id in the table's system). Only list formats have one."""
        key = data.get("key")
        if self.format != "csv":
            if key is not None:
                bad("key", "key (the column that identifies a row) belongs to list formats (format: csv)")
            return None
        if not isinstance(key, str) or not key.strip():
            bad("key", "a list format names the column that identifies a row: key: COLUMN")
            return None
        if "outbound" in data:
            bad("outbound", "a list format (format: csv) maps rows in; it renders nothing outbound")
        return key.strip()

    def _ignored(self, data: YMap, bad: Callable[[str, str], None]) -> tuple[str, ...]:
        """A list format's ``ignore``: columns a file may have that are not imported."""
        if "ignore" not in data:
            return ()
        columns = _text_list(data["ignore"])
        if self.format != "csv" or columns is None:
            bad("ignore", "ignore lists columns a list format (format: csv) leaves out: [COLUMN, ...]")
            return ()
        return tuple(column.strip() for column in columns)


def _unknown_codes(data: YMap, file: str, problems: list[MappingProblem]) -> dict[str, UnknownPolicy]:
    """The table's ``unknown_codes``: ``{VALUE_LIST: policy, "*": policy}``."""
    spec = data.get("unknown_codes")
    if spec is None:
        return {}
    if not isinstance(spec, YMap):
        problems.append(MappingProblem(file, data.line_of("unknown_codes"), "unknown_codes",
                                       "unknown_codes maps value list names (or \"*\" for all) to a policy"))
        return {}
    policies: dict[str, UnknownPolicy] = {}
    for name, value in spec.items():
        policy = parse_policy(value)
        if policy is None:
            problems.append(MappingProblem(file, spec.line_of(name), f"unknown_codes.{name}", POLICY_HELP))
        else:
            policies[name] = policy
    return policies


def compile_table(path: Path, document_types: dict[str, type], cache: ValueListCache,
                  shared_values: Path | None = None) -> tuple[MappingTable | None, list[MappingProblem]]:
    """Compile the table in ``path``; returns the table (None if broken) and every problem."""
    file = str(path)
    data, problems = read_yaml(path)
    if data is None:
        return None, problems
    if not isinstance(data, YMap):
        return None, problems + [MappingProblem(file, 1, None, "a mapping table must be a YAML mapping")]
    header = _Header(data, file, document_types, problems)
    digest = hashlib.sha256(path.read_bytes())
    value_lists: dict[str, ValueList] = {}
    declared = data.get("value_lists") or YMap(data.line)
    if not isinstance(declared, YMap):
        problems.append(MappingProblem(file, data.line_of("value_lists"), "value_lists",
                                       "value_lists maps names to CSV files or inline {EXTERNAL: canonical}"))
        declared = YMap(0)
    for name, spec in declared.items():
        line = declared.line_of(name)
        if isinstance(spec, str):
            vl, found, raw, first = cache.get(name, path.parent / spec)
            digest.update(raw)
            problems.extend(found if first else [])
            if not path.parent.joinpath(spec).is_file():
                problems.append(MappingProblem(file, line, f"value_lists.{name}", f"no such CSV file {spec!r}"))
        else:
            vl, found = inline_value_list(name, file, spec, line)
            problems.extend(found)
        value_lists[name] = vl

    def value_list(name: str) -> ValueList | None:
        if name in value_lists:
            return value_lists[name]
        for folder in (path.parent / "values", shared_values):
            candidate = folder / f"{name}.csv" if folder is not None else None
            if candidate is not None and candidate.is_file():
                vl, found, raw, first = cache.get(name, candidate)
                digest.update(raw)
                problems.extend(found if first else [])
                value_lists[name] = vl
                return vl
        return None

    if header.adapter is None or header.document_class is None or header.inbound is None \
            or not isinstance(header.system, str):
        return None, problems
    unknown_codes = _unknown_codes(data, file, problems)
    compiler = RuleCompiler(file, header.adapter, header.system, value_list,
                            inbound=bool(header.inbound), outbound=header.outbound_type is not None,
                            unknown_codes=unknown_codes)
    if "rules" not in data:
        compiler.problem(data.line, "rules", "the table has no rules")
    inbound, outbound = compiler.compile_level(data.get("rules"), data.line_of("rules"),
                                               header.document_class, (), "", set())
    problems.extend(compiler.problems)
    for name in sorted(set(unknown_codes) - set(value_lists) - {"*"}):
        problems.append(MappingProblem(file, data["unknown_codes"].line_of(name), f"unknown_codes.{name}",
                                       f"no rule of this table uses a value list named {name!r}"))
    if problems:
        return None, problems
    version = f"{header.version}+{digest.hexdigest()[:12]}" if header.version else digest.hexdigest()[:12]
    table = MappingTable(
        file=file, system=header.system, document_type=str(header.document_type),
        document_class=header.document_class, adapter=header.adapter,
        inbound_types=tuple(header.inbound), outbound_type=header.outbound_type,
        outbound_control=header.control, outbound_root=header.root, version=version,
        description=header.description, rows=compiler.rows, inbound_rules=inbound,
        outbound_rules=outbound, mapped=compiler.mapped, sources=compiler.sources,
        key_readers=compiler.key_readers, inbound_function=generate(file, inbound, compiler.specs),
        row_key=header.row_key, ignored_columns=header.ignore,
        columns_of={k: tuple(v) for k, v in compiler.columns_of.items()},
        fail_on_invalid=frozenset(compiler.fail_on_invalid),
    )
    return table, []
