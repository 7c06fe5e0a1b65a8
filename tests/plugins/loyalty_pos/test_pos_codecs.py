"""The plugin as the hub loads it: its codecs, which payloads each accepts, its mapping
folder and the handler that fails unreadable transactions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pos_fixtures import DATA, codecs, hub

from plugins.loyalty_pos.codecs import accepts_poslog


def test_hub_plugins_lists_what_loyalty_pos_brings(tmp_path: Path) -> None:
    done = hub(tmp_path, "plugins", "--json")
    assert done.returncode == 0, done.stderr
    (plugin,) = [p for p in json.loads(done.stdout) if p["name"] == "loyalty_pos"]
    text = json.dumps(plugin)
    assert '"poslog"' in text and '"json"' in text and "POSLog" in text and "pos_transaction" in text
    assert "loyalty_pos/mappings" in text


def test_the_codecs_read_only_and_have_no_status_vocabulary() -> None:
    found = codecs()
    assert list(found) == ["poslog", "json"]
    assert all(spec.render is None and dict(spec.status_codes) == {} for spec in found.values())
    assert found["poslog"].document_kinds == ("POSLog",) and found["json"].document_kinds == ("pos_transaction",)


@pytest.mark.parametrize(("head", "accepted"), [
    ((DATA / "poslog60_day.xml").read_bytes()[:4096], True),
    (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- day end -->\n<POSLog>', True),
    (b'<poslog:POSLog xmlns:poslog="http://www.nrf-arts.org/IXRetail/namespace/">', True),
    (b'<Transaction xmlns="http://www.nrf-arts.org/IXRetail/namespace/">', True),
    (b'<?xml version="1.0"?><!DOCTYPE POSLog><POSLog>', True),
    (b'<?xml version="1.0"?><ORDERS05><IDOC BEGIN="1">', False),
    (b"<POSLogExport>", False),
    (b'{"pos_transaction": 1}', False),
    (b"", False),
])
def test_poslog_is_recognised_by_its_root(head: bytes, accepted: bool) -> None:
    assert accepts_poslog(head, "x") is accepted
