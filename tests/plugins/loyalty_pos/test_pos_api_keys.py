"""Till API keys administered: ``hub loyalty api-key list`` shows every key but never the
key itself, ``api-key revoke`` refuses a key at once in the revoking process and within
``key_cache_seconds`` in every other one (a revoked key gets 401 problem+json)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from loyalty_fixtures import line, loyalty_hub, post, sale
from pos_fixtures import HUB, hub_folder

from hub.testing.live import LiveHub

PROBLEM = "application/problem+json"


def _key(hub: LiveHub, store: str) -> dict[str, Any]:
    created = hub.cli_json("loyalty", "api-key", "create", "--store", store)
    assert isinstance(created, dict)
    return created


def _look_up(hub: LiveHub, key: str) -> httpx.Response:
    return httpx.get(f"{hub.url}/loyalty_pos/v1/cards/C1", headers={"Authorization": f"Bearer {key}"}, timeout=30)


def _refused(answer: httpx.Response) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"] == PROBLEM
    body = answer.json()
    assert body["type"].endswith("/bad-key") and body["detail"] == "unknown or revoked API key", body


def test_keys_are_listed_without_the_secret_and_a_revoked_key_is_refused_at_once(tmp_path: Path) -> None:
    with loyalty_hub(tmp_path) as hub:
        post(hub, sale(1, [line(1, "1.00")], card="C1"))
        first, second = _key(hub, "S043"), _key(hub, "S042")
        assert _look_up(hub, first["key"]).status_code == 200  # now trusted from memory for 5 s
        listed = hub.cli_json("loyalty", "api-key", "list")
        assert isinstance(listed, list)
        assert [(r["id"], r["store"], r["revoked_at"]) for r in listed] == [
            (second["id"], "S042", None), (first["id"], "S043", None)]
        assert set(listed[0]) == {"id", "store", "created_at", "revoked_at"}
        revoked = hub.cli_json("loyalty", "api-key", "revoke", str(first["id"]))
        assert isinstance(revoked, dict) and revoked["revoked_at"] is not None
        _refused(_look_up(hub, first["key"]))
        assert _look_up(hub, second["key"]).status_code == 200
        again = hub.cli_json("loyalty", "api-key", "revoke", str(first["id"]))
        assert isinstance(again, dict) and again["revoked_at"] == revoked["revoked_at"]
        after = hub.cli_json("loyalty", "api-key", "list")
        assert isinstance(after, list)
        assert [r["revoked_at"] for r in after] == [None, revoked["revoked_at"]]
        shown = subprocess.run([HUB, "loyalty", "api-key", "list"], cwd=hub_folder(
            tmp_path / "admin", f"sqlite:///{tmp_path / 'hub.db'}"), capture_output=True, text=True, timeout=120)
        assert shown.returncode == 0 and first["id"] in shown.stdout, shown.stderr
        assert first["key"] not in shown.stdout + repr(after) and second["key"] not in shown.stdout + repr(after)
        with pytest.raises(RuntimeError, match="no API key has the id 'lk_nope'"):
            hub.cli_json("loyalty", "api-key", "revoke", "lk_nope")


def test_a_key_revoked_by_another_process_is_refused_within_key_cache_seconds(tmp_path: Path) -> None:
    bound = 1.0
    with loyalty_hub(tmp_path, key_cache_seconds=bound) as hub:
        post(hub, sale(1, [line(1, "1.00")], card="C1"))
        key = _key(hub, "S042")
        admin = hub_folder(tmp_path / "admin", f"sqlite:///{tmp_path / 'hub.db'}")
        with subprocess.Popen([HUB, "loyalty", "api-key", "revoke", str(key["id"])], cwd=admin,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as revoking:
            while revoking.poll() is None:
                assert _look_up(hub, key["key"]).status_code in (200, 401)
                time.sleep(0.02)
            revoked_by = time.monotonic()
            _, errors = revoking.communicate()
        assert revoking.returncode == 0, errors
        while (answer := _look_up(hub, key["key"])).status_code == 200:
            assert time.monotonic() - revoked_by < bound + 0.5, "a revoked key was still accepted"
            time.sleep(0.02)
        _refused(answer)
