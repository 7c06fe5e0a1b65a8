"""The plugin's codecs as the hub registers them: POSLog XML and the JSON transaction.

Both are inbound only (the hub sends POS transactions on to the ERP as IDocs, never
back to a till). POS systems have no status vocabulary of their own for what the hub
did with a transaction (unlike IDoc's 50/53/51), so neither declares ``status_codes``.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from hub.api import CodecSpec
from plugins.loyalty_pos.json_codec import accepts_json, read_json
from plugins.loyalty_pos.poslog.reader import PosLogReader
from plugins.loyalty_pos.settings import LoyaltyPosSettings
from plugins.loyalty_pos.shape import JSON, POSLOG

_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(POSLog|Transaction)[\s/>]")
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


def accepts_poslog(head: bytes, source_name: str) -> bool:
    """Whether the first element of ``head`` is a POSLog (or a lone Transaction)."""
    first = _FIRST_ELEMENT.search(head)
    return first is not None and _ROOT.match(head, first.start()) is not None


def codec_specs(settings: LoyaltyPosSettings) -> list[CodecSpec]:
    """POSLog (times in the stores' zone, the default currency) and the JSON transaction."""
    reader = PosLogReader(ZoneInfo(settings.timezone), settings.default_currency)
    return [
        CodecSpec("poslog", reader.read, None, accepts_poslog, (POSLOG,), ("application/xml", "text/xml"),
                  "ARTS/NRF POSLog XML (6.0 and older names), one transaction or a whole day per file"),
        CodecSpec("json", read_json, None, accepts_json, (JSON,), ("application/json",),
                  "One POS transaction as JSON (the shape in plugins/loyalty_pos/README.md)"),
    ]
