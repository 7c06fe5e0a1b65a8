"""Read an IDoc type description in any supported form: WE63 parser text, XSD, or our JSON."""

from __future__ import annotations

import json
from pathlib import Path

from plugins.erp_sap.idoc.definitions import IdocTypeDef, definitions_from_json, save_definition
from plugins.erp_sap.idoc.errors import DefinitionError
from plugins.erp_sap.idoc.we63 import looks_like_we63, parse_we63
from plugins.erp_sap.idoc.xsd import looks_like_xsd, parse_xsd


def read_description(path: str | Path, encoding: str = "utf-8") -> list[IdocTypeDef]:
    """The IDoc types a description file holds, told apart by content."""
    path = Path(path)
    data = path.read_bytes()
    head = data[:4096]
    if looks_like_xsd(head):
        return [parse_xsd(data, str(path))]
    if head.lstrip().startswith(b"{"):
        try:
            return definitions_from_json(json.loads(data), str(path))[:1]
        except json.JSONDecodeError as exc:
            raise DefinitionError(str(path), exc.lineno, "json", exc.msg) from exc
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DefinitionError(str(path), None, "encoding", f"not {encoding}: {exc.reason}") from exc
    if looks_like_we63(text):
        return parse_we63(text, str(path))
    raise DefinitionError(str(path), None, "format", "neither WE63 parser output, an IDoc XSD nor a definition JSON")


def import_description(path: str | Path, folder: str | Path) -> list[tuple[IdocTypeDef, Path]]:
    """Read a description and store each IDoc type in ``folder``; returns what was stored where."""
    return [(definition, save_definition(definition, folder)) for definition in read_description(path)]
