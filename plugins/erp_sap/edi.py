"""IDocs from EDI partners: customer orders that an EDI converter posts to the hub.

In SAP landscapes customer orders often arrive as ORDERS05 from an EDI subsystem (a
converter such as Seeburger or Lobster turns the customer's EDIFACT ORDERS into
IDoc-XML and posts it over HTTP). The hub takes them at the plugin's ports like the
ERP's own IDocs, but records them as coming from the partner's own system
(``[plugins.erp_sap] edi_partners``, keyed by the control record's sending partner
SNDPRN): the order's number is the partner's, not the ERP's, and the outbox sends the
order to the ERP by the sales-order SOAP call like a shop's order; the ERP's number for
it comes back in the call's confirmation. The ERP is sent no ALEAUD for them: it did
not send them.
"""

from __future__ import annotations

from collections.abc import Mapping

from hub.api import PluginContext, RawDocument, SourceSystem
from plugins.erp_sap.settings import ErpSapSettings


def edi_sender(partners: Mapping[str, str], raw: RawDocument) -> str | None:
    """The system of the EDI partner that sent ``raw``, or None for the ERP's own IDocs."""
    return partners.get(raw.control.get("SNDPRN", "")) if raw.format == "idoc" else None


def source_system(context: PluginContext) -> SourceSystem:
    """The inbound pipeline's ``source_system``: an EDI partner's system for its IDocs."""
    partners = dict(context.settings_as(ErpSapSettings).edi_partners)

    def source_of(raw: RawDocument) -> str | None:
        return edi_sender(partners, raw)

    return source_of
