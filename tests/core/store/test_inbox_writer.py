"""The inbox writer: payloads of many route threads, committed together, each answered
with its own place only once it is committed."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from hub.core.store.inbox import InboxWriter, inbox


def _commits(engine: sa.Engine) -> list[int]:
    """A list that grows by one on each commit of ``engine``."""
    seen: list[int] = []
    sa.event.listen(engine, "commit", lambda conn: seen.append(1))
    return seen


def test_concurrent_payloads_are_kept_each_with_its_own_place_in_fewer_commits(hub_engine: sa.Engine) -> None:
    writer = InboxWriter(hub_engine)
    commits = _commits(hub_engine)
    start = threading.Barrier(32)

    def send(number: int) -> tuple[int, int]:
        start.wait()
        return number, writer.accept("shop", f"http:10.0.0.{number % 250}", "application/json",
                                     f'{{"n": {number}}}'.encode())

    with ThreadPoolExecutor(32) as pool:
        answers = dict(pool.map(send, range(320)))
    with hub_engine.connect() as conn:
        kept = {row.id: row for row in conn.execute(sa.select(inbox))}
    assert len(kept) == 320 and set(answers.values()) == set(kept)
    assert all(kept[place].payload == f'{{"n": {number}}}'.encode() for number, place in answers.items())
    assert len(commits) < 320


def test_a_failed_commit_fails_every_request_in_it_and_the_writer_goes_on(hub_engine: sa.Engine) -> None:
    writer = InboxWriter(hub_engine)
    with hub_engine.begin() as conn:
        conn.exec_driver_sql(f"ALTER TABLE {inbox.name} RENAME TO inbox_away")
    with pytest.raises(sa.exc.DBAPIError):
        writer.accept("shop", "http:127.0.0.1", "application/json", b"{}")
    with hub_engine.begin() as conn:
        conn.exec_driver_sql(f"ALTER TABLE inbox_away RENAME TO {inbox.name}")
    place = writer.accept("shop", "http:127.0.0.1", "application/json", b'{"again": true}')
    with hub_engine.connect() as conn:
        assert conn.execute(sa.select(inbox.c.payload).where(inbox.c.id == place)).scalar_one() == b'{"again": true}'
