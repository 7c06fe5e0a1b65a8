"""The till API on a live hub: card look-ups, reservations with idempotency keys, commit,
cancel, lapse, coupons, every refusal as problem+json, and tills racing for one card."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from loyalty_fixtures import line, loyalty_hub, member, post, sale

from hub.testing.live import LiveHub
from plugins.loyalty_pos.store.tables import api_keys
from plugins.loyalty_pos.till.keys import create_key

PROBLEM = "application/problem+json"


class Till:
    """A till of one store talking to the hub."""

    def __init__(self, hub: LiveHub, store: str = "S042") -> None:
        key = create_key(hub.context("loyalty_pos"), store).key
        self.client = httpx.Client(base_url=f"{hub.url}/loyalty_pos/v1", timeout=30,
                                   headers={"Authorization": f"Bearer {key}"})

    def card(self, card: str) -> httpx.Response:
        return self.client.get(f"/cards/{card}")

    def reserve(self, card: str, points: int, key: str | None = None, **extra: Any) -> httpx.Response:
        headers = {"Idempotency-Key": key or uuid.uuid4().hex}
        return self.client.post("/redemptions", json={"card": card, "points": points, **extra}, headers=headers)

    def commit(self, reservation: str) -> httpx.Response:
        return self.client.post(f"/redemptions/{reservation}/commit")

    def cancel(self, reservation: str) -> httpx.Response:
        return self.client.post(f"/redemptions/{reservation}/cancel")


class Tills:
    """Tills opened in a test, closed at its end."""

    def __init__(self, hub: LiveHub) -> None:
        self.hub = hub
        self.opened: list[Till] = []

    def open(self, store: str = "S042") -> Till:
        till = Till(self.hub, store)
        self.opened.append(till)
        return till

    def close(self) -> None:
        for till in self.opened:
            till.client.close()


OpenTills = Callable[[LiveHub], Tills]


@pytest.fixture
def open_tills() -> Iterator[OpenTills]:
    """Opens the tills of a test's hub; closes them after the test."""
    made: list[Tills] = []

    def make(hub: LiveHub) -> Tills:
        made.append(Tills(hub))
        return made[-1]

    yield make
    for each in made:
        each.close()


def _member_with(hub: LiveHub, card: str, points: int) -> None:
    post(hub, sale(1, [line(1, "1.00")], card=card))
    hub.cli_json("loyalty", "adjust", card, str(points), "--type", "BONUS", "--reason", "opening balance")


