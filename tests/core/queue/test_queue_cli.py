"""The admin CLI of the queue, through click's runner on a real database."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from hub.cli.main import build_cli
from hub.cli.queue import parse_since
from hub.core.errors import DocumentError, PermanentError
from hub.core.queue import NewMessage, Worker, enqueue
from hub.core.queue.messages import utcnow


def run(runtime, *args: str):
    result = CliRunner().invoke(build_cli(runtime), list(args), obj=runtime, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "--json" in args else result.output


def setup_blocked(runtime, peer) -> None:
    peer.script["A"] = [PermanentError("bad VAT")]
    with runtime.engine.begin() as conn:
        enqueue(conn, [NewMessage("peer", f"peer:partner:{h}", "upsert", "partner", h, v, {"v": v})
                       for h in ("A", "B") for v in (1, 2)])
    Worker(runtime).run_once()


def test_status_messages_show(runtime, peer):
    setup_blocked(runtime, peer)
    status = run(runtime, "status", "--json")
    assert status["totals"]["blocked"] == 1
    assert [(q["queue"], q["state"], q["depth"]) for q in status["queues"]] == [("peer:partner:A", "blocked", 2)]
    assert "blocked" in run(runtime, "status")
    blocked = run(runtime, "messages", "--state", "blocked", "--json")
    assert [m["hub_id"] for m in blocked] == ["A"]
    shown = run(runtime, "message", "show", str(blocked[0]["id"]), "--json")
    assert [h["status"] for h in shown["history"]] == ["queued", "running", "blocked"]
    assert "blocked" in run(runtime, "message", "show", str(blocked[0]["id"]))


def test_retry_skip_replay_stop_start(runtime, peer):
    setup_blocked(runtime, peer)
    head = run(runtime, "messages", "--state", "blocked", "--json")[0]["id"]
    assert run(runtime, "retry", "--all-blocked", "--json")[0]["message"] == head
    peer.script["A"] = [PermanentError("still bad")]
    Worker(runtime).run_until_idle()
    skipped = run(runtime, "skip", str(head), "--reason", "fixed in ERP by hand", "--json")
    assert skipped[0]["reason"] == "fixed in ERP by hand"
    run(runtime, "queue", "stop", "peer:partner:A", "--json")
    replayed = run(runtime, "replay", "--queue", "peer:partner:B", "--since", "1h", "--json")
    assert len(replayed) == 2
    Worker(runtime).run_until_idle()
    assert run(runtime, "status", "--json")["queues"][0]["state"] == "stopped"
    run(runtime, "queue", "start", "peer:partner:A")
    Worker(runtime).run_until_idle()
    assert run(runtime, "status", "--json")["totals"]["queues"] == 0
    assert [(m.hub_id, m.version) for m in peer.sent][-3:] == [("B", 1), ("B", 2), ("A", 2)]


def test_usage_errors(runtime, peer):
    setup_blocked(runtime, peer)
    result = CliRunner().invoke(build_cli(runtime), ["retry", "1", "--all-blocked"], obj=runtime)
    assert result.exit_code == 2 and "exactly one of" in result.output
    result = CliRunner().invoke(build_cli(runtime), ["replay", "--queue", "q"], obj=runtime)
    assert result.exit_code == 2 and "--queue needs --since" in result.output


def test_parse_since():
    now = utcnow()
    assert parse_since("90m", now) == now - timedelta(minutes=90)
    assert parse_since("2024-05-01T10:00:00", now).isoformat() == "2024-05-01T10:00:00+00:00"
    with pytest.raises(DocumentError, match="neither like 30m"):
        parse_since("yesterday", now)
