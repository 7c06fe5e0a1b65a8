"""hub.toml and HUB_* settings: every section refuses unknown keys, checks types and
ranges, and every problem is reported at once with where it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.core.errors import ConfigError
from hub.core.settings import load_settings


def problems(tmp_path: Path, toml: str) -> list[str]:
    """The problems load_settings reports for a hub.toml with ``toml``, one string each."""
    path = tmp_path / "hub.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("key", ["user", "passwd"])
def test_misspelt_http_credentials_are_refused_not_ignored(tmp_path: Path, key: str) -> None:
    # Ignored, these would start the server with no authentication at all.
    found = problems(tmp_path, f'[http]\nusername = "sap"\npassword = "s3cret"\n{key} = "x"\n')
    assert len(found) == 1 and key in found[0] and "http" in found[0]


def test_http_username_without_password_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, '[http]\nusername = "sap"\n')
    assert len(found) == 1 and "password" in found[0]


def test_http_password_without_username_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, '[http]\npassword = "s3cret"\n')
    assert len(found) == 1 and "username" in found[0] and "s3cret" not in found[0]


def test_http_credentials_in_pairs_are_taken(tmp_path: Path) -> None:
    (tmp_path / "hub.toml").write_text('[http]\nusername = "sap"\npassword = "s3cret"\n', encoding="utf-8")
    http = load_settings(tmp_path / "hub.toml").http
    assert http.username == "sap" and http.password is not None
    assert http.password.get_secret_value() == "s3cret"