def _problem(answer: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    body: dict[str, Any] = answer.json()
    assert body["status"] == status and body["type"].endswith("/" + kind), body
    return body


def test_a_card_look_up_shows_member_tier_and_balances(tmp_path: Path, open_tills: OpenTills) -> None:
    with loyalty_hub(tmp_path) as hub:
        tills = open_tills(hub)
        _member_with(hub, "C1", 700)
        till = tills.open()
        shown = till.card("C1").json()
        unknown = till.card("C404")
        assert shown["member"] == member(hub, "C1")["member"] and shown["tier"] is None
        account = shown["balances"][0]
        assert (account["point_type"], account["balance"], account["available"], account["pending"]) == (
            "BONUS", 701, 700, 1)
        _problem(unknown, 404, "unknown-card")


def test_reserve_commit_spends_once_and_a_retry_with_its_key_spends_nothing_more(
        tmp_path: Path, open_tills: OpenTills) -> None:
    with loyalty_hub(tmp_path) as hub:
        tills = open_tills(hub)
        _member_with(hub, "C1", 500)
        till = tills.open()
        first = till.reserve("C1", 300, key="receipt-17", receipt="S042/01/x/17")
        assert first.status_code == 201 and first.json()["state"] == "reserved"
        again = till.reserve("C1", 300, key="receipt-17", receipt="S042/01/x/17")
        assert again.json()["id"] == first.json()["id"] and again.json()["replayed"] is True
        assert till.card("C1").json()["balances"][0]["available"] == 200
        _problem(till.reserve("C1", 250), 409, "insufficient-points")
        _problem(till.reserve("C1", 5, key="receipt-17"), 409, "idempotency-key-reused")
        reservation = first.json()["id"]
        committed = till.commit(reservation)
        assert committed.status_code == 200 and committed.json()["state"] == "committed"
        assert till.commit(reservation).json()["ledger_id"] == committed.json()["ledger_id"]
        _problem(till.cancel(reservation), 409, "reservation-committed")
        account = till.card("C1").json()["balances"][0]
        assert (account["balance"], account["available"]) == (201, 200)
        assert hub.cli_json("loyalty", "check")["ok"] is True  # type: ignore[index]


def test_a_cancelled_or_lapsed_reservation_holds_nothing(
        tmp_path: Path, open_tills: OpenTills) -> None:
    with loyalty_hub(tmp_path, reservation_lapse_seconds=1) as hub:
        tills = open_tills(hub)
        _member_with(hub, "C1", 100)
        till = tills.open()
        held = till.reserve("C1", 80).json()["id"]
        assert till.cancel(held).json()["state"] == "cancelled"
        assert till.card("C1").json()["balances"][0]["available"] == 100
        lapsing = till.reserve("C1", 90).json()["id"]
        assert till.card("C1").json()["balances"][0]["available"] == 10
        time.sleep(1.2)
        assert till.card("C1").json()["balances"][0]["available"] == 100
        _problem(till.commit(lapsing), 409, "reservation-lapsed")
        assert hub.cli_json("loyalty", "expire")["reservations_lapsed"] == 1  # type: ignore[index]


def test_refusals_are_problems_bad_key_wrong_store_malformed_body(
        tmp_path: Path, open_tills: OpenTills) -> None:
    with loyalty_hub(tmp_path) as hub:
        tills = open_tills(hub)
        _member_with(hub, "C1", 100)
        till, other = tills.open(), tills.open("S043")
        anonymous = httpx.get(f"{hub.url}/loyalty_pos/v1/cards/C1")
        _problem(anonymous, 401, "bad-key")
        forged = httpx.get(f"{hub.url}/loyalty_pos/v1/cards/C1", headers={"Authorization": "Bearer lpk_nope"})
        _problem(forged, 401, "bad-key")
        held = till.reserve("C1", 10).json()["id"]
        _problem(other.commit(held), 403, "wrong-store")
        _problem(till.reserve("C1", 10, store="S043"), 403, "wrong-store")
        bad = till.client.post("/redemptions", json={"card": 7, "points": "many", "colour": "red"},
                               headers={"Idempotency-Key": "k"})
        fields = sorted(e["field"] for e in _problem(bad, 422, "malformed-body")["errors"])
        assert fields == ["card", "colour", "points"]
        no_key = till.client.post("/redemptions", json={"card": "C1", "points": 1})
        assert _problem(no_key, 422, "malformed-body")["errors"][0]["field"] == "Idempotency-Key"
        for hostile in (b"", b"[", b"\x00\xff", b'{"card": "C1", "points": 1e999}'):
            _problem(till.client.post("/redemptions", content=hostile, headers={"Idempotency-Key": "h"}),
                     422, "malformed-body")
        huge = till.client.post("/redemptions", content=b"{" + b" " * 10_000 + b"}", headers={"Idempotency-Key": "h"})
        assert huge.status_code == 413
        _problem(till.commit("lr_unknown"), 404, "unknown-reservation")


def test_refused_till_requests_are_logged_without_the_key(
        tmp_path: Path, open_tills: OpenTills, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="hub.loyalty_pos")
    with loyalty_hub(tmp_path) as hub:
        tills = open_tills(hub)
        _member_with(hub, "C1", 100)
        till = tills.open()
        httpx.get(f"{hub.url}/loyalty_pos/v1/cards/C1", headers={"Authorization": "Bearer lpk_guessed"})
        till.reserve("C1", 10, store="S043")
        forged = "C1%0A2026-01-01%2000:00:00%20INFO%20all%20fine"
        httpx.get(f"{hub.url}/loyalty_pos/v1/cards/{forged}")
        lines = [r.getMessage() for r in caplog.records if r.name == "hub.loyalty_pos.till"]
        assert len(lines) == 3, lines
        assert lines[0].startswith("refused GET /loyalty_pos/v1/cards/C1 from 127.0.0.1:")
        assert lines[0].endswith(": unknown or revoked API key")
        assert lines[1].startswith("refused POST /loyalty_pos/v1/redemptions from 127.0.0.1:")
        assert lines[1].endswith(": this API key belongs to store 'S042', not 'S043'")
        assert lines[2].startswith(f"refused GET /loyalty_pos/v1/cards/{forged} from") and "\n" not in lines[2]
        key = till.client.headers["Authorization"].split()[1]
        assert "lpk_guessed" not in caplog.text and key not in caplog.text


def test_coupons_validate_redeem_once_and_expire(tmp_path: Path, open_tills: OpenTills) -> None:
    with loyalty_hub(tmp_path) as hub:
        tills = open_tills(hub)
        _member_with(hub, "C1", 10)
        issued = hub.cli_json("loyalty", "coupon", "issue", "--kind", "amount_off", "--value", "5", "--code", "SPRING5")
        assert isinstance(issued, dict) and issued["currency"] == "EUR" and issued["valid"] is True
        hub.cli_json("loyalty", "coupon", "issue", "--kind", "percent_off", "--value", "10", "--code", "OLD",
                     "--valid-to", "2020-01-31")
        till = tills.open()
        assert till.client.get("/coupons/SPRING5").json()["valid"] is True
        redeemed = till.client.post("/coupons/SPRING5/redeem", json={"receipt": "S042/01/x/9", "card": "C1"})
        assert redeemed.status_code == 200 and redeemed.json()["status"] == "redeemed"
        _problem(till.client.post("/coupons/SPRING5/redeem", json={}), 409, "coupon-not-redeemable")
        old = till.client.get("/coupons/OLD").json()
        assert old["valid"] is False and "expired" in old["reason"]
        _problem(till.client.get("/coupons/NOPE"), 404, "unknown-coupon")
        assert hub.cli_json("loyalty", "expire")["coupons_expired"] == 1  # type: ignore[index]


def _race(tills: Tills, clients: int, points: int) -> list[int]:
    racing = [tills.open() for _ in range(clients)]

    def redeem(till: Till) -> int:
        answer = till.reserve("C1", points)
        if answer.status_code != 201:
            assert answer.status_code == 409, answer.text
            return answer.status_code
        return till.commit(answer.json()["id"]).status_code

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(redeem, racing + racing))


