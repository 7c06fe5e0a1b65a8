"""Admin commands of the replication queue: messages, retry, skip, replay, stop and
start (``hub status`` lives in ``hub.cli.status``). Every command that prints data
takes ``--json``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from hub.cli.context import pass_runtime
from hub.cli.output import json_option, print_json, print_table
from hub.core.errors import DocumentError
from hub.core.queue import admin, views
from hub.core.queue.messages import MESSAGE_STATUSES, utcnow
from hub.core.runtime import HubRuntime
from hub.core.store.db import read_only

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_since(value: str, now: datetime) -> datetime:
    """``30m``, ``2h``, ``7d`` (ago) or an ISO 8601 time (UTC when no zone is given)."""
    match = _RELATIVE.match(value.strip())
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise DocumentError("--since", "value", f"{value!r} is neither like 30m/2h/7d nor an ISO time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _short(text: str | None, width: int = 70) -> str:
    if not text:
        return ""
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command()
@click.option("--state", type=click.Choice(MESSAGE_STATUSES), default=None, help="Only this status.")
@click.option("--queue", default=None, help="Only this queue.")
@click.option("--system", default=None, help="Only this system.")
@click.option("--since", default=None, help="Created since: 30m, 2h, 7d or an ISO time.")
@click.option("--limit", type=int, default=100, show_default=True, help="Most messages listed (newest first).")
@json_option
@pass_runtime
def messages(runtime: HubRuntime, state: str | None, queue: str | None, system: str | None,
             since: str | None, limit: int, as_json: bool) -> None:
    """List messages, newest first."""
    engine = read_only(runtime.require_schema())
    since_at = parse_since(since, utcnow()) if since else None
    with engine.connect() as conn:
        rows = views.list_messages(conn, state=state, queue=queue, system=system, since=since_at, limit=limit)
    if as_json:
        print_json(rows)
        return
    print_table(
        ["id", "queue", "seq", "kind", "version", "status", "attempts", "created", "last error"],
        [(r["id"], r["queue"], r["seq"], r["kind"], r["version"], r["status"], r["attempts"],
          r["created_at"].isoformat(timespec="seconds"), _short(r["last_error"], 50)) for r in rows],
    )


@click.group()
def message() -> None:
    """One message."""


def _number(text: str) -> int:
    if not text.isdigit():
        raise click.BadParameter(f"{text!r} is not a message id (a number, or in:NUMBER)")
    return int(text)


@message.command("show")
@click.argument("message_id")
@json_option
@click.pass_context
@pass_runtime
def message_show(runtime: HubRuntime, ctx: click.Context, message_id: str, as_json: bool) -> None:
    """A message with its payload and full history.

    MESSAGE_ID is an outbound message id, or ``in:ID`` for an inbound payload (its IDoc
    status records, as ``hub inbound show ID``).
    """
    if message_id.startswith("in:"):
        from hub.cli.inbound import show_inbound  # the inbound side, loaded only when asked for

        ctx.invoke(show_inbound, payload_id=_number(message_id[3:]), as_json=as_json)
        return
    number = _number(message_id)
    engine = read_only(runtime.require_schema())
    with engine.connect() as conn:
        row = views.get_message(conn, number)
    if as_json:
        print_json(row)
        return
    for key in ("id", "queue", "seq", "system", "transport", "kind", "doc_type", "hub_id", "version",
                "idempotency_key", "status", "attempts", "next_attempt_at", "last_error", "replay_of",
                "created_at", "finished_at"):
        if row[key] is not None:
            click.echo(f"{key:16} {row[key]}")
    print_table(
        ["at", "status", "attempt", "duration ms", "error / detail"],
        [(h["at"], h["status"], h.get("attempt", ""), h.get("duration_ms", ""),
          h.get("error") or h.get("detail") or "") for h in row["history"]],
        title="History",
    )


def _report(results: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print_json(results)
        return
    if not results:
        click.echo("nothing to do")
    for result in results:
        target = f"message {result['message']}" if "message" in result else f"queue {result['queue']}"
        extra = f" -> new message {result['new_message']}" if "new_message" in result else ""
        click.echo(f"{result['action']}: {target} ({result['queue']}){extra}")


@click.command()
@click.argument("message_id", type=int, required=False)
@click.option("--queue", default=None, help="Retry the head of this queue.")
@click.option("--all-blocked", is_flag=True, help="Retry the head of every blocked queue.")
@json_option
@pass_runtime
def retry(runtime: HubRuntime, message_id: int | None, queue: str | None, all_blocked: bool,
          as_json: bool) -> None:
    """Try a blocked or waiting message again now, with a fresh attempt budget."""
    if sum((message_id is not None, queue is not None, all_blocked)) != 1:
        raise click.UsageError("give exactly one of MESSAGE_ID, --queue or --all-blocked")
    with runtime.require_schema().begin() as conn:
        now = utcnow()
        if message_id is not None:
            results = [admin.retry_message(conn, message_id, now)]
        elif queue is not None:
            results = [admin.retry_queue(conn, queue, now)]
        else:
            results = admin.retry_all_blocked(conn, now)
    _report(results, as_json)


@click.command()
@click.argument("message_id", type=int)
@click.option("--reason", required=True, help="Why it is skipped (kept in the history).")
@json_option
@pass_runtime
def skip(runtime: HubRuntime, message_id: int, reason: str, as_json: bool) -> None:
    """Never deliver a message; a blocked queue moves on to the next one."""
    with runtime.require_schema().begin() as conn:
        results = [admin.skip_message(conn, message_id, reason, utcnow())]
    _report(results, as_json)


@click.command()
@click.argument("message_id", type=int, required=False)
@click.option("--queue", default=None, help="Replay this queue's delivered messages...")
@click.option("--since", default=None, help="...created since: 30m, 2h, 7d or an ISO time.")
@json_option
@pass_runtime
def replay(runtime: HubRuntime, message_id: int | None, queue: str | None, since: str | None,
           as_json: bool) -> None:
    """Send delivered messages again from their kept payload, as new messages."""
    if (message_id is None) == (queue is None):
        raise click.UsageError("give either MESSAGE_ID or --queue Q --since T")
    if queue is not None and since is None:
        raise click.UsageError("--queue needs --since")
    with runtime.require_schema().begin() as conn:
        now = utcnow()
        if message_id is not None:
            results = [admin.replay_message(conn, message_id, now)]
        else:
            results = admin.replay_queue(conn, queue or "", parse_since(since or "", now), now)
    _report(results, as_json)


@click.group("queue")
def queue_group() -> None:
    """Stop or start one queue."""


@queue_group.command("stop")
@click.argument("name")
@json_option
@pass_runtime
def queue_stop(runtime: HubRuntime, name: str, as_json: bool) -> None:
    """Hand out no more messages of queue NAME (a batch in flight finishes)."""
    with runtime.require_schema().begin() as conn:
        result = admin.stop_queue(conn, name, utcnow())
    _report([result], as_json)


@queue_group.command("start")
@click.argument("name")
@json_option
@pass_runtime
def queue_start(runtime: HubRuntime, name: str, as_json: bool) -> None:
    """Let queue NAME flow again."""
    with runtime.require_schema().begin() as conn:
        result = admin.start_queue(conn, name, utcnow())
    _report([result], as_json)


commands = [messages, message, retry, skip, replay, queue_group]
