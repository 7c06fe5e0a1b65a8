"""Retention purges finished work only; the scheduler keeps jobs in the database."""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa

from hub.core import scheduler
from hub.core.errors import PermanentError
from hub.core.queue import NewMessage, Worker, enqueue, purge
from hub.core.queue.messages import utcnow
from hub.core.queue.tables import messages, scheduler_jobs
from hub.core.scheduling.runs import JobRuns
from hub.core.store.archive import archive_inbound
from hub.core.store.tables import InboundPayloadRow

inbound = InboundPayloadRow.__table__


def test_purge_removes_old_delivered_messages_and_unfailed_payloads(runtime, peer):
    peer.script["A"] = [PermanentError("no")]
    with runtime.engine.begin() as conn:
        enqueue(conn, [NewMessage("peer", f"peer:partner:{h}", "upsert", "partner", h, 1, {}) for h in "ABC"])
        enqueue(conn, [NewMessage("peer", "peer:partner:D", "upsert", "partner", "D", 1, {})])
        ok = archive_inbound(conn, "erp", "DEBMAS", "idoc-1", "application/xml", b"<a/>")
        bad = archive_inbound(conn, "erp", "DEBMAS", "idoc-2", "application/xml", b"<b/>")
        conn.execute(inbound.update().where(inbound.c.id == bad.id).values(status="failed"))
        assert archive_inbound(conn, "erp", "DEBMAS", "idoc-1", "application/xml", b"<a/>").duplicate
    Worker(runtime).run_until_idle()
    settings = runtime.settings.queue
    assert purge(runtime.engine, settings, utcnow()).messages == 0  # nothing old enough yet
    later = utcnow() + timedelta(days=settings.retention_payload_days + 1)
    result = purge(runtime.engine, settings, later)
    assert (result.messages, result.payloads) == (3, 1)
    with runtime.engine.connect() as conn:
        left = conn.execute(sa.select(messages.c.hub_id, messages.c.status)).all()
        payloads = conn.execute(sa.select(inbound.c.dedupe_key)).scalars().all()
    assert left == [("A", "blocked")]
    assert payloads == ["idoc-2"]
    assert ok.id != bad.id


def test_purge_keeps_a_conflicting_version_and_the_copy_it_conflicts_with(runtime):
    with runtime.engine.begin() as conn:
        first = archive_inbound(conn, "erp", "DEBMAS", "idoc-1", "application/xml", b"<a/>")
        conn.execute(inbound.update().where(inbound.c.id == first.id).values(status="posted"))
        other = archive_inbound(conn, "erp", "DEBMAS", "idoc-1", "application/xml", b"<other/>")
        done = archive_inbound(conn, "erp", "DEBMAS", "idoc-2", "application/xml", b"<c/>")
        conn.execute(inbound.update().where(inbound.c.id == done.id).values(status="posted"))
    settings = runtime.settings.queue
    later = utcnow() + timedelta(days=settings.retention_payload_days + 1)
    assert purge(runtime.engine, settings, later).payloads == 1
    with runtime.engine.connect() as conn:
        kept = conn.execute(sa.select(inbound.c.id).order_by(inbound.c.id)).scalars().all()
    assert kept == [first.id, other.id]


def test_scheduler_stores_jobs_and_keeps_their_next_run_over_a_restart(runtime):
    guard = scheduler.RunGuard(JobRuns(runtime.engine, "test-process", stale_after=15), lambda: True)
    first = scheduler.start_scheduler(runtime, guard)
    try:
        job = first.get_job(scheduler.RETENTION_JOB)
        assert job is not None and job.kwargs["job_id"] == scheduler.RETENTION_JOB
        planned = job.next_run_time
    finally:
        scheduler.stop_scheduler(first)
    with runtime.engine.connect() as conn:
        assert conn.execute(sa.select(scheduler_jobs.c.id)).scalars().all() == [scheduler.RETENTION_JOB]
    time.sleep(0.01)
    second = scheduler.start_scheduler(runtime, guard)
    try:
        assert second.get_job(scheduler.RETENTION_JOB).next_run_time == planned
        scheduler.run_job(scheduler.RETENTION_JOB)  # runs retention against this hub
    finally:
        scheduler.stop_scheduler(second)
