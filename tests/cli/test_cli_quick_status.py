"""The quick command-line `hub status`: the same report as the full command, read through
the database driver alone, taken only for a configuration that passed the full check."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.cli.quick_status import DEFAULT_DATABASE_URL, quick_status
from hub.core.config import stamp
from hub.core.queue import NewMessage, admin, enqueue, status as full_status, status_sql
from hub.core.queue.messages import utcnow
from hub.core.queue.tables import queues
from hub.core.settings import DEFAULT_CONFIG_FILE, HubSettings
from hub.core.store import archive, inbound_counts, migrate
from hub.core.store.db import create_engine

HUB = str(Path(sys.executable).parent / "hub")
ERROR = "PermanentError: SOAP fault: customer 0000100042 is locked " + "x" * 150


def _fill(engine: sa.Engine) -> None:
    now = utcnow()
    with engine.begin() as conn:
        enqueue(conn, [NewMessage(system, f"{system}:partner:{n}", "upsert", "partner", str(n), v, {})
                       for system in ("erp_sap", "ecommerce") for n in range(30) for v in range(1, 1 + n % 4)],
                now - timedelta(minutes=42))
        conn.execute(queues.update().where(queues.c.name == "erp_sap:partner:5")
                     .values(blocked=True, attempts=5, last_error=ERROR))
        conn.execute(queues.update().where(queues.c.name == "ecommerce:partner:6")
                     .values(lease_owner="host:1:w", lease_expires_at=now + timedelta(minutes=1)))
        conn.execute(queues.update().where(queues.c.name == "erp_sap:partner:7")
                     .values(attempts=2, due_at=now + timedelta(minutes=5)))
        admin.stop_queue(conn, "ecommerce:partner:9", now)
        kept = archive.archive_inbound(conn, "erp_sap", "ORDERS", "ORDERS:1", "a/b", b"x")
        archive.set_status(conn, kept.id, archive.FAILED, code="51", error="bad unit")


def test_driver_queries_answer_what_the_sqlalchemy_queries_answer(database_url: str) -> None:
    engine = create_engine(database_url)
    migrate.upgrade(engine)
    _fill(engine)
    now = utcnow()
    with engine.connect() as conn:
        # (The revision is not asked here: any error class stands for a missing table.)
        reader = status_sql.Reader(conn.connection.driver_connection, conn.dialect.name, LookupError)
        for limit, system in ((100, None), (3, None), (None, "erp_sap"), (2, "ecommerce"), (None, "nobody")):
            assert status_sql.queue_status(reader, now, limit, system) == full_status.queue_status(
                conn, now, limit, system), (limit, system)
            assert status_sql.inbound_attention(reader, system) == inbound_counts.inbound_attention(conn, system)
            assert status_sql.inbox_waiting(reader, system) == inbound_counts.inbox_waiting(conn, system)
        states = {q.queue: q.state for q in full_status.queue_status(conn, now, None).queues}
    assert {states["erp_sap:partner:5"], states["ecommerce:partner:6"], states["erp_sap:partner:7"],
            states["ecommerce:partner:9"]} == {"blocked", "running", "retrying", "stopped"}
    engine.dispose()


def test_constants_agree_with_the_settings() -> None:
    assert DEFAULT_DATABASE_URL == HubSettings.model_fields["database_url"].default
    assert stamp.DEFAULT_CONFIG_FILE == DEFAULT_CONFIG_FILE
    assert status_sql.ATTENTION_STATUSES == inbound_counts.ATTENTION_STATUSES


@pytest.fixture
def hub_folder(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db"}
    env.pop("COLUMNS", None)
    subprocess.run([HUB, "init"], cwd=tmp_path, env=env, check=True, capture_output=True)
    engine = create_engine(env["HUB_DATABASE_URL"])
    _fill(engine)
    engine.dispose()
    return tmp_path, env


def _hub(folder: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HUB, *args], cwd=folder, env=env, capture_output=True, text=True)


def test_command_line_status_is_quick_once_the_configuration_was_checked(
    hub_folder: tuple[Path, dict[str, str]],
) -> None:
    folder, env = hub_folder
    probe = [sys.executable, "-X", "importtime", "-c", "import sys; from hub.cli.entry import main; main(sys.argv[1:])"]
    for args in (["status"], ["status", "--json"], ["status", "--all", "--system", "erp_sap"],
                 ["status", "--limit=2"]):
        full = subprocess.run([sys.executable, "-c", "from hub.cli.main import main; main()", *args],
                              cwd=folder, env=env, capture_output=True, text=True, check=True)
        quick = subprocess.run([*probe, *args], cwd=folder, env=env, capture_output=True, text=True, check=True)
        imported = {line.rsplit("|", 1)[-1].strip() for line in quick.stderr.splitlines()}
        assert not {"sqlalchemy", "pydantic", "click", "pluggy", "rich"} & imported, args
        # The same report (the ages grow between the two runs: compare without them).
        assert _without_ages(quick.stdout) == _without_ages(full.stdout), args
    text = _hub(folder, env, "status").stdout
    # In a pipe nothing is cut: the whole error, customer number and all.
    assert ERROR in text and "erp_sap:partner:5" in text


def _without_ages(text: str) -> str:
    return re.sub(r'\d+\.\d+[smhd]\b|"oldest_age_s": [\d.]+|"oldest_at": "[^"]+"|"next_due_at": "[^"]+"', "", text)


def test_a_changed_configuration_goes_the_full_way_first(hub_folder: tuple[Path, dict[str, str]]) -> None:
    folder, env = hub_folder
    assert _hub(folder, env, "status").returncode == 0
    (folder / "hub.toml").write_text('duplicate_threshold = "high"\n')
    broken = _hub(folder, env, "status")
    assert broken.returncode == 1 and "duplicate_threshold" in broken.stderr


def test_what_the_quick_path_leaves_to_the_full_command(
    hub_folder: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, env = hub_folder
    monkeypatch.chdir(folder)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _hub(folder, env, "status").returncode == 0  # the full check leaves its stamp
    assert stamp.was_checked(None)
    for args in (["status", "--watch"], ["--debug", "status"], ["status", "--help"], ["status", "--limit", "0"],
                 ["status", "extra"], ["messages"], ["status", "--system="]):
        assert quick_status(args) is False, args
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{folder}/other.db")
    assert quick_status(["status"]) is False  # not checked with this environment
    engine = create_engine(env["HUB_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    engine.dispose()
    monkeypatch.setenv("HUB_DATABASE_URL", env["HUB_DATABASE_URL"])
    assert quick_status(["status"]) is False  # an old schema: the full command says to run hub init
    old = _hub(folder, env, "status")
    assert old.returncode == 1 and "hub init" in old.stderr


def test_the_colours_are_those_click_writes() -> None:
    import click

    from hub.cli.status_text import ANSI

    for colour in ("red", "yellow"):
        assert click.style("x", fg=colour) == f"{ANSI[colour]}x{ANSI['reset']}"
    assert click.style("x", bold=True) == f"{ANSI['bold']}x{ANSI['reset']}"
