"""Initial-load sources of the erp_sap plugin: customers (DEBMAS) and products (MATMAS).

A load reads one IDoc file (flat or XML, any size) as a stream, or fetches IDoc-XML
from the ERP's master-data endpoint into a temporary file first. The file's path,
size and modification time identify it, so rerunning the same load resumes it and a
new extract starts from its first IDoc. A file in an ASCII-compatible encoding is also
offered in parts cut at its IDocs' markers (``plugins.erp_sap.idoc.split``), so that a
large load is parsed and mapped on every core.
"""

from __future__ import annotations

import os
import tempfile
import weakref
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx

from hub.api import (
    ConfigError,
    LoaderSpec,
    OpenedSource,
    OpenSource,
    PluginContext,
    Problem,
    RawDocument,
    SplitSource,
    TransientError,
)
from plugins.erp_sap.idoc.codec import IdocCodecs
from plugins.erp_sap.idoc.split import split_idoc_file, splittable
from plugins.erp_sap.settings import PLUGIN, ErpSapSettings

CHUNK_BYTES = 1 << 20


def count_idocs(path: Path) -> int:
    """How many IDocs a file holds, by counting control records (fast, no parsing).

    Read in blocks, not mapped: a mapped file's pages would count into the process's
    memory, and a million-customer extract is over a gigabyte.
    """
    with path.open("rb") as handle:
        head = handle.read(4096)
        marker = b"<EDI_DC40" if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<") else b"EDI_DC40"
        count, tail, block = 0, b"", head
        while block:
            data = tail + block
            count += data.count(marker)
            # Keep the end that could hold the start of a marker cut by the block edge.
            tail = data[-(len(marker) - 1):] if not data.endswith(marker) else b""
            block = handle.read(CHUNK_BYTES)
        return count


def _download(url: str, settings: ErpSapSettings) -> Path:
    auth = (settings.username, settings.password.get_secret_value() if settings.password else "") \
        if settings.username else None
    handle, name = tempfile.mkstemp(prefix="erp_sap_load_", suffix=".xml")
    os.close(handle)
    target = Path(name)
    try:
        with httpx.stream("GET", url, auth=auth, timeout=settings.timeout, trust_env=False) as answer:
            answer.raise_for_status()
            with target.open("wb") as out:
                for block in answer.iter_bytes(CHUNK_BYTES):
                    out.write(block)
    except httpx.HTTPError as exc:
        target.unlink(missing_ok=True)
        raise TransientError(f"cannot fetch master data from {url}: {exc}") from exc
    return target


def _parse_then_delete(codecs: IdocCodecs, path: Path) -> Iterator[RawDocument]:
    """The file's IDocs; the file is deleted when they are read or no longer wanted.

    A generator's ``finally`` runs only if it was started, and a load that finds its
    source completed never starts it: the finaliser covers that case too.
    """

    def documents() -> Iterator[RawDocument]:
        try:
            yield from codecs.parse_file(path)
        finally:
            path.unlink(missing_ok=True)

    stream = documents()
    weakref.finalize(stream, path.unlink, missing_ok=True)
    return stream


def _parts(path: Path) -> SplitSource | None:
    """How to cut the file into parts of whole IDocs, if its encoding allows it.

    A downloaded extract is deleted with its ``documents`` stream, which the opened
    source holds while its parts are read.
    """
    return partial(split_idoc_file, path) if splittable(path) else None


def _opener(message_type: str) -> OpenSource:
    def open_source(context: PluginContext, source: str | None) -> OpenedSource:
        settings = context.settings_as(ErpSapSettings)
        codecs = IdocCodecs.from_settings(settings)
        if source is None:
            base = settings.masterdata_url
            if base is None:
                raise ConfigError([Problem(f"[plugins.{PLUGIN}]", "no --source given and no masterdata_url set")])
            url = base.format(message_type=message_type)
            path = _download(url, settings)
            # The ERP's extract is the same until it says otherwise: resume by its URL.
            return OpenedSource(_parse_then_delete(codecs, path), url, f"{PLUGIN}:{message_type}:{url}",
                                total=count_idocs(path), parts=_parts(path))
        path = Path(source)
        if not path.is_file():
            raise ConfigError([Problem("--source", f"{source} is not a file")])
        stat = path.stat()
        key = f"{PLUGIN}:{message_type}:{path.resolve()}:{stat.st_size}:{int(stat.st_mtime)}"
        return OpenedSource(codecs.parse_file(path), str(path), key, total=count_idocs(path), parts=_parts(path))

    return open_source


LOADERS = (
    # Flat or XML, the IDocs' history takes the IDoc status codes, which both codecs share.
    LoaderSpec("customers", "partner", _opener("DEBMAS"), "Customers from DEBMAS IDocs", codec="idoc-xml"),
    LoaderSpec("products", "product", _opener("MATMAS"), "Materials from MATMAS IDocs", codec="idoc-xml"),
)
