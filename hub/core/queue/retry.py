"""When to try a failed message again, from tenacity's wait strategies.

The queue persists attempts itself (a restart must not reset them), so tenacity is
used for what it is best at: the wait before attempt n+1, computed here from a
``RetryCallState`` carrying the attempt number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import tenacity

from hub.core.queue.settings import RetryPolicy


def _strategy(policy: RetryPolicy) -> tenacity.wait.wait_base:
    if policy.wait == "random_exponential":
        return tenacity.wait_random_exponential(
            multiplier=policy.multiplier, max=policy.max_wait, exp_base=policy.exp_base,
            min=policy.min_wait,
        )
    return tenacity.wait_exponential(
        multiplier=policy.multiplier, max=policy.max_wait, exp_base=policy.exp_base,
        min=policy.min_wait,
    )


def wait_seconds(policy: RetryPolicy, attempt: int, retry_after: float | None = None) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based).

    The peer's ``retry_after`` wins when it asks for longer than the policy would wait.
    """
    state = tenacity.RetryCallState(
        retry_object=None,  # type: ignore[arg-type]  # the wait strategies read only the attempt number
        fn=None, args=(), kwargs={},
    )
    state.attempt_number = attempt
    wait = float(_strategy(policy)(state))
    return max(wait, retry_after or 0.0)


@dataclass(frozen=True)
class RetryDecision:
    """After a transient failure: retry at ``next_attempt_at``, or give up (block)."""

    give_up: bool
    next_attempt_at: datetime | None
    wait: float


def decide(policy: RetryPolicy, attempt: int, now: datetime, retry_after: float | None) -> RetryDecision:
    """Retry later, or block when attempt ``attempt`` was the last the policy allows."""
    if attempt >= policy.max_attempts:
        return RetryDecision(True, None, 0.0)
    wait = wait_seconds(policy, attempt, retry_after)
    return RetryDecision(False, now + timedelta(seconds=wait), wait)
