"""Cutting IDoc files into parts at their markers: each part parses on its own, together to the whole file."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest
from erp_fixtures import DATA

from hub.api import RawDocument
from plugins.erp_sap.idoc import split
from plugins.erp_sap.idoc.codec import Definitions, IdocCodecs
from plugins.erp_sap.idoc.split import split_idoc_file, splittable
from plugins.erp_sap.simulator.masterdata_idocs import write_debmas


def _read(codecs: IdocCodecs, documents: Iterable[RawDocument]) -> list[tuple[object, ...]]:
    return [(d.document_id, d.body, d.control, d.payload, d.dedupe_key) for d in documents]


@pytest.mark.parametrize("size", [1, 7, 100])
def test_xml_parts_read_as_the_whole_file(tmp_path: Path, size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split, "BLOCK_BYTES", 4096)  # markers cut by the blocks' edges, often
    codecs = IdocCodecs(Definitions(tmp_path / "definitions"))
    source = tmp_path / "DEBMAS.xml"
    write_debmas(source, 25)
    parts = list(split_idoc_file(source, size))
    assert [p.count for p in parts] == [size] * (25 // size) + ([25 % size] if 25 % size else [])
    assert all(p.payload.startswith(b"<?xml") and p.payload.rstrip().endswith(b"</DEBMAS07>") for p in parts)
    read = [doc for part in parts for doc in _read(codecs, codecs.parse(part.payload, "part"))]
    assert read == _read(codecs, codecs.parse_file(source))


def test_flat_parts_read_as_the_whole_file(tmp_path: Path) -> None:
    codecs = IdocCodecs(Definitions(tmp_path / "definitions"))
    source = DATA / "orders05_flat.txt"
    parts = list(split_idoc_file(source, 1))
    assert len(parts) == 2 and all(p.count == 1 for p in parts)
    read = [doc[:3] for part in parts for doc in _read(codecs, codecs.parse(part.payload, "part"))]
    assert read == [doc[:3] for doc in _read(codecs, codecs.parse_file(source))]


def test_a_file_without_idocs_has_no_parts_and_utf16_is_not_cut(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"<?xml version='1.0'?><DEBMAS07></DEBMAS07>")
    assert list(split_idoc_file(empty, 10)) == []
    wide = tmp_path / "wide.xml"
    wide.write_bytes("<?xml version='1.0' encoding='UTF-16'?><DEBMAS07/>".encode("utf-16"))
    assert splittable(empty) and not splittable(wide)
