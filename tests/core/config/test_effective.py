"""The effective configuration: secrets masked wherever they hide, sources told apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, SecretStr

from hub.core.config.effective import effective_config, mask_url, shown
from hub.core.config.origin import ConfigOrigin
from hub.core.settings import HubSettings


@pytest.mark.parametrize(("text", "masked"), [
    ("postgresql://hub:pw@db:5432/hub", "postgresql://hub:***@db:5432/hub"),
    ("postgresql://hub@db/hub?password=pw&sslmode=require", "postgresql://hub@db/hub?password=***&sslmode=require"),
    ("https://user:p%40ss@erp.example/idoc?PWD=x", "https://user:***@erp.example/idoc?PWD=***"),
    ("postgresql://hub@db/hub?sslmode=require", "postgresql://hub@db/hub?sslmode=require"),
    ("sqlite:///var/hub.db", "sqlite:///var/hub.db"),
    ("plain text with : and @", "plain text with : and @"),
    ("http://[broken/", "http://[broken/"),
])
def test_a_url_shows_no_password(text: str, masked: str) -> None:
    assert mask_url(text) == masked


def test_secrets_are_masked_in_lists_too() -> None:
    assert shown([SecretStr("a"), "http://u:p@h/", Path("x/y")]) == ["***", "http://u:***@h/", "x/y"]


class Peer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = "http://peer"
    token: SecretStr | None = None


def test_values_given_in_code_are_told_from_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    settings = HubSettings(database_url=f"sqlite:///{tmp_path}/hub.db", http={"username": "a", "password": "b"})
    config = effective_config(settings, ConfigOrigin(), {"peer": Peer(token=SecretStr("t")), "bare": None})
    assert config.sources["database_url"] == "code" and config.sources["http.password"] == "code"
    assert config.sources["http.port"] == "default" and config.sources["plugins.peer.url"] == "default"
    assert config.values["plugins"] == {"peer": {"url": "http://peer", "token": "***"}}
    assert config.values["http"]["password"] == "***" and config.config_file is None
