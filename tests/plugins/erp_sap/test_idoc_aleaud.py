"""ALEAUD01 audit IDocs acknowledging SAP's IDocs with status 53 or 51."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from plugins.erp_sap.idoc.aleaud import FAILED, POSTED, Acknowledgement, build_audit, parse_audit
from plugins.erp_sap.idoc.errors import IdocError
from plugins.erp_sap.idoc.flat import read_flat, render_flat
from plugins.erp_sap.idoc.xml import read_xml, render_xml

DATA = Path(__file__).parent / "data"


def test_parse_recorded_audit() -> None:
    (audit,) = read_flat((DATA / "aleaud01_flat.txt").read_bytes())
    ok, bad = parse_audit(audit)
    assert (ok.docnum, ok.status, ok.message_type, ok.object_key) == (
        "0000000000471101", POSTED, "DEBMAS", "0000100001")
    assert bad.status == FAILED and bad.text.startswith("Sales area 2000/10/00 is not defined")
    assert bad.text.endswith("create it first")


def test_build_long_text_and_many_acks_round_trip() -> None:
    text = "Customer 0000100009: " + "tax number invalid; " * 10
    acks = [Acknowledgement(str(4000 + i), POSTED, "DEBMAS") for i in range(600)]
    acks.append(Acknowledgement("9999", FAILED, "MATMAS", text.strip()))
    audit = build_audit(acks, "0000000000000500", now=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert [h.fields["MESTYP_LNG"] for h in audit.body] == ["DEBMAS", "DEBMAS", "MATMAS"]
    assert len(audit.body[0].children) == 500
    assert audit.control["CREDAT"] == "20240102"
    for payload, reader in ((render_flat([audit]), read_flat), (render_xml([audit]), read_xml)):
        (back,) = reader(payload)
        parsed = parse_audit(back)
        assert len(parsed) == 601
        assert parsed[-1].text == text.strip()
        assert parsed[0].docnum == "0000000000004000"


def test_rejects_bad_acknowledgements() -> None:
    with pytest.raises(IdocError, match="two-digit IDoc status"):
        build_audit([Acknowledgement("1", "OK", "DEBMAS")], "1")
    with pytest.raises(IdocError, match="at most 16 digits"):
        build_audit([Acknowledgement("ABC", POSTED, "DEBMAS")], "1")
    with pytest.raises(IdocError, match="at least one acknowledgement"):
        build_audit([], "1")
