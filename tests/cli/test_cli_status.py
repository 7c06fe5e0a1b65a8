"""`hub status`: the worst queues first, a limit with a totals line, --all, --json, and
a read that never waits for the SQLite write lock."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from hub.cli.main import build_cli
from hub.cli.status import ERROR_MIN_WIDTH, format_age, table_lines
from hub.core.queue import NewMessage, enqueue
from hub.core.queue.messages import utcnow
from hub.core.queue.status import QueueView
from hub.core.queue.tables import queues
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import archive, migrate

ERROR = "HTTP 500 from ERP:\nTraceback (most recent call last):\n  internal error " + "x" * 200


def run(runtime: HubRuntime, *args: str) -> object:
    result = CliRunner().invoke(build_cli(runtime), list(args), obj=runtime, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "--json" in args else result.output


def fill(runtime: HubRuntime, depths: dict[str, int], blocked: tuple[str, ...] = ()) -> None:
    """Queues ``peer:partner:NAME`` with ``depth`` messages each; ``blocked`` ones carry ERROR."""
    with runtime.engine.begin() as conn:
        enqueue(conn, [NewMessage("peer", f"peer:partner:{name}", "upsert", "partner", name, v, {"v": v})
                       for name, depth in depths.items() for v in range(1, depth + 1)],
                utcnow() - timedelta(minutes=90))
        conn.execute(queues.update().where(queues.c.name.in_([f"peer:partner:{b}" for b in blocked]))
                     .values(blocked=True, attempts=5, last_error=ERROR))


def test_status_shows_the_worst_queues_and_says_how_many_it_left_out(
    hub_runtime: HubRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    fill(hub_runtime, {"A": 1, "B": 3, "C": 2, "D": 1}, blocked=("D",))
    out = str(run(hub_runtime, "status", "--limit", "2"))
    lines = out.splitlines()
    assert lines[0] == ("4 queue(s) with work or trouble, 7 message(s) waiting; "
                        "blocked 1, stopped 0, running 0")
    assert lines[1].startswith("showing the worst 2 ") and "--all" in lines[1]
    assert lines[2] == "inbound: nothing failed or in conflict"
    assert lines[4].split() == ["queue", "state", "depth", "oldest", "attempts", "last", "error"]
    assert [line.split()[:5] for line in lines[5:]] == [
        ["peer:partner:D", "blocked", "1", "1.5h", "5"], ["peer:partner:B", "ready", "3", "1.5h"]]
    assert "5  HTTP 500 from ERP: Traceback (most recent" in lines[5]
    assert lines[5].endswith("…") and len(lines[5]) == 100

    every = str(run(hub_runtime, "status", "--all")).splitlines()
    assert every[1:4] == ["inbound: nothing failed or in conflict", "", lines[4]] and len(every) == 4 + 4
    assert [line.split()[0] for line in every[4:]] == [f"peer:partner:{q}" for q in "DBCA"]


def test_status_json_lists_up_to_the_limit_or_all(hub_runtime: HubRuntime) -> None:
    fill(hub_runtime, {f"Q{i:03}": 1 + i % 3 for i in range(150)}, blocked=("Q007",))
    default = run(hub_runtime, "status", "--json")
    assert default["totals"] == {  # type: ignore[index]
        "queues": 150, "messages_waiting": 300, "blocked": 1, "stopped": 0, "running": 0}
    assert len(default["queues"]) == 100  # type: ignore[index]
    first = default["queues"][0]  # type: ignore[index]
    assert (first["queue"], first["state"], first["last_error"]) == ("peer:partner:Q007", "blocked", ERROR)
    assert first["oldest_at"].endswith("+00:00") and first["oldest_age_s"] >= 5400
    everything = run(hub_runtime, "status", "--json", "--all")
    assert len(everything["queues"]) == 150  # type: ignore[index]
    assert run(hub_runtime, "status", "--json", "--system", "other")["queues"] == []  # type: ignore[index]


def test_status_without_work_prints_the_totals_only(hub_runtime: HubRuntime) -> None:
    assert str(run(hub_runtime, "status")).splitlines() == [
        "0 queue(s) with work or trouble, 0 message(s) waiting; blocked 0, stopped 0, running 0",
        "inbound: nothing failed or in conflict"]


def test_status_counts_inbound_documents_that_failed_or_conflict(hub_runtime: HubRuntime) -> None:
    """`hub status` said "0 queue(s) with work or trouble" while inbound IDocs sat in status 51."""
    with hub_runtime.engine.begin() as conn:
        for n in range(11):
            kept = archive.archive_inbound(conn, "erp_sap", "ORDERS", f"ORDERS:S/P/100:{n}", "a/b", b"x%d" % n)
            archive.set_status(conn, kept.id, archive.FAILED, code="51", error="bad unit")
        archive.archive_inbound(conn, "erp_sap", "ORDERS", "ORDERS:S/P/100:0", "a/b", b"other content")
        archive.archive_inbound(conn, "ecommerce", "orders/create", "eu:1", "a/b", b"{}")
    lines = str(run(hub_runtime, "status")).splitlines()
    assert lines[1] == ("inbound: 1 conflict, 11 failed (erp_sap 1 conflict, 11 failed);"
                        " see `hub inbound list --state failed`")
    assert run(hub_runtime, "status", "--json")["inbound"] == {  # type: ignore[index]
        "erp_sap": {"conflict": 1, "failed": 11}}
    assert run(hub_runtime, "status", "--json", "--system", "ecommerce")["inbound"] == {}  # type: ignore[index]


def test_status_limit_must_be_positive(hub_runtime: HubRuntime) -> None:
    result = CliRunner().invoke(build_cli(hub_runtime), ["status", "--limit", "0"], obj=hub_runtime)
    assert result.exit_code == 2 and "0 is not in the range" in result.output


def test_status_does_not_wait_for_a_writer_on_sqlite(sqlite_database_url: str) -> None:
    """A worker holding SQLite's write lock must not stall `hub status` (it took the lock
    too, and waited up to the 30 s busy timeout behind every write)."""
    runtime = HubRuntime(HubSettings(database_url=sqlite_database_url))
    migrate.upgrade(runtime.engine)
    fill(runtime, {"A": 2})
    writer = runtime.engine.connect()
    writer.begin()
    writer.execute(queues.update().values(attempts=1))
    try:
        result = run(runtime, "status", "--json")
    finally:
        writer.rollback()
        writer.close()
        runtime.close()
    assert result["totals"]["queues"] == 1  # type: ignore[index]


def test_table_lines_cut_only_the_error_and_keep_queue_names_whole() -> None:
    long_name = "peer:partner:" + "n" * 90
    view = QueueView(queue=long_name, system="peer", state="blocked", depth=12, oldest_at=None,
                           oldest_age_s=4000.0, attempts=3, last_error="e" * 300, lease_owner=None,
                           next_due_at=None)
    header, line = table_lines([view], width=60)
    assert header.split()[:2] == ["queue", "state"] and line.startswith(long_name + "  blocked")
    assert line.endswith("e" * (ERROR_MIN_WIDTH - 1) + "…")
    _, wide = table_lines([view], width=1000)
    assert wide.endswith("e" * 300)


@pytest.mark.parametrize(("seconds", "shown"), [
    (None, ""), (0.34, "0.3s"), (59.9, "59.9s"), (90, "1.5m"), (5400, "1.5h"), (259200, "3.0d")])
def test_format_age(seconds: float | None, shown: str) -> None:
    assert format_age(seconds) == shown
