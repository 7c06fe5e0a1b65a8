"""Hub settings: `hub.toml` in the working directory (or `HUB_CONFIG`), overridden by
`HUB_*` environment variables.

Why pydantic-settings: one declared schema with descriptions gives validation,
environment overrides and documentation from the same place; secrets are `SecretStr`.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from hub.core.errors import ConfigError, Problem

DEFAULT_CONFIG_FILE = "hub.toml"


class SourcePriority(BaseModel):
    """Which source system wins for which canonical field of the golden record.

    ``fields`` maps a dotted field path (``tax_numbers``, ``emails``) to systems in
    order of precedence; fields not listed take ``default`` order, then the newest
    change wins.
    """

    default: list[str] = Field(default_factory=list, description="Precedence for unlisted fields.")
    fields: dict[str, list[str]] = Field(default_factory=dict, description="Per-field precedence.")


class HttpSettings(BaseModel):
    """The hub's one HTTP server (webhooks, IDoc-XML and SOAP inbound, POS API)."""

    host: str = Field(default="127.0.0.1", description="Address to listen on.")
    port: int = Field(default=8480, ge=0, le=65535, description="Port; 0 picks a free one.")
    username: str | None = Field(default=None, description="Basic-auth user peers must send.")
    password: SecretStr | None = Field(default=None, description="Basic-auth password.")


class HubSettings(BaseSettings):
    """Settings of one hub installation."""

    model_config = SettingsConfigDict(env_prefix="HUB_", extra="forbid")

    database_url: str = Field(
        default="sqlite:///var/hub.db",
        description="SQLAlchemy URL; SQLite file by default, postgresql+psycopg://... to scale out.",
    )
    mappings_dir: Path = Field(default=Path("mappings"), description="Folder of mapping tables.")
    disabled_plugins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Plugin names not to load (HUB_DISABLED_PLUGINS=a,b)."
    )
    duplicate_threshold: float = Field(
        default=0.75, description="Score from which a partner is reported as a likely duplicate."
    )
    source_priority: dict[str, SourcePriority] = Field(
        default_factory=dict,
        description="Per document type, which source wins for which field of the golden record.",
    )
    plugins: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per-plugin settings tables ([plugins.NAME])."
    )
    queue: dict[str, Any] = Field(default_factory=dict, description="Replication queue settings.")
    http: HttpSettings = Field(default_factory=HttpSettings, description="The HTTP server.")
    ingest_workers: int = Field(
        default_factory=lambda: min(2, os.cpu_count() or 1), ge=1,
        description="Processes that ingest the files waiting at a file port side by side, posting them"
        " in order (default 2, 1 on a one-core machine); 1 ingests them one by one in the hub's own"
        " process.")
    max_payload_bytes: int = Field(
        default=256 * 1024 * 1024, ge=1,
        description="Largest file `hub ingest` and the file ports take in (default 256 MiB): a larger one is"
        " refused before it is read, and nothing of it is stored. `hub load` streams its source file and has"
        " no such limit.")

    @field_validator("disabled_plugins", mode="before")
    @classmethod
    def _split_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Explicit arguments (the config file's content) first, then the environment wins.
        return (env_settings, init_settings)


def load_settings(path: str | Path | None = None) -> HubSettings:
    """Read `hub.toml` (if present) and the environment into validated settings.

    Raises ConfigError naming every invalid key at once.
    """
    config_path = Path(path or os.environ.get("HUB_CONFIG", DEFAULT_CONFIG_FILE))
    raw: dict[str, Any] = {}
    if config_path.exists():
        try:
            raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([Problem(str(config_path), str(exc))]) from exc
    try:
        settings = HubSettings(**raw)
    except ValidationError as exc:
        raise ConfigError(
            [
                Problem(str(config_path), f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}")
                for err in exc.errors()
            ]
        ) from exc
    return settings
