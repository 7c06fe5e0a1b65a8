"""Leader election through the database: one holder at a time, a dead one replaced."""

from __future__ import annotations

import time

import sqlalchemy as sa

from hub.core.scheduling.leader import AdvisoryLock, LeaseLock, advisory_lock_key, leadership_for
from hub.core.scheduling.tables import leaders
from hub.core.store import migrate
from hub.core.store.db import create_engine


def test_one_holder_at_a_time_and_a_released_lead_is_taken_at_once(hub_engine: sa.Engine) -> None:
    first = leadership_for(hub_engine, lease_seconds=30, holder="host-a:1:aaaaaa")
    second = leadership_for(hub_engine, lease_seconds=30, holder="host-b:2:bbbbbb")
    assert first.try_acquire()
    assert not second.try_acquire()
    assert first.renew() and not second.renew()
    first.release()
    assert second.try_acquire()
    assert not first.try_acquire()
    with hub_engine.connect() as conn:
        row = conn.execute(sa.select(leaders.c.holder, leaders.c.term)).one()
    assert row.holder == "host-b:2:bbbbbb" and row.term == 2 == second.term
    second.release()


def test_a_sqlite_lease_that_runs_out_goes_to_a_standby_and_the_old_holder_learns_it(
        sqlite_database_url: str) -> None:
    engine = create_engine(sqlite_database_url)
    migrate.upgrade(engine)
    stalled = LeaseLock(engine, lease_seconds=0.3, holder="stalled")
    standby = LeaseLock(engine, lease_seconds=0.3, holder="standby")
    assert stalled.try_acquire()
    assert not standby.try_acquire()
    time.sleep(0.4)  # the holder sent no heartbeat: as if it had been killed
    assert standby.try_acquire() and standby.term == 2
    assert not stalled.renew()
    assert not stalled.try_acquire()
    engine.dispose()


def test_a_killed_postgres_leaders_lock_is_free_at_once(postgres_database_url: str) -> None:
    engine = create_engine(postgres_database_url)
    migrate.upgrade(engine)
    leader = AdvisoryLock(engine, lease_seconds=30, holder="leader")
    standby = AdvisoryLock(engine, lease_seconds=30, holder="standby")
    assert leader.try_acquire() and not standby.try_acquire()
    with engine.connect() as conn:  # the server ends a dead leader's session; wait until it has
        killed = conn.execute(sa.text(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND ((classid::bigint << 32) | objid::bigint) = (:key & x'ffffffffffffffff'::bigint)"
        ), {"key": leader.key}).scalars().all()
    assert killed == [True]
    assert standby.try_acquire()
    assert not leader.renew()
    standby.release()
    engine.dispose()


def test_two_hubs_in_two_schemas_of_one_database_lock_apart() -> None:
    assert advisory_lock_key("crm", "hub_a") != advisory_lock_key("crm", "hub_b")
    assert advisory_lock_key("crm", "hub_a") == advisory_lock_key("crm", "hub_a")