@pytest.mark.timeout(120)
def test_twenty_tills_redeeming_from_one_card_never_take_it_below_zero(
        tmp_path: Path, database_url: str, open_tills: OpenTills) -> None:
    with loyalty_hub(tmp_path, database_url=database_url) as hub:
        tills = open_tills(hub)
        _member_with(hub, "C1", 1000)
        statuses = _race(tills, 20, 75)
        assert statuses.count(200) == 13 and statuses.count(409) == 27
        account = tills.open().card("C1").json()["balances"][0]
        assert (account["balance"], account["available"]) == (1001 - 13 * 75, 25)
        assert hub.cli_json("loyalty", "check")["ok"] is True  # type: ignore[index]


def test_a_key_is_printed_once_and_stored_only_as_its_hash(tmp_path: Path) -> None:
    with loyalty_hub(tmp_path) as hub:
        created = hub.cli_json("loyalty", "api-key", "create", "--store", "S042")
        assert isinstance(created, dict) and str(created["key"]).startswith("lpk_")
        key = str(created["key"])
        with hub.runtime.engine.connect() as conn:
            rows = conn.execute(sa.select(api_keys)).all()
        assert [(r.store, r.key_hash) for r in rows] == [("S042", hashlib.sha256(key.encode()).hexdigest())]
        files = list(tmp_path.glob("hub.db*"))
        assert files and key.encode() not in b"".join(p.read_bytes() for p in files)
        with pytest.raises(RuntimeError, match="a store id is 1 to 40 characters"):
            hub.cli_json("loyalty", "api-key", "create", "--store", " ")


def test_a_reward_of_the_programme_reserves_its_points_and_says_its_value(tmp_path: Path,
                                                                        open_tills: OpenTills) -> None:
    with loyalty_hub(tmp_path) as hub:
        tills = open_tills(hub)
        _member_with(hub, "C1", 600)
        till = tills.open()
        held = till.client.post("/redemptions", json={"card": "C1", "reward": "VOUCHER5"},
                                headers={"Idempotency-Key": "r1"})
        assert held.status_code == 201, held.text
        answer = held.json()
        assert (answer["points"], answer["reward"]["value"]) == (500, {"amount": "5.00", "currency": "EUR"})
        assert till.commit(answer["id"]).json()["state"] == "committed"
        assert till.card("C1").json()["balances"][0]["available"] == 100
        _problem(till.client.post("/redemptions", json={"card": "C1", "reward": "VOUCHER5"},
                                  headers={"Idempotency-Key": "r2"}), 409, "insufficient-points")
        _problem(till.client.post("/redemptions", json={"card": "C1", "reward": "CAR"},
                                  headers={"Idempotency-Key": "r3"}), 422, "malformed-body")
        _problem(till.client.post("/redemptions", json={"card": "C1", "reward": "VOUCHER5", "points": 5},
                                  headers={"Idempotency-Key": "r4"}), 422, "malformed-body")
