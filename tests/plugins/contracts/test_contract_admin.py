"""The administrator's side: the ending report (log and `hub contract ending`), renewal by
the scheduled job, `hub contract cancel` under the notice period, meter readings from a
file (bad files write nothing), and an over-release flagged instead of refused."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from contract_fixtures import billing_rows, service_contract, value_contract

from hub.api import ConfigError, HubError, Partner, SalesOrder, ServiceContract
from hub.cli.main import build_cli
from hub.testing.live import LiveHub
from plugins.contracts.ending import ending_job
from plugins.contracts.releases import apply_release
from plugins.contracts.settings import ContractsSettings

TODAY = dt.date.today()


def _hub(tmp_path: Path, database_url: str, **contracts: Any) -> LiveHub:
    return LiveHub(tmp_path / "hub", {"contracts": contracts}, database_url=database_url)


def _partner(hub: LiveHub) -> str:
    [result] = hub.upsert([Partner.model_validate({"kind": "organisation", "organisation_name": "Kunde AG"})])
    return result.hub_id


def _error(hub: LiveHub, *args: str) -> str:
    """The error a failing ``hub ARGS`` prints (``hub`` prints a HubError's text, one line each)."""
    result = CliRunner().invoke(build_cli(hub.runtime), list(args), obj=hub.runtime)
    assert isinstance(result.exception, HubError), result.output
    return str(result.exception)


def _indexed(hub: LiveHub, hub_id: str) -> bool:
    try:
        hub.cli_json("contract", "show", hub_id)
    except RuntimeError:
        return False
    return True


def test_ending_report_renewal_and_cancellation(tmp_path: Path, database_url: str,
                                                caplog: pytest.LogCaptureFixture) -> None:
    with _hub(tmp_path, database_url, ending_days=30) as hub:
        sold_to = _partner(hub)
        ending_soon, renewing, far = hub.upsert([
            service_contract(sold_to, "", TODAY - dt.timedelta(days=300), valid_to=TODAY + dt.timedelta(days=10)),
            service_contract(sold_to, "", TODAY - dt.timedelta(days=400), valid_to=TODAY - dt.timedelta(days=2),
                             renewal={"auto_renew": True, "renewal_months": 12, "notice_days": 30}),
            value_contract(sold_to, "500", TODAY + dt.timedelta(days=200))])
        assert hub.work_until(lambda: all(_indexed(hub, c.hub_id) and billing_rows(hub, c.hub_id) != []
                                          for c in (ending_soon, renewing)), timeout=30)
        with caplog.at_level(logging.INFO, logger="hub.plugins.contracts"):
            ending_job(hub.context("contracts"))
        report = hub.cli_json("contract", "ending")
        assert isinstance(report, dict)
        assert [(c["hub_id"], c["days_left"]) for c in report["contracts"]] == [(ending_soon.hub_id, 10)]
        assert f"service_contract {ending_soon.hub_id} of {sold_to} ends on" in caplog.text
        renewed = hub.cli_json("contract", "show", renewing.hub_id)
        assert isinstance(renewed, dict)
        assert dt.date.fromisoformat(renewed["data"]["valid_to"]) > TODAY
        assert f"{renewing.hub_id} renewed" in caplog.text

        # The renewed contract needs 30 days' notice: an end next week is moved to the term's end.
        moved = hub.cli_json("contract", "cancel", renewing.hub_id, "--by", "customer",
                             "--effective", (TODAY + dt.timedelta(days=7)).isoformat())
        assert isinstance(moved, dict) and moved["moved"] is True
        assert moved["effective_on"] == renewed["data"]["valid_to"]
        assert "notice period 30 days" in moved["message"]
        shown = hub.cli_json("contract", "show", renewing.hub_id)
        assert isinstance(shown, dict) and shown["data"]["cancellation"]["by"] == "customer"
        assert far.hub_id not in str(hub.cli_json("contract", "ending", "--now"))


def test_a_late_cancellation_is_refused_when_so_configured(tmp_path: Path, database_url: str) -> None:
    with _hub(tmp_path, database_url, late_cancellation="refuse") as hub:
        sold_to = _partner(hub)
        [contract] = hub.upsert([service_contract(sold_to, "", TODAY, valid_to=TODAY + dt.timedelta(days=20),
                                                  renewal={"auto_renew": True, "renewal_months": 6,
                                                           "notice_days": 60})])
        error = _error(hub, "contract", "cancel", contract.hub_id, "--by", "customer")
        assert "refused: notice period 60 days" in error and "earliest end allowed is" in error
        stored = hub.documents("service_contract")[0]
        assert isinstance(stored, ServiceContract) and stored.cancellation is None


def test_meter_readings_from_a_file_and_bad_files_write_nothing(tmp_path: Path, database_url: str) -> None:
    with _hub(tmp_path, database_url) as hub:
        sold_to = _partner(hub)
        [contract] = hub.upsert([service_contract(sold_to, "", TODAY, meter=True)])
        good = tmp_path / "readings.csv"
        good.write_text("contract,meter_id,read_at,value,unit,estimated\n"
                        f"{contract.hub_id},M-1,2026-01-01T00:00:00+00:00,10,C62,false\n"
                        f"{contract.hub_id},M-1,2026-02-01T00:00:00+00:00,25,C62,true\n", encoding="utf-8")
        assert hub.cli_json("contract", "readings", str(good)) == {"file": str(good), "readings": 2, "added": 2}
        assert hub.cli_json("contract", "readings", str(good)) == {"file": str(good), "readings": 2, "added": 0}
        bad_files = {
            "columns.csv": "contract,meter\nx,y\n",
            "lines.csv": "contract,meter_id,read_at,value,unit\n"
                         f"{contract.hub_id},M-1,not-a-date,5,C62\n{contract.hub_id},M-1,2026-03-01T00:00:00,x,C62\n",
            "backwards.csv": "contract,meter_id,read_at,value,unit\n"
                             f"{contract.hub_id},M-1,2026-03-01T00:00:00+00:00,5,C62\n",
            "unknown.csv": "contract,meter_id,read_at,value,unit\n"
                           f"{contract.hub_id},M-9,2026-03-01T00:00:00+00:00,50,C62\n"
                           "svc_NOPE,M-1,2026-03-01T00:00:00+00:00,50,C62\n",
            "hostile.csv": "contract,meter_id,read_at,value,unit\n" + "=cmd|' /C calc'!A0,M-1,\x00,1e999999,C62\n",
        }
        errors = {}
        for name, text in bad_files.items():
            path = tmp_path / name
            path.write_text(text, encoding="utf-8")
            errors[name] = _error(hub, "contract", "readings", str(path))
        assert "missing column(s) meter_id, read_at, value, unit" in errors["columns.csv"]
        assert "line 2:" in errors["lines.csv"] and "line 3:" in errors["lines.csv"]
        assert "a meter reading may not go down" in errors["backwards.csv"]
        assert "bills no meter M-9" in errors["unknown.csv"] and "svc_NOPE" in errors["unknown.csv"]
        assert "line 2:" in errors["hostile.csv"]
        stored = hub.documents("service_contract")[0]
        assert isinstance(stored, ServiceContract)
        meter = stored.items[1].usage_billing
        assert meter is not None and [str(r.reading.value) for r in meter.readings] == ["10", "25"]


def test_an_over_release_is_flagged_and_counted_when_so_configured(tmp_path: Path, database_url: str) -> None:
    with _hub(tmp_path, database_url) as hub:
        sold_to = _partner(hub)
        [contract] = hub.upsert([value_contract(sold_to, "100.00", TODAY + dt.timedelta(days=30))])
        [order] = hub.upsert([SalesOrder.model_validate({
            "currency": "EUR", "sold_to_hub_id": sold_to, "order_date": TODAY.isoformat(),
            "references": [{"doc_type": "sales_contract", "hub_id": contract.hub_id}],
            "items": [{"item_number": 1, "description": "parts", "quantity": {"value": "3", "unit": "PCE"},
                       "net_price": {"amount": "50.00", "currency": "EUR"}}]})])
        stored = hub.documents("sales_order")[0]
        assert isinstance(stored, SalesOrder)
        with hub.context("contracts").transaction() as transaction:
            notes = apply_release(transaction, stored, ContractsSettings(over_release="flag"), TODAY)
        assert notes == [f"release for {contract.hub_id} flagged: released value would be 150.00 EUR, beyond the"
                         " target 100.00 EUR"]
        shown = hub.cli_json("contract", "show", contract.hub_id)
        assert isinstance(shown, dict)
        assert shown["data"]["released_value"]["amount"] == "150.00"
        assert [(r["order_hub_id"], r["state"]) for r in shown["releases"]] == [(order.hub_id, "flagged")]


def test_settings_are_checked_like_every_section(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        LiveHub(tmp_path / "hub", {"contracts": {"over_release": "maybe", "ending_dayz": 3, "billing_batch": 0}})
    text = str(caught.value)
    assert "over_release: Input should be 'refuse' or 'flag'" in text
    assert "ending_dayz: unknown key (did you mean 'ending_days'?)" in text
    assert "billing_batch" in text
