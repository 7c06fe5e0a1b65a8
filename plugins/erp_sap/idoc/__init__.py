"""SAP IDoc codec: flat files and IDoc-XML, segment definitions, WE63/XSD import, ALEAUD01."""

from __future__ import annotations

from plugins.erp_sap.idoc.codec import IdocCodecs, codec_specs
from plugins.erp_sap.idoc.definitions import DefinitionRegistry, IdocTypeDef, SegmentDef, unversioned
from plugins.erp_sap.idoc.errors import DefinitionError, IdocError
from plugins.erp_sap.idoc.flat import read_flat, render_flat, write_flat
from plugins.erp_sap.idoc.xml import read_xml, render_xml, write_xml

__all__ = [
    "DefinitionError", "DefinitionRegistry", "IdocCodecs", "IdocError", "IdocTypeDef", "SegmentDef",
    "codec_specs", "read_flat", "read_xml", "render_flat", "render_xml", "unversioned",
    "write_flat", "write_xml",
]
