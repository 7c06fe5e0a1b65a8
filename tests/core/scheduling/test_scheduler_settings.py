"""``[scheduler]``: a heartbeat that could let a busy leader's lease run out is refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hub.core.scheduling.settings import SchedulerSettings


def test_defaults_take_over_within_20_s_on_sqlite() -> None:
    settings = SchedulerSettings()
    assert settings.lease_seconds + settings.heartbeat_seconds <= 20


def test_a_heartbeat_over_half_the_lease_is_refused_with_both_values() -> None:
    with pytest.raises(ValidationError, match=r"heartbeat_seconds \(10\) must be at most half of lease_seconds \(15\)"):
        SchedulerSettings(lease_seconds=15, heartbeat_seconds=10)


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValidationError, match="lease_secs"):
        SchedulerSettings.model_validate({"lease_secs": 10})
