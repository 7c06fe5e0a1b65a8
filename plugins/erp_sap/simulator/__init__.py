"""The ERP simulator shipped with the erp_sap plugin, for tests and the demo.

A real SOAP server (WSDL modelled on SAP's SalesOrderERPCreateRequestConfirmation_In)
and IDoc-XML ports on 127.0.0.1, with deterministic master data, order numbering,
follow-up IDocs (ORDRSP, INVOIC02, ALEAUD01) and failure injection.
"""

from __future__ import annotations

from plugins.erp_sap.simulator.delivery import FollowupTarget
from plugins.erp_sap.simulator.masterdata_idocs import write_debmas, write_matmas
from plugins.erp_sap.simulator.server import ErpSimulator
from plugins.erp_sap.simulator.state import FailureMode, StoredOrder

__all__ = ["ErpSimulator", "FailureMode", "FollowupTarget", "StoredOrder", "write_debmas", "write_matmas"]
