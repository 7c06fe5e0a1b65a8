"""The programme the engine runs: a canonical ``LoyaltyProgramme``, loaded from YAML.

Rules are data: ``hub loyalty programme load FILE`` validates the file as a canonical
programme (every problem at once, with its field), stores it through master data
(history, replication to other systems like any document) under its code in the key
map, and makes it the plugin's active programme (plugin state ``programme``). Loading a
file with the same code again is a new version of the same programme. The engine reads
the active programme in each transaction, so a new version applies at once.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import yaml

from hub.api import DocumentError, LoyaltyProgramme, PluginTransaction, validate_document

OBJECT = "loyalty_programme"
STATE = "programme"


class NoProgramme(LookupError):
    """No programme was loaded yet: nothing earns points."""


def read_programme(path: Path) -> LoyaltyProgramme:
    """The programme in the YAML file ``path``; DocumentError or InvalidDocumentError
    (every field problem) when it is not one."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as exc:  # ValueError: a date that is none (2024-02-30)
        raise DocumentError(str(path), "(file)", f"not a readable YAML file: {exc}") from None
    if not isinstance(data, dict):
        raise DocumentError(str(path), "(file)", "a programme is a YAML mapping (code, name, currency, ...)")
    document = validate_document(OBJECT, data, str(path))
    if not isinstance(document, LoyaltyProgramme):
        raise DocumentError(str(path), "(file)", "not a loyalty programme")
    return document


def store_programme(tx: PluginTransaction, programme: LoyaltyProgramme) -> tuple[str, int]:
    """Store ``programme`` (a new version when its code is known) and make it the active
    one; returns its hub id and version."""
    known = tx.find(OBJECT, programme.code)
    if known is not None:
        programme = programme.model_copy(update={"hub_id": known})
    result = tx.upsert([programme])[0]
    if known is None:
        tx.link(OBJECT, programme.code, result.hub_id)
    tx.set_state({STATE: result.hub_id})
    return result.hub_id, result.version


def active_programme(tx: PluginTransaction) -> LoyaltyProgramme:
    """The active programme as of ``tx``; NoProgramme when none was loaded."""
    hub_id = tx.state(STATE)
    if not isinstance(hub_id, str):
        raise NoProgramme("no loyalty programme is loaded (hub loyalty programme load FILE)")
    document = tx.document(hub_id)
    if not isinstance(document, LoyaltyProgramme):
        raise NoProgramme(f"{hub_id} is not a loyalty programme")
    return document


class RecentProgramme:
    """The active programme as read at most ``max_age`` seconds ago, for the till API's
    reservations: they only need the point types, and reading the programme document
    would cost more than the reservation itself. A new version reaches the tills within
    ``max_age``; earning always reads the programme of its own transaction."""

    def __init__(self, max_age: float = 10.0) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._read: dict[str, tuple[float, LoyaltyProgramme]] = {}

    def get(self, tx: PluginTransaction) -> LoyaltyProgramme:
        """The programme of ``tx``'s database, read again when the last read is older than ``max_age``."""
        database = str(tx.connection.engine.url)
        with self._lock:
            read = self._read.get(database)
        if read is not None and time.monotonic() - read[0] < self.max_age:
            return read[1]
        programme = active_programme(tx)
        with self._lock:
            self._read[database] = (time.monotonic(), programme)
        return programme
