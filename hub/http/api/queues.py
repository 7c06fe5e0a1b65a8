"""The replication queues: their state, their messages, and the administrator's
actions (retry, skip with a reason, replay), as ``hub status``, ``hub messages``,
``hub retry``, ``hub skip`` and ``hub replay`` do them (``hub.core.queue.admin``).

Reading needs the ``read`` scope; acting needs ``admin``. An action the queue's state
does not allow (retrying a delivered message, skipping a finished one, a queue a
worker is delivering right now) is a 409 that says why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, Path, Query
from pydantic import BaseModel, Field
from starlette.responses import Response

from hub.core.errors import DocumentError
from hub.core.queue import admin, views
from hub.core.queue.messages import MESSAGE_STATUSES, utcnow
from hub.core.queue.status import queue_status
from hub.http.api.auth import Admin, Reader
from hub.http.api.problems import ApiRefusal, responses
from hub.http.api.services import ApiServices, services

router = APIRouter(tags=["queues"])
Hub = Annotated[ApiServices, Depends(services)]
MessageId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The message's id.")]
Name = Annotated[str, Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]


class QueueState(BaseModel):
    """One queue with work or trouble, as ``hub status`` shows it."""

    queue: str
    system: str
    state: str
    depth: int
    oldest_at: datetime | None
    oldest_age_s: float | None
    attempts: int
    last_error: str | None
    lease_owner: str | None
    next_due_at: datetime | None


class QueueReport(BaseModel):
    """Queues with work or trouble, the worst first, and totals over every queue."""

    totals: dict[str, int]
    queues: list[QueueState]


class MessageSummary(BaseModel):
    """A message without its payload and history."""

    id: int
    queue: str
    seq: int
    system: str
    kind: str
    doc_type: str
    hub_id: str
    version: int
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


class Message(MessageSummary):
    """A message with its payload and the history of its status records."""

    transport: str | None
    idempotency_key: str
    payload: dict[str, Any]
    history: list[dict[str, Any]]
    replay_of: int | None


class Action(BaseModel):
    """What an action did."""

    action: str
    queue: str
    message: int | None = None
    new_message: int | None = Field(default=None, description="A replay's new message.")
    reason: str | None = None


class SkipRequest(BaseModel):
    """Why a message is skipped; kept in its history."""

    reason: str = Field(min_length=1, max_length=500, pattern=r"\S")


def _json(value: Any) -> Response:
    return Response(orjson.dumps(value), media_type="application/json")


@router.get("/queues", response_model=QueueReport, operation_id="list_queues", summary="Queues with work or trouble",
            responses=responses())
def queues(client: Reader, hub: Hub, system: Name | None = None,
           limit: Annotated[int, Query(ge=1, le=10_000)] = 100) -> Response:
    """Blocked queues first, then stopped ones, then the deepest (``hub status``)."""
    with hub.reader.connect() as conn:
        return _json(queue_status(conn, utcnow(), limit=limit, system=system).as_dict())


@router.get("/messages", response_model=list[MessageSummary], operation_id="list_messages",
            summary="Messages, newest first", responses=responses())
def messages(client: Reader, hub: Hub,
             state: Annotated[str | None, Query(pattern=f"^({'|'.join(MESSAGE_STATUSES)})$",
                                                 description=f"One of {', '.join(MESSAGE_STATUSES)}.")] = None,
             queue: Name | None = None, system: Name | None = None,
             limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> Response:
    """Messages matching every filter given (``hub messages``)."""
    with hub.reader.connect() as conn:
        return _json(views.list_messages(conn, state=state, queue=queue, system=system, limit=limit))


@router.get("/messages/{message_id}", response_model=Message, operation_id="get_message",
            summary="One message with its payload and history", responses=responses(not_found="No such message."))
def message(message_id: MessageId, client: Reader, hub: Hub) -> Response:
    """A message with its payload and every status record (``hub message show``)."""
    with hub.reader.connect() as conn:
        return _json(views.get_message(conn, message_id))


def _act(hub: ApiServices, action: Any, *args: Any) -> Response:
    try:
        with hub.engine.begin() as conn:
            result = action(conn, *args, utcnow())
    except DocumentError as exc:
        raise ApiRefusal(409, str(exc), kind="conflict") from None
    return _json(Action.model_validate(result).model_dump(mode="json"))


ACTION_RESPONSES = responses(not_found="No such message or queue.",
                             conflict="The message's or queue's state does not allow this now.")


@router.post("/messages/{message_id}/retry", response_model=Action, operation_id="retry_message",
             summary="Retry a blocked or waiting message", responses=ACTION_RESPONSES)
def retry(message_id: MessageId, client: Admin, hub: Hub) -> Response:
    """Unblock the message's queue and try it now, with a fresh attempt budget (``hub retry``)."""
    return _act(hub, admin.retry_message, message_id)


@router.post("/messages/{message_id}/skip", response_model=Action, operation_id="skip_message",
             summary="Skip a message, with a reason", responses=ACTION_RESPONSES)
def skip(message_id: MessageId, request: Annotated[SkipRequest, Body()], client: Admin, hub: Hub) -> Response:
    """Never deliver the message; a blocked queue moves on (``hub skip``). The reason
    stays in the message's history."""
    return _act(hub, admin.skip_message, message_id, request.reason)


@router.post("/messages/{message_id}/replay", response_model=Action, operation_id="replay_message",
             summary="Send a finished message again", responses=ACTION_RESPONSES)
def replay(message_id: MessageId, client: Admin, hub: Hub) -> Response:
    """Send a delivered, confirmed or skipped message again from its kept payload, as a
    new message at the end of its queue (``hub replay``)."""
    return _act(hub, admin.replay_message, message_id)


@router.post("/queues/{name}/retry", response_model=Action, operation_id="retry_queue",
             summary="Retry the head of a queue", responses=ACTION_RESPONSES)
def retry_queue(name: Annotated[str, Path(max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")], client: Admin,
                hub: Hub) -> Response:
    """Retry the message at the head of a blocked or waiting queue (``hub retry --queue``)."""
    return _act(hub, admin.retry_queue, name)
