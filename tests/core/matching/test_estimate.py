"""Estimating the weights from unlabelled data (u from random pairs, m by EM sessions)."""

from __future__ import annotations

import math

from hub.core.matching.estimate import estimate
from hub.core.matching.model import MatchModel, default_model
from hub.core.matching.record import MatchRecord
from hub.testing.people import within_list


def test_weights_learnt_without_labels_say_what_agreement_and_disagreement_mean() -> None:
    records = [MatchRecord.from_data(r.partner_data()) for r in within_list(3000, seed=5)]
    model = estimate(records, default_model(), random_pairs=30_000, seed=3)
    assert isinstance(MatchModel.from_dict(model.as_dict()), MatchModel)
    person = model.weights["person"]

    def weight(field: str, level: int) -> float:
        return math.log2(person.m[field][level - 1] / person.u[field][level - 1])

    assert weight("birth_date", 1) > 10 and weight("birth_date", 4) < -5
    assert weight("first_name", 1) > 4 and weight("first_name", 6) < -3
    assert weight("last_name", 1) > weight("last_name", 3) > weight("last_name", 4)
    assert weight("identification", 1) > 6  # bounded by the 30,000 random pairs of this small sample
    assert 0.05 < person.rate < 3
