"""Printing for people: values are text, never rich markup, and a pipe cuts nothing."""

from __future__ import annotations

import pytest

from hub.cli import output
from hub.cli.output import print_table


def test_values_that_look_like_markup_are_printed_as_they_are(capsys: pytest.CaptureFixture[str]) -> None:
    hostile = "[link=http://evil.example]click[/link] [red]Müller[/red] [bold"
    print_table(["name", "id"], [(hostile, "so_01M974EXAMPLE0000000000000000000000")])
    out = capsys.readouterr().out
    assert hostile in out and "so_01M974EXAMPLE0000000000000000000000" in out
    assert "\x1b]8;" not in out  # no terminal hyperlink was made


def test_off_a_terminal_a_wide_table_is_not_cut(capsys: pytest.CaptureFixture[str]) -> None:
    output._console.cache_clear()
    ids = [f"so_01M974E{'X' * 30}{n:04d}" for n in range(3)]
    print_table(["order", "ERP number", "note"], [(i, f"00000{n:05d}", "y" * 150) for n, i in enumerate(ids)])
    out = capsys.readouterr().out
    assert all(i in out for i in ids) and "…" not in out and "y" * 150 in out
