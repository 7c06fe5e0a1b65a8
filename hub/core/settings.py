"""Hub settings: `hub.toml` in the working directory (or `HUB_CONFIG`), overridden by
`HUB_*` environment variables.

Why pydantic-settings: one declared schema with descriptions gives validation,
environment overrides and documentation from the same place; secrets are `SecretStr`.
Every section refuses unknown keys (a misspelt key silently left at its default is the
worst kind of configuration error), and ``load_settings`` reports every problem of
every section at once, each with its file or variable, section and key.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from hub.core.config.origin import ConfigOrigin, key_paths, read_environment
from hub.core.config.problems import config_problems
from hub.core.errors import ConfigError, Problem
from hub.core.matching.settings import DEFAULT_REVIEW_THRESHOLD, MatchingSettings
from hub.core.queue.settings import QueueSettings
from hub.core.scheduling.settings import SchedulerSettings
from hub.core.store.urls import check_database_url

DEFAULT_CONFIG_FILE = "hub.toml"
ENV_PREFIX = "HUB_"


class SourcePriority(BaseModel):
    """Which source system wins for which canonical field of the golden record.

    ``fields`` maps a dotted field path (``tax_numbers``, ``emails``) to systems in
    order of precedence; fields not listed take ``default`` order, then the newest
    change wins.
    """

    model_config = ConfigDict(extra="forbid")

    default: list[str] = Field(default_factory=list, description="Precedence for unlisted fields.")
    fields: dict[str, list[str]] = Field(default_factory=dict, description="Per-field precedence.")


class HttpSettings(BaseModel):
    """The hub's one HTTP server (webhooks, IDoc-XML and SOAP inbound, POS API).

    Unknown keys are refused and the credentials come in pairs: a misspelt ``passwd``
    or a lone ``username`` would otherwise start the server without authentication.
    """

    model_config = ConfigDict(extra="forbid")

    host: str = Field(default="127.0.0.1", description="Address to listen on.")
    port: int = Field(default=8480, ge=0, le=65535, description="Port; 0 picks a free one.")
    username: str | None = Field(default=None, min_length=1, description="Basic-auth user peers must send.")
    password: SecretStr | None = Field(default=None, min_length=1, description="Basic-auth password.")
    max_body_bytes: int = Field(
        default=16 * 1024 * 1024, ge=1,
        description="Largest request body a route takes unless it declares its own limit; a larger"
        " one gets 413 before it is read.")
    api_settle_seconds: float = Field(
        default=2.0, ge=0, le=3600,
        description="REST API listings show a change once it is this old: a write still open could otherwise"
        " commit behind a cursor and never be listed. Longer than the longest write transaction.")
    api_key_cache_seconds: float = Field(
        default=5.0, ge=0, le=3600,
        description="A REST API key read genuine is trusted this long per process without a database read;"
        " a key revoked in another process gets 401 within this time (0: read every request).")

    @model_validator(mode="after")
    def _credentials_in_pairs(self) -> HttpSettings:
        if (self.username is None) != (self.password is None):
            given, missing = ("username", "password") if self.password is None else ("password", "username")
            raise ValueError(f"{given} is set but {missing} is not; basic auth needs both (or neither, for none)")
        return self


class PluginSelection(BaseSettings):
    """Which plugins load, and the ``[plugins.NAME]`` tables they are given.

    The base of ``HubSettings``, and also read on its own (``load_plugin_selection``)
    when other sections are broken, so that one run reports the plugins' problems too.
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    disabled_plugins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Plugin names not to load (HUB_DISABLED_PLUGINS=a,b)."
    )
    plugins: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Per-plugin settings tables ([plugins.NAME]) as written; each is validated against its"
        " plugin's model when plugins load, and plugins get the result (runtime.plugin_settings).",
    )

    _origin: ConfigOrigin = PrivateAttr(default_factory=ConfigOrigin)

    @property
    def origin(self) -> ConfigOrigin:
        """Where each value came from (file, environment); empty for settings built in code."""
        return self._origin

    @field_validator("disabled_plugins", mode="before")
    @classmethod
    def _split_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Explicit arguments (the config file's content) first, then the environment wins.
        return (env_settings, init_settings)


DEFAULT_UNMERGE_DAYS = 30.0
"""Default of ``unmerge_days``."""


class HubSettings(PluginSelection):
    """Settings of one hub installation."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    database_url: str = Field(
        default="sqlite:///var/hub.db",
        description="SQLAlchemy URL; SQLite file by default, postgresql+psycopg://... to scale out.",
    )
    mappings_dir: Path = Field(default=Path("mappings"), description="Folder of mapping tables.")
    duplicate_threshold: float = Field(
        default=DEFAULT_REVIEW_THRESHOLD, ge=0, le=1,
        description="Match probability from which a partner is reported as a likely duplicate"
        " (`hub partner duplicates`, and the check on every partner upsert).")
    matching: MatchingSettings = Field(
        default_factory=MatchingSettings,
        description="Thresholds of the duplicate check of list imports: link and review.")
    source_priority: dict[str, SourcePriority] = Field(
        default_factory=dict,
        description="Per document type, which source wins for which field of the golden record.",
    )
    queue: QueueSettings = Field(default_factory=QueueSettings, description="Replication queue settings.")
    http: HttpSettings = Field(default_factory=HttpSettings, description="The HTTP server.")
    scheduler: SchedulerSettings = Field(
        default_factory=SchedulerSettings,
        description="Leader election of the one process that runs scheduled jobs.")
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="Log lines as text, or one JSON object per line for a log collector (HUB_LOG_FORMAT=json);"
        " lines about a message carry its hub id, queue and message id either way.")
    ingest_workers: int = Field(
        default_factory=lambda: min(2, os.cpu_count() or 1), ge=1,
        description="Processes that ingest the files waiting at a file port side by side, posting them"
        " in order (default 2, 1 on a one-core machine); 1 ingests them one by one in the hub's own"
        " process.")
    ingest_pool_min_documents: int = Field(
        default=400, ge=1,
        description="Documents from which one payload (the HTTP port's, one file of `hub ingest` or of a"
        " file port) is cut into parts that the ingest pool's processes parse and map side by side;"
        " smaller payloads are cheaper in the hub's own process than handed to the pool.")
    waiting_minutes: float = Field(
        default=24 * 60, gt=0,
        description="How long an inbound document may wait for an object the hub does not know yet (a"
        " partner, a product) before it is reported as failed (default a day); it posts on its own as"
        " soon as the object arrives.")
    unmerge_days: float = Field(
        default=DEFAULT_UNMERGE_DAYS, gt=0,
        description="How long after a partner merge `hub partner unmerge` may undo it (default 30 days).")
    max_payload_bytes: int = Field(
        default=256 * 1024 * 1024, ge=1,
        description="Largest file `hub ingest` and the file ports take in (default 256 MiB): a larger one is"
        " refused before it is read, and nothing of it is stored. `hub load` streams its source file and has"
        " no such limit.")

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        check_database_url(value)
        return value


S = TypeVar("S", bound=PluginSelection)


def _read(path: str | Path | None) -> tuple[dict[str, Any], ConfigOrigin]:
    """The config file's tables and where the values come from.

    A file named explicitly (``path``, ``--config`` or ``HUB_CONFIG``) must exist: a
    typo there would otherwise run the hub on defaults.
    """
    named = path or os.environ.get("HUB_CONFIG")
    config_path = Path(named or DEFAULT_CONFIG_FILE)
    raw: dict[str, Any] = {}
    if config_path.exists():
        try:
            raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([Problem(str(config_path), str(exc))]) from None
    elif named:
        raise ConfigError([Problem(str(config_path), "config file not found")])
    env = read_environment(HubSettings, ENV_PREFIX, os.environ)
    if env.problems:
        raise ConfigError(env.problems)
    origin = ConfigOrigin(str(config_path) if config_path.exists() else None, frozenset(key_paths(raw)),
                          env.names, env.leaves)
    return raw, origin


def _validated(model: type[S], raw: dict[str, Any], origin: ConfigOrigin) -> S:
    try:
        settings = model(**raw)
    except ValidationError as exc:
        # ``from None``: the validation error carries the input, passwords included.
        raise ConfigError(config_problems(exc, model, origin)) from None
    settings._origin = origin
    return settings


def load_settings(path: str | Path | None = None) -> HubSettings:
    """Read `hub.toml` (if present) and the environment into validated settings.

    Raises ConfigError naming every problem of every section at once. The plugins'
    tables are validated when plugins load (``HubRuntime.check``).
    """
    return _validated(HubSettings, *_read(path))


def load_plugin_selection(path: str | Path | None = None) -> PluginSelection | None:
    """Only which plugins load and their tables, from the same file and environment;
    None when these are broken themselves (``load_settings`` reports how)."""
    try:
        return _validated(PluginSelection, *_read(path))
    except ConfigError:
        return None
