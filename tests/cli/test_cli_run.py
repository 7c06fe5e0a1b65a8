"""``hub run`` as an administrator starts it: what its log says, and what it keeps out."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from hub.core.store import migrate
from hub.core.store.db import create_engine

HUB = str(Path(sys.executable).parent / "hub")
REPO = Path(__file__).resolve().parents[2]
USER, PASSWORD = "erp", "run-s3cret"


def _hub_toml(folder: Path) -> None:
    folder.joinpath("hub.toml").write_text(f"""\
database_url = "sqlite:///{folder / 'hub.db'}"
mappings_dir = "{REPO / 'mappings'}"

[http]
port = 0
username = "{USER}"
password = "{PASSWORD}"

[plugins.erp_sap]
inbound_dir = "{folder / 'in'}"
outbound_dir = "{folder / 'out'}"
definitions_dir = "{folder / 'idoc_definitions'}"
poll_seconds = 0.1
""", encoding="utf-8")


def _read_lines(process: subprocess.Popen[str], lines: queue.Queue[str]) -> threading.Thread:
    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader


def _wait_for(lines: queue.Queue[str], seen: list[str], pattern: str, timeout: float = 30) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in seen:
            if found := re.search(pattern, line):
                return found
        try:
            seen.append(lines.get(timeout=0.2))
        except queue.Empty:
            continue
    raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(seen)}")


def test_hub_run_logs_where_it_listens_who_is_refused_and_not_every_job_run(tmp_path: Path) -> None:
    _hub_toml(tmp_path)
    engine = create_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    migrate.upgrade(engine)
    engine.dispose()
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []
    with subprocess.Popen([HUB, "run", "--threads"], cwd=tmp_path, stderr=subprocess.PIPE,
                          stdout=subprocess.DEVNULL, text=True) as process:
        reader = _read_lines(process, lines)
        try:
            url = _wait_for(lines, seen, r"INFO hub\.http listening on (http://127\.0\.0\.1:\d+)").group(1)
            _wait_for(lines, seen, r"INFO hub\.http basic auth on for 3 routes: "
                                   r"GET /metrics, POST /erp_sap/idoc, POST /loyalty_pos/poslog")
            _wait_for(lines, seen, r"INFO hub\.http public routes: GET /health, GET /ready")
            refused = httpx.post(f"{url}/erp_sap/idoc", content=b"<IDOC/>", auth=(USER, "not-the-password"))
            assert refused.status_code == 401
            _wait_for(lines, seen, r"WARNING hub\.http refused POST /erp_sap/idoc from 127\.0\.0\.1:\d+:"
                                   r" bad credentials")
            time.sleep(1.0)  # ten runs of the file port's job
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
            reader.join(timeout=10)
    _wait_for(lines, seen, r"hub stopped")
    log = "".join(seen)
    assert "not-the-password" not in log and PASSWORD not in log
    assert "Running job" not in log and "executed successfully" not in log


def test_with_log_format_json_every_line_of_hub_run_is_json_uvicorns_too(tmp_path: Path) -> None:
    import json
    import os
    import socket

    from hub.testing.scheduled import HubProcess

    _hub_toml(tmp_path)
    engine = create_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    migrate.upgrade(engine)
    engine.dispose()
    hub = HubProcess(tmp_path, (USER, PASSWORD), env={"HUB_LOG_FORMAT": "json", "HOME": os.environ.get("HOME", "")})
    try:
        url = hub.wait_listening()
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as peer:  # not HTTP: uvicorn logs a warning
            peer.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
            peer.recv(1024)
        deadline = time.monotonic() + 10
        while not any("Invalid HTTP request" in line for line in hub.lines) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        assert hub.stop() == 0
    entries = [json.loads(line) for line in hub.lines]  # each line one JSON object, or this raises
    assert any(e["logger"] == "uvicorn.error" and "Invalid HTTP request" in e["message"] for e in entries)
    assert any(e["logger"] == "hub.run" and e["message"] == "hub stopped" for e in entries)
