"""The IDoc codecs of the erp_sap plugin: flat files and IDoc-XML, both directions.

Definitions come from the plugin's shipped ones plus the installation's folder
(``[plugins.erp_sap] definitions_dir``, default ``idoc_definitions``), where
``hub idoc import-definition`` stores what an integrator imports. The folder is
re-read when its files change, so an import takes effect without a restart.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from hub.api import CodecSpec, RawDocument
from plugins.erp_sap.idoc.definitions import DefinitionRegistry
from plugins.erp_sap.idoc.flat import read_flat, render_flat
from plugins.erp_sap.idoc.sniff import accepts_flat, accepts_xml
from plugins.erp_sap.idoc.split import split_idoc_payload
from plugins.erp_sap.idoc.xml import read_xml, render_xml
from plugins.erp_sap.settings import ErpSapSettings

MESSAGE_TYPES = ("DEBMAS", "MATMAS", "ORDERS", "ORDRSP", "ORDCHG", "INVOIC", "DESADV", "LOISTD", "ALEAUD",
                 "WPUBON", "WPUUMS", "REMADV")
INBOUND_STATUS_CODES = {"received": "50", "mapped": "64", "posted": "53", "failed": "51", "conflict": "51",
                        "waiting": "64"}
"""SAP's inbound IDoc status codes, recorded beside the hub's statuses so that an SAP
administrator reads a familiar history (``hub inbound show``)."""


class Definitions:
    """A DefinitionRegistry that reloads when the installation's definition files change."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._stamp: tuple[tuple[str, float], ...] | None = None
        self._registry: DefinitionRegistry | None = None

    def registry(self) -> DefinitionRegistry:
        """The current registry (shipped definitions plus the folder's)."""
        folder = self._folder
        stamp = tuple((str(p), p.stat().st_mtime) for p in sorted(folder.glob("*.json"))) if folder.is_dir() else ()
        if self._registry is None or stamp != self._stamp:
            self._registry = DefinitionRegistry([folder])
            self._stamp = stamp
        return self._registry


def _head(payload: bytes | IO[bytes]) -> bytes:
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return bytes(payload[:4096])
    if hasattr(payload, "peek"):
        return payload.peek(4096)[:4096]
    position = payload.tell()
    head = payload.read(4096)
    payload.seek(position)
    return head


class IdocCodecs:
    """Parse and render functions of both codecs over one set of definitions."""

    def __init__(self, definitions: Definitions, encoding: str = "utf-8") -> None:
        self.definitions = definitions
        self.encoding = encoding

    @classmethod
    def from_settings(cls, settings: ErpSapSettings) -> IdocCodecs:
        """Codecs over the installation's definitions folder and flat-file encoding."""
        return cls(Definitions(settings.definitions_dir), settings.encoding)

    def parse(self, payload: bytes | IO[bytes], source_name: str = "") -> Iterator[RawDocument]:
        """Parse either layout, told apart by the first bytes; one IDoc at a time."""
        if not isinstance(payload, (bytes, bytearray, memoryview)) and not hasattr(payload, "peek") \
                and not payload.seekable():
            # Neither seekable nor peekable: a raw stream (a pipe, a socket's file), which has the
            # readinto BufferedReader needs, though IO[bytes] does not promise it.
            payload = io.BufferedReader(payload)  # type: ignore[type-var]  # a raw stream: see above
        if accepts_xml(_head(payload)):
            return self.parse_xml(payload, source_name)
        return self.parse_flat(payload, source_name)

    def parse_flat(self, payload: bytes | IO[bytes], source_name: str = "") -> Iterator[RawDocument]:
        """Parse a flat IDoc file."""
        return read_flat(payload, source_name, self.definitions.registry(), self.encoding)

    def parse_xml(self, payload: bytes | IO[bytes], source_name: str = "") -> Iterator[RawDocument]:
        """Parse an IDoc-XML file."""
        return read_xml(payload, source_name, self.definitions.registry())

    def parse_file(self, path: str | Path) -> Iterator[RawDocument]:
        """Stream the IDocs of a file of any size, either layout."""
        with open(path, "rb") as stream:
            yield from self.parse(stream, str(path))

    def render_flat(self, documents: Iterable[RawDocument]) -> bytes:
        """A flat IDoc file."""
        return render_flat(documents, self.definitions.registry(), encoding=self.encoding)

    def render_xml(self, documents: Iterable[RawDocument]) -> bytes:
        """An IDoc-XML file."""
        return render_xml(documents, self.definitions.registry())


def codec_specs(codecs: IdocCodecs) -> list[CodecSpec]:
    """The two CodecSpecs the plugin registers."""
    return [
        CodecSpec(name="idoc-flat", parse=codecs.parse, render=codecs.render_flat, accepts=accepts_flat,
                  document_kinds=MESSAGE_TYPES, media_types=("application/x-sap-idoc", "text/plain"),
                  status_codes=INBOUND_STATUS_CODES, split=split_idoc_payload,
                  description="SAP IDoc flat files (EDI_DC40/EDI_DD40 records), any basic or extension type"),
        CodecSpec(name="idoc-xml", parse=codecs.parse, render=codecs.render_xml, accepts=accepts_xml,
                  document_kinds=MESSAGE_TYPES, media_types=("application/xml", "text/xml"),
                  status_codes=INBOUND_STATUS_CODES, split=split_idoc_payload,
                  description="SAP IDoc-XML (<IDOC BEGIN=\"1\">), streaming"),
    ]
