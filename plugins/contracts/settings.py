"""Settings of the contracts plugin: the ``[plugins.contracts]`` table of hub.toml.

Every ``hub`` command imports this module to validate the table, so it imports nothing
but pydantic.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PLUGIN = "contracts"


class ContractsSettings(BaseModel):
    """How contracts are released, billed, renewed and cancelled."""

    model_config = ConfigDict(extra="forbid")

    over_release: Literal["refuse", "flag"] = Field(
        default="refuse",
        description="A release order beyond the contract's target value or quantity: `refuse` does not count it"
                    " against the contract (logged as an error, shown by `hub contract show`); `flag` counts it and"
                    " marks it as over the target.")
    ending_days: int = Field(default=30, ge=0, le=3660,
                             description="Contracts ending within this many days are reported as nearing their end.")
    ending_check_hours: float = Field(default=24.0, gt=0, description="How often the ending report runs.")
    billing_minutes: float = Field(default=5.0, gt=0, description="How often the billing run looks for due dates.")
    billing_batch: int = Field(default=500, ge=1, le=10_000,
                               description="Billing-plan dates claimed and requested per transaction.")
    horizon_days: int = Field(default=400, ge=1, le=3660,
                              description="How far ahead a billing plan given only by its frequency gets its dates.")
    late_cancellation: Literal["refuse", "move"] = Field(
        default="move",
        description="A cancellation that misses the notice period: `refuse` it, or `move` it to the next end"
                    " date the notice allows.")
    request_order_type: str = Field(
        default="debit_memo_request", min_length=1,
        description="Order type of the billing requests sent for billing-plan dates (SAP: L2, debit memo request).")
