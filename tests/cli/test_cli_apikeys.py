"""`hub api-key create|list|revoke`: a REST API key is printed once, kept only as its
hash, listed without it, and refused once revoked."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from hub.cli.main import build_cli
from hub.core.errors import NotFoundError
from hub.core.restapi.keys import client_of
from hub.core.runtime import HubRuntime


def run(runtime: HubRuntime, *args: str) -> Any:
    result = CliRunner().invoke(build_cli(runtime), list(args), obj=runtime, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "--json" in args else result.output


def test_a_key_is_printed_once_and_kept_only_as_its_hash(hub_runtime: HubRuntime) -> None:
    text = run(hub_runtime, "api-key", "create", "--scope", "write", "--name", "crm front end")
    key = text.strip().splitlines()[-1]
    assert key.startswith("hubk_") and len(key) > 40
    created = run(hub_runtime, "api-key", "create", "--scope", "read", "--json")
    assert created["scope"] == "read" and created["key"].startswith("hubk_")
    with hub_runtime.engine.connect() as conn:
        stored = " ".join(str(v) for row in conn.execute(sa.text("SELECT * FROM rest_api_keys")) for v in row)
        assert key not in stored and hashlib.sha256(key.encode()).hexdigest() in stored
        client = client_of(conn, key)
    assert client is not None and (client.name, client.scope) == ("crm front end", "write")
    listed = run(hub_runtime, "api-key", "list", "--json")
    assert [(k["name"], k["scope"], k["revoked_at"]) for k in listed] == [
        ("crm front end", "write", None), ("api client", "read", None)]
    assert key not in json.dumps(listed) and key not in run(hub_runtime, "api-key", "list")


def test_a_revoked_key_opens_nothing(hub_runtime: HubRuntime) -> None:
    created = run(hub_runtime, "api-key", "create", "--scope", "admin", "--json")
    revoked = run(hub_runtime, "api-key", "revoke", created["id"], "--json")
    assert revoked["revoked_at"] is not None
    assert run(hub_runtime, "api-key", "revoke", created["id"], "--json")["revoked_at"] == revoked["revoked_at"]
    with hub_runtime.engine.connect() as conn:
        assert client_of(conn, created["key"]) is None
    with pytest.raises(NotFoundError, match="no REST API key has the id 'ak_NOPE'"):
        run(hub_runtime, "api-key", "revoke", "ak_NOPE")


def test_a_scope_outside_the_three_is_refused(hub_runtime: HubRuntime) -> None:
    result = CliRunner().invoke(build_cli(hub_runtime), ["api-key", "create", "--scope", "root"], obj=hub_runtime)
    assert result.exit_code == 2 and "'root' is not one of 'read', 'write', 'admin'" in result.output
