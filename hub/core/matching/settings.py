"""The matching thresholds an installation sets (``[matching]`` in hub.toml)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_LINK_THRESHOLD = 0.95
DEFAULT_REVIEW_THRESHOLD = 0.2


class MatchingSettings(BaseModel):
    """Where a match probability links a row to a partner, and where it asks for review.

    At or above ``link_threshold`` a row is taken for the partner it matched; from
    ``review_threshold`` up to it, a person decides; below, the row is a new partner.
    """

    model_config = ConfigDict(extra="forbid")

    link_threshold: float = Field(
        default=DEFAULT_LINK_THRESHOLD, gt=0, le=1,
        description="Match probability from which a row is linked to the partner it matched.")
    review_threshold: float = Field(
        default=DEFAULT_REVIEW_THRESHOLD, gt=0, le=1,
        description="Match probability from which a row below link_threshold waits for review.")

    @model_validator(mode="after")
    def _ordered(self) -> MatchingSettings:
        if self.review_threshold > self.link_threshold:
            raise ValueError(f"review_threshold {self.review_threshold} is above link_threshold"
                             f" {self.link_threshold}")
        return self
