"""Settings of the replication queue (the ``[queue]`` table of hub.toml).

Example::

    [queue]
    lease_seconds = 30
    batch_size = 500

    [queue.retry]                       # default policy
    max_attempts = 10
    wait = "exponential"
    multiplier = 2.0
    max_wait = 600

    [queue.policies."erp_sap"]          # every message to erp_sap
    max_attempts = 20

    [queue.policies."erp_sap.cancel"]   # erp_sap messages of kind "cancel"
    max_attempts = 3
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RetryPolicy(BaseModel):
    """How often and how far apart a transient failure is retried before the queue blocks.

    The wait before attempt n+1 comes from tenacity's ``wait_exponential`` (or
    ``wait_random_exponential``, to spread retries of many queues hitting one peer)
    with these parameters; a transport's ``retry_after`` is honoured when longer.
    """

    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(default=10, ge=1, description="Attempts before the queue blocks.")
    wait: Literal["exponential", "random_exponential"] = Field(
        default="exponential", description="tenacity wait strategy."
    )
    multiplier: float = Field(default=1.0, gt=0, description="Seconds of the first wait.")
    exp_base: float = Field(default=2.0, gt=1, description="Growth factor per attempt.")
    min_wait: float = Field(default=1.0, ge=0, description="Shortest wait in seconds.")
    max_wait: float = Field(default=600.0, gt=0, description="Longest wait in seconds.")


class QueueSettings(BaseModel):
    """Replication queue settings: retry policies, leases, batching, retention."""

    model_config = ConfigDict(extra="forbid")

    retry: RetryPolicy = Field(default_factory=RetryPolicy, description="Default retry policy.")
    policies: dict[str, RetryPolicy] = Field(
        default_factory=dict,
        description='Overrides keyed by plugin ("erp_sap") or plugin and kind ("erp_sap.upsert").',
    )
    lease_seconds: float = Field(
        default=30.0, gt=0,
        description="How long a worker owns a claimed queue; a dead worker's queues are free after it.",
    )
    batch_size: int = Field(default=2000, ge=1, description="Most messages claimed in one transaction.")
    per_queue_batch: int = Field(
        default=100, ge=1, description="Most consecutive messages of one queue taken in one claim."
    )
    poll_interval: float = Field(
        default=0.01, gt=0, description="Seconds an idle worker waits before looking again."
    )
    retention_delivered_days: float = Field(
        default=7.0, gt=0, description="Delivered and confirmed messages are purged after this."
    )
    retention_payload_days: float = Field(
        default=30.0, gt=0,
        description="Archived inbound payloads (not failed ones) and the REST API's idempotency keys are purged"
        " after this.",
    )
    retention_interval_minutes: float = Field(
        default=60.0, gt=0, description="How often the retention job runs."
    )

    def policy_for(self, system: str, kind: str) -> RetryPolicy:
        """The most specific policy: ``system.kind``, then ``system``, then the default."""
        return self.policies.get(f"{system}.{kind}") or self.policies.get(system) or self.retry
