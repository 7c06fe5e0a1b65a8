"""ALEAUD01 audit IDocs: tell SAP which of its IDocs were posted (status 53) or failed (51).

One audit IDoc holds, per message type, an ``E1ADHDR`` with one ``E1STATE`` per
acknowledged IDoc (its DOCNUM, status and texts) and optionally an ``E1PRTOB``
naming the application object created from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from hub.api import RawDocument, Segment
from plugins.erp_sap.idoc.errors import IdocError

POSTED = "53"
FAILED = "51"
_TEXT = 70
_EXTRA = ("STAPA1_LNG", "STAPA2_LNG", "STAPA3_LNG", "STAPA4_LNG")
_EXTRA_LEN = 50
_PER_HEADER = 500


@dataclass(frozen=True)
class Acknowledgement:
    """The outcome of one IDoc: its number, status (53 posted, 51 error) and text."""

    docnum: str
    status: str
    message_type: str
    text: str = ""
    object_type: str = ""
    object_key: str = ""


def _state(ack: Acknowledgement) -> Segment:
    if not ack.docnum.isdigit() or len(ack.docnum) > 16:
        raise IdocError(ack.docnum, "E1STATE", "", "acknowledged DOCNUM must be at most 16 digits")
    if len(ack.status) != 2 or not ack.status.isdigit():
        raise IdocError(ack.docnum, "E1STATE", "", f"status {ack.status!r} is not a two-digit IDoc status")
    fields = {"DOCNUM": ack.docnum.zfill(16), "STATUS": ack.status,
              "STATYP": "E" if ack.status == FAILED else "S"}
    text = ack.text.strip()
    if text:
        fields["STATXT"] = text[:_TEXT].rstrip()
        rest = text[_TEXT:]
        for name in _EXTRA:
            if not rest:
                break
            fields[name] = rest[:_EXTRA_LEN].rstrip()
            rest = rest[_EXTRA_LEN:]
    state = Segment("E1STATE", fields)
    if ack.object_key:
        state.children.append(Segment("E1PRTOB", {"DOCNUM": fields["DOCNUM"], "OBJTYPE": ack.object_type[:10],
                                                  "OBJKEY": ack.object_key[:70]}))
    return state


def build_audit(acknowledgements: Iterable[Acknowledgement], docnum: str, control: dict[str, str] | None = None,
                now: datetime | None = None) -> RawDocument:
    """One ALEAUD01 IDoc acknowledging ``acknowledgements``; ``control`` adds partner/port fields."""
    moment = now or datetime.now(UTC)
    body: list[Segment] = []
    by_type: dict[str, list[Acknowledgement]] = {}
    for ack in acknowledgements:
        by_type.setdefault(ack.message_type, []).append(ack)
    if not by_type:
        raise IdocError(docnum, "E1STATE", "", "an audit IDoc needs at least one acknowledgement")
    for message_type, acks in by_type.items():
        for start in range(0, len(acks), _PER_HEADER):
            header = {"MESTYP_LNG": message_type}
            if len(message_type) <= 6:
                header["MESTYP"] = message_type
            body.append(Segment("E1ADHDR", header, [_state(a) for a in acks[start : start + _PER_HEADER]]))
    fields = {"IDOCTYP": "ALEAUD01", "MESTYP": "ALEAUD", "DIRECT": "2", "DOCNUM": docnum,
              "CREDAT": moment.strftime("%Y%m%d"), "CRETIM": moment.strftime("%H%M%S"), **(control or {})}
    number = 0
    for segment in body:
        number += 1
        segment.number = number
        for state in segment.children:
            number += 1
            state.number = number
            for obj in state.children:
                number += 1
                obj.number = number
    return RawDocument("erp_sap", "ALEAUD", docnum, "idoc", body, fields)


def parse_audit(document: RawDocument) -> list[Acknowledgement]:
    """The acknowledgements an ALEAUD01 IDoc carries, in order."""
    if not document.control.get("IDOCTYP", "").startswith("ALEAUD"):
        raise IdocError(document.document_id, "", "control record",
                        f"IDoc type {document.control.get('IDOCTYP')!r} is not an audit IDoc")
    result = []
    for header in document.body:
        if header.name != "E1ADHDR":
            continue
        message_type = header.fields.get("MESTYP_LNG") or header.fields.get("MESTYP", "")
        for state in header.find("E1STATE"):
            docnum = state.fields.get("DOCNUM", "")
            status = state.fields.get("STATUS", "")
            if not docnum or not status:
                raise IdocError(document.document_id, "E1STATE", f"segment {state.number}",
                                "E1STATE without DOCNUM or STATUS")
            text = state.fields.get("STATXT", "")
            extra = "".join(state.fields.get(name, "").ljust(_EXTRA_LEN) for name in _EXTRA).rstrip()
            if extra:
                text = text.ljust(_TEXT) + extra
            obj = next(state.find("E1PRTOB"), None)
            result.append(Acknowledgement(
                docnum, status, message_type, text,
                obj.fields.get("OBJTYPE", "") if obj else "", obj.fields.get("OBJKEY", "") if obj else ""))
    return result
