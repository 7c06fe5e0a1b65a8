"""Reading XLSX list files: the first sheet, streamed, each cell as the text a person sees."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from hub.core.lists.errors import ListFileError
from hub.core.lists.source import open_list


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_cells_become_text_and_empty_rows_are_skipped(tmp_path: Path) -> None:
    path = workbook(tmp_path / "visitors.xlsx", [
        ["Contact ID", "Last name", "Date of birth", "Postcode", "Score", None],
        [1001, " Müller ", date(1981, 2, 14), 50667, 2.5],
        [],
        ["1002", "Schmidt", datetime(1968, 7, 3, 10, 30), "01067", None],
        ["1003", "Wide", None, None, None, "beyond the header"],
    ])
    source = open_list(path)
    assert source.kind == "xlsx" and source.header == ["Contact ID", "Last name", "Date of birth", "Postcode", "Score"]
    rows = list(source.rows())
    assert [(r.number, r.cells) for r in rows[:2]] == [
        (2, {"Contact ID": "1001", "Last name": "Müller", "Date of birth": "1981-02-14", "Postcode": "50667",
             "Score": "2.5"}),
        (4, {"Contact ID": "1002", "Last name": "Schmidt", "Date of birth": "1968-07-03T10:30:00",
             "Postcode": "01067", "Score": ""}),
    ]
    assert rows[2].number == 5 and rows[2].problem is not None and "beyond the header" in rows[2].problem.reason


def test_a_broken_or_empty_workbook_is_refused_with_its_name(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ListFileError, match="broken.xlsx: not a readable XLSX workbook"):
        open_list(broken)
    empty = workbook(tmp_path / "empty.xlsx", [])
    with pytest.raises(ListFileError, match="empty.xlsx: row 1: the file is empty"):
        open_list(empty)
    with pytest.raises(ListFileError, match="no such file"):
        open_list(tmp_path / "missing.csv")


def test_a_header_below_title_rows(tmp_path: Path) -> None:
    path = workbook(tmp_path / "list.xlsx", [["Visitors"], [], ["id", "name"], ["1", "Ann"]])
    source = open_list(path, header_row=3)
    assert source.header == ["id", "name"]
    assert [(r.number, r.cells) for r in source.rows()] == [(4, {"id": "1", "name": "Ann"})]
