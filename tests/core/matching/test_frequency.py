"""Name frequencies for the model's term-frequency adjustment."""

from __future__ import annotations

import pytest

from hub.core.matching.frequency import FrequencyError, NameFrequencies


def test_common_names_keep_their_share_and_the_rest_share_one() -> None:
    names = ["mueller"] * 6 + ["schmidt"] * 2 + ["roth", "roth", "lang", "", "kuhn"]
    table = NameFrequencies.count(names, keep=2)
    assert table.of("mueller") == pytest.approx(6 / 12) and table.of("schmidt") == pytest.approx(2 / 12)
    # roth (2), lang (1), kuhn (1) of 12: sum(f^2) / sum(f) = (4 + 1 + 1) / 12 / 4
    assert table.of("roth") == table.of("unheard of") == pytest.approx(6 / 48)
    assert NameFrequencies.from_dict(table.as_dict()) == table


def test_a_share_outside_zero_to_one_is_refused_naming_the_name() -> None:
    with pytest.raises(FrequencyError, match="'mueller' has share 1.5"):
        NameFrequencies({"mueller": 1.5}, 0.001)
    with pytest.raises(FrequencyError, match="no names"):
        NameFrequencies.count(["", ""])
