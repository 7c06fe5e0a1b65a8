"""Reading mapping files: YAML that remembers the line of every key and list item.

Errors in a mapping table must name file, line and field, so the YAML is composed
into PyYAML nodes (which carry their marks) and turned into ``YMap``/``YList``, plain
dicts and lists that also know where each entry stood.

Scalars stay strings (only ``true``/``false`` and ``null``/``~``/empty are special):
YAML 1.1 would otherwise read the country ``NO`` as ``False``, the qualifier ``008``
as a number and ``12.50`` as a float, all of which would quietly mis-map.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hub.core.errors import MappingProblem

_BOOLEANS = {"true": True, "false": False}
_NULLS = {"", "~", "null"}


class YMap(dict[str, Any]):
    """A YAML mapping: ``line`` is where it starts, ``lines[key]`` where each key is."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        """The line of ``key`` if present, else the line of the mapping itself."""
        return self.lines.get(key, self.line)


class YList(list[Any]):
    """A YAML sequence: ``line`` is where it starts, ``lines[i]`` where item ``i`` is."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: list[int] = []


def _scalar(node: yaml.ScalarNode) -> Any:
    if node.style in ("'", '"', "|", ">"):
        return node.value
    lowered = node.value.strip().lower()
    if lowered in _BOOLEANS:
        return _BOOLEANS[lowered]
    if lowered in _NULLS:
        return None
    return node.value


def _convert(node: yaml.Node, file: str, problems: list[MappingProblem]) -> Any:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        seq = YList(line)
        for item in node.value:
            seq.append(_convert(item, file, problems))
            seq.lines.append(item.start_mark.line + 1)
        return seq
    if isinstance(node, yaml.MappingNode):
        mapping = YMap(line)
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(MappingProblem(file, key_line, None, "keys must be plain text"))
                continue
            key = str(key_node.value)
            if key in mapping:
                problems.append(MappingProblem(file, key_line, key, "key given twice in one mapping"))
                continue
            mapping[key] = _convert(value_node, file, problems)
            mapping.lines[key] = key_line
        return mapping
    raise AssertionError(f"unexpected YAML node {node!r}")


def parse_yaml(text: str, file: str) -> tuple[Any, list[MappingProblem]]:
    """Parse ``text`` into YMap/YList/scalars, with the problems found (YAML errors, anchors)."""
    problems: list[MappingProblem] = []
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = " ".join(part for part in (exc.context, exc.problem) if part)
        return None, [MappingProblem(file, line, None, f"YAML error: {reason}")]
    except yaml.YAMLError as exc:
        return None, [MappingProblem(file, None, None, f"YAML error: {exc}")]
    if node is None:
        return None, [MappingProblem(file, 1, None, "the file is empty")]
    return _convert(node, file, problems), problems


def read_yaml(path: Path) -> tuple[Any, list[MappingProblem]]:
    """Read and parse one mapping file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [MappingProblem(str(path), None, None, f"cannot be read: {exc}")]
    return parse_yaml(text, str(path))


def discover(folder: Path) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` table under ``folder``, sorted, skipping hidden folders."""
    if folder.is_file():
        return [folder]
    found = [
        p for p in folder.rglob("*")
        if p.suffix in (".yaml", ".yml") and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    return sorted(found)
