"""``[plugins.loyalty_pos]``: every setting described, unknown keys and bad values
reported all at once by the hub, a removed key refused saying what replaced it, secrets
none so far."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pos_fixtures import hub
from pydantic import ValidationError

from plugins.loyalty_pos.settings import LoyaltyPosSettings


def test_defaults_and_every_field_described() -> None:
    settings = LoyaltyPosSettings()
    assert (settings.default_currency, settings.timezone) == ("EUR", "UTC")
    assert settings.return_window_days == 30 and settings.reservation_lapse_seconds == 300
    assert settings.key_cache_seconds == 5
    assert all(field.description for field in LoyaltyPosSettings.model_fields.values())


@pytest.mark.parametrize(("values", "field"), [
    ({"erp_mode": "receipt"}, "erp_mode"), ({"timezone": "Europe/Atlantis"}, "timezone"),
    ({"key_cache_seconds": 61}, "key_cache_seconds"),
    ({"default_currency": "euro"}, "default_currency"), ({"return_window_days": -1}, "return_window_days"),
    ({"reservation_lapse_seconds": 0}, "reservation_lapse_seconds"), ({"inbound_dri": "x"}, "inbound_dri"),
])
def test_bad_values_are_refused(values: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        LoyaltyPosSettings.model_validate(values)
    assert [e["loc"] for e in refused.value.errors()] == [(field,)]


def test_the_hub_reports_every_problem_of_the_table_at_once(tmp_path: Path) -> None:
    (tmp_path / "hub.toml").write_text('[plugins.loyalty_pos]\ntimezon = "Europe/Berlin"\nerp_mode = "weekly"\n'
                                       'default_currency = "GBP"\nreturn_window_days = -1\n', encoding="utf-8")
    done = hub(tmp_path, "config", "show")
    assert done.returncode != 0
    assert "hub.toml: [plugins.loyalty_pos] timezon: unknown key (did you mean 'timezone'?)" in done.stderr
    assert ("hub.toml: [plugins.loyalty_pos] erp_mode: no longer a setting of the stores: [plugins.erp_sap]"
            " pos_channel alone chooses how sales go to the ERP") in done.stderr
    assert "hub.toml: [plugins.loyalty_pos] return_window_days: " in done.stderr
    assert "hub.toml: [plugins.loyalty_pos] default_currency: " not in done.stderr
    (tmp_path / "hub.toml").write_text('[plugins.loyalty_pos]\ntimezone = "Europe/Berlin"\nkey_cache_seconds = 2\n',
                                       encoding="utf-8")
    shown = hub(tmp_path, "config", "show", "--json")
    assert shown.returncode == 0, shown.stderr
    assert '"Europe/Berlin"' in shown.stdout and '"key_cache_seconds": 2' in shown.stdout
    assert json.loads(shown.stdout)
