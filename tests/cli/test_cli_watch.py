"""`hub status --watch`: redrawn in place on a terminal, whole reports one after the
other in a pipe, and Ctrl-C ends it cleanly. Real `hub` processes on a real database."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.cli import entry, quick_status
from hub.core.queue import NewMessage, enqueue
from hub.core.queue.tables import queues
from hub.core.store import migrate
from hub.core.store.db import create_engine

HUB = str(Path(sys.executable).parent / "hub")
QUEUE = "erp_sap:sales_order:so_01M974EXAMPLE000000000000000"


def _database(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    engine = create_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        enqueue(conn, [NewMessage("erp_sap", QUEUE, "upsert", "sales_order", "so_1", 1, {})])
        conn.execute(queues.update().where(queues.c.name == QUEUE).values(blocked=True, last_error="HTTP 500"))
    engine.dispose()
    return {**os.environ, "HUB_DATABASE_URL": url, "COLUMNS": "60"}


def _read_for(fd: int, seconds: float) -> bytes:
    out = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    return out


def _read_until_two_reports(fd: int) -> bytes:
    """What the watch printed until its second report: start-up takes seconds on a busy machine."""
    shown = b""
    deadline = time.monotonic() + 60.0
    while shown.count(b"Ctrl-C to stop") < 2 and time.monotonic() < deadline:
        shown += _read_for(fd, 0.5)
    return shown


def test_watch_redraws_in_place_on_a_terminal(tmp_path: Path) -> None:
    env = _database(tmp_path)
    leader, follower = pty.openpty()
    process = subprocess.Popen([HUB, "status", "--watch", "--interval", "0.3"], cwd=tmp_path, env=env,
                               stdin=follower, stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    try:
        shown = _read_until_two_reports(leader)
        process.send_signal(signal.SIGINT)
        shown += _read_for(leader, 2.0)
        assert process.wait(timeout=10) == 0
    finally:
        os.close(leader)
    text = shown.decode(errors="replace")
    assert text.count("Ctrl-C to stop") >= 2, text
    assert "\x1b[1A" in text or "\x1b[2K" in text, "the screen is redrawn in place, not appended"
    assert "Traceback" not in text
    # The queue name is never cut, however narrow the terminal.
    assert QUEUE in text


def test_watch_in_a_pipe_prints_whole_reports(tmp_path: Path) -> None:
    env = _database(tmp_path)
    process = subprocess.Popen([HUB, "status", "--watch", "--interval", "0.2"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    shown = _read_until_two_reports(process.stdout.fileno())
    process.send_signal(signal.SIGINT)
    rest, err = process.communicate(timeout=10)
    out = shown + rest
    assert process.returncode == 0, err
    text = out.decode()
    assert text.count("Ctrl-C to stop") >= 2 and "\x1b[" not in text
    assert text.count(QUEUE) >= 2 and "HTTP 500" in text


def test_blocked_queue_is_shown_whole_in_a_pipe(tmp_path: Path) -> None:
    env = _database(tmp_path)
    engine = create_engine(env["HUB_DATABASE_URL"])
    with engine.connect() as conn:
        assert conn.execute(sa.select(queues.c.blocked).where(queues.c.name == QUEUE)).scalar_one()
    engine.dispose()
    out = subprocess.run([HUB, "status"], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert QUEUE in out.stdout


def test_ctrl_c_while_the_hub_is_starting_ends_it_without_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Interrupted before a command took over (imports take seconds on a busy machine), the
    hub exits 130 with one line."""
    def interrupted(args: list[str]) -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(quick_status, "quick_status", interrupted)
    with pytest.raises(SystemExit) as ended:
        entry.main(["status"])
    assert ended.value.code == 130
    assert capsys.readouterr().err == "interrupted\n"
