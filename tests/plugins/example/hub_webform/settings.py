"""The ``[plugins.webform]`` table of hub.toml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class WebformSettings(BaseModel):
    """Where the form service is, and the secrets it shares with the hub."""

    model_config = ConfigDict(extra="forbid")

    endpoint: str | None = Field(
        default=None, description="The service's REST API base; no contacts go out without it.")
    token: SecretStr | None = Field(default=None, description="Bearer token for the REST API.")
    webhook_secret: SecretStr | None = Field(default=None, description="Secret the service signs its webhooks with.")
    timeout: float = Field(default=5.0, gt=0, description="Seconds for one call to the REST API.")
