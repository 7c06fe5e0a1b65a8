"""What the server says when it starts: where it listens, and who may call what."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from gated_routes import PASSWORD, USER, gated_hub


def _startup_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "hub.http"]


def test_the_server_says_where_it_listens_and_how_each_route_is_guarded(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="hub.http")
    with gated_hub(tmp_path, username=USER, password=PASSWORD) as server:
        assert _startup_lines(caplog) == [
            (logging.INFO, f"listening on {server.url}"),
            (logging.INFO, "basic auth on for 4 routes: GET /metrics, POST /erp, POST /small, POST /shops/{shop}"),
            (logging.INFO, "API key for 1 route: POST /till"),
            (logging.INFO, "signature checked for 2 routes: POST /hook, POST /small-hook"),
            (logging.INFO, "public routes: GET /health, GET /ready, POST /open"),
            (logging.INFO, "REST API at /api/v1 (API keys with scopes, `hub api-key create`); described at"
                           " /api/v1/openapi.json, browsable at /api/v1/docs"),
        ]
    assert PASSWORD not in caplog.text


def test_a_hub_without_credentials_warns_that_its_basic_routes_are_open(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="hub.http")
    with gated_hub(tmp_path):
        assert (logging.WARNING, "authentication OFF: no [http] username/password set;"
                                 " 4 routes open to anyone: GET /metrics, POST /erp, POST /small, POST /shops/{shop}"
                ) in _startup_lines(caplog)
