"""Settings of the loyalty_pos plugin: the ``[plugins.loyalty_pos]`` table of hub.toml.

Declared to the hub in ``hub_register_settings``; the hub validates the table and hands
the plugin the result. Every ``hub`` command imports this module, so it imports nothing
heavy (no lxml).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, ValidationError, ValidatorFunctionWrapHandler, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

PLUGIN = "loyalty_pos"
REMOVED = {
    "erp_mode": "no longer a setting of the stores: [plugins.erp_sap] pos_channel alone chooses how sales go to"
                " the ERP (\"wpubon\": one WPUBON per receipt; \"wpuums\": one WPUUMS per store, day and"
                " article); delete erp_mode here",
}


class LoyaltyPosSettings(BaseModel):
    """How the hub takes POS transactions in and runs loyalty for the stores."""

    model_config = {"extra": "forbid"}

    inbound_dir: Path = Field(
        default=Path("var/loyalty_pos/in"), description="File port: POSLog files the store systems drop.")
    poll_seconds: float = Field(default=5.0, gt=0, description="How often the file port looks for new files.")
    max_body_bytes: int | None = Field(
        default=None, ge=1,
        description="Largest POSLog or JSON body the HTTP routes take (413 above it); default: [http] max_body_bytes.")
    default_currency: str = Field(
        default="EUR", pattern=r"^[A-Z]{3}$",
        description="ISO 4217 currency of POSLog transactions that name none (CurrencyCode is optional in POSLog).")
    timezone: str = Field(
        default="UTC",
        description="IANA time zone of the stores' clocks, for POSLog times written without a UTC offset.")
    return_window_days: int = Field(
        default=30, ge=0,
        description="Days points earned on a sale stay pending, until a return can no longer undo it.")
    reservation_lapse_seconds: int = Field(
        default=300, gt=0,
        description="Seconds a till's point reservation waits for commit or cancel before it lapses.")

    key_cache_seconds: float = Field(
        default=5.0, ge=0, le=60,
        description="Seconds a process trusts a till's API key it has read before reading it again: a key "
                    "revoked by another process is refused within this time (at once by the revoking process).")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)") from None
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _removed_keys(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> LoyaltyPosSettings:
        """A key this table no longer has is refused saying where its job went (rather than
        as a bare unknown key), and reported together with the table's other problems."""
        if not (isinstance(data, dict) and REMOVED.keys() & data.keys()):
            return handler(data)
        found = [InitErrorDetails(type=PydanticCustomError("value_error", REMOVED[key]), loc=(key,), input=data[key])
                 for key in REMOVED if key in data]
        try:
            handler({key: value for key, value in data.items() if key not in REMOVED})
        except ValidationError as exc:
            found += [InitErrorDetails(type=e["type"], loc=e["loc"], input=e["input"], ctx=e.get("ctx", {}))
                      for e in exc.errors()]
        raise ValidationError.from_exception_data(cls.__name__, found)
