"""Meter readings for usage billing, taken from a CSV file or one at a time.

The file has a header line and the columns ``contract`` (hub id, or ``SYSTEM:ID``),
``meter_id``, ``read_at`` (ISO 8601 with time zone), ``value``, ``unit`` and optionally
``estimated`` (``true``/``false``). Each reading is appended to the contract item whose
usage billing has that meter. The whole file is checked first and written in one
transaction: a file with any bad line writes nothing, and the error names every bad
line. A reading already recorded (same meter, time and value) is skipped, so a file
posted twice adds nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pydantic import ValidationError

from hub.api import (
    DocumentError,
    InvalidDocumentError,
    MeterReading,
    NotFoundError,
    PluginTransaction,
    Quantity,
    ServiceContract,
    utcnow,
    validate_document,
)
from plugins.contracts.settings import ContractsSettings
from plugins.contracts.writes import write_contracts

COLUMNS = ("contract", "meter_id", "read_at", "value", "unit")


@dataclass(frozen=True)
class Reading:
    """One reading as given: the contract, the meter and the counter's value."""

    contract: str
    meter_id: str
    read_at: dt.datetime
    value: Decimal
    unit: str
    estimated: bool = False


def parse(text: str, name: str) -> list[Reading]:
    """The readings of a CSV file; DocumentError naming every bad line."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DocumentError(name, "header", f"missing column(s) {', '.join(missing)}; need {', '.join(COLUMNS)}")
    readings, problems = [], []
    for line, row in enumerate(reader, start=2):
        try:
            read_at = dt.datetime.fromisoformat((row["read_at"] or "").strip())
            if read_at.tzinfo is None:
                raise ValueError("read_at needs a time zone")
            estimated = (row.get("estimated") or "false").strip().lower()
            if estimated not in ("true", "false"):
                raise ValueError(f"estimated must be true or false, not {estimated!r}")
            readings.append(Reading((row["contract"] or "").strip(), (row["meter_id"] or "").strip(), read_at,
                                    Decimal((row["value"] or "").strip()), (row["unit"] or "").strip(),
                                    estimated == "true"))
        except (ValueError, InvalidOperation, AttributeError) as exc:
            problems.append(f"line {line}: {exc or 'value is not a number'}")
    if problems:
        raise DocumentError(name, "rows", "; ".join(problems))
    return readings


def _contract_id(transaction: PluginTransaction, given: str) -> str:
    system, _, number = given.partition(":")
    if number and not given.startswith("svc_"):
        hub_id = transaction.find("service_contract", number, system)
        if hub_id is None:
            raise NotFoundError(f"no service contract {number} in {system}")
        return hub_id
    return given


def record(transaction: PluginTransaction, readings: list[Reading], settings: ContractsSettings,
           name: str) -> int:
    """Append ``readings`` to their contracts in this transaction; how many were new."""
    contracts: dict[str, ServiceContract] = {}
    problems, added = [], 0
    for n, reading in enumerate(readings, start=1):
        where = f"reading {n} ({reading.contract} meter {reading.meter_id})"
        try:
            hub_id = _contract_id(transaction, reading.contract)
            if hub_id not in contracts:
                document = transaction.document(hub_id)
                if not isinstance(document, ServiceContract):
                    raise NotFoundError(f"{hub_id} is a {document.doc_type}, not a service contract")
                contracts[hub_id] = document.model_copy(deep=True)
            contract = contracts[hub_id]
            meter = next((i.usage_billing for i in contract.items
                          if i.usage_billing and i.usage_billing.meter_id == reading.meter_id), None)
            if meter is None:
                raise NotFoundError(f"{hub_id} bills no meter {reading.meter_id}")
            value = Quantity(value=reading.value, unit=reading.unit)
            if any(r.read_at == reading.read_at and r.reading == value for r in meter.readings):
                continue
            meter.readings.append(MeterReading(read_at=reading.read_at, reading=value, estimated=reading.estimated))
            added += 1
        except (NotFoundError, ValidationError) as exc:
            problems.append(f"{where}: {exc}")
    checked = []
    for hub_id, contract in contracts.items():
        try:
            checked.append(validate_document("service_contract", contract.model_dump(mode="json"),
                                             f"service_contract {hub_id}"))
        except InvalidDocumentError as exc:
            problems.append(str(exc))
    if problems:
        raise DocumentError(name, "readings", "; ".join(problems))
    write_contracts(transaction, [c for c in checked if isinstance(c, ServiceContract)], settings,
                    utcnow().date())
    return added
