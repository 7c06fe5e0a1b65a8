"""``[scheduler]``: how the ``hub run`` processes elect the one that runs scheduled jobs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SchedulerSettings(BaseModel):
    """Leader election timing. A standby takes over at most ``heartbeat_seconds`` after
    a PostgreSQL leader died (its advisory lock goes with its connection), and at most
    ``lease_seconds + heartbeat_seconds`` after a SQLite leader died (its lease must
    run out). A job run whose holder sent no heartbeat for ``lease_seconds`` is
    presumed dead and is run again."""

    model_config = ConfigDict(extra="forbid")

    lease_seconds: float = Field(
        default=15.0, gt=0, le=3600,
        description="How long a leader's lease (SQLite) and a job run's heartbeat stay good without renewal.")
    heartbeat_seconds: float = Field(
        default=5.0, gt=0,
        description="How often every process renews its lease or tries to take the lead, and heartbeats"
        " the job runs it has in flight.")

    @model_validator(mode="after")
    def _heartbeat_within_lease(self) -> SchedulerSettings:
        if self.heartbeat_seconds * 2 > self.lease_seconds:
            raise ValueError(f"heartbeat_seconds ({self.heartbeat_seconds:g}) must be at most half of"
                             f" lease_seconds ({self.lease_seconds:g}), or a busy leader loses its lease")
        return self
