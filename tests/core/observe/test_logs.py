"""Log lines as text or JSON, with the message's ids on every line about a message."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.core.observe.logs import JsonFormatter, MessageContext, TextFormatter, about_message, configure_logging
from hub.core.settings import HubSettings


def _record(logger: str, message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    record = logging.getLogger(logger).makeRecord(logger, logging.WARNING, __file__, 1, message, args,
                                                  (type(exc), exc, exc.__traceback__) if exc else None)
    MessageContext().filter(record)
    return record


def test_a_json_line_carries_level_logger_message_and_the_message_ids() -> None:
    with about_message("so_01ABC", "erp_sap:sales_order:so_01ABC", 4711):
        record = _record("plugins.erp_sap.soap", "peer answered %d", 503)
    line = json.loads(JsonFormatter().format(record))
    assert line.pop("time").endswith("+00:00")
    assert line == {"level": "WARNING", "logger": "plugins.erp_sap.soap", "message": "peer answered 503",
                    "process": record.process, "hub_id": "so_01ABC", "queue": "erp_sap:sales_order:so_01ABC",
                    "message_id": 4711}


def test_outside_a_delivery_a_line_has_no_message_ids_and_a_text_line_none_either() -> None:
    record = _record("hub.run", "hub stopped")
    assert set(json.loads(JsonFormatter().format(record))) == {"time", "level", "logger", "message", "process"}
    assert TextFormatter().format(record).endswith("WARNING hub.run hub stopped")


def test_a_text_line_about_a_message_ends_with_its_ids_before_any_traceback() -> None:
    try:
        raise ValueError("bad field")
    except ValueError as exc:
        with about_message("p_1", "shop:partner:p_1", 9):
            record = _record("hub.queue", "message %s failed", 9, exc=exc)
    first, *rest = TextFormatter().format(record).splitlines()
    assert first.endswith("WARNING hub.queue message 9 failed [hub_id=p_1 queue=shop:partner:p_1 message_id=9]")
    assert rest[0].startswith("Traceback") and rest[-1] == "ValueError: bad field"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["exception"].endswith("ValueError: bad field") and entry["message_id"] == 9


def test_hostile_text_stays_inside_one_json_line() -> None:
    record = _record("hub.http", "refused %s", 'a"\n{"level": "INFO"}\u2028')
    text = JsonFormatter().format(record)
    assert "\n" not in text and json.loads(text)["message"] == 'refused a"\n{"level": "INFO"}\u2028'


@pytest.fixture
def restored_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_configuring_twice_replaces_the_hubs_handler_and_leaves_others(restored_root: None) -> None:
    root = logging.getLogger()
    before = len(root.handlers)
    configure_logging("json")
    configure_logging("text")
    assert len(root.handlers) == before + 1
    assert isinstance(root.handlers[-1].formatter, TextFormatter)


def test_the_setting_and_its_environment_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert HubSettings().log_format == "text"
    monkeypatch.setenv("HUB_LOG_FORMAT", "json")
    assert HubSettings().log_format == "json"
    monkeypatch.setenv("HUB_LOG_FORMAT", "xml")
    hub = str(Path(sys.executable).parent / "hub")
    refused = subprocess.run([hub, "config", "show"], cwd=tmp_path, capture_output=True, text=True)
    assert refused.returncode != 0 and "HUB_LOG_FORMAT" in refused.stderr


def test_every_line_about_a_delivery_carries_its_message_ids_the_transports_own_too(
        hub_engine: object, database_url: str, restored_root: None, capsys: pytest.CaptureFixture[str]) -> None:
    import types
    from typing import Any

    from hub import hookimpl
    from hub.core.errors import TransientError
    from hub.core.plugins import TransportSpec
    from hub.core.queue import NewMessage, Worker, enqueue
    from hub.core.queue.messages import OutboundMessage
    from hub.core.runtime import HubRuntime

    class Grumpy:
        def send(self, message: OutboundMessage) -> None:
            logging.getLogger("plugins.grumpy").warning("peer says no to version %d", message.version)
            raise TransientError("peer busy")

    @hookimpl
    def hub_register_transports(registry: Any) -> None:
        registry.add_transport(TransportSpec("out", lambda context: Grumpy(), ("partner",)))

    plugin = types.ModuleType("grumpy_plugin")
    plugin.hub_register_transports = hub_register_transports  # type: ignore[attr-defined]
    runtime = HubRuntime(HubSettings(database_url=database_url, log_format="json"),
                         extra_plugins={"grumpy": plugin})
    try:
        with runtime.engine.begin() as conn:
            enqueue(conn, [NewMessage("grumpy", "grumpy:partner:P1", "upsert", "partner", "P1", 1, {})])
        configure_logging(runtime.settings.log_format)
        Worker(runtime).run_until_idle()
    finally:
        runtime.close()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    about = [line for line in lines if line["logger"] in ("plugins.grumpy", "hub.queue")]
    assert [line["logger"] for line in about] == ["plugins.grumpy", "hub.queue"]
    assert about[1]["message"].startswith("message ") and "failed (attempt 1), retrying" in about[1]["message"]
    assert all(line["hub_id"] == "P1" and line["queue"] == "grumpy:partner:P1" and isinstance(line["message_id"], int)
               for line in about)
