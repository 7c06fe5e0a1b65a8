"""``hub load loyalty_pos day --source FILE``: a day-end file streamed through the same
pipeline, members earning as it posts; loading it again posts nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from loyalty_fixtures import loyalty_hub
from pos_fixtures import MALFORMED

from hub.api import ConfigError, utcnow
from plugins.loyalty_pos.poslog.generate import write_day


def test_a_day_file_loads_streamed_and_its_members_earn(tmp_path: Path) -> None:
    day = tmp_path / "day.xml"
    with day.open("wb") as out:
        write_day(out, 600, seed=5, stores=2, tills=2, day=utcnow().date(), card_share=0.5)
    with loyalty_hub(tmp_path / "hub") as hub:
        loaded = hub.load("loyalty_pos", "day", str(day))
        assert (loaded.done, loaded.failed) == (600, 0)
        assert hub.count("retail_transaction") == 600
        check = hub.cli_json("loyalty", "check")
        assert isinstance(check, dict) and check["ok"] is True and check["accounts"] > 50
        again = hub.load("loyalty_pos", "day", str(day))
        assert again.created == 0 and hub.count("retail_transaction") == 600
        assert hub.cli_json("loyalty", "check") == check


def test_a_broken_day_posts_what_came_before_the_break(tmp_path: Path) -> None:
    with loyalty_hub(tmp_path / "hub") as hub:
        loaded = hub.load("loyalty_pos", "day", str(MALFORMED / "truncated.xml"))
        assert loaded.done > 1 and loaded.failed == 1
        with pytest.raises(ConfigError, match="is not a file"):
            hub.load("loyalty_pos", "day", str(tmp_path / "missing.xml"))
